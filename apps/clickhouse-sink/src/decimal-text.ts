import { decimalRangeProblem } from '@klineflow/schemas';

export class DecimalRangeError extends Error {}

/**
 * Rewrites an exchange decimal (HTX may send `9.2E-7`) as plain text by moving the decimal
 * point, never through a float. Throws DecimalRangeError where Decimal(38, 18) would have to
 * round or overflow: money is never silently altered.
 */
export function toPlainDecimal(text: string): string {
  const problem = decimalRangeProblem(text);
  if (problem) throw new DecimalRangeError(problem);
  const negative = text.startsWith('-');
  const unsigned = negative ? text.slice(1) : text;
  const e = unsigned.search(/[eE]/);
  let mantissa = e < 0 ? unsigned : unsigned.slice(0, e);
  const exponent = e < 0 ? 0 : Number(unsigned.slice(e + 1));
  let point = mantissa.indexOf('.');
  if (point < 0) point = mantissa.length;
  mantissa = mantissa.replace('.', '');
  let integer: string;
  let fraction: string;
  const shifted = point + exponent;
  if (shifted <= 0) {
    integer = '0';
    fraction = '0'.repeat(-shifted) + mantissa;
  } else if (shifted >= mantissa.length) {
    integer = mantissa + '0'.repeat(shifted - mantissa.length);
    fraction = '';
  } else {
    integer = mantissa.slice(0, shifted);
    fraction = mantissa.slice(shifted);
  }
  integer = integer.replace(/^0+(?=\d)/, '');
  fraction = fraction.replace(/0+$/, '');
  const plain = fraction ? `${integer}.${fraction}` : integer;
  return negative && plain !== '0' ? `-${plain}` : plain;
}
