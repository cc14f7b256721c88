import type { FromSchema } from 'json-schema-to-ts';
import { CHANNELS, EXCHANGE_IDS, INTERVALS, type ExchangeId } from '@klineflow/exchanges';
import { metricsPortKey, SERVICES, SIMULATOR_PORTS, type MetricsPortKey, type SimulatorPortKey } from './services.js';

const seconds = { type: 'number', exclusiveMinimum: 0 } as const;
const port = { type: 'integer', minimum: 1, maximum: 65535 } as const;
const wsUrl = { type: 'string', pattern: '^wss?://' } as const;
/** A file to read instead of the value beside it (a mounted Kubernetes Secret); '' = unset. */
const secretFile = { type: 'string', default: '' } as const;
/** PEM file of the CA(s) that signed the server's certificate; '' = Node's built-in public CAs. */
const caFile = { type: 'string', default: '' } as const;
/** Real exchanges and our hosts agree within seconds; ten minutes also covers an exchange lagging under load. */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 600_000;

const exchangeSection = {
  type: 'object',
  additionalProperties: false,
  required: ['symbols'],
  properties: {
    enabled: { type: 'boolean', default: true },
    /** Stream endpoint (Binance combined-stream base, OKX public, HTX /ws). Defaults to the real exchange. */
    url: wsUrl,
    /** Binance WS-API (backfill) or OKX business endpoint (candles). Defaults to the real exchange. */
    api_url: wsUrl,
    /** Canonical (BTCUSDT) or native (BTC-USDT, btcusdt) symbols. */
    symbols: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', minLength: 2 } },
    intervals: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: INTERVALS }, default: [...INTERVALS] },
    channels: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: CHANNELS }, default: [...CHANNELS] },
    /** Client keepalive period in seconds, where the client pings (OKX); ignored where the server pings. */
    ping_interval: { ...seconds, default: 20 },
    /** First reconnect delay in seconds; later retries back off exponentially with full jitter. */
    reconnect_delay: { ...seconds, default: 0.1 },
    /**
     * Upper bound of the reconnect backoff in seconds: an exchange back from an outage is found within
     * about this long. The exchange's own connection-attempt limit is kept on top of it, for all connections.
     */
    reconnect_max_delay: { ...seconds, default: 2 },
    /** Hard ceiling on concurrent connections for this exchange (per ingest replica). */
    max_connections: { type: 'integer', minimum: 1, default: 50 },
    /** Streams per connection, at most the exchange's limit. */
    streams_per_connection: { type: 'integer', minimum: 1 },
    /** 2 = hot standby: every shard runs twice with the same subscriptions, deduplicated downstream. */
    redundancy: { type: 'integer', minimum: 1, maximum: 3, default: 1 },
    /** Planned make-before-break rotation at this connection age in seconds (Binance cuts at 24 h). */
    rotate_after: { ...seconds, default: 84_600 },
    /** Silence in seconds after which the busiest streams count as stale; quieter channels and longer intervals get multiples. */
    stale_after: { ...seconds, default: 10 },
    /**
     * Seconds without any frame (data, keepalive, or the answer to our probe) before a connection is
     * replaced. A connection quiet for half of it is probed with a ping; a stall is thus cured within
     * this time plus a reconnect, not after a long data-silence deadline.
     */
    liveness_timeout: { ...seconds, default: 1.5 },
    /** History requests in flight at once per ingest replica (still paced by the exchange's request budget). */
    backfill_concurrency: { type: 'integer', minimum: 1, maximum: 32, default: 4 },
  },
} as const;

/** [websocket]: one optional section per exchange id; an exchange without one is not ingested. */
const websocketSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: Object.fromEntries(EXCHANGE_IDS.map((exchange) => [exchange, exchangeSection])) as {
    readonly [E in ExchangeId]: typeof exchangeSection;
  },
} as const;

/** [simulator.ports]: one key per port of the catalogue (each exchange, Binance's WS-API, the control API), defaulting to it. */
const simulatorPortsSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  required: Object.keys(SIMULATOR_PORTS) as SimulatorPortKey[],
  properties: Object.fromEntries(Object.entries(SIMULATOR_PORTS).map(([key, value]) => [key, { ...port, default: value }])) as {
    readonly [K in SimulatorPortKey]: typeof port & { readonly default: number };
  },
} as const;

