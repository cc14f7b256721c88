import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseToml } from 'smol-toml';
import { configSchema, type KlineflowConfig } from './schema.js';
import { applyRenamedKeys } from './aliases.js';
import { ConfigError } from './errors.js';
import { checkCredentials } from './secrets.js';

export { ConfigError };

/**
 * Exit code of a service stopped by a ConfigError (EX_CONFIG in sysexits.h). Restarting cannot
 * cure it, so supervisors (`npm start`, tools/platform) treat it as fatal instead of a crash.
 */
export const CONFIG_ERROR_EXIT_CODE = 78;

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, strictTuples: false });
const validateConfig = ajv.compile(configSchema);

export const ENV_PREFIX = 'KLINEFLOW__';

/** `--config <file>` wins over KLINEFLOW_CONFIG; neither means built-in defaults only. */
export function configPathFrom(argv: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  const flag = argv.findIndex((a) => a === '--config' || a.startsWith('--config='));
  if (flag >= 0) {
    const arg = argv[flag]!;
    const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[flag + 1];
    if (!value) throw new ConfigError('--config needs a file path: --config config/local-sim.toml');
    return value;
  }
  return env.KLINEFLOW_CONFIG || undefined;
}

/** Env values are TOML literals (`5`, `true`, `["a","b"]`) or bare text; `a,b` is a list. */
function parseEnvValue(raw: string): unknown {
  try {
    return (parseToml(`v = ${raw}`) as { v: unknown }).v;
  } catch {
    return raw.includes(',')
      ? raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : raw;
  }
}

/** The type the schema gives the key at `path` (undefined for an unknown key). */
function schemaType(path: readonly string[]): unknown {
  let node: { type?: unknown; properties?: Record<string, unknown> } | undefined = configSchema;
  for (const segment of path) node = node?.properties?.[segment] as typeof node;
  return node?.type;
}

/** An env value for the key at `path`: text for a string key, a list for a list key, else a TOML literal. */
function envValue(path: readonly string[], raw: string): unknown {
  const type = schemaType(path);
  if (type === 'string') return raw;
  const value = parseEnvValue(raw);
  return type === 'array' && typeof value === 'string' ? [value] : value;
}

/**
 * KLINEFLOW__STORAGE__CLICKHOUSE__BATCH_SIZE=500 sets storage.clickhouse.batch_size. A key the schema
 * types as a string takes the value verbatim: a password `123`, `true` or `a,b` stays that text; a list
 * key takes a single item as a list of one (KLINEFLOW__KAFKA__BROKERS=kafka:9092).
 */
export function applyEnvOverrides(target: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined) continue;
    const path = name.slice(ENV_PREFIX.length).toLowerCase().split('__');
    let node = target;
    for (const segment of path.slice(0, -1)) {
      const next = node[segment];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[segment] = {};
      node = node[segment] as Record<string, unknown>;
    }
    node[path[path.length - 1]!] = envValue(path, raw);
  }
}

function keyOf(error: ErrorObject): string {
  const path = error.instancePath.split('/').filter(Boolean).join('.');
  if (error.keyword === 'required') return [path, (error.params as { missingProperty: string }).missingProperty].filter(Boolean).join('.');
  if (error.keyword === 'additionalProperties') {
    return [path, (error.params as { additionalProperty: string }).additionalProperty].filter(Boolean).join('.');
  }
  return path || '(root)';
}

function fixOf(error: ErrorObject): string {
  switch (error.keyword) {
    case 'additionalProperties':
      return 'unknown key: remove it or correct its spelling';
    case 'required':
      return 'missing: add it to the file or set it in the environment';
    case 'enum':
      return `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return error.message ?? 'is invalid';
  }
}

export function formatConfigErrors(errors: readonly ErrorObject[], source: string): string {
  const lines = errors.map((e) => `  ${keyOf(e)}: ${fixOf(e)}`);
  return `invalid configuration (${source}):\n${[...new Set(lines)].join('\n')}`;
}

/** Parses, overrides from the environment, fills defaults and validates. Throws ConfigError naming each bad key. */
export function parseConfig(text: string, env: NodeJS.ProcessEnv = {}, source = 'config'): KlineflowConfig {
  let document: Record<string, unknown>;
  try {
    document = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`cannot parse ${source} as TOML: ${(error as Error).message}`);
  }
  applyEnvOverrides(document, env);
  applyRenamedKeys(document, source);
  if (!validateConfig(document)) throw new ConfigError(formatConfigErrors(validateConfig.errors ?? [], source));
  const config = document as unknown as KlineflowConfig;
  checkCredentials(config, source);
  return config;
}

export function loadConfig(argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): KlineflowConfig {
  const path = configPathFrom(argv, env);
  let text = '';
  if (path) {
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new ConfigError(
        `cannot read config file ${path}: ${(error as Error).message}. Pass an existing file with --config or KLINEFLOW_CONFIG`,
      );
    }
  }
  return parseConfig(text, env, path ?? 'built-in defaults');
}
