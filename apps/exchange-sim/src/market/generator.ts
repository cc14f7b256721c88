import type { ExchangeId } from '@klineflow/exchanges';
import { hash32, uniform } from './hash.js';
import type { Timeframe } from './timeframe.js';

/** Price level, tick size and volume scale of one market on one exchange. */
export interface MarketProfile {
  readonly seed: number;
  /** Prices are integers of 10^-priceDecimals. */
  readonly priceDecimals: number;
  /** Volumes are integers of 10^-volumeDecimals (base asset). */
  readonly volumeDecimals: number;
  readonly basePrice: number;
  /** Typical base volume traded per minute, in volume units. */
  readonly volumePerMinute: number;
  readonly tradesPerMinute: number;
  /** HTX writes some markets' prices with all their decimals ("10050.00"). */
  readonly fixedPriceLiterals: boolean;
}

/** All prices in ticks, volumes in units; quote volumes in units × ticks (decimals summed). */
export interface Bar {
  readonly openTime: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly quoteVolume: bigint;
  readonly trades: number;
  readonly takerVolume: number;
  readonly takerQuoteVolume: bigint;
}

export interface Spot {
  readonly time: number;
  readonly last: number;
  readonly open24h: number;
  readonly high24h: number;
  readonly low24h: number;
  readonly volume24h: number;
  readonly quoteVolume24h: bigint;
  readonly trades24h: number;
  readonly bid: number;
  readonly ask: number;
  readonly bidSize: number;
  readonly askSize: number;
  readonly lastSize: number;
}

export interface Level {
  readonly price: number;
  readonly size: number;
}

/** Price levels spread so that no market sits near 1.0, where base and quote volume would coincide. */
const PRICE_CLASSES = [
  { price: 64_000, priceDecimals: 2, volumeDecimals: 8, volumePerMinute: 12e8 },
  { price: 3_150, priceDecimals: 2, volumeDecimals: 6, volumePerMinute: 90e6 },
  { price: 152, priceDecimals: 3, volumeDecimals: 4, volumePerMinute: 4e7 },
  { price: 2.45, priceDecimals: 4, volumeDecimals: 2, volumePerMinute: 6e7 },
  { price: 0.0823, priceDecimals: 6, volumeDecimals: 2, volumePerMinute: 5e8 },
  { price: 0.0000056, priceDecimals: 10, volumeDecimals: 0, volumePerMinute: 3e9 },
] as const;

const WELL_KNOWN: Record<string, number> = { BTC: 0, ETH: 1, SOL: 2, BNB: 2 };

/** Slow oscillations (period minutes, relative amplitude) that make a continuous price path. */
const WAVES = [
  [7, 0.0015],
  [53, 0.005],
  [660, 0.015],
  [7_200, 0.035],
] as const;

const PATH_SAMPLES = 16;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** The sampled price path of one bar, and the seed of its wicks and volumes. */
interface BarPath {
  readonly openTime: number;
  readonly seed: number;
  readonly prices: number[];
}

interface DayRange {
  readonly hour: number;
  readonly high: number;
  readonly low: number;
}

/**
 * Deterministic market: a bar's final values are a pure function of (exchange, symbol, timeframe,
 * open time), so live pushes, history replies and the closed-bar record agree.
 */
export class MarketGenerator {
  private readonly profiles = new Map<string, MarketProfile>();

  profile(exchange: ExchangeId, symbol: string, base: string): MarketProfile {
    const key = `${exchange}:${symbol}`;
    let profile = this.profiles.get(key);
    if (!profile) {
      const seed = hash32(key);
      const cls = PRICE_CLASSES[WELL_KNOWN[base] ?? hash32(symbol) % PRICE_CLASSES.length]!;
      // Binance writes 8 decimals: a tick finer than 10^-8 cannot be expressed there.
      const priceDecimals = exchange === 'binance' ? Math.min(cls.priceDecimals, 8) : cls.priceDecimals;
      const basePrice = cls.price * (0.8 + 0.4 * uniform(seed, 0)) * 10 ** priceDecimals;
      profile = {
        seed,
        priceDecimals,
        volumeDecimals: cls.volumeDecimals,
        basePrice,
        volumePerMinute: cls.volumePerMinute * (0.5 + uniform(seed, 1)),
        tradesPerMinute: Math.round(40 + 400 * uniform(seed, 2)),
        fixedPriceLiterals: uniform(seed, 3) < 0.5,
      };
      this.profiles.set(key, profile);
    }
    return profile;
  }

  /** Each market's wave phases: hashed once, not on each of the PATH_SAMPLES prices of every bar of every tick. */
  private readonly wavePhases = new WeakMap<MarketProfile, number[]>();
  /**
   * The path samples of the bar each market and interval is pushing: the same at each of its updates
   * (one every 2 s), and the sines were 13 % of the simulator's CPU at 1,200 symbols. One small array
   * per market and interval: remembering every price computed (up to 1.8 M map entries) slowed the
   * simulator so that at 1,200 symbols HTX handshakes timed out and subscribing took over 300 s (53 s with this).
   */
  private readonly paths = new WeakMap<MarketProfile, Map<string, BarPath>>();

  /** The path of the bar a market and interval is pushing, with its seed: one lookup per bar, not one per sample. */
  private path(profile: MarketProfile, tf: Timeframe, openTime: number): BarPath {
    let byTimeframe = this.paths.get(profile);
    if (!byTimeframe) this.paths.set(profile, (byTimeframe = new Map()));
    let path = byTimeframe.get(tf.id);
    if (!path || path.openTime !== openTime)
      byTimeframe.set(tf.id, (path = { openTime, seed: hash32(`${profile.seed}:${tf.id}:${openTime}`), prices: [] }));
    return path;
  }

