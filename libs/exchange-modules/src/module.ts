import type { ExchangeFacts } from '@klineflow/exchanges';
import type { Mapper } from './mapper.js';
import type { ExchangeProtocol } from './protocol.js';

/**
 * Everything the platform knows of one exchange, in its own folder (`src/<exchange>/`):
 * - `facts.ts`: endpoints, limits (connect spacing included), interval names and symbol spelling,
 *   which the config library reads through the light entry `@klineflow/exchange-modules/facts`;
 * - `wire.ts`: the shapes of its frames, shared by the mapper and the simulator's protocol server
 *   (apps/exchange-sim/src/<exchange>/), so a wire change is a compile error in both;
 * - `protocol.ts`: streams and their keys, subscribe and keepalive rules, frame classification, and
 *   WebSocket history in `protocol.backfill`, or none (hot standby);
 * - `mapper.ts`: wire shapes to standard records, how bars close, how updates are ordered.
 * The generic code (ingest runtime, normalizer, sinks) reaches an exchange only through `EXCHANGES`.
 */
export interface ExchangeModule {
  readonly facts: ExchangeFacts;
  readonly protocol: ExchangeProtocol;
  readonly mapper: Mapper;
}
