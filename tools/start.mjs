// `npm start [-- --config <file>]`: sets up what a fresh machine lacks (Node 24, npm packages, the
// local Kafka/Redis/ClickHouse stack, the app bundles), then runs every service in the
// foreground until Ctrl-C. Plain Node with no dependencies, because it runs before `npm ci`.
// It installs only what running needs: helm and promtool, which only tests use, come with `npm test`.
import { spawnSync, spawn } from 'node:child_process';
import { ensureNpmPackages } from './npm-packages.mjs';
import { KAFKAJS_WARNING_OFF, runOnRuntimeNode } from './node-runtime.mjs';

function step(title, cmd, args) {
  console.error(`[start] ${title}`);
  const result = spawnSync(cmd, args, { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`[start] failed: ${cmd} ${args.join(' ')}`);
    process.exit(result.status ?? 1);
  }
}

// From here on this is Node 24, and so is every `node` on PATH (npm ci, stack provisioning, apps).
await runOnRuntimeNode('[start]');
// stack.sh's provisioning and the supervisor use kafkajs as the apps do (libs/process-runner APP_NODE_FLAGS).
process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, KAFKAJS_WARNING_OFF].filter(Boolean).join(' ');
ensureNpmPackages('[start]');
step('starting the local stack (Kafka, Redis, ClickHouse)', 'bash', ['tools/stack/stack.sh', 'up']);
step('building the apps', process.execPath, ['tools/build.mjs']);

const supervisor = spawn(process.execPath, ['--import', 'tsx', 'tools/platform/run.ts', ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => supervisor.kill(signal));
supervisor.on('exit', (code) => process.exit(code ?? 0));
