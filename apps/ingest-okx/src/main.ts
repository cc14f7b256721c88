import { runIngest } from '@klineflow/ingest-runtime';
import { runService } from '@klineflow/observability';
import { okxProtocol } from './protocol.js';

await runService('ingest_okx', (ctx) => runIngest(ctx, okxProtocol));
