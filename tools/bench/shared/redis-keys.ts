import { Redis } from 'ioredis';

/** Walks every key under `prefix` a SCAN page at a time (never KEYS, which blocks the server). */
async function forEachPage(url: string, prefix: string, onPage: (redis: Redis, keys: string[]) => Promise<void>): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
      cursor = next;
      if (keys.length > 0) await onPage(redis, keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * Deletes every key under a benchmark's own prefix (UNLINK, never FLUSHDB, so a user's data in the
 * same Redis is untouched) and returns how many. Refuses a prefix that is not a benchmark's.
 */
export async function deleteKeysUnder(url: string, prefix: string): Promise<number> {
  if (!prefix.includes('bench')) throw new Error(`refusing to delete keys under "${prefix}": not a benchmark prefix`);
  let deleted = 0;
  await forEachPage(url, prefix, async (redis, keys) => {
    deleted += await redis.unlink(...keys);
  });
  return deleted;
}

/** How many keys exist under `prefix`. */
export async function countKeysUnder(url: string, prefix: string): Promise<number> {
  let count = 0;
  await forEachPage(url, prefix, async (_redis, keys) => {
    count += keys.length;
  });
  return count;
}
