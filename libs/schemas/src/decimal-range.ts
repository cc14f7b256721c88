/**
 * Every price and volume is stored in ClickHouse as Decimal(38, 18): at most 18 places and
 * 20 integer digits. The normalizer rejects what does not fit and the sink refuses to round it,
 * both through `decimalRangeProblem`, so the two can never disagree.
 */
export const DECIMAL_SCALE = 18;
export const DECIMAL_INTEGER_DIGITS = 38 - DECIMAL_SCALE;

/**
 * Significant integer and fraction digits of a decimal literal with the exponent applied
 * (`9.2E-7` has 0 and 8, `1e400` has 401 and 0), counted by a scan without building strings:
 * this runs for every decimal field of every record. A leading `-` is ignored.
 */
export function decimalDigits(text: string): { integer: number; fraction: number } {
  let end = text.length;
  let exponent = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 101 || c === 69) {
      end = i;
      exponent = Number(text.slice(i + 1));
      break;
    }
  }
  let point = end;
  let first = -1;
  let last = -1;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) point = i;
    else if (c >= 49 && c <= 57) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0) return { integer: 0, fraction: 0 };
  // Power of ten of the digit at index i: positions left of the point count down from point - 1.
  const power = (i: number) => (i < point ? point - i - 1 : point - i) + exponent;
  return { integer: Math.max(0, power(first) + 1), fraction: Math.max(0, -power(last)) };
}

/** Why `text` does not fit Decimal(38, 18) exactly, or undefined when it does. */
export function decimalRangeProblem(text: string): string | undefined {
  const { integer, fraction } = decimalDigits(text);
  // NaN (an exponent that is not a number) fails both comparisons, so it is named here too.
  if (!(integer <= DECIMAL_INTEGER_DIGITS)) return `${abbreviate(text)} has more than ${DECIMAL_INTEGER_DIGITS} integer digits`;
  if (!(fraction <= DECIMAL_SCALE)) return `${abbreviate(text)} has more than ${DECIMAL_SCALE} decimal places`;
  return undefined;
}

/** Hostile values can be a megabyte long: details quote only their start. */
export function abbreviate(text: string, max = 64): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;
}
