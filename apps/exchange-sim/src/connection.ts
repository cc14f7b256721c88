import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { Subscription } from './subscription.js';

let nextConnection = 0;

/** One client connection: its subscriptions, fault state and protocol-specific state `S`. */
export class SimConnection<S> {
  readonly id = `c${++nextConnection}`;
  readonly openedAt = Date.now();
  readonly subscriptions = new Map<string, Subscription>();
  lastClientMessageAt = Date.now();
  /** Real time until which nothing at all is sent (stall fault). */
  stalledUntil = 0;
  /** The last data frame sent, for the duplicate fault. */
  lastDataFrame?: string;

  constructor(
    readonly ws: WebSocket,
    readonly state: S,
    private readonly encode: (text: string) => string | Buffer,
    private readonly onSent: () => void,
  ) {}

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  stalled(realNow = Date.now()): boolean {
    return realNow < this.stalledUntil;
  }

  send(text: string): void {
    if (!this.open || this.stalled()) return;
    this.ws.send(this.encode(text));
    this.onSent();
  }

  /** Bytes exactly as given, past the exchange's encoding: corrupt and hostile binary frames. */
  sendRaw(data: Buffer): void {
    if (!this.open || this.stalled()) return;
    this.ws.send(data);
    this.onSent();
  }

  /**
   * Frames sent within `send` leave in one write: at 1,200 symbols one syscall per frame was a fifth
   * of the simulator's CPU, and a busy exchange packs frames into shared TCP segments too.
   */
  corked(send: () => void): void {
    const socket = (this.ws as unknown as { _socket?: Socket })._socket;
    socket?.cork();
    try {
      send();
    } finally {
      socket?.uncork();
    }
  }

  sendData(text: string): void {
    this.lastDataFrame = text;
    this.send(text);
  }
}
