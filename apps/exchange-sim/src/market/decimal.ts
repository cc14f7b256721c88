/**
 * Exact decimal text from integer units (value = units × 10^-decimals). Prices and volumes are
 * generated as integers so that every exchange's text is exact and never passes through a float.
 */
export function fixedText(units: bigint | number, decimals: number, outDecimals = decimals): string {
  let value = BigInt(units);
  const negative = value < 0n;
  if (negative) value = -value;
  if (outDecimals < decimals) value /= 10n ** BigInt(decimals - outDecimals);
  else value *= 10n ** BigInt(outDecimals - decimals);
  const digits = value.toString().padStart(outDecimals + 1, '0');
  const whole = digits.slice(0, digits.length - outDecimals);
  const fraction = digits.slice(digits.length - outDecimals);
  return `${negative ? '-' : ''}${whole}${outDecimals > 0 ? `.${fraction}` : ''}`;
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
  const value = BigInt(units);
  return value > 0n && value * 1000n < 10n ** BigInt(decimals);
}
