import { SIMULATOR_PORTS, type KlineflowConfig, type SimulatorPortKey } from '@klineflow/config';

type PortName<K extends string> = K extends `${infer Exchange}_api` ? `${Exchange}Api` : K;

/**
 * The simulator's listening ports: asked for in the options (0 picks an ephemeral port), bound ones from
 * `Simulator.start`. One per key of [simulator.ports] (libs/config's catalogue), in camelCase: `binanceApi`.
 */
export type SimPorts = { readonly [K in SimulatorPortKey as PortName<K>]: number };

/** A [simulator.ports] key's name in SimPorts (binance_api -> binanceApi). */
export function simPortName(key: SimulatorPortKey): keyof SimPorts {
  return key.replace(/_api$/, 'Api') as keyof SimPorts;
}

const portsOf = (port: (key: SimulatorPortKey) => number): SimPorts =>
  Object.fromEntries((Object.keys(SIMULATOR_PORTS) as SimulatorPortKey[]).map((key) => [simPortName(key), port(key)])) as SimPorts;

/** Everything the simulator needs, in milliseconds. */
export interface SimOptions {
  readonly host: string;
  readonly ports: SimPorts;
  readonly speed: number;
  /** Virtual time at start; defaults to the real clock. */
  readonly virtualStart?: number;
  readonly updateIntervalMs: number;
  readonly binancePingIntervalMs: number;
  readonly binancePongTimeoutMs: number;
  readonly binanceMaxConnectionAgeMs: number;
  readonly huobiPingIntervalMs: number;
  readonly okxIdleTimeoutMs: number;
  readonly shutdownGraceMs: number;
  readonly apiWeightLimit: number;
  /** Canonical symbols that are acknowledged but never deliver data. */
  readonly unknownSymbols: ReadonlySet<string>;
}

export function optionsFromConfig(config: KlineflowConfig): SimOptions {
  const sim = config.simulator;
  return {
    host: sim.host,
    ports: portsOf((key) => sim.ports[key]),
    speed: sim.speed,
    updateIntervalMs: sim.update_interval_ms,
    binancePingIntervalMs: sim.ping_interval * 1000,
    binancePongTimeoutMs: sim.pong_timeout * 1000,
    binanceMaxConnectionAgeMs: sim.max_connection_age * 1000,
    huobiPingIntervalMs: sim.huobi.ping_interval * 1000,
    okxIdleTimeoutMs: sim.okx.idle_timeout * 1000,
    shutdownGraceMs: sim.shutdown_grace_ms,
    apiWeightLimit: sim.api_weight_limit,
    unknownSymbols: new Set(sim.unknown_symbols.map((s) => s.replace(/[-_/]/g, '').toUpperCase())),
  };
}

/** Production-like defaults on ephemeral loopback ports, for in-process tests. */
export function testOptions(overrides: Partial<SimOptions> = {}): SimOptions {
  return {
    host: '127.0.0.1',
    ports: portsOf(() => 0),
    speed: 1,
    updateIntervalMs: 1000,
    binancePingIntervalMs: 20_000,
    binancePongTimeoutMs: 60_000,
    binanceMaxConnectionAgeMs: 86_400_000,
    huobiPingIntervalMs: 5000,
    okxIdleTimeoutMs: 30_000,
    shutdownGraceMs: 2000,
    apiWeightLimit: 6000,
    unknownSymbols: new Set(),
    ...overrides,
  };
}
