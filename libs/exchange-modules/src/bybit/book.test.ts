import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BybitBooks } from './book.js';
import type { BybitBook, BybitLevel, BybitPush } from './wire.js';

const KEY = 'orderbook.50.BTCUSDT';
const push = (type: 'snapshot' | 'delta', u: number, b: BybitLevel[], a: BybitLevel[]) =>
  JSON.stringify({
    topic: KEY,
    ts: 1672304484978 + u,
    type,
    data: { s: 'BTCUSDT', b, a, u, seq: 7961638724 + u },
    cts: 1672304484976 + u,
  } satisfies BybitPush<BybitBook>);
const published = (text: string | undefined) => (text === undefined ? undefined : (JSON.parse(text) as BybitPush<BybitBook>));
/** 30 levels a side around 16500, as Bybit writes them (two decimals). */
const ladder = (side: 'b' | 'a') =>
  Array.from({ length: 30 }, (_, i): BybitLevel => [(side === 'b' ? 16493 - i : 16611 + i).toFixed(2), `0.${100 + i}`]);

test("a snapshot publishes its top 20 a side, best first, in Bybit's snapshot shape with ts, u, seq and cts", () => {
  const books = new BybitBooks();
  const out = published(books.publishable(KEY, push('snapshot', 100, ladder('b'), ladder('a'))))!;
  assert.equal(out.type, 'snapshot');
  assert.equal(out.data.b.length, 20);
  assert.deepEqual(out.data.b[0], ['16493.00', '0.100']);
  assert.deepEqual(out.data.a[19], ['16630.00', '0.119']);
  assert.deepEqual([out.ts, out.data.u, out.data.seq, out.cts], [1672304485078, 100, 7961638824, 1672304485076]);
});

test('deltas update, insert and delete (size "0") levels, keeping the exchange\'s decimal text', () => {
  const books = new BybitBooks();
  books.publishable(KEY, push('snapshot', 100, ladder('b'), ladder('a')));
  const out = published(
    books.publishable(
      KEY,
      push(
        'delta',
        101,
        [
          ['16493.00', '0'],
          ['16493.50', '1.50'],
        ],
        [['16611.00', '2.000']],
      ),
    ),
  )!;
  assert.deepEqual(out.data.b.slice(0, 2), [
    ['16493.50', '1.50'],
    ['16492.00', '0.101'],
  ]);
  assert.deepEqual(out.data.a[0], ['16611.00', '2.000']);
  assert.equal(out.data.u, 101);
});

test('a delta before any snapshot, a repeated one, or one after a gap in u publishes nothing until the next snapshot', () => {
  const books = new BybitBooks();
  assert.equal(books.publishable(KEY, push('delta', 5, [], [])), undefined, 'no snapshot yet');
  books.publishable(KEY, push('snapshot', 100, ladder('b'), ladder('a')));
  books.publishable(KEY, push('delta', 101, [], []));
  assert.equal(books.publishable(KEY, push('delta', 101, [], [])), undefined, 'the same delta twice');
  assert.equal(books.publishable(KEY, push('delta', 103, [], [])), undefined, 'u skipped 102');
  assert.equal(books.publishable(KEY, push('delta', 104, [], [])), undefined, 'out of step until a snapshot');
  // u = 1: Bybit restarted its service and sends a fresh snapshot, which replaces the book.
  const fresh = published(books.publishable(KEY, push('snapshot', 1, [['16000.00', '1']], [['16001.00', '2']])))!;
  assert.deepEqual([fresh.data.b, fresh.data.a], [[['16000.00', '1']], [['16001.00', '2']]]);
  assert.equal(published(books.publishable(KEY, push('delta', 2, [['15999.00', '3']], [])))!.data.b.length, 2);
});

test('frames of other topics, and book frames that are no book, pass unchanged (the normalizer dead-letters the latter)', () => {
  const kline = '{"topic":"kline.1.BTCUSDT","data":[],"ts":1,"type":"snapshot"}';
  assert.equal(new BybitBooks().publishable('kline.1.BTCUSDT', kline), kline);
  for (const garbage of [
    '{"topic":"orderbook.50.BTCUSDT","ts":1,"type":"snapshot","data":{"b":null}}',
    '{"topic":"orderbook.50.BTCUSDT",',
  ]) {
    assert.equal(new BybitBooks().publishable(KEY, garbage), garbage);
  }
});
