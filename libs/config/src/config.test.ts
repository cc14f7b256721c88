import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXCHANGE_IDS } from '@klineflow/exchanges';
import { configPathFrom, ConfigError, loadConfig, parseConfig, resolveExchange, SIMULATOR_PORTS, simulatorEndpoints } from './index.js';

const minimal = '[websocket.binance]\nsymbols = ["BTCUSDT"]\n';

test('defaults fill every section; the real exchange endpoints are the default URLs', () => {
  const config = parseConfig(minimal);
  assert.equal(config.storage.clickhouse.batch_size, 20_000);
  assert.deepEqual(config.kafka.brokers, ['127.0.0.1:9092']);
  const binance = resolveExchange(config, 'binance')!;
  assert.equal(binance.url, 'wss://stream.binance.com:9443');
  assert.equal(binance.apiUrl, 'wss://ws-api.binance.com:443/ws-api/v3');
  assert.deepEqual(binance.intervals, ['1m', '5m', '15m', '1h', '4h', '1d']);
  assert.equal(binance.streamsPerConnection, 1024);
  assert.equal(resolveExchange(config, 'okx'), undefined, 'an exchange without a section is not ingested');
});

test('KLINEFLOW__SECTION__KEY overrides the file: numbers, booleans, TOML arrays and comma lists', () => {
  const config = parseConfig(minimal, {
    KLINEFLOW__STORAGE__CLICKHOUSE__BATCH_SIZE: '500',
    KLINEFLOW__WEBSOCKET__BINANCE__ENABLED: 'false',
    KLINEFLOW__KAFKA__BROKERS: '["a:1","b:2"]',
    KLINEFLOW__WEBSOCKET__BINANCE__INTERVALS: '1m,1h',
    KLINEFLOW__STORAGE__REDIS__KEY_PREFIX: 'tenant-a:',
  });
  assert.equal(config.storage.clickhouse.batch_size, 500);
  assert.equal(config.websocket.binance!.enabled, false);
  assert.deepEqual(config.kafka.brokers, ['a:1', 'b:2']);
  assert.deepEqual(config.websocket.binance!.intervals, ['1m', '1h']);
  assert.equal(config.storage.redis.key_prefix, 'tenant-a:');
  assert.equal(resolveExchange(config, 'binance'), undefined, 'disabled from the environment');
});

test('symbols may be canonical or native and resolve per exchange', () => {
  const config = parseConfig('[websocket.okx]\nsymbols = ["BTCUSDT", "eth-usdt"]\n[websocket.huobi]\nsymbols = ["BTC-USDT", "solusdt"]\n');
  assert.deepEqual(
    resolveExchange(config, 'okx')!.symbols.map((s) => [s.canonical, s.native]),
    [
      ['BTCUSDT', 'BTC-USDT'],
      ['ETHUSDT', 'ETH-USDT'],
    ],
  );
  assert.deepEqual(
    resolveExchange(config, 'huobi')!.symbols.map((s) => [s.canonical, s.native]),
    [
      ['BTCUSDT', 'btcusdt'],
      ['SOLUSDT', 'solusdt'],
    ],
  );
});

test('an invalid config fails with a message naming each bad key and the fix', () => {
  const attempt = (text: string, env = {}) => assert.throws(() => parseConfig(text, env, 'klineflow.toml'), ConfigError);
  attempt('[websocket.binance]\nsymbols = []\n');
  try {
    parseConfig(
      '[websocket.binance]\nsymbols = ["BTCUSDT"]\nintervals = ["2m"]\nbogus = 1\n[kafka]\nbrokers = "localhost"\n',
      {},
      'klineflow.toml',
    );
    assert.fail('accepted an invalid config');
  } catch (error) {
    const message = (error as Error).message;
    assert.match(message, /klineflow\.toml/);
    assert.match(message, /websocket\.binance\.bogus: unknown key: remove it or correct its spelling/);
    assert.match(message, /websocket\.binance\.intervals\.0: must be one of "1m", "5m", "15m", "1h", "4h", "1d"/);
    assert.match(message, /kafka\.brokers: must be array/);
  }
  assert.throws(
    () => parseConfig(minimal, { KLINEFLOW__STORAGE__CLICKHOUSE__BATCH_SIZE: 'lots' }),
    /storage\.clickhouse\.batch_size: must be integer/,
  );
  assert.throws(() => parseConfig('[websocket.binance\n'), /cannot parse config as TOML/);
  assert.throws(
    () => resolveExchange(parseConfig('[websocket.okx]\nsymbols = ["XYZ"]\n'), 'okx'),
    /websocket\.okx\.symbols\[0\]: cannot tell the quote asset of "XYZ"/,
  );
  assert.throws(
    () => resolveExchange(parseConfig(`${minimal}streams_per_connection = 2000\n`), 'binance'),
    /websocket\.binance\.streams_per_connection: 2000 exceeds the exchange limit of 1024/,
  );
});

