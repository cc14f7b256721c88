import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clickhouseCode, isDataError } from './store-errors.js';

const error = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});

test('ClickHouse refusing the rows is a data error, on 18.16 and on current releases', () => {
  // As 18.16 answers (captured from the local stack).
  assert.equal(
    isDataError(error('Code: 27, e.displayText() = DB::Exception: Cannot parse input: expected \\t before: e+23\\t1\\n: (at row 1)')),
    true,
  );
  assert.equal(isDataError(error('Code: 69, e.displayText() = DB::Exception: Decimal value is too big, e.what() = DB::Exception')), true);
  // Current releases.
  assert.equal(isDataError(error('Code: 407. DB::Exception: Decimal math overflow. (DECIMAL_OVERFLOW) (version 24.3.1)')), true);
  assert.equal(
    isDataError(error('Code: 252. DB::Exception: Too many partitions for single INSERT block (more than 100). (TOO_MANY_PARTS)')),
    true,
  );
  assert.equal(clickhouseCode(error('Code: 72. DB::Exception: Cannot parse number')), 72);
});

test('the store being away or overloaded is not a data error: the sink pauses and retries', () => {
  for (const e of [
    error('connect ECONNREFUSED 127.0.0.1:8123', 'ECONNREFUSED'),
    error('read ECONNRESET', 'ECONNRESET'),
    error('socket hang up', 'ECONNRESET'),
    error('Timeout error.'),
    error('Code: 252. DB::Exception: Too many parts (300). Merges are processing significantly slower than inserts. (TOO_MANY_PARTS)'),
    error('Code: 241. DB::Exception: Memory limit (total) exceeded. (MEMORY_LIMIT_EXCEEDED)'),
    error("Code: 60. DB::Exception: Table test.klines doesn't exist. (UNKNOWN_TABLE)"),
    error('<html><body>502 Bad Gateway</body></html>'),
  ])
    assert.equal(isDataError(e), false, e.message);
});