/** [metrics.ports]: one key per service of the catalogue, defaulting to its port there. */
const metricsPortsSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  required: SERVICES.map((s) => metricsPortKey(s.name)),
  properties: Object.fromEntries(SERVICES.map((s) => [metricsPortKey(s.name), { ...port, default: s.metricsPort }])) as {
    readonly [K in MetricsPortKey]: typeof port & { readonly default: number };
  },
} as const;

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['websocket', 'kafka', 'storage', 'integrity', 'metrics', 'log', 'tracing', 'ingest', 'simulator'],
  properties: {
    websocket: websocketSchema,
    ingest: {
      type: 'object',
      additionalProperties: false,
      default: {},
      required: ['shard_index', 'shard_count'],
      properties: {
        /** Replica i of N takes every N-th configured symbol in sorted order, from the i-th (StatefulSet ordinal). */
        shard_index: { type: 'integer', minimum: 0, default: 0 },
        shard_count: { type: 'integer', minimum: 1, default: 1 },
      },
    },
    kafka: {
      type: 'object',
      additionalProperties: false,
      default: {},
      required: ['brokers', 'client_id', 'partitions', 'linger_ms', 'max_buffered_messages'],
      properties: {
        brokers: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[^:\\s]+:[0-9]+$' }, default: ['127.0.0.1:9092'] },
        client_id: { type: 'string', minLength: 1, default: 'klineflow' },
        /** Partitions of the topics klineflow creates. */
        partitions: { type: 'integer', minimum: 1, default: 6 },
        /**
         * How long the ingest producer waits before a send. 0 sends at once: with one send in flight,
         * frames arriving meanwhile form the next batch, so batches grow with load without a timer.
         */
        linger_ms: { type: 'integer', minimum: 0, default: 0 },
        /** Bound of each producer's in-memory queue; beyond it sources are paused. */
        max_buffered_messages: { type: 'integer', minimum: 100, default: 100_000 },
        /** SASL authentication; `none` connects unauthenticated. */
        sasl: {
          type: 'object',
          additionalProperties: false,
          default: {},
          required: ['mechanism', 'username', 'password', 'password_file'],
          properties: {
            mechanism: { type: 'string', enum: ['none', 'scram-sha-256', 'scram-sha-512'], default: 'none' },
            username: { type: 'string', default: '' },
            password: { type: 'string', default: '' },
            password_file: secretFile,
          },
        },
        /** TLS to every broker (a SASL_SSL or SSL listener). */
        tls: {
          type: 'object',
          additionalProperties: false,
          default: {},
          required: ['enabled', 'ca_file'],
          properties: { enabled: { type: 'boolean', default: false }, ca_file: caFile },
        },
      },
    },
    storage: {
      type: 'object',
      additionalProperties: false,
      default: {},
      required: ['redis', 'clickhouse'],
      properties: {
        redis: {
          type: 'object',
          additionalProperties: false,
          default: {},
          required: ['url', 'key_prefix', 'username', 'password', 'password_file', 'ca_file'],
          properties: {
            /** rediss:// connects over TLS. Credentials belong in username/password, not in the URL. */
            url: { type: 'string', pattern: '^rediss?://', default: 'redis://127.0.0.1:6379/0' },
            /** ACL user; '' = `default` (the user `requirepass` sets the password of). */
            username: { type: 'string', default: '' },
            password: { type: 'string', default: '' },
            password_file: secretFile,
            ca_file: caFile,
            /** Prepended to every key and channel, so that tenants or tests do not collide. */
            key_prefix: { type: 'string', default: '' },
          },
        },
        clickhouse: {
          type: 'object',
          additionalProperties: false,
          default: {},
          required: ['url', 'database', 'username', 'password', 'password_file', 'ca_file', 'batch_size', 'flush_interval_ms'],
          properties: {
            /** https:// connects over TLS. */
            url: { type: 'string', pattern: '^https?://', default: 'http://127.0.0.1:8123' },
            database: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', default: 'trading_data' },
            username: { type: 'string', default: 'default' },
            password: { type: 'string', default: '' },
            password_file: secretFile,
            ca_file: caFile,
            /** Largest insert. Few large inserts suit MergeTree: every insert is a part to merge. */
            batch_size: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 20_000 },
            /** Longest a row waits for its insert; bars must be queryable within 3 s of their close. */
            flush_interval_ms: { type: 'integer', minimum: 10, default: 250 },
          },
        },
      },
    },
    integrity: {
      type: 'object',
      additionalProperties: false,
      default: {},
      required: [
        'price_jump_percent',
        'price_jump_policy',
        'volume_spike_multiple',
        'volume_median_window',
        'volume_spike_policy',
        'inferred_close_grace_ms',
        'open_bar_gap_grace_ms',
        'max_clock_skew_ms',
      ],
      properties: {
        /** A close that moves more than this percentage from the previous close is a price jump. */
        price_jump_percent: { type: 'number', exclusiveMinimum: 0, default: 20 },
        price_jump_policy: { type: 'string', enum: ['flag', 'reject'], default: 'flag' },
        /** A closed bar whose volume exceeds this multiple of the rolling median is a volume spike. */
        volume_spike_multiple: { type: 'number', exclusiveMinimum: 1, default: 50 },
        volume_median_window: { type: 'integer', minimum: 3, default: 30 },
        volume_spike_policy: { type: 'string', enum: ['flag', 'reject'], default: 'flag' },
        /**
         * Exchanges whose mapper infers bar closes (HTX sends no closed flag): a bar with no later tick is
         * closed this long after its interval ends, on the exchange clock. Old name: htx_close_grace_ms.
         */
        inferred_close_grace_ms: { type: 'integer', minimum: 0, default: 3000 },
        /** An open bar whose previous bar never closed is reported as a gap once it is this old (exchange clock). */
        open_bar_gap_grace_ms: { type: 'integer', minimum: 0, default: 10000 },
        /**
         * An exchange time (event, trade, bar open) further than this from the frame's receive time, either
         * way, is a corrupt field and dead-lettered. Widen it for the simulator, whose clock runs `speed`× fast.
         */
        max_clock_skew_ms: { type: 'integer', minimum: 1000, default: DEFAULT_MAX_CLOCK_SKEW_MS },
      },
    },
    metrics: {
      type: 'object',
      additionalProperties: false,
      default: {},
      required: ['host', 'ports'],
      properties: {
        host: { type: 'string', default: '0.0.0.0' },
        /** /metrics, /livez and /readyz (alias /health) port of each service. */
        ports: metricsPortsSchema,
      },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      default: {},
      required: ['level'],
      properties: { level: { type: 'string', enum: ['error', 'warn', 'info', 'debug'], default: 'info' } },
    },
    tracing: {
      type: 'object',
      additionalProperties: false,
      default: {},
      required: ['enabled', 'otlp_endpoint', 'sample_ratio'],
      properties: {
        /** Export batch-level spans (never per message) to an OpenTelemetry collector. */
        enabled: { type: 'boolean', default: false },
        otlp_endpoint: { type: 'string', pattern: '^https?://', default: 'http://127.0.0.1:4318/v1/traces' },
        /** Share of batches traced. */
        sample_ratio: { type: 'number', minimum: 0, maximum: 1, default: 0.1 },
      },
    },
    simulator: {
      type: 'object',
      additionalProperties: false,
      default: {},
      required: [
        'enabled',
        'host',
        'speed',
        'update_interval_ms',
        'ping_interval',
        'pong_timeout',
        'max_connection_age',
        'shutdown_grace_ms',
        'api_weight_limit',
        'unknown_symbols',
        'huobi',
        'okx',
        'ports',
      ],
      properties: {
        /** `npm start` also runs exchange-sim when true. */
        enabled: { type: 'boolean', default: false },
        host: { type: 'string', default: '127.0.0.1' },
        /** Virtual-clock speed: 60 closes a 1m bar every real second. */
        speed: { type: 'number', exclusiveMinimum: 0, default: 1 },
        /** Real-time period of open-bar updates (Binance pushes every 2 s). */
        update_interval_ms: { type: 'integer', minimum: 10, default: 2000 },
        /** Server keepalive period in seconds (Binance 20, HTX 5 in production). */
        ping_interval: { ...seconds, default: 20 },
        /** Binance closes a connection whose pong has not arrived this many seconds after a ping. */
        pong_timeout: { ...seconds, default: 60 },
        /** Binance closes connections older than this many seconds (24 h in production). */
        max_connection_age: { ...seconds, default: 86_400 },
        /** Delay between a shutdown notice (Binance serverShutdown, OKX 64008) and the close. */
        shutdown_grace_ms: { type: 'integer', minimum: 0, default: 2000 },
        /** Binance WS-API REQUEST_WEIGHT budget per minute (each klines request weighs 2). */
        api_weight_limit: { type: 'integer', minimum: 2, default: 6000 },
        /** Symbols that are acknowledged on subscribe but never deliver data (like Binance unknown symbols). */
        unknown_symbols: { type: 'array', uniqueItems: true, items: { type: 'string', minLength: 2 }, default: [] },
        /** [simulator.huobi]: HTX's own server rules (old name of ping_interval: simulator.huobi_ping_interval). */
        huobi: {
          type: 'object',
          additionalProperties: false,
          default: {},
          required: ['ping_interval'],
          properties: {
            /** HTX `{"ping":ts}` period in seconds; two unanswered pings close the connection. */
            ping_interval: { ...seconds, default: 5 },
          },
        },
        /** [simulator.okx]: OKX's own server rules (old name of idle_timeout: simulator.okx_idle_timeout). */
        okx: {
          type: 'object',
          additionalProperties: false,
          default: {},
          required: ['idle_timeout'],
          properties: {
            /** OKX closes with 4004 after this many seconds without a client message. */
            idle_timeout: { ...seconds, default: 30 },
          },
        },
        ports: simulatorPortsSchema,
      },
    },
  },
} as const;

/**
 * The secret keys, as dotted paths. Each may instead be read from the file its `<key>_file` sibling
 * names (load.ts), takes its environment override verbatim, and is redacted wherever config is shown.
 */
export const SECRET_KEYS = ['kafka.sasl.password', 'storage.redis.password', 'storage.clickhouse.password'] as const;

export type KlineflowConfig = FromSchema<typeof configSchema>;
export type ExchangeConfig = FromSchema<typeof exchangeSection>;
