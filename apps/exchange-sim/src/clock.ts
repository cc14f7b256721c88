/** virtualNow = virtualStart + (realNow − realStart) × speed; a speed change re-anchors so time never jumps. */
export class VirtualClock {
  private anchorReal: number;
  private anchorVirtual: number;

  constructor(
    private currentSpeed: number,
    virtualStart: number = Date.now(),
    private readonly realNow: () => number = Date.now,
  ) {
    this.anchorReal = realNow();
    this.anchorVirtual = virtualStart;
  }

  now(): number {
    return Math.floor(this.anchorVirtual + (this.realNow() - this.anchorReal) * this.currentSpeed);
  }

  get speed(): number {
    return this.currentSpeed;
  }

  setSpeed(speed: number): void {
    if (!(speed > 0)) throw new RangeError('speed must be > 0');
    this.anchorVirtual = this.now();
    this.anchorReal = this.realNow();
    this.currentSpeed = speed;
  }
}
