// npm run bench:load -- --symbols 1200 --minutes 10
// The whole platform under load on this machine: builds if needed, brings the local stack up,
// runs the simulator and every app as their own processes, measures, and writes a JSON result,
// a plot and (unless --no-record) a summary appended to BENCHMARKS.md. See USAGE in options.ts.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildIfNeeded, stackUp } from './build.js';
import { parseOptions, UsageError, USAGE } from './options.js';
import { renderMarkdown } from './report/markdown.js';
import { loadPlot } from './report/svg.js';
import { GroupBusyError } from './prepare.js';
import { BenchAbort, runLoad } from './runner.js';

let options;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    if (error.message) console.error(error.message);
    console.error(USAGE);
    process.exit(error.message ? 2 : 0);
  }
  throw error;
}

const command = `npm run bench:load -- ${process.argv.slice(2).join(' ')}`.trim().replace(/ --$/, '');
try {
  buildIfNeeded();
  stackUp();
  const result = await runLoad(options, command);
  writeFileSync(result.files.json, JSON.stringify(result, null, 1));
  const title = `klineflow load ${result.window.startedAt}: ${result.scale.symbolsPerExchange} symbols × ${result.scale.intervals.length} intervals × ${result.scale.exchanges.length} exchanges, speed ${result.scale.speed}`;
  mkdirSync(path.dirname(result.files.svg), { recursive: true });
  writeFileSync(result.files.svg, loadPlot(title, result.series.latencyWindows, result.series.lag, result.window.seconds));
  const markdown = renderMarkdown(result, options.record ? result.files.svg.split(path.sep).join('/') : path.basename(result.files.svg));
  if (options.record) {
    appendFileSync('BENCHMARKS.md', `\n${markdown}`);
    console.error(`[bench] summary appended to BENCHMARKS.md, plot ${result.files.svg}`);
  } else {
    writeFileSync(result.files.json.replace(/\.json$/, '.md'), markdown);
  }
  console.log(markdown);
  console.error(`[bench] result ${result.files.json}; plot ${result.files.svg}; app output ${result.files.log}`);
  process.exit(0);
} catch (error) {
  if (error instanceof BenchAbort || error instanceof GroupBusyError) {
    console.error(`[bench] ${error.message}`);
    process.exit(1);
  }
  throw error;
}
