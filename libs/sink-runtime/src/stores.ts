import { readFileSync } from 'node:fs';
import type { KlineflowConfig } from '@klineflow/config';

type RedisSettings = Pick<KlineflowConfig['storage']['redis'], 'url' | 'username' | 'password' | 'ca_file'>;
type ClickhouseSettings = Pick<KlineflowConfig['storage']['clickhouse'], 'url' | 'username' | 'password' | 'ca_file'>;

/**
 * Credentials and TLS of an ioredis client, to spread into its options beside `storage.redis.url`.
 * Unset keys are left out, so that credentials in the URL (redis://user:pw@host) still apply;
 * rediss:// alone turns TLS on with Node's public CAs, `ca_file` replaces those.
 */
export function redisConnection(settings: RedisSettings): { username?: string; password?: string; tls?: { ca: string } } {
  return {
    ...(settings.username ? { username: settings.username } : {}),
    ...(settings.password ? { password: settings.password } : {}),
    ...(settings.ca_file && settings.url.startsWith('rediss://') ? { tls: { ca: readFileSync(settings.ca_file, 'utf8') } } : {}),
  };
}

/** URL, credentials and TLS of a @clickhouse/client client: https:// is TLS, `ca_file` a private CA. */
export function clickhouseConnection(settings: ClickhouseSettings): {
  url: string;
  username: string;
  password: string;
  tls?: { ca_cert: Buffer };
} {
  return {
    url: settings.url,
    username: settings.username,
    password: settings.password,
    ...(settings.ca_file && settings.url.startsWith('https://') ? { tls: { ca_cert: readFileSync(settings.ca_file) } } : {}),
  };
}
