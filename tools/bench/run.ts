// npm run bench [-- name-filter]: runs every tools/bench/*.bench.ts, each case next to its baseline.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { measure, type BenchCase } from './harness.js';

const BUDGET_MS = 300;
const dir = path.dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2];
const format = (n: number) => Math.round(n).toLocaleString('en-US');

for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort()) {
  const { cases } = (await import(pathToFileURL(path.join(dir, file)).href)) as { cases: BenchCase[] };
  console.log(`\n${file}`);
  for (const bench of cases) {
    if (filter && !bench.name.includes(filter)) continue;
    const baseline = measure(bench.baseline, BUDGET_MS);
    const result = measure(bench, BUDGET_MS);
    console.log(
      `  ${bench.name.padEnd(52)} ${format(result.opsPerSecond).padStart(12)} ops/s ${result.nsPerOp.toFixed(0).padStart(8)} ns/op` +
        `   | baseline ${bench.baseline.name}: ${format(baseline.opsPerSecond)} ops/s ${baseline.nsPerOp.toFixed(0)} ns/op (x${(result.nsPerOp / baseline.nsPerOp).toFixed(2)})`,
    );
  }
}
