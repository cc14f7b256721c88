import { readFileSync } from 'node:fs';
import { SECRET_KEYS, type KlineflowConfig } from './schema.js';
import { ConfigError } from './errors.js';

type Section = Record<string, unknown>;

/** The section holding a dotted key, and the key's name in it. */
function locate(config: unknown, dotted: string): [Section | undefined, string] {
  const path = dotted.split('.');
  let node = config as Section | undefined;
  for (const segment of path.slice(0, -1)) node = node?.[segment] as Section | undefined;
  return [node, path[path.length - 1]!];
}

/**
 * A Secret mounted as a file usually ends in a newline (`echo pw > file`, most editors); no server
 * password does, so one trailing line break is dropped.
 */
function readSecretFile(path: string): string {
  return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
}

/**
 * Reads every `<secret>_file` into its secret, then checks what JSON Schema cannot: credentials that
 * only make sense together. Throws one ConfigError naming every bad key and its fix, never a value.
 */
export function checkCredentials(config: KlineflowConfig, source: string): void {
  const problems: string[] = [];
  for (const key of SECRET_KEYS) {
    const [section, name] = locate(config, key);
    const file = section?.[`${name}_file`];
    if (!section || typeof file !== 'string' || file === '') continue;
    if (section[name] !== '') {
      problems.push(`${key}_file: ${key} is set as well: set one of them`);
      continue;
    }
    try {
      section[name] = readSecretFile(file);
    } catch (error) {
      problems.push(
        `${key}_file: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): mount the Secret there or correct the path`,
      );
    }
  }

  const { sasl, tls } = config.kafka;
  if (sasl.mechanism !== 'none') {
    if (sasl.username === '')
      problems.push(`kafka.sasl.username: ${sasl.mechanism} needs a user: set it or KLINEFLOW__KAFKA__SASL__USERNAME`);
    if (sasl.password === '')
      problems.push(
        `kafka.sasl.password: ${sasl.mechanism} needs a password: set KLINEFLOW__KAFKA__SASL__PASSWORD or kafka.sasl.password_file`,
      );
  } else if (sasl.username !== '' || sasl.password !== '') {
    problems.push('kafka.sasl.mechanism: credentials are set but the mechanism is "none": set "scram-sha-256" or "scram-sha-512"');
  }
  const { redis, clickhouse } = config.storage;
  if (redis.username !== '' && redis.password === '')
    problems.push(
      'storage.redis.password: an ACL user needs its password: set KLINEFLOW__STORAGE__REDIS__PASSWORD or storage.redis.password_file',
    );

  const caFiles: Array<[string, string, boolean, string]> = [
    ['kafka.tls.ca_file', tls.ca_file, tls.enabled, 'set kafka.tls.enabled = true'],
    ['storage.redis.ca_file', redis.ca_file, redis.url.startsWith('rediss://'), 'use a rediss:// url'],
    ['storage.clickhouse.ca_file', clickhouse.ca_file, clickhouse.url.startsWith('https://'), 'use an https:// url'],
  ];
  for (const [key, file, tlsOn, fix] of caFiles) {
    if (file === '') continue;
    if (!tlsOn) problems.push(`${key}: only used over TLS: ${fix}, or remove it`);
    else {
      try {
        readFileSync(file);
      } catch (error) {
        problems.push(
          `${key}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): mount the CA there or correct the path`,
        );
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration (${source}):\n${problems.map((p) => `  ${p}`).join('\n')}`);
}

export const REDACTED = '[redacted]';

/**
 * A copy of the config fit to log or show: every secret that is set replaced by REDACTED, and the
 * password of any URL with credentials in it (redis://user:pw@host) too.
 */
export function redactConfig(config: KlineflowConfig): KlineflowConfig {
  const copy = structuredClone(config) as unknown as Section;
  for (const key of SECRET_KEYS) {
    const [section, name] = locate(copy, key);
    if (section && section[name] !== '') section[name] = REDACTED;
  }
  const visit = (node: Section) => {
    for (const [key, value] of Object.entries(node)) {
      if (typeof value === 'string') node[key] = value.replace(/(\/\/[^/@:\s]*:)[^/@\s]+@/g, `$1${REDACTED}@`);
      else if (value !== null && typeof value === 'object') visit(value as Section);
    }
  };
  visit(copy);
  return copy as unknown as KlineflowConfig;
}
