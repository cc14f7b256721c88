/**
 * Quote assets, longest first, used to split a canonical symbol (BTCUSDT) into
 * base and quote for exchanges whose native form needs the separator (OKX BTC-USDT).
 */
const QUOTE_ASSETS = [
  'FDUSD',
  'USDT',
  'USDC',
  'TUSD',
  'BUSD',
  'USDD',
  'USDE',
  'DAI',
  'EUR',
  'TRY',
  'BRL',
  'GBP',
  'JPY',
  'BTC',
  'ETH',
  'BNB',
  'HT',
  'OKB',
  'TRX',
  'XRP',
  'SOL',
  'DOGE',
].sort((a, b) => b.length - a.length);

export interface MarketSymbol {
  /** Uppercase base+quote, no separator: identical across exchanges. */
  readonly canonical: string;
  readonly base: string;
  readonly quote: string;
}

export class SymbolFormatError extends Error {}

/**
 * Accepts the canonical form (BTCUSDT) or a native one (BTC-USDT, btcusdt, BTC/USDT, BTC_USDT).
 * A separator fixes the split; otherwise the longest known quote-asset suffix does.
 */
export function parseSymbol(input: string): MarketSymbol {
  const text = input.trim().toUpperCase();
  const separated = /^([A-Z0-9]+)[-/_]([A-Z0-9]+)$/.exec(text);
  if (separated) {
    const [, base, quote] = separated as unknown as [string, string, string];
    return { canonical: base + quote, base, quote };
  }
  if (!/^[A-Z0-9]+$/.test(text)) throw new SymbolFormatError(`"${input}" is not a symbol: use BTCUSDT, BTC-USDT or btcusdt`);
  const quote = QUOTE_ASSETS.find((q) => text.endsWith(q) && text.length > q.length);
  if (!quote) {
    throw new SymbolFormatError(`cannot tell the quote asset of "${input}": write it with a separator, e.g. BASE-QUOTE`);
  }
  return { canonical: text, base: text.slice(0, -quote.length), quote };
}

/** A market as one exchange spells it on the wire. */
export interface ResolvedSymbol extends MarketSymbol {
  readonly native: string;
}
