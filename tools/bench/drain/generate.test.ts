import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '@klineflow/config';
import { TOPICS } from '@klineflow/kafka';
import { EXCHANGES } from '@klineflow/exchange-modules';
import { integrityPolicy, Normalizer, type RawMessage } from '../../../apps/normalizer/src/pipeline.js';
import { fixtureFrames } from '../../../libs/exchange-modules/src/test-support.js';
import { BENCH_EPOCH_MS, benchStreamKeys, formatUnits, FrameGenerator, huobiLiteral, type GeneratedFrame } from './generate.js';

const MINUTE = 60_000;
/** The benchmark's own epoch, 40 s on: the 1m bars roll over after a few steps, so closes are in the sample. */
const START = BENCH_EPOCH_MS + 40_000;

/** The nested key structure of a JSON value: the same shape whatever the values. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length > 0 && typeof value[0] === 'object' ? [shape(value[0])] : `array(${value.length})`;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]));
  return typeof value;
}

function firstFrame(frames: GeneratedFrame[], match: (f: GeneratedFrame) => boolean): unknown {
  const frame = frames.find(match);
  assert.ok(frame, 'the generator produced such a frame');
  return JSON.parse(frame.value);
}

test('decimals are exact text: Binance pads to 8 places, OKX trims, HTX writes Java-style number literals', () => {
  assert.equal(formatUnits(3527, 4, false), '0.3527');
  assert.equal(formatUnits(35270000, 8, false), '0.35270000');
  assert.equal(formatUnits(640402, 1, true), '64040.2');
  assert.equal(formatUnits(6404000, 2, true), '64040');
  assert.equal(formatUnits(7, 0, true), '7');
  assert.equal(huobiLiteral(92, 8), '9.2E-7');
  assert.equal(huobiLiteral(1000, 10), '1.0E-7');
  assert.equal(huobiLiteral(74849, 6), '0.074849');
  assert.equal(huobiLiteral(123, 5), '0.00123');
  assert.equal(huobiLiteral(5173200, 2), '51732');
  assert.throws(() => formatUnits(0.5, 2, false));
});

test('frames have the captured shapes and the keys the ingest apps give them', () => {
  const generator = new FrameGenerator({ symbolsPerExchange: 12, startTime: START });
  const frames = [...generator.nextStep(), ...generator.nextStep(), ...generator.nextStep()];
  const [binanceKline] = fixtureFrames('captured/binance.jsonl').filter((f) => f.includes('@kline_'));
  const [, binanceTicker] = fixtureFrames('binance.jsonl');
  const okxCandle = fixtureFrames('okx.jsonl').find((f) => f.includes('"data"') && f.includes('candle'));
  const okxTicker = fixtureFrames('captured/okx.jsonl').find((f) => f.includes('"data"') && f.includes('tickers'));
  const huobi = fixtureFrames('huobi.jsonl');
  const expectations: Array<[string, (f: GeneratedFrame) => boolean]> = [
    [binanceKline!, (f) => f.key.includes('@kline_')],
    [binanceTicker!, (f) => f.key.endsWith('@ticker')],
    [okxCandle!, (f) => f.key.startsWith('candle')],
    [okxTicker!, (f) => f.key.startsWith('tickers:')],
    [huobi.find((f) => f.startsWith('{"ch"') && f.includes('.kline.'))!, (f) => f.key.includes('.kline.')],
    [huobi.find((f) => f.startsWith('{"ch"') && f.includes('.ticker'))!, (f) => f.key.endsWith('.ticker')],
  ];
  for (const [captured, match] of expectations)
    assert.deepEqual(shape(firstFrame(frames, match)), shape(JSON.parse(captured)), captured.slice(0, 60));

  for (const frame of frames) {
    assert.deepEqual(
      EXCHANGES[frame.headers.exchange].protocol.classify(frame.value),
      { kind: 'data', key: frame.key },
      frame.value.slice(0, 80),
    );
    assert.equal(frame.topic, `raw.${frame.headers.exchange}`);
    assert.equal(frame.headers.kind, 'live');
    assert.ok(Number(frame.headers.recv_ts) > START - MINUTE);
  }
});

test('the real normalizer accepts every generated frame: no dead letters, gaps or backfill requests, and the expected records', () => {
  const config = loadConfig([], {});
  const generator = new FrameGenerator({ symbolsPerExchange: 40, startTime: START });
  let now = START;
  const normalizer = new Normalizer(integrityPolicy(config.integrity), config.integrity.inferred_close_grace_ms, () => now);
  const out = new Map<string, number>();
  const collect = () => {
    for (const { topic, messages } of normalizer.drain().topicMessages) out.set(topic, (out.get(topic) ?? 0) + messages.length);
  };
  let offset = 0;
  // 45 steps of 2 s: every 1m stream closes at least one bar; HTX bars close when the next one starts.
  for (let step = 0; step < 45; step++) {
    for (const frame of generator.nextStep()) {
      now = Number(frame.headers.recv_ts);
      const message: RawMessage = {
        topic: frame.topic,
        partition: 0,
        offset: String(offset++),
        value: frame.value,
        headers: frame.headers,
      };
      // The Kafka key is read by normalizers that check a frame against its stream.
      normalizer.process(Object.assign(message, { key: frame.key }));
    }
    // The Kafka loop checks the HTX clock every 250 ms: it must close nothing the frames do not close themselves.
    normalizer.closeDueInferredBars();
    collect();
  }
  const expected = generator.expected;
  assert.equal(out.get(TOPICS.deadLetter) ?? 0, 0, 'dead letters');
  assert.equal(out.get(TOPICS.klineGaps) ?? 0, 0, 'gap events');
  assert.equal(out.get(TOPICS.backfillRequests) ?? 0, 0, 'backfill requests');
  assert.ok(expected.klines > expected.klineFrames, 'HTX bars were closed by their successors');
  assert.ok(expected.klineFrames > 45 * 40 * 6 * 3, 'Binance and OKX sent closing updates');
  assert.equal(out.get(TOPICS.klines), expected.klines);
  assert.equal(out.get(TOPICS.tickers), expected.tickers);
  assert.equal(expected.frames, expected.klineFrames + expected.tickerFrames);
  assert.equal(normalizer.stateOf('huobi:DRN0003USDT:1m')?.lastClosedOpenTime, Date.UTC(2024, 0, 1, 0, 1, 0));
  assert.equal(benchStreamKeys({ symbolsPerExchange: 40 }).length, expected.klineStreams);
  assert.ok(
    benchStreamKeys({ symbolsPerExchange: 40 }).every((key) => normalizer.stateOf(key) !== undefined),
    'every stream has state',
  );
});

test('the same options give the same frames', () => {
  const a = new FrameGenerator({ symbolsPerExchange: 5, startTime: START }).nextStep();
  const b = new FrameGenerator({ symbolsPerExchange: 5, startTime: START }).nextStep();
  assert.deepEqual(a, b);
});
