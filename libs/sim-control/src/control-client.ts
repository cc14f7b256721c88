// A typed client of the simulator's control API, for tests (e2e imports it).
import type { ClosedBar, HostileResult, SimState } from './types.js';

export interface FaultResult {
  readonly exchange: string;
  readonly connections?: number;
  readonly streams?: number;
}

export class SimControl {
  constructor(private readonly baseUrl: string) {}

  /** Terminates every connection of the exchange abruptly (no close frame), or only `limit` of those carrying klines. */
  drop(exchange: string, limit?: number): Promise<FaultResult> {
    return this.post(`/faults/drop?exchange=${exchange}${limit === undefined ? '' : `&limit=${limit}`}`);
  }

  /** Keeps the market-data connections open but sends nothing on them, not even pings, for `ms`. */
  stall(exchange: string, ms: number): Promise<FaultResult> {
    return this.post(`/faults/stall?exchange=${exchange}&ms=${ms}`);
  }

  /** Terminates every connection and refuses new ones for `ms`: a missed window. */
  blackout(exchange: string, ms: number): Promise<FaultResult> {
    return this.post(`/faults/blackout?exchange=${exchange}&ms=${ms}`);
  }

  malformed(exchange: string): Promise<FaultResult> {
    return this.post(`/faults/malformed?exchange=${exchange}`);
  }

  impossibleCandle(exchange: string): Promise<FaultResult> {
    return this.post(`/faults/impossible-candle?exchange=${exchange}`);
  }

  duplicate(exchange: string): Promise<FaultResult> {
    return this.post(`/faults/duplicate?exchange=${exchange}`);
  }

  /** Binance serverShutdown / OKX notice 64008, then a close after the configured grace; refused (400) on an exchange without a notice. */
  shutdownNotice(exchange: string): Promise<FaultResult> {
    return this.post(`/faults/shutdown-notice?exchange=${exchange}`);
  }

  /**
   * Sends `rounds` rounds of hostile frames to every connection carrying a kline stream: truncated and garbage
   * frames, a field mutated (23-digit time, "1e400", "-5", "NaN", null), deeply nested arrays, 0.5 and 1 MiB
   * strings, a subscribed stream naming another symbol or interval, and on HTX gzip bombs and corrupt gzip.
   */
  hostile(exchange: string, rounds = 1): Promise<HostileResult> {
    return this.post(`/faults/hostile?exchange=${exchange}&rounds=${rounds}`);
  }

  setSpeed(speed: number): Promise<{ speed: number; virtualNow: number }> {
    return this.post(`/clock?speed=${speed}`);
  }

  state(): Promise<SimState> {
    return this.request('GET', '/state');
  }

  /** Every bar the exchange closed while its stream had a subscriber, with the exact text it pushed. */
  closedBars(exchange: string): Promise<ClosedBar[]> {
    return this.request('GET', `/closed-bars?exchange=${exchange}`);
  }

  private post<T>(path: string): Promise<T> {
    return this.request('POST', path);
  }

  private async request<T>(method: string, path: string): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, { method });
    const body = (await response.json()) as T & { error?: string };
    if (!response.ok) throw new Error(`exchange-sim ${method} ${path}: ${response.status} ${body.error ?? ''}`);
    return body;
  }
}
