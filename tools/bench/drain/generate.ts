// Real-shaped raw exchange frames for the drain benchmark: Binance, OKX and HTX klines (every
// interval) plus tickers, over many synthetic symbols, with advancing times and exact decimal text.
// Each frame is what the ingest app would publish to `raw.<exchange>`: the wire text (HTX already
// gunzipped, as its ingest inflates binary frames before publishing), keyed by the native stream
// name (the protocols' streamKey) and with the ingest's headers (exchange, conn_id, recv_ts, kind).
// The shapes follow the captured frames in fixtures/ (generate.test.ts compares them).
import { EXCHANGE_IDS, INTERVAL_MS, INTERVALS, type ExchangeId, type Interval } from '@klineflow/exchanges';
import { EXCHANGE_FACTS, EXCHANGES, resolveSymbol, toNativeInterval } from '@klineflow/exchange-modules';
import { BENCH_EXCHANGES } from '../shared/exchanges.js';

export interface GeneratedFrame {
  readonly topic: string;
  readonly key: string;
  readonly value: string;
  readonly headers: { exchange: ExchangeId; conn_id: string; recv_ts: string; kind: 'live' };
}

export interface GeneratorOptions {
  /** Synthetic symbols on each exchange (the seed scale is 1,200). */
  readonly symbolsPerExchange: number;
  readonly exchanges?: readonly ExchangeId[];
  readonly intervals?: readonly Interval[];
  /** Exchange time of the first step, ms. */
  readonly startTime: number;
  /** Exchange time between two updates of a stream (Binance pushes klines every 2 s). */
  readonly stepMs?: number;
  /** Each symbol's ticker is sent every this many steps (1 in 3 at 2 s is ~5 % of the frames). */
  readonly tickerEverySteps?: number;
  readonly seed?: number;
}

/** What the normalizer should make of the frames generated so far. */
export interface Expected {
  readonly frames: number;
  readonly klineFrames: number;
  readonly tickerFrames: number;
  /** StandardKline records: one per kline frame, plus one per HTX bar closed by its successor's first tick. */
  readonly klines: number;
  readonly tickers: number;
  /** Streams that carried klines, as `exchange:SYMBOL:interval` (their normalizer-state keys). */
  readonly klineStreams: number;
}

/**
 * Exchange time of the benchmark's first step: 2024-01-01 00:00:00.5 UTC. Behind every real stream,
 * so the benchmark never moves an exchange clock past a real bar (and within the normalizer's bounds,
 * after 2009; receive times are stamped alike, a few ms later).
 */
export const BENCH_EPOCH_MS = Date.UTC(2024, 0, 1, 0, 0, 0, 500);

/** Prefix of every synthetic symbol: no listed market starts with it, so benchmark data never mixes with real streams. */
export const SYMBOL_PREFIX = 'DRN';
const QUOTES = ['USDT', 'USDT', 'USDT', 'USDT', 'USDT', 'USDT', 'USDT', 'BTC', 'USDC', 'ETH'] as const;

export interface BenchSymbol {
  /** BTCUSDT form. */
  readonly canonical: string;
  readonly base: string;
  readonly quote: string;
}

/** The i-th synthetic market, the same on every exchange (as BTCUSDT is listed on all three). */
export function benchSymbol(i: number): BenchSymbol {
  const base = `${SYMBOL_PREFIX}${String(i).padStart(4, '0')}`;
  const quote = QUOTES[i % QUOTES.length] as string;
  return { canonical: base + quote, base, quote };
}

/** The exchanges a benchmark run fills, and whose stream state it clears: one answer for both. */
export function benchExchanges(options: Pick<GeneratorOptions, 'symbolsPerExchange' | 'exchanges'>): readonly ExchangeId[] {
  return options.exchanges ?? BENCH_EXCHANGES;
}

