import { parseConfig, resolveExchange, type ResolvedExchangeConfig } from '@klineflow/config';
import type { ExchangeId } from '@klineflow/exchanges';

/** A resolved exchange section from TOML lines, through the real schema and defaults. */
export function exchangeConfig(exchange: ExchangeId, lines: readonly string[]): ResolvedExchangeConfig {
  const config = parseConfig([`[websocket.${exchange}]`, ...lines].join('\n'));
  const resolved = resolveExchange(config, exchange);
  if (!resolved) throw new Error(`${exchange} disabled`);
  return resolved;
}

/** `count` distinct, valid symbols: SYM0USDT, SYM1USDT, ... */
export function manySymbols(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `SYM${i}USDT`);
}
