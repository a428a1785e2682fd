/**
 * Crash recovery: `kill -9` of the worker process in the middle of a run, then a restart; the run
 * completes with exactly one prediction per task.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunView } from '../../shared/src/runs/run-store.ts';
import { checkPredictions, PATTERN_OPTIONS, seedProject } from '../support/project.ts';
import { type Stack, startStack, waitFor } from '../support/stack.ts';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('kill -9 of the worker process', () => {
  it('resumes after a restart and completes exactly once', async () => {
    const TASKS = 5000;
    stack = await startStack({
      workers: 'none',
      // Short locks so the restarted worker takes the dead one's jobs over in seconds.
      env: { JOB_LOCK_MS: '2000', CHUNK_SIZE: '50', SCAN_PAGE_SIZE: '200', LABEL_STUDIO_WRITES_PER_SEC: '40' },
      ls: { faults: { latencyMs: 5 } },
    });
    const project = seedProject(stack.ls, TASKS);
    const first = stack.startWorkerProcess();
    const { body } = await stack.api<{ id: string; modelVersion: string }>('POST', '/api/runs', {
      project,
      pipeline: 'patterns',
      options: PATTERN_OPTIONS,
    });
    const getRun = async () => (await stack!.api<RunView>('GET', `/api/runs/${body.id}`)).body;
    await waitFor(async () => ((await getRun()).done >= 1000 ? true : undefined), 60_000, 'a fifth of the run');
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const atCrash = await getRun();
    expect(atCrash.status).toBe('running');
    expect(atCrash.done).toBeLessThan(TASKS);

    stack.startWorkerProcess();
    const run = await waitFor(
      async () => {
        const current = await getRun();
        return current.status === 'completed' || current.status === 'failed' ? current : undefined;
      },
      90_000,
      'the run to complete after the restart',
    );
    expect(run).toMatchObject({ status: 'completed', total: TASKS, done: TASKS, skipped: 0, failed: 0 });
    expect(checkPredictions(stack.ls, project, body.modelVersion)).toMatchObject({
      predictions: TASKS,
      tasksWithPrediction: TASKS,
      duplicates: 0,
      badSpans: 0,
    });
  });
});
