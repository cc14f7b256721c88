/**
 * Exact decimal text from integer units (value = units × 10^-decimals). Prices and volumes are
 * generated as integers so that every exchange's text is exact and never passes through a float.
 */
export function fixedText(units: bigint | number, decimals: number, outDecimals = decimals): string {
  // Digit strings rather than BigInt arithmetic: the simulator writes some 60,000 of these a second at 1,200 symbols.
  const negative = units < 0;
  const magnitude = negative ? -units : units;
  // Past 2^53 (or a fraction) a number goes through BigInt, which is exact there (or refuses).
  let digits = (typeof magnitude === 'number' && !Number.isSafeInteger(magnitude) ? BigInt(magnitude) : magnitude).toString();
  if (outDecimals < decimals) digits = digits.slice(0, Math.max(0, digits.length - (decimals - outDecimals)));
  else digits += '0'.repeat(outDecimals - decimals);
  digits = digits.padStart(outDecimals + 1, '0');
  const whole = digits.slice(0, digits.length - outDecimals);
  return `${negative ? '-' : ''}${whole}${outDecimals > 0 ? `.${digits.slice(digits.length - outDecimals)}` : ''}`;
}

/** Shortest exact text: no trailing zeros (OKX style "64040.2"). */
export function trimmedText(units: bigint | number, decimals: number): string {
  const text = fixedText(units, decimals);
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

/**
 * Java's Double.toString form for values below 10^-3 ("9.2E-7"), which HTX emits for tiny prices.
 * Positive values only: the simulator never emits a negative tiny literal.
 */
export function javaExponentText(units: bigint | number, decimals: number): string {
  const raw = BigInt(units).toString();
  const digits = raw.replace(/0+$/, '');
  const exponent = raw.length - 1 - decimals;
  return `${digits[0]}.${digits.slice(1) || '0'}E${exponent}`;
}

/** True when units × 10^-decimals is below 10^-3 (and positive). */
export function isTiny(units: bigint | number, decimals: number): boolean {
  if (typeof units === 'number' && Number.isSafeInteger(units * 1000) && decimals <= 22) return units > 0 && units * 1000 < 10 ** decimals;
  const value = BigInt(units);
  return value > 0n && value * 1000n < 10n ** BigInt(decimals);
}