/** `exchange:SYMBOL:interval` of every kline stream the generator can produce: the normalizer-state keys to clear. */
export function benchStreamKeys(options: Pick<GeneratorOptions, 'symbolsPerExchange' | 'exchanges' | 'intervals'>): string[] {
  const keys: string[] = [];
  for (const exchange of benchExchanges(options)) {
    for (let i = 0; i < options.symbolsPerExchange; i++) {
      for (const interval of options.intervals ?? INTERVALS) keys.push(`${exchange}:${benchSymbol(i).canonical}:${interval}`);
    }
  }
  return keys;
}

/** Deterministic PRNG (mulberry32): the same options give the same frames. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `units` × 10^-decimals as exact decimal text. `trim` drops trailing fraction zeros (OKX, HTX);
 * Binance pads to 8 places. Integers only: no float ever turns into the text.
 */
export function formatUnits(units: number, decimals: number, trim: boolean): string {
  if (!Number.isSafeInteger(units) || units < 0) throw new Error(`not a non-negative safe integer: ${units}`);
  if (decimals === 0) return String(units);
  const digits = String(units).padStart(decimals + 1, '0');
  const int = digits.slice(0, digits.length - decimals);
  let frac = digits.slice(digits.length - decimals);
  if (trim) {
    let end = frac.length;
    while (end > 0 && frac.charCodeAt(end - 1) === 48) end--;
    frac = frac.slice(0, end);
  }
  return frac === '' ? int : `${int}.${frac}`;
}

/**
 * A JSON number literal as HTX writes it (its server prints doubles the Java way): plain below
 * 10^7 and down to 10^-3, `9.2E-7` below that.
 */
export function huobiLiteral(units: number, decimals: number): string {
  if (units === 0) return '0';
  const digits = String(units);
  const exponent = digits.length - 1 - decimals;
  if (exponent >= -3) return formatUnits(units, decimals, true);
  let end = digits.length;
  while (end > 1 && digits.charCodeAt(end - 1) === 48) end--;
  const mantissa = end > 1 ? `${digits[0]}.${digits.slice(1, end)}` : `${digits[0]}.0`;
  return `${mantissa}E${exponent}`;
}

/** One market's trading, shared by its six kline streams and its ticker (as on a real exchange). */
interface Market {
  readonly symbol: BenchSymbol;
  readonly native: string;
  /** Price decimals: the price is `price` × 10^-priceDecimals. */
  readonly priceDecimals: number;
  readonly sizeDecimals: number;
  readonly baseStep: number;
  price: number;
  open24h: number;
  high24h: number;
  low24h: number;
  volume24h: number;
  quote24h: number;
  tradeId: number;
  trades24h: number;
  readonly bars: Bar[];
  readonly tickerKey: string;
  readonly tickerConn: string;
}

interface Bar {
  readonly interval: Interval;
  readonly native: string;
  readonly key: string;
  readonly conn: string;
  /** Open time of the bar being built; NaN before the first step. */
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  quote: number;
  takerVolume: number;
  takerQuote: number;
  trades: number;
  firstTradeId: number;
  lastTradeId: number;
}

const QUOTE_DECIMALS = 8;

/** Frames of all streams, step by step: every kline stream gets one update per step, tickers every few steps. */
export class FrameGenerator {
  private readonly markets: Record<ExchangeId, Market[]>;
  private readonly exchanges: readonly ExchangeId[];
  private readonly stepMs: number;
  private readonly tickerEvery: number;
  private readonly rand: () => number;
  private step = 0;
  private counts = { frames: 0, klineFrames: 0, tickerFrames: 0, klines: 0, tickers: 0 };

