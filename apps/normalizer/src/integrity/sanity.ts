import Big from 'big.js';

export type SanityCheck = 'price_jump' | 'volume_spike';

export interface SanityFinding {
  readonly check: SanityCheck;
  readonly detail: string;
}

export interface SanityLimits {
  readonly priceJumpPercent: number;
  readonly volumeSpikeMultiple: number;
  readonly volumeMedianWindow: number;
}

/** Runs on closed bars only (a few per stream per interval), so big.js arithmetic is affordable here. */
export function checkPriceJump(previousClose: string | null, close: string, limits: SanityLimits): SanityFinding | undefined {
  if (previousClose === null) return undefined;
  const previous = new Big(previousClose);
  if (previous.eq(0)) return undefined;
  const movePercent = new Big(close).minus(previous).abs().div(previous).times(100);
  if (movePercent.lte(limits.priceJumpPercent)) return undefined;
  return {
    check: 'price_jump',
    detail: `close ${close} moved ${movePercent.toFixed(2)}% from previous close ${previousClose} (limit ${limits.priceJumpPercent}%)`,
  };
}

/** Needs a full window: with fewer bars the median says little. */
export function checkVolumeSpike(window: readonly string[], volume: string, limits: SanityLimits): SanityFinding | undefined {
  if (window.length < limits.volumeMedianWindow) return undefined;
  const median = medianOf(window);
  if (median.eq(0)) return undefined;
  const limit = median.times(limits.volumeSpikeMultiple);
  if (new Big(volume).lte(limit)) return undefined;
  return { check: 'volume_spike', detail: `volume ${volume} exceeds ${limits.volumeSpikeMultiple} x median ${median.toString()}` };
}

function medianOf(values: readonly string[]): Big {
  const sorted = values.map((v) => new Big(v)).sort((a, b) => a.cmp(b));
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] as Big) : (sorted[middle - 1] as Big).plus(sorted[middle] as Big).div(2);
}
