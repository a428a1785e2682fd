/**
 * Checkpoints against a real Redis (REDIS_URL, a unique key prefix per test).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCheckpoints } from './checkpoints.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('checkpoints', () => {
  let redis: Redis;
  const prefix = `test-checkpoints-${randomUUID()}`;
  beforeAll(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('keeps finished steps per key until cleared, each write renewing the time to live', async () => {
    const checkpoints = createCheckpoints(redis, prefix, 60);
    expect(await checkpoints.get('task-1', '0')).toBeUndefined();
    await checkpoints.set('task-1', '0', '{"urls":["a"]}');
    await checkpoints.set('task-1', '16', '{"urls":["b"]}');
    await checkpoints.set('task-2', '0', 'other');
    expect(await checkpoints.get('task-1', '0')).toBe('{"urls":["a"]}');
    expect(await checkpoints.get('task-1', '16')).toBe('{"urls":["b"]}');
    expect(await redis.ttl(`${prefix}:checkpoint:task-1`)).toBeGreaterThan(50);

    await checkpoints.clear('task-1');
    expect(await checkpoints.get('task-1', '0')).toBeUndefined();
    expect(await checkpoints.get('task-2', '0')).toBe('other');
  });
});
