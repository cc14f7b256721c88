import { parseConfig, resolveExchange, type ResolvedExchangeConfig } from '@klineflow/config';
import type { ExchangeId } from '@klineflow/exchanges';
import type { ExchangeProtocol } from '@klineflow/exchange-modules';

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

/** Minimal protocol: key naming and endpoint choice are all planning needs. */
export function planningProtocol(exchange: 'binance' | 'okx'): ExchangeProtocol {
  return {
    exchange,
    streamKey: (symbol, channel, interval) => `${symbol.native}@${channel}${interval ? `_${interval}` : ''}`,
    streamOfKey: () => undefined,
    endpointOf: (channel) => (exchange === 'okx' && channel === 'kline' ? 'apiUrl' : 'url'),
    connectUrl: (base) => base,
    subscribeRequests: () => [],
    decode: (data) => data.toString(),
    classify: () => ({ kind: 'unknown' }),
    maxMessagesPerSecond: 4,
    rotatesByAge: false,
  };
}
