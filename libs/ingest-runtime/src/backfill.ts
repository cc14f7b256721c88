import type { Consumer, Message } from 'kafkajs';
import type { ResolvedExchangeConfig } from '@klineflow/config';
import { INTERVAL_MS, parseSymbol, type Interval } from '@klineflow/exchanges';
import { inSpan, type HealthRegistry, type Logger } from '@klineflow/observability';
import { describeErrors, validateBackfillRequest, type BackfillRequest } from '@klineflow/schemas';
import { backfillFrameHeaders, TOPICS } from '@klineflow/kafka';
import { Backoff } from '@klineflow/reconnect';
import type { IngestMetrics } from './metrics.js';
import { resolveSymbol, type BackfillCodec, type ExchangeProtocol, type KlineRange } from '@klineflow/exchange-modules';
import { RequestConnection } from './request-connection.js';

const REPLY_TIMEOUT_MS = 10_000;
/** Well inside the consumer's session (10 s), which a reply wait of REPLY_TIMEOUT_MS would otherwise outlast. */
const HEARTBEAT_EVERY_MS = 2_000;

/**
 * Heartbeats every `everyMs` until `work` settles, then settles as it did. A history reply can take
 * the whole REPLY_TIMEOUT_MS; without heartbeats the group dropped this member meanwhile, and the
 * request's bars were lost with the retry (chaos scenario a, RELIABILITY.md).
 */
export async function heartbeatWhile<T>(work: Promise<T>, heartbeat: () => Promise<void>, everyMs = HEARTBEAT_EVERY_MS): Promise<T> {
  let settled = false;
  const done = work
    .then(
      () => undefined,
      () => undefined,
    )
    .finally(() => (settled = true));
  while (!settled) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, everyMs)))]);
    clearTimeout(timer);
    if (!settled) await heartbeat();
  }
  return work;
}
/** A request that cannot get through for this long is reported failed; the gap stays open and counted. */
const GIVE_UP_AFTER_MS = 10 * 60_000;
const HEALTH_COMPONENT = 'backfill';

export interface BackfillServiceOptions {
  readonly config: ResolvedExchangeConfig;
  readonly protocol: ExchangeProtocol;
  readonly publish: (message: Message) => void;
  readonly metrics: IngestMetrics;
  readonly logger: Logger;
  readonly health: HealthRegistry;
  readonly now?: () => number;
}

/** Splits an open-time range into request windows of at most `maxBars` bars. */
export function requestWindows(
  interval: Interval,
  startMs: number,
  endMs: number,
  maxBars: number,
): Array<{ startMs: number; endMs: number }> {
  const step = INTERVAL_MS[interval];
  const windows: Array<{ startMs: number; endMs: number }> = [];
  for (let start = startMs; start <= endMs; start += step * maxBars) {
    windows.push({ startMs: start, endMs: Math.min(endMs, start + step * (maxBars - 1)) });
  }
  return windows;
}

/** The most bars one request may ask for: ten days of 1m bars, far beyond any outage worth replaying. */
export const MAX_BACKFILL_BARS = 15_000;

/**
 * Why a well-formed request must not be served: history only for the streams this exchange is
 * configured for (a hostile frame must not make us ask the exchange about a symbol nobody
 * subscribed), and only a bounded range (a corrupt time must not turn into a million requests).
 */
export function refusalOf(request: BackfillRequest, config: ResolvedExchangeConfig): string | undefined {
  if (!config.symbols.some((s) => s.canonical === request.symbol)) return `symbol ${request.symbol.slice(0, 40)} is not configured`;
  if (!(config.intervals as readonly string[]).includes(request.interval)) return `interval ${request.interval} is not configured`;
  const bars = (request.end_time - request.start_time) / INTERVAL_MS[request.interval as Interval] + 1;
  if (!(bars >= 1 && bars <= MAX_BACKFILL_BARS)) return `range of ${bars} bars (at most ${MAX_BACKFILL_BARS})`;
  return undefined;
}

/** Earliest time the next request may be sent; each request reserves a slot. */
interface RequestPacer {
  nextRequestAt: number;
}

/** What one request in flight uses: its connection and the pacer that connection's requests obey. */
interface Lane {
  readonly connection: RequestConnection;
  readonly pacer: RequestPacer;
}

/**
 * Serves `backfill-requests` for one exchange over its WebSocket history API, publishing
 * every reply unchanged to `raw.<exchange>` with kind=backfill. OKX has none: the request
 * is counted as unsupported and the normalizer's gap report stands.
 */
