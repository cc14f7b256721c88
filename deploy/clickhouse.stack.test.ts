// The ClickHouse statements of the project, sent by its own code through @clickhouse/client, on both
// ClickHouse releases it supports: the local server of the stack (Debian's 18.16) and a current one,
// chdb-core's embedded ClickHouse 26 behind tools/stack/chdb-http.py. The schema (ensureSchema), the
// TabSeparated inserts of clickhouse-sink (writeKlines) and the FINAL read of the end-to-end checks
// (closedBarsQuery): newest version per bar, decimals exact as text, nulls kept.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import type { StandardKline } from '@klineflow/schemas';
import type { SinkRecord } from '@klineflow/sink-runtime';
import { ensureSchema } from '../apps/clickhouse-sink/src/ddl.js';
import { writeKlines } from '../apps/clickhouse-sink/src/kline-writer.js';
import { closedBarsQuery, sameDecimal, type StoredBar } from '../apps/platform-e2e/src/harness.js';
import { CHDB_VERSION, chdbPython } from './binaries.js';

const DATABASE = `test_ch_versions_${Date.now()}`;
let chdb: ChildProcess | undefined;
const servers: { name: string; client: ClickHouseClient; version: RegExp }[] = [];

before(async () => {
  chdb = spawn(chdbPython(), ['tools/stack/chdb-http.py'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: chdb.stdout! }), 'line')) as [string];
  const port = /^listening (\d+)$/.exec(line)?.[1];
  assert.ok(port, `chdb-http.py said "${line}"`);
  const client = (url: string) => createClient({ url, log: { level: ClickHouseLogLevel.OFF } });
  servers.push(
    { name: 'the local server (ClickHouse 18.16)', client: client('http://127.0.0.1:8123'), version: /^18\.16\./ },
    // chdb-core's version is the ClickHouse release it embeds.
    {
      name: `chdb-core ${CHDB_VERSION}`,
      client: client(`http://127.0.0.1:${port}`),
      version: new RegExp(`^${CHDB_VERSION.split('.').slice(0, 2).join('\\.')}\\.`),
    },
  );
});

after(async () => {
  for (const { client } of servers) {
    await client.command({ query: `DROP DATABASE IF EXISTS ${DATABASE}` });
    await client.close();
  }
  chdb?.kill();
});

const bar = (over: Partial<StandardKline> = {}): StandardKline => ({
  exchange: 'huobi',
  symbol: 'BTCUSDT',
  interval: '1m',
  open_time: 1_700_000_040_000,
  close_time: 1_700_000_099_999,
  open: '37000.10',
  high: '37010.00',
  low: '36990.5',
  close: '37001.23',
  volume: '12.5',
  quote_volume: '456789.1',
  trade_count: 7,
  is_closed: false,
  event_time: 1_700_000_050_000,
  recv_time: 1_700_000_050_005,
  ...over,
});
let offset = 0;
const records = (...klines: StandardKline[]): SinkRecord[] =>
  klines.map((k) => ({
    topic: 'kline-data',
    partition: 0,
    offset: String(offset++),
    key: `${k.exchange}:${k.symbol}:${k.interval}`,
    value: JSON.stringify(k),
  }));

const NEXT = 1_700_000_100_000;
// The newest version of the first bar: closed, 18 decimal places, HTX's exponent form, the 38-digit edge.
const newest = bar({
  is_closed: true,
  event_time: 1_700_000_099_999,
  close: '37001.000000000000000001',
  low: '9.2E-7',
  quote_volume: '99999999999999999999.999999999999999999',
});
const second = bar({
  open_time: NEXT,
  close_time: NEXT + 59_999,
  event_time: NEXT + 60_000,
  is_closed: true,
  trade_count: null,
  open: '10050.00',
});

for (const index of [0, 1]) {
  test(`the schema, the sink's TSV inserts and the FINAL read agree on ${index === 0 ? 'the local server (ClickHouse 18.16)' : `chdb-core ${CHDB_VERSION}`}`, async () => {
    const { name, client, version } = servers[index]!;
    const reported = await (await client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' })).json<{ v: string }>();
    assert.match(reported[0]!.v, version, `${name} runs ClickHouse ${reported[0]!.v}`);

    await ensureSchema(client, DATABASE);
    await ensureSchema(client, DATABASE); // as every sink replica does at start-up
    // Separate inserts, so separate parts: only FINAL collapses them. Older versions, an earlier closed one
    // among them, arrive after the newest (a replay).
    await writeKlines(client, DATABASE, records(bar(), newest));
    await writeKlines(client, DATABASE, records(second, bar({ event_time: 1_700_000_060_000, close: '1' })));
    await writeKlines(client, DATABASE, records(bar({ is_closed: true, event_time: 1_700_000_099_000, close: '2' })));

    const rows = await (await client.query({ query: closedBarsQuery(DATABASE, 'huobi'), format: 'JSONEachRow' })).json<StoredBar>();
    rows.sort((a, b) => Number(a.open_time) - Number(b.open_time));
    assert.deepEqual(
      rows.map((r) => [r.open_time, r.trade_count]),
      [
        [String(newest.open_time), '7'],
        [String(NEXT), null],
      ],
      'one row per closed bar',
    );
    const [first, later] = rows as [StoredBar, StoredBar];
    // Text comparison, exact to the last of 18 places (a JSON number would round); 18.16 pads trailing zeros, 26 does not.
    for (const field of ['open', 'high', 'low', 'close', 'volume', 'quote_volume'] as const) {
      assert.ok(sameDecimal(first[field], newest[field]), `${field}: ${first[field]} stored for ${newest[field]}`);
      assert.ok(sameDecimal(later[field], second[field]), `${field}: ${later[field]} stored for ${second[field]}`);
    }
    assert.match(first.close, /^37001\.000000000000000001$/);
    assert.match(first.quote_volume, /^99999999999999999999\.999999999999999999$/);
  });
}
