// Bundles the baseline consumer the way tools/build.mjs bundles the apps (esbuild, ESM, node20,
// dependencies external), so baseline and app run the same kafkajs from node_modules.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

export async function buildBaseline(outDir: string, rebuild: boolean): Promise<string> {
  const outfile = path.join(outDir, 'baseline-consumer.js');
  if (!rebuild && existsSync(outfile)) return outfile;
  await build({
    entryPoints: ['tools/bench/drain/baseline-consumer.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    tsconfig: 'tsconfig.base.json',
    logLevel: 'warning',
  });
  return outfile;
}