  constructor(private readonly options: GeneratorOptions) {
    this.exchanges = benchExchanges(options);
    for (const exchange of this.exchanges)
      if (!KLINE[exchange] || !TICKER[exchange])
        throw new Error(`the drain benchmark writes no ${exchange} frames (KLINE and TICKER in generate.ts)`);
    this.stepMs = options.stepMs ?? 2000;
    this.tickerEvery = options.tickerEverySteps ?? 3;
    this.rand = random(options.seed ?? 8);
    const intervals = options.intervals ?? INTERVALS;
    this.markets = Object.fromEntries(
      EXCHANGE_IDS.map((exchange) => [
        exchange,
        this.exchanges.includes(exchange)
          ? Array.from({ length: options.symbolsPerExchange }, (_, i) => this.market(exchange, i, intervals))
          : [],
      ]),
    ) as Record<ExchangeId, Market[]>;
  }

  get expected(): Expected {
    const klineStreams = this.exchanges.length * this.options.symbolsPerExchange * (this.options.intervals ?? INTERVALS).length;
    return { ...this.counts, klineStreams };
  }

  /** Exchange time of the next step. */
  get time(): number {
    return this.options.startTime + this.step * this.stepMs;
  }

  /** The frames of the next step, every exchange, in publishing order. */
  nextStep(): GeneratedFrame[] {
    const out: GeneratedFrame[] = [];
    const time = this.time;
    for (const exchange of this.exchanges) {
      const markets = this.markets[exchange];
      for (let i = 0; i < markets.length; i++) {
        const market = markets[i] as Market;
        this.trade(market);
        for (const bar of market.bars) this.klineFrames(exchange, market, bar, time, out);
        if ((i + this.step) % this.tickerEvery === 0) {
          out.push(this.frame(exchange, market.tickerConn, market.tickerKey, time, TICKER[exchange]!(market, time)));
          this.counts.tickerFrames++;
          this.counts.tickers++;
        }
      }
    }
    this.step++;
    this.counts.frames += out.length;
    return out;
  }

  /** Generates steps until at least `frames` frames, handing each step's frames to `sink`; returns the count. */
  generate(frames: number, sink: (frames: GeneratedFrame[]) => void): number {
    const start = this.counts.frames;
    while (this.counts.frames - start < frames) sink(this.nextStep());
    return this.counts.frames - start;
  }

  private market(exchange: ExchangeId, i: number, intervals: readonly Interval[]): Market {
    const symbol = benchSymbol(i);
    const resolved = resolveSymbol(exchange, symbol);
    const { protocol } = EXCHANGES[exchange];
    // Prices from 10^-7 to 10^6 across symbols (HTX writes the smallest in exponent form), with about
    // five significant digits; sizes finer where the price is higher, so an update is worth $1 to $10k.
    const magnitude = ((i * 7919) % 13) - 7;
    const priceDecimals = Math.min(10, Math.max(1, 5 - magnitude));
    const sizeDecimals = Math.min(8, Math.max(0, magnitude + 1));
    const price = Math.round((1 + ((i * 104729) % 9000) / 1000) * 10 ** (magnitude + priceDecimals));
    const perConnection = EXCHANGE_FACTS[exchange].limits.maxStreamsPerConnection;
    const streamsPerSymbol = intervals.length + 1;
    // The ingest's connection ids (libs/ingest-runtime/src/plan.ts): OKX's candles come from its business endpoint.
    const klineEndpoint = protocol.endpointOf('kline') === 'url' ? 'main' : 'api';
    const bars = intervals.map((interval, j): Bar => {
      const position = i * streamsPerSymbol + j;
      const nativeInterval = toNativeInterval(exchange, interval);
      return {
        interval,
        native: nativeInterval,
        key: protocol.streamKey(resolved, 'kline', interval),
        conn: `${exchange}-s0-${klineEndpoint}-${Math.floor(position / perConnection)}-r0-g1`,
        openTime: Number.NaN,
        open: 0,
        high: 0,
        low: 0,
        close: 0,
        volume: 0,
        quote: 0,
        takerVolume: 0,
        takerQuote: 0,
        trades: 0,
        firstTradeId: 0,
        lastTradeId: 0,
      };
    });
    return {
      symbol,
      native: resolved.native,
      priceDecimals,
      sizeDecimals,
      baseStep: 1 + ((i * 31) % 50),
      price,
      open24h: price,
      high24h: price,
      low24h: price,
      volume24h: 0,
      quote24h: 0,
      tradeId: 1_000_000 + i * 1000,
      trades24h: 0,
      bars,
      tickerKey: protocol.streamKey(resolved, 'ticker'),
      tickerConn: `${exchange}-s0-main-${Math.floor((i * streamsPerSymbol + intervals.length) / perConnection)}-r0-g1`,
    };
  }

