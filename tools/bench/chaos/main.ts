// npm run chaos:scale -- [--faults drop:binance,kill:normalizer,...]
// The chaos scenarios at bench:load's scale (1,200 symbols × 6 intervals × 3 exchanges by default), on
// bench:load's machinery: one platform start, a pre-fault period, each fault once with its recovery
// watched, then every closed bar owed checked in ClickHouse. See USAGE in options.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildIfNeeded, stackUp } from '../load/build.js';
import { UsageError } from '../load/options.js';
import { GroupBusyError } from '../load/prepare.js';
import { loadPlot } from '../load/report/svg.js';
import { BenchAbort, runLoad } from '../load/runner.js';
import { ScaleChaos } from './faults.js';
import { parseChaosOptions, USAGE } from './options.js';
import { renderChaosMarkdown } from './report.js';

let options;
try {
  options = parseChaosOptions(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    if ((error as Error).message) console.error((error as Error).message);
    console.error(USAGE);
    process.exit((error as Error).message ? 2 : 0);
  }
  throw error;
}

const command = `npm run chaos:scale -- ${process.argv.slice(2).join(' ')}`.trim().replace(/ --$/, '');
try {
  buildIfNeeded();
  stackUp();
  const chaos = new ScaleChaos(options.faults, options.timing);
  const load = await runLoad(options.load, command, chaos);
  writeFileSync(load.files.json, JSON.stringify({ chaos: chaos.result, load }, null, 1));
  mkdirSync(path.dirname(load.files.svg), { recursive: true });
  writeFileSync(
    load.files.svg,
    loadPlot(`klineflow chaos at scale ${load.window.startedAt}`, load.series.latencyWindows, load.series.lag, load.window.seconds),
  );
  const markdown = renderChaosMarkdown(load, chaos.result);
  writeFileSync(load.files.json.replace(/\.json$/, '.md'), markdown);
  console.log(markdown);
  console.error(
    `[chaos] result ${load.files.json}; summary ${load.files.json.replace(/\.json$/, '.md')}; plot ${load.files.svg}; app output ${load.files.log}`,
  );
  const failed = (chaos.result.whole?.lost ?? 1) > 0 || (chaos.result.whole?.duplicatesFinal ?? 1) > 0;
  process.exit(failed ? 1 : 0);
} catch (error) {
  if (error instanceof BenchAbort || error instanceof GroupBusyError) {
    console.error(`[chaos] ${error.message}`);
    process.exit(1);
  }
  throw error;
}