test('--config wins over KLINEFLOW_CONFIG; a missing file names itself and the fix', () => {
  assert.equal(configPathFrom(['node', 'main.js', '--config', 'a.toml'], { KLINEFLOW_CONFIG: 'b.toml' }), 'a.toml');
  assert.equal(configPathFrom(['node', 'main.js', '--config=c.toml'], {}), 'c.toml');
  assert.equal(configPathFrom(['node', 'main.js'], { KLINEFLOW_CONFIG: 'b.toml' }), 'b.toml');
  assert.throws(() => configPathFrom(['node', 'main.js', '--config'], {}), /--config needs a file path/);
  assert.throws(
    () => loadConfig(['node', 'main.js', '--config', '/nonexistent/klineflow.toml'], {}),
    /cannot read config file \/nonexistent\/klineflow\.toml.*--config or KLINEFLOW_CONFIG/,
  );
});

test('the shipped configs are valid', () => {
  for (const file of ['config/klineflow.toml', 'config/local-sim.toml']) {
    const config = loadConfig(['node', 'main.js', '--config', file], {});
    assert.ok(resolveExchange(config, 'binance'), `${file} ingests Binance`);
  }
});

test("the simulator's ports and endpoints derive from the catalogue and the real endpoints, as config/local-sim.toml spells them out", () => {
  const config = loadConfig(['node', 'main.js', '--config', 'config/local-sim.toml'], {});
  assert.deepEqual(config.simulator.ports, SIMULATOR_PORTS);
  assert.deepEqual(parseConfig('').simulator.ports, SIMULATOR_PORTS, 'the defaults');
  for (const exchange of EXCHANGE_IDS) {
    const section = resolveExchange(config, exchange);
    assert.ok(section, `config/local-sim.toml ingests ${exchange}`);
    assert.deepEqual(simulatorEndpoints(exchange), { url: section.url, apiUrl: section.apiUrl }, exchange);
  }
});

test('renamed keys: an old config loads to the same values; both names with different values is an error naming both', () => {
  const old = parseConfig('[integrity]\nhtx_close_grace_ms = 4500\n[simulator]\nhuobi_ping_interval = 2\nokx_idle_timeout = 12');
  const current = parseConfig(
    '[integrity]\ninferred_close_grace_ms = 4500\n[simulator.huobi]\nping_interval = 2\n[simulator.okx]\nidle_timeout = 12',
  );
  assert.deepEqual(old, current);
  assert.equal(old.integrity.inferred_close_grace_ms, 4500);
  assert.deepEqual([old.simulator.huobi.ping_interval, old.simulator.okx.idle_timeout], [2, 12]);
  assert.deepEqual(
    parseConfig('', { KLINEFLOW__INTEGRITY__HTX_CLOSE_GRACE_MS: '4500' }).integrity,
    current.integrity,
    'the old name works from the environment too',
  );
  assert.equal(
    parseConfig('[integrity]\nhtx_close_grace_ms = 4500\ninferred_close_grace_ms = 4500').integrity.inferred_close_grace_ms,
    4500,
    'both names, same value',
  );
  assert.throws(
    () => parseConfig('[simulator]\nokx_idle_timeout = 12\n[simulator.okx]\nidle_timeout = 30'),
    (error: Error) =>
      error instanceof ConfigError &&
      /simulator\.okx_idle_timeout is the old name of simulator\.okx\.idle_timeout.*12 and 30/.test(error.message),
  );
});
