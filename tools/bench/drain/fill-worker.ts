// One exchange's share of the raw fill, in a worker thread: generating frames and encoding them for
// Kafka cost CPU, and three exchanges in parallel use both cores (the broker takes little).
import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig } from '@klineflow/config';
import type { ExchangeId } from '@klineflow/exchanges';
import { createKafka } from '@klineflow/kafka';
import { fillRaw } from './fill.js';
import { FrameGenerator, type GeneratorOptions } from './generate.js';

export interface FillWorkerData {
  readonly configPath: string;
  readonly exchange: ExchangeId;
  readonly frames: number;
  readonly generator: GeneratorOptions;
}

const data = workerData as FillWorkerData;
const kafka = createKafka(loadConfig(['--config', data.configPath], {}).kafka, `bench-drain-fill-${data.exchange}`);
const generator = new FrameGenerator({ ...data.generator, exchanges: [data.exchange] });
const result = await fillRaw(kafka, generator, data.frames);
parentPort?.postMessage({ result, expected: generator.expected });
