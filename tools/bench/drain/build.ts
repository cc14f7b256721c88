// Bundles the benchmark's own processes and workers the way tools/build.mjs bundles the apps
// (esbuild, ESM, node24, dependencies external): the baseline consumer runs the same kafkajs from
// node_modules as the apps, and the fill workers need no TypeScript loader.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

/** `tools/bench/drain/<name>.ts` → `<outDir>/<name>.js`; reused as it is unless `rebuild`. */
export async function bundle(name: 'baseline-consumer' | 'fill-worker', outDir: string, rebuild: boolean): Promise<string> {
  const outfile = path.join(outDir, `${name}.js`);
  if (!rebuild && existsSync(outfile)) return outfile;
  await build({
    entryPoints: [`tools/bench/drain/${name}.ts`],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    packages: 'external',
    sourcemap: true,
    tsconfig: 'tsconfig.base.json',
    logLevel: 'warning',
  });
  return outfile;
}