  /** The market trades since the last step: a small random walk, a few trades, some volume. */
  private trade(market: Market): void {
    const move = Math.round((this.rand() - 0.5) * market.price * 0.002);
    market.price = Math.max(1, market.price + move);
    market.high24h = Math.max(market.high24h, market.price);
    market.low24h = Math.min(market.low24h, market.price);
  }

  private klineFrames(exchange: ExchangeId, market: Market, bar: Bar, time: number, out: GeneratedFrame[]): void {
    const size = INTERVAL_MS[bar.interval];
    const openTime = time - (time % size);
    if (openTime !== bar.openTime) {
      if (!Number.isNaN(bar.openTime)) {
        if (exchange === 'huobi')
          this.counts.klines++; // closed by this step's tick of the next bar
        else {
          // Binance and OKX say so themselves: a final update with x=true / confirm=1 just after the bar's end.
          out.push(
            this.frame(
              exchange,
              bar.conn,
              bar.key,
              bar.openTime + size + 50,
              KLINE[exchange]!(market, bar, bar.openTime + size + 50, true),
            ),
          );
          this.counts.klineFrames++;
          this.counts.klines++;
        }
      }
      bar.openTime = openTime;
      bar.open = bar.high = bar.low = market.price;
      bar.volume = bar.quote = bar.takerVolume = bar.takerQuote = bar.trades = 0;
      bar.firstTradeId = market.tradeId + 1;
    }
    // Every update adds volume, so no two updates of a bar are equal (equal ones are dropped as duplicates).
    const trades = 1 + Math.floor(this.rand() * 4);
    const volume = market.baseStep * (1 + Math.floor(this.rand() * 20));
    const quote = Math.round((volume * market.price) / 10 ** (market.sizeDecimals + market.priceDecimals - QUOTE_DECIMALS));
    bar.close = market.price;
    bar.high = Math.max(bar.high, market.price);
    bar.low = Math.min(bar.low, market.price);
    bar.volume += volume;
    bar.quote += quote;
    bar.takerVolume += Math.floor(volume / 2);
    bar.takerQuote += Math.floor(quote / 2);
    bar.trades += trades;
    bar.lastTradeId = bar.firstTradeId + bar.trades - 1;
    if (bar.interval === '1m') {
      market.tradeId += trades;
      market.trades24h += trades;
      market.volume24h += volume;
      market.quote24h += quote;
    }
    out.push(this.frame(exchange, bar.conn, bar.key, time, KLINE[exchange]!(market, bar, time, false)));
    this.counts.klineFrames++;
    this.counts.klines++;
  }

  private frame(exchange: ExchangeId, connId: string, key: string, time: number, value: string): GeneratedFrame {
    // The ingest stamps recv_ts as the frame arrives: a few ms after the exchange time.
    return {
      topic: `raw.${exchange}`,
      key,
      value,
      headers: { exchange, conn_id: connId, recv_ts: String(time + 3 + (time % 7)), kind: 'live' },
    };
  }
}

type KlineText = (market: Market, bar: Bar, time: number, closed: boolean) => string;
type TickerText = (market: Market, time: number) => string;

