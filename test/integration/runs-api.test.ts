/**
 * The runs API end to end: bad input, unknown projects, Label Studio refusing us, pause / resume /
 * cancel mid-run, failures and their retry, server-sent progress, dry runs.
 */
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunView } from '../../shared/src/runs/run-store.ts';
import { runCli } from '../support/cli.ts';
import { checkPredictions, NER_CONFIG, PATTERN_OPTIONS, seedProject } from '../support/project.ts';
import { REDIS_URL, type Stack, startStack, waitFor } from '../support/stack.ts';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const createRun = (s: Stack, body: unknown) =>
  s.api<{ id: string; modelVersion: string; error?: { code: string; message: string } }>('POST', '/api/runs', body);
const getRun = async (s: Stack, id: string) => (await s.api<RunView>('GET', `/api/runs/${id}`)).body;
const finished = (s: Stack, id: string, timeoutMs = 60_000) =>
  waitFor(
    async () => {
      const run = await getRun(s, id);
      return ['completed', 'failed', 'cancelled'].includes(run.status) ? run : undefined;
    },
    timeoutMs,
    `run ${id} to finish`,
  );

describe('bad input', () => {
  it.each<[string, unknown, number, RegExp]>([
    [
      'project of the wrong type',
      { project: '1', pipeline: 'patterns', options: PATTERN_OPTIONS },
      400,
      /body\.project/,
    ],
    ['missing project', { pipeline: 'patterns', options: PATTERN_OPTIONS }, 400, /body\.project/],
    ['negative project', { project: -3, pipeline: 'patterns', options: PATTERN_OPTIONS }, 400, /body\.project/],
    ['unknown mode', { project: 1, pipeline: 'patterns', mode: 'some', options: PATTERN_OPTIONS }, 400, /body\.mode/],
    ['unknown field', { project: 1, pipeline: 'patterns', options: PATTERN_OPTIONS, extra: 1 }, 400, /extra/],
    ['unknown pipeline', { project: 1, pipeline: 'magic', options: {} }, 400, /unknown pipeline "magic"/],
    ['options without patterns', { project: 1, pipeline: 'patterns', options: {} }, 400, /body\.options\.patterns/],
    [
      'options with a broken regex',
      { project: 1, pipeline: 'patterns', options: { patterns: [{ label: 'ORG', regex: '(' }] } },
      400,
      /body\.options\.patterns/,
    ],
    ['unknown project', { project: 999, pipeline: 'patterns', options: PATTERN_OPTIONS }, 404, /project 999 not found/],
  ])('%s → %i with the reason', async (_name, body, status, message) => {
    stack = await startStack();
    seedProject(stack.ls, 5);
    const response = await createRun(stack, body);
    expect(response.status).toBe(status);
    expect(response.body.error?.message).toMatch(message);
    expect((await stack.api<{ runs: unknown[] }>('GET', '/api/runs')).body.runs).toHaveLength(0);
    expect(stack.ls.predictionsOf(1)).toHaveLength(0);
  });

  it('answers malformed JSON with 400', async () => {
    stack = await startStack();
    const response = await fetch(`${stack.gatewayUrl}/api/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"project": 1,',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/JSON/i);
  });

  it('answers unknown runs with 404 and impossible transitions with 409', async () => {
    stack = await startStack();
    expect((await stack.api('GET', '/api/runs/nope')).status).toBe(404);
    expect((await stack.api('POST', '/api/runs/nope/pause')).status).toBe(404);
    const project = seedProject(stack.ls, 10);
    const { body } = await createRun(stack, { project, pipeline: 'patterns', options: PATTERN_OPTIONS });
    await finished(stack, body.id);
    const resume = await stack.api<{ error: { message: string } }>('POST', `/api/runs/${body.id}/resume`);
    expect(resume.status).toBe(409);
    expect(resume.body.error.message).toBe('cannot resume a run that is completed');
  });

  it('fails the run with a readable reason when a pattern label is not in the config', async () => {
    stack = await startStack();
    const project = seedProject(stack.ls, 10);
    const { body } = await createRun(stack, {
      project,
      pipeline: 'patterns',
      options: { patterns: [{ label: 'VESSEL', pattern: 'Acme' }] },
    });
    const run = await finished(stack, body.id);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/VESSEL/);
    expect(run.error).toMatch(/ORG/);
    expect(stack.ls.predictionsOf(project)).toHaveLength(0);
  });
});

describe('Label Studio refusing or unreachable', () => {
  it('fails the run at once when LS rejects the key (401) and writes nothing', async () => {
    stack = await startStack({ auth: 'legacy', ls: { legacyTokensEnabled: false } });
    const project = stack.ls.createProject({ label_config: NER_CONFIG }).id;
    stack.ls.createTasks(project, { count: 10 });
    const { status, body } = await createRun(stack, { project, pipeline: 'patterns', options: PATTERN_OPTIONS });
    expect(status).toBe(202);
    const run = await finished(stack, body.id);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/401/);
    expect(run.error).toMatch(/LABEL_STUDIO_API_KEY/);
    expect(run.error).not.toContain(stack.ls.legacyToken);
    expect(stack.ls.predictionsOf(project)).toHaveLength(0);
  });

  it('fails the run with the reason when LS stays unreachable', async () => {
    stack = await startStack({ labelStudioUrl: 'http://127.0.0.1:9' });
    const { status, body } = await createRun(stack, { project: 1, pipeline: 'patterns', options: PATTERN_OPTIONS });
    expect(status).toBe(202);
    const run = await finished(stack, body.id, 45_000);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/unreachable/);
    expect(run.error).toContain('http://127.0.0.1:9');
  });
});

describe('controlling a run', () => {
  // 2 000 tasks in chunks of 20 at 10 writes/s: about 10 s, long enough to act mid-run.
  const slow = {
    CHUNK_SIZE: '20',
    SCAN_PAGE_SIZE: '100',
    MAX_OUTSTANDING_CHUNKS: '4',
    LABEL_STUDIO_WRITES_PER_SEC: '10',
  };

  it('pauses, holds still, resumes and completes exactly once', async () => {
    stack = await startStack({ env: slow });
    const project = seedProject(stack.ls, 2000);
    const { body } = await createRun(stack, { project, pipeline: 'patterns', options: PATTERN_OPTIONS });
    await waitFor(async () => ((await getRun(stack!, body.id)).done >= 100 ? true : undefined));
    const paused = await stack.api<RunView>('POST', `/api/runs/${body.id}/pause`);
    expect(paused.body.status).toBe('paused');
    // Chunks already predicted may still land; then nothing moves.
    const settled = await waitFor(async () => {
      const before = (await getRun(stack!, body.id)).done;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const after = await getRun(stack!, body.id);
      return after.done === before ? after : undefined;
    });
    expect(settled.status).toBe('paused');
    expect(settled.done).toBeLessThan(2000);
    expect(stack.ls.predictionsOf(project)).toHaveLength(settled.done);

    expect((await stack.api<RunView>('POST', `/api/runs/${body.id}/resume`)).body.status).toBe('running');
    const run = await finished(stack, body.id);
    expect(run).toMatchObject({ status: 'completed', done: 2000, failed: 0 });
    expect(checkPredictions(stack.ls, project, body.modelVersion)).toMatchObject({ predictions: 2000, duplicates: 0 });
  });

  it('cancels: no queued work is left and nothing more is written', async () => {
    stack = await startStack({ env: slow });
    const project = seedProject(stack.ls, 2000);
    const { body } = await createRun(stack, { project, pipeline: 'patterns', options: PATTERN_OPTIONS });
    await waitFor(async () => ((await getRun(stack!, body.id)).done >= 100 ? true : undefined));
    const cancelled = await stack.api<RunView>('POST', `/api/runs/${body.id}/cancel`);
    expect(cancelled.body.status).toBe('cancelled');
    expect(cancelled.body.finishedAt).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const written = stack.ls.predictionsOf(project).length;
    expect(written).toBeLessThan(2000);
    for (const name of ['scan', 'patterns', 'writeback']) {
      const queue = new Queue(name, { connection: { url: REDIS_URL }, prefix: stack.prefix });
      const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized', 'active']);
      expect(
        jobs.filter((job) => job?.data.runId === body.id),
        `queue ${name}`,
      ).toHaveLength(0);
      await queue.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(stack.ls.predictionsOf(project)).toHaveLength(written);
    expect(stack.ls.duplicates(project, body.modelVersion)).toBe(0);
    expect((await getRun(stack, body.id)).status).toBe('cancelled');
  });
});

describe('two runs over the same tasks at once', () => {
  it('still write one prediction per task', async () => {
    stack = await startStack({ env: { CHUNK_SIZE: '50', SCAN_PAGE_SIZE: '200' } });
    const project = seedProject(stack.ls, 3000);
    const body = { project, pipeline: 'patterns', options: PATTERN_OPTIONS };
    const [a, b] = await Promise.all([createRun(stack, body), createRun(stack, body)]);
    const [runA, runB] = await Promise.all([finished(stack, a.body.id), finished(stack, b.body.id)]);
    expect(runA.status).toBe('completed');
    expect(runB.status).toBe('completed');
    expect(runA.done + runB.done).toBe(3000);
    expect(runA.done + runA.skipped).toBe(3000);
    expect(runB.done + runB.skipped).toBe(3000);
    expect(checkPredictions(stack.ls, project, a.body.modelVersion)).toMatchObject({
      predictions: 3000,
      duplicates: 0,
    });
  });
});

describe('failures, retries, events, dry runs', () => {
  it('lists failed tasks with a reason and retries them', async () => {
    stack = await startStack();
    const project = stack.ls.createProject({ label_config: NER_CONFIG }).id;
    stack.ls.createTasks(project, { count: 30, texts: ['Acme Corp {id}'] });
    const broken = stack.ls.createTasks(project, { count: 3, dataKey: 'body', textTemplate: 'Acme Corp' });
    const { body } = await createRun(stack, { project, pipeline: 'patterns', options: PATTERN_OPTIONS });
    const run = await finished(stack, body.id);
    expect(run).toMatchObject({ status: 'completed', total: 33, done: 30, failed: 3 });
    const failures = await stack.api<{ failures: { task: number; reason: string }[] }>(
      'GET',
      `/api/runs/${body.id}/failures`,
    );
    expect(failures.body.failures.map((f) => f.task)).toEqual([broken.firstId, broken.firstId! + 1, broken.lastId]);
    expect(failures.body.failures[0]!.reason).toMatch(/text/);

    const retry = await stack.api<{ retried: number }>('POST', `/api/runs/${body.id}/retry-failed`);
    expect(retry).toMatchObject({ status: 202, body: { retried: 3 } });
    const again = await finished(stack, body.id);
    expect(again).toMatchObject({ status: 'completed', done: 30, failed: 3 });
    expect(stack.ls.predictionsOf(project)).toHaveLength(30);
  });

  it('makes `run --wait` exit 1 when tasks failed', async () => {
    stack = await startStack();
    const project = stack.ls.createProject({ label_config: NER_CONFIG }).id;
    stack.ls.createTasks(project, { count: 2, dataKey: 'body' });
    const result = await runCli(
      ['run', '--project', String(project), '--options', JSON.stringify(PATTERN_OPTIONS), '--wait'],
      stack.env,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/completed .* 2 failed/);
    const status = await runCli(['status', '--json'], stack.env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject([{ project, status: 'completed', failed: 2 }]);
    const unknown = await runCli(['status', 'nope'], stack.env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe('prelabel: run nope not found');
  });

  it('streams progress as server-sent events until the run ends', async () => {
    stack = await startStack({ env: { CHUNK_SIZE: '50' } });
    const project = seedProject(stack.ls, 1000);
    const { body } = await createRun(stack, { project, pipeline: 'patterns', options: PATTERN_OPTIONS });
    const response = await fetch(`${stack.gatewayUrl}/api/runs/${body.id}/events`);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const text = await response.text();
    const events = text
      .trim()
      .split('\n\n')
      .map((block) => ({ event: block.split('\n')[0]!.slice(7), data: JSON.parse(block.split('\n')[1]!.slice(6)) }));
    expect(events.at(-1)).toMatchObject({ event: 'end', data: { status: 'completed', done: 1000 } });
    expect(events.filter((e) => e.event === 'progress').length).toBeGreaterThanOrEqual(1);
  });

  it('answers a dry run with what would be predicted, and nothing after a run', async () => {
    stack = await startStack();
    const project = seedProject(stack.ls, 120);
    const body = { project, pipeline: 'patterns', options: PATTERN_OPTIONS };
    const dry = await stack.api<{ total: number; wouldPredict: number }>('POST', '/api/runs?dryRun=true', body);
    expect(dry).toMatchObject({ status: 200, body: { total: 120, wouldPredict: 120 } });
    expect((await stack.api<{ runs: unknown[] }>('GET', '/api/runs')).body.runs).toHaveLength(0);
    await finished(stack, (await createRun(stack, body)).body.id);
    const after = await stack.api('POST', '/api/runs?dryRun=true', body);
    expect(after.body).toMatchObject({ total: 120, wouldPredict: 0 });
    const all = await stack.api('POST', '/api/runs?dryRun=true', { ...body, mode: 'all' });
    expect(all.body).toMatchObject({ total: 120, wouldPredict: 120 });
  });
});
