/**
 * Every price and volume is stored in ClickHouse as Decimal(38, 18): at most 18 places and
 * 20 integer digits. The normalizer rejects what does not fit and the sink refuses to round it,
 * both through `decimalRangeProblem`, so the two can never disagree.
 */
export const DECIMAL_SCALE = 18;
export const DECIMAL_INTEGER_DIGITS = 38 - DECIMAL_SCALE;

/** Results of the last `scan`: kept in module scope so the per-field check allocates nothing. */
let integerDigits = 0;
let fractionDigits = 0;

/**
 * Counts the significant integer and fraction digits of a decimal literal with the exponent applied
 * (`9.2E-7` has 0 and 8, `1e400` has 401 and 0), in one pass and without building strings: this
 * runs for every decimal field of every record. A leading `-` is ignored.
 */
function scan(text: string): void {
  let point = -1;
  let first = -1;
  let last = -1;
  let end = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 49 && c <= 57) {
      if (first < 0) first = i;
      last = i;
    } else if (c === 46) {
      point = i;
    } else if (c === 101 || c === 69) {
      end = i;
      break;
    }
  }
  if (first < 0) {
    integerDigits = fractionDigits = 0;
    return;
  }
  const exponent = end < text.length ? Number(text.slice(end + 1)) : 0;
  if (Number.isNaN(exponent)) {
    integerDigits = fractionDigits = NaN; // refused by both checks
    return;
  }
  if (point < 0) point = end;
  // Power of ten of the digit at index i: left of the point, point - i - 1; right of it, point - i.
  const firstPower = (first < point ? point - first - 1 : point - first) + exponent;
  const lastPower = (last < point ? point - last - 1 : point - last) + exponent;
  integerDigits = firstPower >= 0 ? firstPower + 1 : 0;
  fractionDigits = lastPower < 0 ? -lastPower : 0;
}

export function decimalDigits(text: string): { integer: number; fraction: number } {
  scan(text);
  return { integer: integerDigits, fraction: fractionDigits };
}

/** Why `text` does not fit Decimal(38, 18) exactly, or undefined when it does. */
export function decimalRangeProblem(text: string): string | undefined {
  scan(text);
  // NaN (an exponent that is not a number) fails both comparisons, so it is named here too.
  if (!(integerDigits <= DECIMAL_INTEGER_DIGITS)) return `${abbreviate(text)} has more than ${DECIMAL_INTEGER_DIGITS} integer digits`;
  if (!(fractionDigits <= DECIMAL_SCALE)) return `${abbreviate(text)} has more than ${DECIMAL_SCALE} decimal places`;
  return undefined;
}

/** Hostile values can be a megabyte long: details quote only their start. */
export function abbreviate(text: string, max = 64): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;
}