  /** Price `k` of the PATH_SAMPLES samples of a bar's path. */
  private pathPrice(profile: MarketProfile, tf: Timeframe, path: BarPath, k: number): number {
    return (path.prices[k] ??= this.priceAt(profile, path.openTime + (k * tf.sizeMs) / PATH_SAMPLES));
  }

  /** Price in ticks at a virtual time: continuous, so a bar's close is the next bar's open. */
  priceAt(profile: MarketProfile, time: number): number {
    let phases = this.wavePhases.get(profile);
    if (!phases) this.wavePhases.set(profile, (phases = WAVES.map((_, i) => 2 * Math.PI * uniform(profile.seed, 10 + i))));
    let factor = 1;
    for (let i = 0; i < WAVES.length; i++) {
      const [periodMinutes, amplitude] = WAVES[i]!;
      factor += amplitude * Math.sin((2 * Math.PI * time) / (periodMinutes * MINUTE) + phases[i]!);
    }
    return Math.max(1, Math.round(profile.basePrice * factor));
  }

  /** The bar at `openTime` as it stands at virtual time `now`; the final bar once `now` reaches its close. */
  bar(profile: MarketProfile, tf: Timeframe, openTime: number, now = Number.POSITIVE_INFINITY): Bar {
    const progress = Math.min(1, Math.max(0, (now - openTime) / tf.sizeMs));
    const path = this.path(profile, tf, openTime);
    const { seed } = path;
    // The close walks the sampled path, so high and low (the extremes of the samples so far) only widen.
    const reached = Math.floor(progress * PATH_SAMPLES);
    const open = this.pathPrice(profile, tf, path, 0);
    let close = open;
    let high = open;
    let low = open;
    for (let k = 1; k <= reached; k++) {
      close = this.pathPrice(profile, tf, path, k);
      high = Math.max(high, close);
      low = Math.min(low, close);
    }
    const wick = profile.basePrice * 0.0008;
    high += Math.round(wick * uniform(seed, 0) * progress);
    low = Math.max(1, low - Math.round(wick * uniform(seed, 1) * progress));

    // Volumes grow toward the final value but never start at zero, so base and quote always differ.
    const growth = 0.05 + 0.95 * progress;
    const minutes = tf.sizeMs / MINUTE;
    const volume = Math.max(1, Math.round(profile.volumePerMinute * minutes * (0.5 + uniform(seed, 2)) * growth));
    const trades = Math.max(1, Math.round(profile.tradesPerMinute * minutes * (0.5 + uniform(seed, 3)) * growth));
    const vwap = BigInt(Math.floor((open + high + low + close) / 4));
    const takerVolume = Math.floor(volume * (0.3 + 0.4 * uniform(seed, 4)));
    return {
      openTime,
      open,
      high,
      low,
      close,
      volume,
      trades,
      takerVolume,
      quoteVolume: BigInt(volume) * vwap,
      takerQuoteVolume: BigInt(takerVolume) * vwap,
    };
  }

  private readonly dayRanges = new WeakMap<MarketProfile, DayRange>();

  /**
   * High and low of the prices on the hours of the last day: the same for a whole hour, so a market's
   * ticker pushes (every 2 s) share them rather than computing 23 prices each.
   */
  private dayRange(profile: MarketProfile, now: number): DayRange {
    const hour = now - (((now % HOUR) + HOUR) % HOUR);
    const cached = this.dayRanges.get(profile);
    if (cached?.hour === hour) return cached;
    let high = 0;
    let low = Number.POSITIVE_INFINITY;
    for (let k = 0; k < 24; k++) {
      const price = this.priceAt(profile, hour - k * HOUR);
      high = Math.max(high, price);
      low = Math.min(low, price);
    }
    const range = { hour, high, low };
    this.dayRanges.set(profile, range);
    return range;
  }

  /** Ticker state at `now`: last price, 24 h rolling statistics and the top of book. */
  spot(profile: MarketProfile, now: number): Spot {
    const last = this.priceAt(profile, now);
    const open24h = this.priceAt(profile, now - DAY);
    const range = this.dayRange(profile, now);
    const high24h = Math.max(last, open24h, range.high);
    const low24h = Math.min(last, open24h, range.low);
    const volume24h = Math.round(profile.volumePerMinute * 1440);
    const seed = hash32(`${profile.seed}:spot:${Math.floor(now / 1000)}`);
    const spread = Math.max(1, Math.round(profile.basePrice * 0.0001));
    const size = (draw: number) => Math.max(1, Math.round(profile.volumePerMinute * 0.05 * uniform(seed, draw)));
    return {
      time: now,
      last,
      open24h,
      high24h,
      low24h,
      volume24h,
      quoteVolume24h: BigInt(volume24h) * BigInt(Math.floor((high24h + low24h) / 2)),
      trades24h: profile.tradesPerMinute * 1440,
      bid: Math.max(1, last - spread),
      ask: last + spread,
      bidSize: size(0),
      askSize: size(1),
      lastSize: size(2),
    };
  }

  /** `depth` levels a side around the spot price, best first. */
  book(profile: MarketProfile, spot: Spot, depth: number): { bids: Level[]; asks: Level[] } {
    const step = Math.max(1, Math.round(profile.basePrice * 0.00005));
    const seed = hash32(`${profile.seed}:book:${spot.time}`);
    const bids: Level[] = [];
    const asks: Level[] = [];
    for (let i = 0; i < depth; i++) {
      const size = (draw: number) => Math.max(1, Math.round(profile.volumePerMinute * 0.2 * uniform(seed, draw)));
      if (spot.bid - i * step > 0) bids.push({ price: spot.bid - i * step, size: size(2 * i) });
      asks.push({ price: spot.ask + i * step, size: size(2 * i + 1) });
    }
    return { bids, asks };
  }
}