export class BackfillService {
  private readonly lanes: Lane[] = [];
  private readonly freeLanes: Lane[] = [];
  private readonly laneWaiters: Array<(lane: Lane) => void> = [];
  /** End of the exchange's rate limit or ban: it is per IP, so it holds back every request. */
  private blockedUntil = 0;
  private requestSeq = 0;
  private stopped = false;

  constructor(private readonly options: BackfillServiceOptions) {
    const { protocol, config } = options;
    if (!protocol.backfill) return;
    // The history endpoint as configured: Binance WS-API, HTX /ws (streams' connectUrl rules do not apply).
    const open = () => new RequestConnection(config.apiUrl, protocol, (reason) => options.metrics.error(reason));
    const shared = protocol.backfill.spacingPer === 'ip' ? { connection: open(), pacer: { nextRequestAt: 0 } } : undefined;
    for (let i = 0; i < config.backfillConcurrency; i++) this.lanes.push(shared ?? { connection: open(), pacer: { nextRequestAt: 0 } });
    this.freeLanes.push(...this.lanes);
  }

  /** Serves the requests `consumer` (connected, in the backfill group) receives. */
  async consume(consumer: Consumer): Promise<void> {
    await consumer.subscribe({ topic: TOPICS.backfillRequests, fromBeginning: false });
    await consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        const texts = batch.messages.map((m) => m.value?.toString() ?? '');
        await this.serveInOrder(
          texts,
          (index) => resolveOffset(batch.messages[index]!.offset),
          heartbeat,
          () => isRunning() && !isStale(),
        );
        await heartbeat();
      },
    });
    this.options.health.set(HEALTH_COMPONENT, 'up');
  }

  stop(): void {
    this.stopped = true;
    for (const lane of this.lanes) lane.connection.close();
  }

  /**
   * Requests of one exchange share a partition (keyed by exchange), so concurrency comes from
   * serving several of a batch at once. `done(i)` is called in order, once request i and every
   * one before it are finished: an offset is never committed past unserved work.
   */
  async serveInOrder(
    texts: readonly string[],
    done: (index: number) => void,
    heartbeat: () => Promise<void>,
    keepGoing: () => boolean = () => true,
  ): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    const finished = new Set<number>();
    let next = 0;
    for (const [index, text] of texts.entries()) {
      if (!keepGoing() || this.stopped) break;
      while (inFlight.size >= this.options.config.backfillConcurrency) await Promise.race(inFlight);
      const task = this.handle(text, heartbeat).then(() => {
        inFlight.delete(task);
        finished.add(index);
        for (; finished.has(next); next++) done(next);
      });
      inFlight.add(task);
    }
    await Promise.all(inFlight);
  }

  /** One consumed request; never throws (a bad request must not stop the consumer). */
  async handle(text: string, heartbeat: () => Promise<void> = async () => {}): Promise<void> {
    const { config, metrics, logger, protocol } = this.options;
    let request: unknown;
    try {
      request = JSON.parse(text);
    } catch {
      request = undefined;
    }
    if (!validateBackfillRequest(request)) {
      metrics.backfillRequests.inc({ exchange: config.exchange, outcome: 'invalid' });
      logger.warn('invalid backfill request', { detail: describeErrors(validateBackfillRequest), text: text.slice(0, 300) });
      return;
    }
    if (request.exchange !== config.exchange) return;
    const refusal = refusalOf(request, config);
    if (refusal) {
      metrics.backfillRequests.inc({ exchange: config.exchange, outcome: 'invalid' });
      logger.warn('backfill request refused', { detail: refusal, symbol: request.symbol.slice(0, 40), interval: request.interval });
      return;
    }
    if (!protocol.backfill || this.lanes.length === 0) {
      metrics.backfillRequests.inc({ exchange: config.exchange, outcome: 'unsupported' });
      logger.warn('backfill impossible: the exchange has no WebSocket history API; the gap stays reported', {
        symbol: request.symbol,
        interval: request.interval,
        start: request.start_time,
        end: request.end_time,
      });
      return;
    }
    const lane = await this.acquireLane();
    const codec = protocol.backfill;
    const attributes = {
      exchange: config.exchange,
      symbol: request.symbol,
      interval: request.interval,
      start_time: request.start_time,
      end_time: request.end_time,
    };
    const outcome = await inSpan('backfill.request', attributes, () => this.serve(request, codec, lane, heartbeat))
      .catch((error: unknown) => {
        logger.error('backfill failed', { symbol: request.symbol, interval: request.interval, error });
        return 'failed' as const;
      })
      .finally(() => this.releaseLane(lane));
    metrics.backfillRequests.inc({ exchange: config.exchange, outcome });
  }

  private acquireLane(): Promise<Lane> {
    const lane = this.freeLanes.pop();
    return lane ? Promise.resolve(lane) : new Promise((resolve) => this.laneWaiters.push(resolve));
  }

  private releaseLane(lane: Lane): void {
    const waiter = this.laneWaiters.shift();
    if (waiter) waiter(lane);
    else this.freeLanes.push(lane);
  }

  private async serve(
    request: BackfillRequest,
    codec: BackfillCodec,
    { connection, pacer }: Lane,
    heartbeat: () => Promise<void>,
  ): Promise<'served' | 'failed'> {
    const { config, metrics, logger, protocol, health } = this.options;
    const symbol = resolveSymbol(config.exchange, parseSymbol(request.symbol));
    const interval = request.interval as Interval;
    const key = protocol.streamKey(symbol, 'kline', interval);
    const startedAt = this.now();
    const retry = new Backoff({ initialMs: 250, maxMs: 5_000, resetAfterMs: 60_000 });
    for (const window of requestWindows(interval, request.start_time, request.end_time, codec.maxBarsPerRequest)) {
      const range: KlineRange = { symbol, interval, ...window };
      for (;;) {
        if (this.stopped) return 'failed';
        await this.pace(pacer, codec.minRequestSpacingMs, heartbeat);
        const id = `bf${++this.requestSeq}`;
        let reply: Awaited<ReturnType<RequestConnection['request']>>;
        try {
          reply = await heartbeatWhile(connection.request(id, codec.buildRequest(range, id), REPLY_TIMEOUT_MS), heartbeat);
        } catch (error) {
          // A dropped or silent history connection is transient: the bars are still owed, so retry.
          if (this.now() - startedAt > GIVE_UP_AFTER_MS) throw error;
          metrics.backfillRequests.inc({ exchange: config.exchange, outcome: 'retried' });
          logger.warn('backfill request lost; retrying', { symbol: symbol.canonical, interval, error: (error as Error).message });
          await this.wait(retry.nextDelay(this.now()), heartbeat);
          continue;
        }
        const result = codec.parseReply(reply.text);
        if (result.kind === 'ok') {
          this.options.publish({
            key,
            value: reply.text,
            headers: backfillFrameHeaders(config.exchange, reply.recvTs, { symbol: symbol.canonical, interval, ...window }),
          });
          metrics.backfillBars.inc({ exchange: config.exchange }, result.bars);
          health.set(HEALTH_COMPONENT, 'up');
          break;
        }
        if (result.kind === 'failed') {
          logger.warn('backfill request refused', { symbol: symbol.canonical, interval, detail: result.detail });
          return 'failed';
        }
        const waitMs = result.kind === 'retry' ? result.afterMs : Math.max(0, result.untilMs - this.now());
        this.blockedUntil = Math.max(this.blockedUntil, this.now() + waitMs);
        if (result.kind === 'banned') {
          metrics.backfillRequests.inc({ exchange: config.exchange, outcome: 'banned' });
          health.set(HEALTH_COMPONENT, 'degraded', `banned by the exchange until ${new Date(result.untilMs).toISOString()}`);
          logger.error('exchange banned our IP for history requests; backfill stopped until the ban ends', {
            detail: result.detail,
            until: result.untilMs,
          });
        } else {
          metrics.backfillRequests.inc({ exchange: config.exchange, outcome: 'rate_limited' });
          logger.warn('backfill rate-limited; waiting', { wait_ms: waitMs, detail: result.detail });
        }
      }
      await heartbeat();
    }
    return 'served';
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Reserves the next free request slot and waits for it; a rate limit that began meanwhile sends it to the back. */
  private async pace(pacer: RequestPacer, spacingMs: number, heartbeat: () => Promise<void>): Promise<void> {
    for (;;) {
      const now = this.now();
      const slot = Math.max(now, pacer.nextRequestAt, this.blockedUntil);
      pacer.nextRequestAt = slot + spacingMs;
      if (slot > now) await this.wait(slot - now, heartbeat);
      if (this.blockedUntil <= this.now()) return;
    }
  }

  /** Waits in short steps, heartbeating so the consumer group keeps this member. */
  private async wait(ms: number, heartbeat: () => Promise<void>): Promise<void> {
    const end = this.now() + ms;
    while (!this.stopped && this.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(3000, end - this.now())));
      await heartbeat();
    }
  }
}
