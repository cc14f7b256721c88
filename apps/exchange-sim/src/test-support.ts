// Shared by the simulator's tests: an in-process simulator on ephemeral ports and a real ws client.
import { gunzipSync } from 'node:zlib';
import { WebSocket, type ClientOptions } from 'ws';
import { testOptions, type SimOptions } from './options.js';
import { Simulator, type SimPorts } from './simulator.js';

export async function startSim(
  overrides: Partial<SimOptions> = {},
): Promise<{ sim: Simulator; ports: SimPorts; stop: () => Promise<void> }> {
  const sim = new Simulator(testOptions(overrides));
  const ports = await sim.start();
  return { sim, ports, stop: () => sim.stop() };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A client that keeps every frame (gunzipped when `gzip`), and its close code. */
export class TestClient {
  readonly frames: string[] = [];
  readonly binary: boolean[] = [];
  closeCode?: number;
  readonly ws: WebSocket;

  private constructor(url: string, gzip: boolean, options: ClientOptions) {
    this.ws = new WebSocket(url, options);
    this.ws.on('message', (data: Buffer, isBinary) => {
      this.binary.push(isBinary);
      this.frames.push(gzip ? gunzipSync(data).toString() : data.toString());
    });
    this.ws.on('close', (code) => (this.closeCode = code));
    this.ws.on('error', () => undefined);
  }

  static async open(url: string, { gzip = false, ...options }: ClientOptions & { gzip?: boolean } = {}): Promise<TestClient> {
    const client = new TestClient(url, gzip, options);
    await new Promise<void>((resolve, reject) => {
      client.ws.once('open', () => resolve());
      client.ws.once('error', reject);
    });
    return client;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first frame, from index `from` on, for which `match` holds (parsed as JSON when possible). */
  async next<T = Record<string, unknown>>(
    what: string,
    match: (frame: T & Record<string, unknown>, text: string) => boolean,
    timeoutMs = 5000,
    from = 0,
  ): Promise<T> {
    return waitFor(what, timeoutMs, () => {
      for (let i = from; i < this.frames.length; i++) {
        const text = this.frames[i]!;
        let parsed: T & Record<string, unknown>;
        try {
          parsed = JSON.parse(text) as T & Record<string, unknown>;
        } catch {
          continue;
        }
        if (match(parsed, text)) return parsed;
      }
      return undefined;
    });
  }

  async closed(timeoutMs = 5000): Promise<number> {
    return waitFor('the connection to close', timeoutMs, () => this.closeCode);
  }

  close(): void {
    this.ws.terminate();
  }
}
