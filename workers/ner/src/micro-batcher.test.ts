import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createMicroBatcher } from './micro-batcher.ts';

function recorder(delayMs = 0) {
  const batches: number[][] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  return {
    batches,
    get maxConcurrent() {
      return maxConcurrent;
    },
    run: async (items: number[]) => {
      batches.push(items);
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      await sleep(delayMs);
      concurrent--;
      return items.map((item) => item * 10);
    },
  };
}

describe('createMicroBatcher', () => {
  it('gathers concurrent submits into one run and answers each in order', async () => {
    const rec = recorder();
    const batcher = createMicroBatcher({ maxBatchSize: 8, maxWaitMs: 0, run: rec.run });
    expect(await Promise.all([1, 2, 3].map((item) => batcher.submit(item)))).toEqual([10, 20, 30]);
    expect(rec.batches).toEqual([[1, 2, 3]]);
  });

  it('starts a full batch at once and splits at maxBatchSize', async () => {
    const rec = recorder(5);
    const batcher = createMicroBatcher({ maxBatchSize: 2, maxWaitMs: 10_000, run: rec.run });
    const started = performance.now();
    expect(await Promise.all([1, 2, 3, 4].map((item) => batcher.submit(item)))).toEqual([10, 20, 30, 40]);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(rec.batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(rec.maxConcurrent).toBe(1);
  });

  it('waits up to maxWaitMs for companions', async () => {
    const rec = recorder();
    const batcher = createMicroBatcher({ maxBatchSize: 8, maxWaitMs: 40, run: rec.run });
    const first = batcher.submit(1);
    await sleep(5);
    const second = batcher.submit(2);
    expect(await Promise.all([first, second])).toEqual([10, 20]);
    expect(rec.batches).toEqual([[1, 2]]);
  });

  it('gathers what arrives during a run into the next batch', async () => {
    const rec = recorder(30);
    const batcher = createMicroBatcher({ maxBatchSize: 8, maxWaitMs: 0, run: rec.run });
    const first = batcher.submit(1);
    await sleep(5);
    const later = [2, 3, 4].map((item) => batcher.submit(item));
    expect(batcher.waiting).toBe(3);
    await Promise.all([first, ...later]);
    expect(rec.batches).toEqual([[1], [2, 3, 4]]);
  });

  it('rejects every item of a failed batch, then keeps serving', async () => {
    let calls = 0;
    const batcher = createMicroBatcher<number, number>({
      maxBatchSize: 4,
      maxWaitMs: 0,
      run: async (items) => {
        calls++;
        if (calls === 1) throw new Error('session failed');
        return calls === 2 ? [] : items;
      },
    });
    const failed = [1, 2].map((item) => batcher.submit(item));
    for (const outcome of await Promise.allSettled(failed)) {
      expect(outcome).toMatchObject({ status: 'rejected', reason: { message: 'session failed' } });
    }
    await expect(batcher.submit(3)).rejects.toThrow('batch run returned 0 outputs for 1 items');
    await expect(batcher.submit(4)).resolves.toBe(4);
  });

  it('rejects the batch of a run that throws synchronously', async () => {
    const batcher = createMicroBatcher<number, number>({
      maxBatchSize: 4,
      maxWaitMs: 0,
      run: (() => {
        throw new Error('no session');
      }) as () => Promise<number[]>,
    });
    await expect(batcher.submit(1)).rejects.toThrow('no session');
  });

  it('puts urgent items ahead of a waiting bulk backlog: at most the running batch delays them', async () => {
    const rec = recorder(5);
    const batcher = createMicroBatcher({ maxBatchSize: 2, maxWaitMs: 0, run: rec.run });
    const bulk = [1, 2, 3, 4, 5, 6, 7, 8].map((item) => batcher.submit(item));
    await sleep(1); // the first bulk batch is running, six items wait
    const urgent = [batcher.submit(100, undefined, true), batcher.submit(200, undefined, true)];
    expect(await Promise.all([...bulk, ...urgent])).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 1000, 2000]);
    expect(rec.batches).toEqual([
      [1, 2],
      [100, 200],
      [3, 4],
      [5, 6],
      [7, 8],
    ]);
  });

  it('drops an item aborted while it waits', async () => {
    const rec = recorder();
    const batcher = createMicroBatcher({ maxBatchSize: 8, maxWaitMs: 30, run: rec.run });
    const controller = new AbortController();
    const dropped = batcher.submit(1, controller.signal);
    const kept = batcher.submit(2);
    controller.abort(new Error('run cancelled'));
    await expect(dropped).rejects.toThrow('run cancelled');
    await expect(kept).resolves.toBe(20);
    expect(rec.batches).toEqual([[2]]);
    await expect(batcher.submit(3, controller.signal)).rejects.toThrow('run cancelled');
  });

  it.each([
    { maxBatchSize: 0, maxWaitMs: 0, message: 'maxBatchSize 0 must be a positive integer' },
    { maxBatchSize: 1, maxWaitMs: -1, message: 'maxWaitMs -1 must be 0 or more' },
  ])('refuses $maxBatchSize / $maxWaitMs', ({ maxBatchSize, maxWaitMs, message }) => {
    expect(() => createMicroBatcher({ maxBatchSize, maxWaitMs, run: async (items: number[]) => items })).toThrow(
      message,
    );
  });
});
