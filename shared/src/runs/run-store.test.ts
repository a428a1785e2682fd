/**
 * Run retention against a real Redis (REDIS_URL, a unique key prefix per test): ended runs and
 * their failures expire, a retried run is kept again, /predict runs keep their own life, and the
 * index forgets expired runs.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunStore, type NewRun } from './run-store.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DAY_SEC = 86_400;

describe('run retention', () => {
  let redis: Redis;
  const prefixes: string[] = [];
  const store = (retentionSec?: number) => {
    const prefix = `test-runs-${randomUUID()}`;
    prefixes.push(prefix);
    return {
      prefix,
      runs: createRunStore(redis, prefix, retentionSec === undefined ? {} : { retentionSec }),
    };
  };
  const newRun = (extra: Partial<NewRun> = {}): NewRun => ({
    project: 7,
    pipeline: 'patterns',
    mode: 'missing',
    modelVersion: 'patterns-v1-test',
    options: {},
    source: 'api',
    ...extra,
  });
  const ttl = (key: string) => redis.ttl(key);

  /** Starts a run, scans 2 tasks, and records one done and one failed: the run completes. */
  async function completeWithAFailure(runs: ReturnType<typeof createRunStore>, id: string) {
    await runs.start(id, '<View/>');
    await runs.commitScanPage(id, {
      expectedCursor: 0,
      newCursor: 2,
      scanned: 2,
      queued: 2,
      skipped: 0,
      finished: true,
    });
    const run = (await runs.get(id))!;
    await runs.commitTasks(run, { done: [1], skipped: [], failed: [{ task: 2, reason: 'model error' }] });
  }

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });

  afterAll(async () => {
    for (const prefix of prefixes) {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    await redis.quit();
  });

  it('keeps a live run for good and lets a completed one expire with its failures', async () => {
    const { prefix, runs } = store();
    const { run } = await runs.create(newRun());
    expect(await ttl(`${prefix}:run:${run.id}`)).toBe(-1);
    await completeWithAFailure(runs, run.id);
    expect((await runs.get(run.id))!.status).toBe('completed');
    const runTtl = await ttl(`${prefix}:run:${run.id}`);
    expect(runTtl).toBeGreaterThan(30 * DAY_SEC - 60);
    expect(runTtl).toBeLessThanOrEqual(30 * DAY_SEC);
    expect(await ttl(`${prefix}:run:${run.id}:failures`)).toBeGreaterThan(30 * DAY_SEC - 60);
    expect(await runs.failures(run.id)).toEqual([{ task: 2, reason: 'model error' }]);
    // The ledger is not part of a run: it keeps later runs from writing a task twice.
    expect(await ttl(runs.ledgerKey(7, 'patterns-v1-test'))).toBe(-1);
  });

  it('keeps a run again when its failures are taken back to be retried', async () => {
    const { prefix, runs } = store(DAY_SEC);
    const { run } = await runs.create(newRun());
    await completeWithAFailure(runs, run.id);
    expect(await ttl(`${prefix}:run:${run.id}`)).toBeGreaterThan(0);
    expect(await runs.takeFailures(run.id)).toEqual([2]);
    expect((await runs.get(run.id))!.status).toBe('running');
    expect(await ttl(`${prefix}:run:${run.id}`)).toBe(-1);
  });

  it.each(['cancelled', 'failed'] as const)('lets a %s run expire', async (status) => {
    const { prefix, runs } = store(DAY_SEC);
    const { run } = await runs.create(newRun());
    if (status === 'failed') await runs.fail(run.id, 'the project was deleted');
    else await runs.transition(run.id, ['queued', 'running', 'paused'], 'cancelled');
    expect((await runs.get(run.id))!.status).toBe(status);
    expect(await ttl(`${prefix}:run:${run.id}`)).toBeGreaterThan(DAY_SEC - 60);
  });

  it('leaves a /predict run its own life and keeps everything with retention 0', async () => {
    const predict = store(DAY_SEC);
    const { run: predictRun } = await predict.runs.create(newRun({ source: 'predict' }));
    const lifeSec = await ttl(`${predict.prefix}:run:${predictRun.id}`);
    expect(lifeSec).toBeGreaterThan(DAY_SEC);
    await completeWithAFailure(predict.runs, predictRun.id);
    expect(await ttl(`${predict.prefix}:run:${predictRun.id}`)).toBeGreaterThan(DAY_SEC);
    // Its failures go with it.
    expect(await ttl(`${predict.prefix}:run:${predictRun.id}:failures`)).toBeGreaterThan(DAY_SEC);

    const forever = store(0);
    const { run } = await forever.runs.create(newRun());
    await completeWithAFailure(forever.runs, run.id);
    expect(await ttl(`${forever.prefix}:run:${run.id}`)).toBe(-1);
    expect(await ttl(`${forever.prefix}:run:${run.id}:failures`)).toBe(-1);
  });

  it('drops expired runs from the index when a run is created', async () => {
    const { prefix, runs } = store(DAY_SEC);
    const { run: old } = await runs.create(newRun(), Date.now() - 40 * DAY_SEC);
    await redis.del(`${prefix}:run:${old.id}`); // what its expiry does
    const { run: fresh } = await runs.create(newRun());
    expect(await redis.zrange(`${prefix}:runs`, 0, -1)).toEqual([fresh.id]);
    expect((await runs.list({ limit: 10 })).map((each) => each.id)).toEqual([fresh.id]);
  });
});
