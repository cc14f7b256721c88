import { EXCHANGES } from '@klineflow/exchange-modules';
import { runIngest } from '@klineflow/ingest-runtime';
import { runService } from '@klineflow/observability';

await runService('ingest-bybit', (ctx) => runIngest(ctx, EXCHANGES.bybit.protocol));
