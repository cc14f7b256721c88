import type { MarketProfile } from '../market/generator.js';
import type { NumberStyle } from '../market/number-style.js';
import { fixedText, isTiny, javaExponentText, trimmedText } from '../market/decimal.js';

/**
 * HTX sends JSON number literals written by its own serialiser: tiny values in Java's exponent
 * form (9.2E-7), some markets' prices with all their decimals (10050.00), others trimmed.
 * Written here as text so that JSON.stringify never chooses the literal.
 */
function literal(units: bigint | number, decimals: number, keepDecimals: boolean): string {
  if (isTiny(units, decimals)) return javaExponentText(units, decimals);
  return keepDecimals ? fixedText(units, decimals) : trimmedText(units, decimals);
}

export const priceLiteral = (p: MarketProfile, ticks: number) => literal(ticks, p.priceDecimals, p.fixedPriceLiterals);
export const amountLiteral = (p: MarketProfile, units: number) => literal(units, p.volumeDecimals, false);
export const quoteLiteral = (p: MarketProfile, units: bigint) => literal(units, p.volumeDecimals + p.priceDecimals, false);
export const HUOBI_LITERALS: NumberStyle = { price: priceLiteral, size: amountLiteral, quote: quoteLiteral };

/** HTX trade ids run to 27 digits, beyond any float: built as text from an increasing sequence. */
export function tradeIdLiteral(sequence: number): string {
  return (10n ** 26n + BigInt(sequence) * 1000n).toString();
}
