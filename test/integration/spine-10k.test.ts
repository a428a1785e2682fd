/**
 * Acceptance: a 10 000-task project pre-labelled by `prelabel run --wait`, exactly once, with and
 * without Label Studio misbehaving; then `missing` predicts nothing and `all` keeps one per task.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunView } from '../../shared/src/runs/run-store.ts';
import { lastJsonLine, runCli } from '../support/cli.ts';
import { checkPredictions, PATTERN_OPTIONS, seedProject } from '../support/project.ts';
import { type Stack, startStack } from '../support/stack.ts';

const TASKS = 10_000;

describe('a 10 000-task project', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  const run = async (s: Stack, project: number, mode: 'missing' | 'all') => {
    const result = await runCli(
      [
        'run',
        '--project',
        String(project),
        '--pipeline',
        'patterns',
        '--mode',
        mode,
        '--options',
        JSON.stringify(PATTERN_OPTIONS),
        '--wait',
        '--json',
      ],
      s.env,
    );
    return { code: result.code, run: lastJsonLine<RunView>(result.stdout), stderr: result.stderr };
  };

  it('is pre-labelled exactly once; missing then predicts nothing; all keeps one per task', async () => {
    stack = await startStack();
    const project = seedProject(stack.ls, TASKS);

    const first = await run(stack, project, 'missing');
    expect(first.code, first.stderr).toBe(0);
    expect(first.run).toMatchObject({ status: 'completed', total: TASKS, done: TASKS, skipped: 0, failed: 0 });
    expect(first.run.modelVersion).toMatch(/^patterns-v1-[0-9a-f]{8}$/);
    const check = checkPredictions(stack.ls, project, first.run.modelVersion);
    expect(check).toMatchObject({
      predictions: TASKS,
      tasksWithPrediction: TASKS,
      duplicates: 0,
      badSpans: 0,
      emptyVersions: 0,
    });
    // Every fifth text holds no entity: those tasks still get one prediction, with an empty result.
    const empty = stack.ls.predictionsOf(project).filter((p) => p.result.length === 0).length;
    expect(empty).toBe(TASKS / 5);
    expect(stack.ls.counters().trapCalls).toBe(0);

    const again = await run(stack, project, 'missing');
    expect(again.run).toMatchObject({ status: 'completed', total: TASKS, done: 0, skipped: TASKS, failed: 0 });
    expect(stack.ls.predictionsOf(project)).toHaveLength(TASKS);

    const before = new Set(stack.ls.predictionsOf(project).map((p) => p.id));
    const all = await run(stack, project, 'all');
    expect(all.code, all.stderr).toBe(0);
    expect(all.run).toMatchObject({ status: 'completed', total: TASKS, done: TASKS, failed: 0 });
    const after = stack.ls.predictionsOf(project);
    expect(after).toHaveLength(TASKS);
    expect(after.filter((p) => before.has(p.id))).toHaveLength(0);
    expect(checkPredictions(stack.ls, project, first.run.modelVersion)).toMatchObject({ duplicates: 0, badSpans: 0 });
    expect(stack.ls.counters().trapCalls).toBe(0);
  });

  it('stays exactly once with 5 % 429, 5 % 500 and 2 % lost responses', async () => {
    stack = await startStack({
      ls: {
        seed: 7,
        faults: { rate429: 0.05, rate500Before: 0.05, rate500After: 0.02, retryAfterS: 1, faultReads: true },
      },
    });
    const project = seedProject(stack.ls, TASKS);
    const result = await run(stack, project, 'missing');
    expect(result.code, result.stderr).toBe(0);
    expect(result.run).toMatchObject({ status: 'completed', total: TASKS, done: TASKS, failed: 0 });
    const injected = stack.ls.counters().injected;
    expect(injected['429']).toBeGreaterThan(0);
    expect(injected['500-before']).toBeGreaterThan(0);
    expect(injected['500-after']).toBeGreaterThan(0);
    expect(checkPredictions(stack.ls, project, result.run.modelVersion)).toMatchObject({
      predictions: TASKS,
      tasksWithPrediction: TASKS,
      duplicates: 0,
      badSpans: 0,
    });
    expect(stack.ls.counters().trapCalls).toBe(0);
  });
});
