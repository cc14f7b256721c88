import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StandardKline } from '@klineflow/schemas';
import type { SinkRecord } from '@klineflow/sink-runtime';
import { KLINE_COLUMNS } from './ddl.js';
import { escapeTsv, klineTsvRow, newestPerBar, rowVersion } from './rows.js';
import { prepareBatch } from './kline-writer.js';

const bar = (over: Partial<StandardKline> = {}): StandardKline => ({
  exchange: 'huobi',
  symbol: 'TRIOETH',
  interval: '1m',
  open_time: 1618678020000,
  close_time: 1618678079999,
  open: '9.2E-7',
  high: '9.3E-7',
  low: '9.1E-7',
  close: '9.2E-7',
  volume: '188358.0',
  quote_volume: '0.17',
  trade_count: 3,
  is_closed: false,
  event_time: 1618678069870,
  recv_time: 1618678069900,
  ...over,
});
const record = (value: unknown, offset = '0'): SinkRecord => ({
  topic: 'kline-data',
  partition: 0,
  offset,
  key: 'k',
  value: typeof value === 'string' ? value : JSON.stringify(value),
});

test('a TSV row carries every column in order, decimals exact and plain, null trade count as \\N', () => {
  const fields = klineTsvRow(bar({ trade_count: null, is_closed: true })).split('\t');
  assert.equal(fields.length, KLINE_COLUMNS.length);
  const row = Object.fromEntries(KLINE_COLUMNS.map((c, i) => [c, fields[i]]));
  assert.deepEqual(row, {
    exchange: 'huobi',
    symbol: 'TRIOETH',
    interval: '1m',
    interval_ms: '60000',
    open_time: '1618678020000',
    close_time: '1618678079999',
    open: '0.00000092',
    high: '0.00000093',
    low: '0.00000091',
    close: '0.00000092',
    volume: '188358',
    quote_volume: '0.17',
    trade_count: '\\N',
    is_closed: '1',
    event_time: '1618678069870',
    recv_time: '1618678069900',
    version: String(1618678069870 * 2 + 1),
  });
});

test('the closed version of a bar outranks an open one with the same event time', () => {
  assert.ok(rowVersion(bar({ is_closed: true })) > rowVersion(bar()));
  assert.ok(rowVersion(bar({ event_time: 2 })) > rowVersion(bar({ event_time: 1, is_closed: true })));
});

test('a batch keeps only the newest version of each bar', () => {
  const older = bar({ event_time: 1, close: '1' });
  const newer = bar({ event_time: 2, close: '2' });
  const other = bar({ open_time: 1618678080000, close_time: 1618678139999 });
  assert.deepEqual(
    newestPerBar([newer, other, older]).map((k) => k.close),
    ['2', '9.2E-7'],
  );
});

test('unparseable, invalid and unrepresentable records are set aside with reasons; the rest is encoded', () => {
  const batch = prepareBatch([
    record(bar()),
    record('{not json', '1'),
    record({ ...bar(), open: 1.5 }, '2'),
    record(bar({ open_time: 1618678080000, close_time: 1618678139999, low: '1E-19' }), '3'),
  ]);
  assert.equal(batch.rows, 1);
  assert.deepEqual(
    batch.rejected.map((r) => [r.record.offset, r.reason]),
    [
      ['1', 'unparseable'],
      ['2', 'schema'],
      ['3', 'decimal_precision'],
    ],
  );
  assert.match(batch.tsv, /^huobi\tTRIOETH\t1m\t60000\t1618678020000\t/);
});

test('TSV escaping keeps a field on one line and in one column', () => {
  assert.equal(escapeTsv('BTCUSDT'), 'BTCUSDT');
  assert.equal(escapeTsv('a\tb\nc\rd\\e'), 'a\\tb\\nc\\rd\\\\e');
  const row = klineTsvRow({ ...bar(), symbol: 'X\tY\nZ' });
  assert.equal(row.split('\t').length, KLINE_COLUMNS.length);
  assert.equal(row.includes('\n'), false);
});
