/**
 * Checkpoints of a job's long work, so a retried attempt resumes where the failed one stopped
 * instead of redoing (and re-sending) what already succeeded: a Redis hash per piece of work
 * (`<prefix>:checkpoint:<key>`), one field per finished step, kept `ttlSec` after its last write.
 *
 * The caller chooses keys that change when the work's input changes (the pdf pipeline puts the
 * file's digest in them), writes a step only once its side effects are done, and clears the key
 * when the whole piece is finished. A value is the caller's string (JSON); it checks what it
 * reads back, since a checkpoint may predate a change of its format.
 */
import type { Redis } from 'ioredis';

export interface Checkpoints {
  /** The value of a finished step, or undefined. */
  get(key: string, step: string): Promise<string | undefined>;
  /** Records a finished step; the key lives `ttlSec` from now. */
  set(key: string, step: string, value: string): Promise<void>;
  /** Forgets every step of the key (the work is done). */
  clear(key: string): Promise<void>;
}

/** How long checkpoints outlive their last write: longer than any retry backoff. */
export const DEFAULT_CHECKPOINT_TTL_SEC = 24 * 3600;

export function createCheckpoints(redis: Redis, prefix: string, ttlSec = DEFAULT_CHECKPOINT_TTL_SEC): Checkpoints {
  const hashKey = (key: string) => `${prefix}:checkpoint:${key}`;
  return {
    async get(key, step) {
      return (await redis.hget(hashKey(key), step)) ?? undefined;
    },
    async set(key, step, value) {
      await redis.multi().hset(hashKey(key), step, value).expire(hashKey(key), ttlSec).exec();
    },
    async clear(key) {
      await redis.del(hashKey(key));
    },
  };
}