/** Binance writes every decimal with 8 places; finer units are rounded to them (monotonically, so low <= close <= high holds). */
const b8 = (units: number, decimals: number) =>
  decimals <= 8 ? formatUnits(units * 10 ** (8 - decimals), 8, false) : formatUnits(Math.round(units / 10 ** (decimals - 8)), 8, false);
const okx = (units: number, decimals: number) => formatUnits(units, decimals, true);

/**
 * Frame text per exchange: the exchanges the benchmark can run. An exchange without an entry is not
 * benchmarked (the seed scale is BENCH_EXCHANGES); asking for it is an error.
 */
const KLINE: Partial<Record<ExchangeId, KlineText>> = {
  binance: (m, b, time, closed) => {
    const price = (units: number) => b8(units, m.priceDecimals);
    return `{"stream":"${b.key}","data":{"e":"kline","E":${time},"s":"${m.symbol.canonical}","k":{"t":${b.openTime},"T":${b.openTime + INTERVAL_MS[b.interval] - 1},"s":"${m.symbol.canonical}","i":"${b.native}","f":${b.firstTradeId},"L":${b.lastTradeId},"o":"${price(b.open)}","c":"${price(b.close)}","h":"${price(b.high)}","l":"${price(b.low)}","v":"${b8(b.volume, m.sizeDecimals)}","n":${b.trades},"x":${closed},"q":"${b8(b.quote, QUOTE_DECIMALS)}","V":"${b8(b.takerVolume, m.sizeDecimals)}","Q":"${b8(b.takerQuote, QUOTE_DECIMALS)}","B":"0"}}}`;
  },
  okx: (m, b, _time, closed) =>
    `{"arg":{"channel":"${b.native}","instId":"${m.native}"},"data":[["${b.openTime}","${okx(b.open, m.priceDecimals)}","${okx(b.high, m.priceDecimals)}","${okx(b.low, m.priceDecimals)}","${okx(b.close, m.priceDecimals)}","${okx(b.volume, m.sizeDecimals)}","${okx(b.quote, QUOTE_DECIMALS)}","${okx(b.quote, QUOTE_DECIMALS)}","${closed ? '1' : '0'}"]]}`,
  bybit: (m, b, time, closed) =>
    `{"topic":"${b.key}","data":[{"start":${b.openTime},"end":${b.openTime + INTERVAL_MS[b.interval] - 1},"interval":"${b.native}","open":"${okx(b.open, m.priceDecimals)}","close":"${okx(b.close, m.priceDecimals)}","high":"${okx(b.high, m.priceDecimals)}","low":"${okx(b.low, m.priceDecimals)}","volume":"${okx(b.volume, m.sizeDecimals)}","turnover":"${okx(b.quote, QUOTE_DECIMALS)}","confirm":${closed},"timestamp":${time}}],"ts":${time},"type":"snapshot"}`,
  huobi: (m, b, time) =>
    `{"ch":"market.${m.native}.kline.${b.native}","ts":${time},"tick":{"id":${b.openTime / 1000},"open":${huobiLiteral(b.open, m.priceDecimals)},"close":${huobiLiteral(b.close, m.priceDecimals)},"low":${huobiLiteral(b.low, m.priceDecimals)},"high":${huobiLiteral(b.high, m.priceDecimals)},"amount":${huobiLiteral(b.volume, m.sizeDecimals)},"vol":${huobiLiteral(b.quote, QUOTE_DECIMALS)},"count":${b.trades}}}`,
};

