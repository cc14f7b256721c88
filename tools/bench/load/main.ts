// npm run bench:load -- --symbols 1200 --minutes 10
// The whole platform under load on this machine: builds if needed, brings the local stack up,
// runs the simulator and every app as their own processes, measures, and writes a JSON result,
// a plot and (unless --no-record) a summary appended to BENCHMARKS.md. See USAGE in options.ts.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PLATFORM_APPS } from '@klineflow/process-runner';
import { parseOptions, UsageError, USAGE } from './options.js';
import { renderMarkdown } from './report/markdown.js';
import { loadPlot } from './report/svg.js';
import { GroupBusyError } from './prepare.js';
import { BenchAbort, runLoad } from './runner.js';

function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const file = path.join(dir, name);
    const stat = statSync(file);
    if (stat.isDirectory()) newest = Math.max(newest, newestSource(file));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) newest = Math.max(newest, stat.mtimeMs);
  }
  return newest;
}

/** Builds when a bundle is missing or older than the newest app or library source. */
function buildIfNeeded(): void {
  const bundles = [...PLATFORM_APPS, 'exchange-sim'].map((app) => `dist/apps/${app}/main.js`);
  const oldest = Math.min(...bundles.map((b) => (existsSync(b) ? statSync(b).mtimeMs : 0)));
  if (oldest > Math.max(newestSource('apps'), newestSource('libs'))) return;
  console.error('[bench] building the apps');
  if (spawnSync(process.execPath, ['tools/build.mjs'], { stdio: 'inherit' }).status !== 0) throw new BenchAbort('build failed');
}

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
  console.error('[bench] bringing the local stack up');
  if (spawnSync('bash', ['tools/stack/stack.sh', 'up'], { stdio: 'inherit' }).status !== 0)
    throw new BenchAbort('tools/stack/stack.sh up failed');
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
