import type { Mapper } from './mapper.js';
import type { ExchangeProtocol } from './protocol.js';

/**
 * Everything the platform knows of one exchange, in its own folder (`src/<exchange>/`): the ingest
 * protocol (streams, subscribe and keepalive rules, frame classification, and WebSocket history in
 * `protocol.backfill`, or none: hot standby) and the mapper (wire shapes to standard records, how bars
 * close, how updates are ordered). Endpoints, limits and the symbol and interval tables are in
 * `@klineflow/exchanges`, which the config and Kafka libraries below this one read.
 */
export interface ExchangeModule {
  readonly protocol: ExchangeProtocol;
  readonly mapper: Mapper;
}