const TICKER: Partial<Record<ExchangeId, TickerText>> = {
  binance: (m, time) => {
    const price = (units: number) => b8(units, m.priceDecimals);
    const change = m.price - m.open24h;
    const changeText = `${change < 0 ? '-' : ''}${price(Math.abs(change))}`;
    const percent = ((change / m.open24h) * 100).toFixed(3);
    const bid = Math.max(1, m.price - 1);
    return `{"stream":"${m.native}@ticker","data":{"e":"24hrTicker","E":${time},"s":"${m.symbol.canonical}","p":"${changeText}","P":"${percent}","w":"${price(m.price)}","x":"${price(m.open24h)}","c":"${price(m.price)}","Q":"${b8(m.baseStep, m.sizeDecimals)}","b":"${price(bid)}","B":"${b8(m.baseStep * 3, m.sizeDecimals)}","a":"${price(m.price + 1)}","A":"${b8(m.baseStep * 2, m.sizeDecimals)}","o":"${price(m.open24h)}","h":"${price(m.high24h)}","l":"${price(m.low24h)}","v":"${b8(m.volume24h, m.sizeDecimals)}","q":"${b8(m.quote24h, QUOTE_DECIMALS)}","O":${time - 86_400_000},"C":${time},"F":${m.tradeId - m.trades24h + 1},"L":${m.tradeId},"n":${m.trades24h}}}`;
  },
  okx: (m, time) =>
    `{"arg":{"channel":"tickers","instId":"${m.native}"},"data":[{"instType":"SPOT","instId":"${m.native}","last":"${okx(m.price, m.priceDecimals)}","lastSz":"${okx(m.baseStep, m.sizeDecimals)}","askPx":"${okx(m.price + 1, m.priceDecimals)}","askSz":"${okx(m.baseStep * 2, m.sizeDecimals)}","bidPx":"${okx(Math.max(1, m.price - 1), m.priceDecimals)}","bidSz":"${okx(m.baseStep * 3, m.sizeDecimals)}","open24h":"${okx(m.open24h, m.priceDecimals)}","high24h":"${okx(m.high24h, m.priceDecimals)}","low24h":"${okx(m.low24h, m.priceDecimals)}","sodUtc0":"${okx(m.open24h, m.priceDecimals)}","sodUtc8":"${okx(m.open24h, m.priceDecimals)}","volCcy24h":"${okx(m.quote24h, QUOTE_DECIMALS)}","vol24h":"${okx(m.volume24h, m.sizeDecimals)}","ts":"${time}"}]}`,
  bybit: (m, time) =>
    `{"topic":"tickers.${m.native}","ts":${time},"type":"snapshot","cs":${m.tradeId},"data":{"symbol":"${m.native}","lastPrice":"${okx(m.price, m.priceDecimals)}","highPrice24h":"${okx(m.high24h, m.priceDecimals)}","lowPrice24h":"${okx(m.low24h, m.priceDecimals)}","prevPrice24h":"${okx(m.open24h, m.priceDecimals)}","volume24h":"${okx(m.volume24h, m.sizeDecimals)}","turnover24h":"${okx(m.quote24h, QUOTE_DECIMALS)}","price24hPcnt":"${((m.price - m.open24h) / m.open24h).toFixed(4)}","usdIndexPrice":"${okx(m.price, m.priceDecimals)}"}}`,
  huobi: (m, time) =>
    `{"ch":"market.${m.native}.ticker","ts":${time},"tick":{"open":${huobiLiteral(m.open24h, m.priceDecimals)},"high":${huobiLiteral(m.high24h, m.priceDecimals)},"low":${huobiLiteral(m.low24h, m.priceDecimals)},"close":${huobiLiteral(m.price, m.priceDecimals)},"amount":${huobiLiteral(m.volume24h, m.sizeDecimals)},"vol":${huobiLiteral(m.quote24h, QUOTE_DECIMALS)},"count":${m.trades24h},"bid":${huobiLiteral(Math.max(1, m.price - 1), m.priceDecimals)},"bidSize":${huobiLiteral(m.baseStep * 3, m.sizeDecimals)},"ask":${huobiLiteral(m.price + 1, m.priceDecimals)},"askSize":${huobiLiteral(m.baseStep * 2, m.sizeDecimals)},"lastPrice":${huobiLiteral(m.price, m.priceDecimals)},"lastSize":${huobiLiteral(m.baseStep, m.sizeDecimals)}}}`,
};
