import { Redis } from 'ioredis';

/**
 * Deletes every key under a benchmark's own prefix (SCAN + UNLINK, never FLUSHDB, so a user's data
 * in the same Redis is untouched) and returns how many. Refuses a prefix that is not a benchmark's.
 */
export async function deleteKeysUnder(url: string, prefix: string): Promise<number> {
  if (!prefix.includes('bench')) throw new Error(`refusing to delete keys under "${prefix}": not a benchmark prefix`);
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
