// Produce path: encoding one raw frame as a Kafka record (value and the ingest's four headers),
// klineflow's one-pass encoder against the kafkajs 2.2.4 encoder it replaces (libs/kafka kafkajs.ts).
import { kafkajsCodec } from '../../libs/kafka/src/kafkajs.js';
import { encodeRecord, type RecordFields } from '../../libs/kafka/src/record-encoding.js';
import type { BenchCase } from './harness.js';

const frame: RecordFields = {
  offsetDelta: 731,
  timestampDelta: 0,
  key: 'btcusdt@kline_1m',
  value:
    '{"stream":"btcusdt@kline_1m","data":{"e":"kline","E":1786538762136,"s":"BTCUSDT","k":{"t":1786538760000,"T":1786538819999,"s":"BTCUSDT","i":"1m","f":100,"L":200,"o":"64040.20","c":"64033.50","h":"64050.00","l":"64025.70","v":"2.16787395","n":100,"x":false,"q":"138825.265446816","V":"1.1","Q":"70000.1","B":"0"}}}',
  headers: { exchange: 'binance', conn_id: 'binance-3', recv_ts: '1786538762140', kind: 'live' },
};

export const cases: BenchCase[] = [
  {
    name: 'raw frame → Kafka record (one-pass encoder)',
    fn: () => encodeRecord(frame),
    baseline: { name: 'kafkajs record encoder', fn: () => kafkajsCodec.encoder(frame) },
  },
];
