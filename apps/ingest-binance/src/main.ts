import { runIngest } from '@klineflow/ingest-runtime';
import { runService } from '@klineflow/observability';
import { binanceProtocol } from './protocol.js';

await runService('ingest_binance', (ctx) => runIngest(ctx, binanceProtocol));
