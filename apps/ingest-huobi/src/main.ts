import { runIngest } from '@klineflow/ingest-runtime';
import { runService } from '@klineflow/observability';
import { huobiProtocol } from './protocol.js';

await runService('ingest_huobi', (ctx) => runIngest(ctx, huobiProtocol));
