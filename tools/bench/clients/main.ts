// Kafka clients measured against kafkajs (issue 8): consume, produce and relay throughput, CPU per
// message and peak RSS of each client, each in its own process, in the same run as a kafkajs
// baseline. The clients are installed in a scratch npm project outside the repository (install.sh).
//
//   node tools/node-runtime.mjs --import tsx tools/bench/clients/main.ts \
//     [--clients-dir /tmp/kafka-clients] [--clients kafkajs,platformatic,confluent,rdkafka]
//     [--modes consume,produce,relay] [--messages 1000000] [--rounds 1] [--brokers 127.0.0.1:9092]
//
// The source topic `bench-clients-src` (6 partitions) is filled once with real-shaped Binance raw
// frames (tools/bench/drain/generate.ts: what the ingest publishes, native stream key, the ingest's
// headers) and kept for the next run; produce and relay write to a private topic per measurement,
// deleted right after it, and every consumer group is a fresh one, deleted after it ran.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, Partitioners, type Admin } from 'kafkajs';
import { BENCH_EPOCH_MS, FrameGenerator, type GeneratedFrame } from '../drain/generate.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

const clientsDir = option('clients-dir', '/tmp/kafka-clients');
const clients = option('clients', 'kafkajs,platformatic,confluent,rdkafka').split(',');
const modes = option('modes', 'consume,produce,relay').split(',');
const total = Number(option('messages', '1000000'));
const rounds = Number(option('rounds', '1'));
const brokers = option('brokers', '127.0.0.1:9092').split(',');
const SOURCE = 'bench-clients-src';
const PARTITIONS = 6;
/** Distinct frames the produce measurement cycles through (kept small so RSS is the client's, not the data's). */
const PRODUCE_FRAMES = 50_000;

interface Result {
  client: string;
  mode: string;
  messages: number;
  seconds: number;
  rate: number;
  cpuSeconds: number;
  cpuPerMillion: number;
  peakRssMb: number;
  startSeconds: number;
  round: number;
  written?: number;
  machineBusyCores?: number;
  loadAvg1?: number;
}

function generator(): FrameGenerator {
  return new FrameGenerator({ symbolsPerExchange: 1200, exchanges: ['binance'], startTime: BENCH_EPOCH_MS });
}

async function sumEnds(admin: Admin, topic: string): Promise<number> {
  return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

async function createTopic(admin: Admin, topic: string): Promise<void> {
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
}

/** Fills the source topic up to `total` messages (kept between runs), with kafkajs, acks=1. */
async function fillSource(kafka: Kafka, admin: Admin): Promise<void> {
  if (!(await admin.listTopics()).includes(SOURCE)) await createTopic(admin, SOURCE);
  let have = await sumEnds(admin, SOURCE);
  if (have >= total) return;
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  const gen = generator();
  const started = performance.now();
  let batch: GeneratedFrame[] = [];
  const flush = async () => {
    await producer.send({ topic: SOURCE, acks: 1, messages: batch.map((f) => ({ key: f.key, value: f.value, headers: f.headers })) });
    have += batch.length;
    batch = [];
  };
  while (have + batch.length < total) {
    for (const frame of gen.nextStep()) batch.push(frame);
    if (batch.length >= 2000) await flush();
  }
  if (batch.length > 0) await flush();
  await producer.disconnect();
  process.stderr.write(`filled ${SOURCE} to ${have} messages in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

function writeFrames(file: string): { avgValueBytes: number } {
  const gen = generator();
  const frames: GeneratedFrame[] = [];
  while (frames.length < PRODUCE_FRAMES) frames.push(...gen.nextStep());
  const lines = frames.slice(0, PRODUCE_FRAMES).map((f) => JSON.stringify({ key: f.key, value: f.value, headers: f.headers }));
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { avgValueBytes: frames.slice(0, PRODUCE_FRAMES).reduce((s, f) => s + f.value.length, 0) / PRODUCE_FRAMES };
}

/** Busy and total jiffies of the whole machine (/proc/stat), to tell how busy it was around a worker. */
function machineTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

function runWorker(args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const before = machineTicks();
    const load = loadavg()[0]!;
    const child = spawn(process.execPath, [join(here, 'worker.mjs'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop();
      if (code !== 0 || !line) reject(new Error(`worker ${args.join(' ')} exited with ${code}: ${out}`));
      else {
        const after = machineTicks();
        // Busy share of the machine's cores over the worker's life (the worker, the broker and anything else).
        const machineBusy = ((after.busy - before.busy) / Math.max(1, after.total - before.total)) * availableParallelism();
        resolve({ ...(JSON.parse(line) as Result), machineBusyCores: +machineBusy.toFixed(2), loadAvg1: +load.toFixed(2) });
      }
    });
  });
}

const kafka = new Kafka({ clientId: 'bench-clients', brokers, logLevel: logLevel.WARN });
const admin = kafka.admin();
await admin.connect();
await fillSource(kafka, admin);
const outDir = join(root, 'dist', 'bench');
mkdirSync(outDir, { recursive: true });
const framesFile = join(outDir, 'clients-frames.jsonl');
const { avgValueBytes } = writeFrames(framesFile);
const results: Result[] = [];
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
for (let round = 1; round <= rounds; round++) {
  for (const mode of modes) {
    for (const client of clients) {
      const tag = `${client}-${mode}-${Date.now()}`;
      const dest = `bench-clients-dst-${tag}`;
      const group = `bench-clients-${tag}`;
      if (mode !== 'consume') await createTopic(admin, dest);
      const args = [
        '--client',
        client,
        '--mode',
        mode,
        '--clients-dir',
        clientsDir,
        '--brokers',
        brokers.join(','),
        '--topic',
        SOURCE,
        '--messages',
        String(total),
        '--group',
        group,
        '--dest',
        dest,
        '--frames',
        framesFile,
      ];
      try {
        const result = { ...(await runWorker(args)), round };
        if (mode !== 'consume') result.written = await sumEnds(admin, dest);
        results.push(result);
        process.stderr.write(`${JSON.stringify(result)}\n`);
      } catch (error) {
        process.stderr.write(`${(error as Error).message}\n`);
      } finally {
        if (mode !== 'consume') await admin.deleteTopics({ topics: [dest] }).catch(() => undefined);
        if (mode !== 'produce') await admin.deleteGroups([group]).catch(() => undefined);
      }
    }
  }
}
await admin.disconnect();

const rows = results.map((r) => {
  const base = results.find((b) => b.client === 'kafkajs' && b.mode === r.mode && b.round === r.round);
  return {
    round: r.round,
    mode: r.mode,
    client: r.client,
    'msg/s': Math.round(r.rate),
    'vs kafkajs': base ? +(r.rate / base.rate).toFixed(2) : null,
    'CPU s / 1M': +r.cpuPerMillion.toFixed(2),
    'CPU vs kafkajs': base ? +(r.cpuPerMillion / base.cpuPerMillion).toFixed(2) : null,
    'peak RSS MB': Math.round(r.peakRssMb),
    'start s': +r.startSeconds.toFixed(2),
    written: r.written ?? '',
    'machine busy cores': r.machineBusyCores ?? '',
    'load 1m': r.loadAvg1 ?? '',
  };
});
console.table(rows);
const file = join(outDir, `clients-${stamp}.json`);
writeFileSync(
  file,
  JSON.stringify(
    {
      at: new Date().toISOString(),
      node: process.version,
      messages: total,
      partitions: PARTITIONS,
      avgValueBytes,
      clientsDir,
      results,
      rows,
    },
    null,
    2,
  ),
);
process.stderr.write(`written ${file}\n`);
