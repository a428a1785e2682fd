/**
 * The drop-in ML backend routes played by Label Studio's real request bodies
 * (../shared/fixtures/label-studio): /health, /setup, /predict (deadline, inline answers, later
 * write-back, exactly one prediction per task), /webhook (fast acknowledgement, import runs,
 * duplicate deliveries), Basic auth, and bad bodies on every route.
 */
import { QueueEvents } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunView } from '../../shared/src/runs/run-store.ts';
import { fixture, hasFixtures, NO_FIXTURES } from '../support/fixtures.ts';
import { checkPredictions, NER_CONFIG, PATTERN_OPTIONS, seedProject } from '../support/project.ts';
import { REDIS_URL, type Stack, startStack, waitFor } from '../support/stack.ts';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

interface Prediction {
  result?: { value: { start: number; end: number; text: string; labels: string[] } }[];
  score?: number;
  model_version?: string;
}

async function post(s: Stack, path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${s.gatewayUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
}

const patternsParams = (labels: string[]) =>
  JSON.stringify({
    pipeline: 'patterns',
    options: {
      patterns: [
        { label: labels[0], pattern: 'Katy Perry' },
        { label: labels[1], regex: 'Apple \\w+' },
      ],
    },
  });

describe('/health', () => {
  it('answers UP without calling Label Studio', async () => {
    stack = await startStack();
    for (const path of ['/', '/health']) {
      const response = await fetch(`${stack.gatewayUrl}${path}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'UP', model_class: 'prelabel' });
    }
    expect((await fetch(`${stack.gatewayUrl}/ready`)).status).toBe(200);
    expect(stack.ls.counters().requests).toEqual({});
  });
});

describe.skipIf(!hasFixtures)(`/setup with LS's request bodies (${hasFixtures ? 'fixtures' : NO_FIXTURES})`, () => {
  it('answers a non-empty model_version, the same every time, for a project id or "<id>.<ts>"', async () => {
    stack = await startStack();
    const body = { ...fixture('mlb-predict.request.ner-text.spacy.json') };
    const setup = {
      project: body.project,
      schema: body.label_config,
      hostname: 'http://localhost:8080',
      access_token: 'owner-legacy-token',
      extra_params: patternsParams(['label_1', 'label_2']),
    };
    const first = await post(stack, '/setup', setup);
    expect(first.status).toBe(200);
    expect(first.body.model_version).toMatch(/^patterns-v1-[0-9a-f]{8}$/);
    const again = await post(stack, '/setup', { ...setup, project: '6', extra_params: JSON.parse(setup.extra_params) });
    expect(again.body).toEqual(first.body);
    expect(stack.ls.counters().requests).toEqual({});
  });

  it.each([
    ['mlb-setup.request.simple_text_classifier.json', /Labels.*Text|Extra params/],
    ['mlb-setup.request.image-choices.yolo.json', /Labels.*Text|Extra params/],
    ['mlb-setup.request.minimal-with-extra_params.json', /Extra params|Labels/],
  ])('explains what %s needs (400, never 500)', async (name, message) => {
    stack = await startStack();
    const response = await post(stack, '/setup', fixture(name));
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(message);
  });

  it('refuses bad extra_params with the reason', async () => {
    stack = await startStack();
    const schema = NER_CONFIG;
    for (const [extra, message] of [
      ['{not json', /extra_params is not valid JSON/],
      [{ pipeline: 'nope' }, /unknown pipeline "nope"/],
      [{ pipeline: 'patterns', options: {} }, /extra_params\.options\.patterns/],
      [{ pipeline: 'patterns', options: { patterns: [{ label: 'VESSEL', pattern: 'x' }] } }, /VESSEL/],
    ] as const) {
      const response = await post(stack, '/setup', { project: '3.1700000000', schema, extra_params: extra });
      expect(response.status).toBe(400);
      expect(response.body.error.message).toMatch(message);
    }
  });
});

describe.skipIf(!hasFixtures)('/predict', () => {
  it("answers LS's request with one prediction per task, in order, with the /setup version", async () => {
    stack = await startStack();
    const request = fixture<{ project: string; label_config: string; tasks: { id: number; data: { text: string } }[] }>(
      'mlb-predict.request.ner-text.spacy.json',
    );
    const setup = await post(stack, '/setup', {
      project: request.project,
      schema: request.label_config,
      extra_params: patternsParams(['label_1', 'label_2']),
    });
    const answer = await post(stack, '/predict', request);
    expect(answer.status).toBe(200);
    const results = answer.body.results as Prediction[];
    expect(results).toHaveLength(request.tasks.length);
    results.forEach((prediction, i) => {
      expect(prediction.model_version).toBe(setup.body.model_version);
      expect(Array.isArray(prediction.result)).toBe(true);
      const text = request.tasks[i]!.data.text;
      for (const region of prediction.result!) {
        expect([...text].slice(region.value.start, region.value.end).join('')).toBe(region.value.text);
      }
    });
    expect(results[0]!.result!.map((r) => r.value.text)).toEqual(['Katy Perry', 'Apple Watches']);
  });

  it('answers by its deadline and writes the rest back later, exactly once', async () => {
    stack = await startStack({ workers: 'none', env: { PREDICT_DEADLINE_MS: '400' } });
    const project = seedProject(stack.ls, 300);
    const tasks = Array.from({ length: 300 }, (_, i) => i + 1);
    const setup = await post(stack, '/setup', {
      project: `${project}.1700000000`,
      schema: NER_CONFIG,
      extra_params: { pipeline: 'patterns', options: PATTERN_OPTIONS },
    });
    const body = {
      project: `${project}.1700000000`,
      label_config: NER_CONFIG,
      tasks: tasks.map((id) => ({ id, data: stack!.ls.getTask(id)!.data })),
      params: { login: null, password: null, context: null },
    };
    const started = Date.now();
    const answer = await post(stack, '/predict', body);
    const tookMs = Date.now() - started;
    expect(answer.status).toBe(200);
    expect(tookMs).toBeLessThan(400 + 1000);
    // No worker was running: nothing is ready, every entry lacks `result` (LS skips those).
    const results = answer.body.results as Prediction[];
    expect(results).toHaveLength(300);
    expect(results.every((r) => r.result === undefined && r.model_version === setup.body.model_version)).toBe(true);

    stack.startWorkerProcess();
    await waitFor(async () => (stack!.ls.predictionsOf(project).length === 300 ? true : undefined), 30_000);
    expect(checkPredictions(stack.ls, project, setup.body.model_version)).toMatchObject({
      predictions: 300,
      duplicates: 0,
      badSpans: 0,
    });
  });

  it('delivers each task once: inline when ready in time, through the write-back otherwise', async () => {
    stack = await startStack({ env: { PREDICT_DEADLINE_MS: '3000' } });
    const project = seedProject(stack.ls, 500);
    const setup = await post(stack, '/setup', {
      project: String(project),
      schema: NER_CONFIG,
      extra_params: { pipeline: 'patterns', options: PATTERN_OPTIONS },
    });
    const ids = Array.from({ length: 500 }, (_, i) => i + 1);
    const answer = await post(stack, '/predict', {
      project: String(project),
      label_config: NER_CONFIG,
      tasks: ids.map((id) => ({ id, data: stack!.ls.getTask(id)!.data })),
    });
    const inline = (answer.body.results as Prediction[]).filter((r) => r.result !== undefined).length;
    expect(inline).toBe(500);
    // LS stores the inline answers itself; the write-back must not add a second copy.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    expect(stack.ls.predictionsOf(project)).toHaveLength(0);
    const runs = (await stack.api<{ runs: RunView[] }>('GET', '/api/runs')).body.runs;
    expect(runs[0]).toMatchObject({
      source: 'predict',
      status: 'completed',
      done: 500,
      modelVersion: setup.body.model_version,
    });
  });
});

describe('the interactive lane', () => {
  it('runs a single-task /predict with context before every waiting backfill chunk', async () => {
    stack = await startStack({
      env: { CHUNK_SIZE: '100', WORKER_CONCURRENCY: '1', MAX_OUTSTANDING_CHUNKS: '30', PREDICT_DEADLINE_MS: '15000' },
    });
    const project = seedProject(stack.ls, 20_000);
    await post(stack, '/setup', {
      project: String(project),
      schema: NER_CONFIG,
      extra_params: { pipeline: 'patterns', options: PATTERN_OPTIONS },
    });
    // Watch the pipeline queue: which chunks become active between the interactive chunk's
    // arrival and its start. Only the one already running may come first (concurrency 1).
    const events = new QueueEvents('patterns', { connection: { url: REDIS_URL }, prefix: stack.prefix });
    await events.waitUntilReady();
    const order: string[] = [];
    events.on('waiting', ({ jobId }) => order.push(`waiting ${jobId}`));
    events.on('active', ({ jobId }) => order.push(`active ${jobId}`));
    const bulk = await stack.api<{ id: string }>('POST', '/api/runs', {
      project,
      pipeline: 'patterns',
      options: PATTERN_OPTIONS,
    });
    await waitFor(
      async () => {
        const waiting = await stack!.redis.zcard(`${stack!.prefix}:patterns:prioritized`);
        return waiting >= 10 ? true : undefined;
      },
      30_000,
      'a backlog of backfill chunks',
    );
    const answer = await post(stack, '/predict', {
      project: String(project),
      label_config: NER_CONFIG,
      tasks: [{ id: 19_999, data: stack.ls.getTask(19_999)!.data }],
      params: { login: null, password: null, context: { user_id: 1, result: [] } },
    });
    await events.close();
    expect((answer.body.results as Prediction[])[0]!.result).toBeDefined();
    const interactive = order.findIndex((line) => line.startsWith('waiting') && !line.includes(bulk.body.id));
    const started = order.findIndex(
      (line, i) => i > interactive && line.startsWith('active') && !line.includes(bulk.body.id),
    );
    expect(interactive).toBeGreaterThanOrEqual(0);
    const bulkStartedBetween = order.slice(interactive + 1, started).filter((line) => line.startsWith('active'));
    expect(bulkStartedBetween.length).toBeLessThanOrEqual(1);
    const backfill = (await stack.api<RunView>('GET', `/api/runs/${bulk.body.id}`)).body;
    expect(backfill.status).toBe('running');
  });
});

describe('/webhook', () => {
  const tasksCreated = (s: Stack, project: number, ids: number[]) => ({
    action: 'TASKS_CREATED',
    tasks: ids.map((id) => ({ id, data: s.ls.getTask(id)!.data, project })),
    project: { id: project, label_config: NER_CONFIG, title: 'p' },
  });

  it('acknowledges 5 000 created tasks fast, three deliveries give one prediction per task', async () => {
    stack = await startStack();
    const project = seedProject(stack.ls, 5000);
    await post(stack, '/setup', {
      project: String(project),
      schema: NER_CONFIG,
      extra_params: { pipeline: 'patterns', options: PATTERN_OPTIONS },
    });
    const payload = JSON.stringify(
      tasksCreated(
        stack,
        project,
        Array.from({ length: 5000 }, (_, i) => i + 1),
      ),
    );
    const answers: { status: string; run: string; duplicate: boolean; ms: number }[] = [];
    for (let i = 0; i < 3; i += 1) {
      const started = performance.now();
      const answer = await post(stack, '/webhook', payload);
      answers.push({ ...answer.body, ms: performance.now() - started });
    }
    expect(answers.every((a) => a.status === 'ok' && a.ms < 1000)).toBe(true);
    expect(new Set(answers.map((a) => a.run)).size).toBe(1);
    expect(answers.map((a) => a.duplicate)).toEqual([false, true, true]);
    const run = await waitFor(async () => {
      const current = (await stack!.api<RunView>('GET', `/api/runs/${answers[0]!.run}`)).body;
      return current.status === 'completed' ? current : undefined;
    });
    expect(run).toMatchObject({ source: 'webhook', total: 5000, done: 5000, failed: 0 });
    expect(checkPredictions(stack.ls, project, run.modelVersion)).toMatchObject({ predictions: 5000, duplicates: 0 });
    expect(stack.ls.counters().trapCalls).toBe(0);
  });

  it.skipIf(!hasFixtures)("answers LS's other events as documented", async () => {
    stack = await startStack();
    const annotation = await post(stack, '/webhook', fixture('mlb-webhook.request.annotation_created.minimal.json'));
    expect(annotation).toMatchObject({ status: 201, body: { status: 'ok' } });
    for (const name of [
      'ls-webhook.ANNOTATION_UPDATED.docs-example.json',
      'ls-webhook.ANNOTATIONS_DELETED.docs-example.json',
    ]) {
      expect((await post(stack, '/webhook', fixture(name))).status).toBe(201);
    }
    expect((await post(stack, '/webhook', fixture('ls-webhook.PROJECT_CREATED.docs-example.json'))).body).toEqual({
      status: 'Unknown event',
    });
    expect((await post(stack, '/webhook', fixture('ls-webhook.TASKS_DELETED.docs-example.json'))).body).toEqual({
      status: 'ok',
    });
    // The docs example's project has an empty config: no pipeline can serve it, and we say why.
    const created = await post(stack, '/webhook', fixture('ls-webhook.TASKS_CREATED.docs-example.json'));
    expect(created.status).toBe(422);
    expect(created.body.error.message).toMatch(/Labels/);
  });

  it('skips tasks deleted before their chunk is written', async () => {
    stack = await startStack({ workers: 'none' });
    const project = seedProject(stack.ls, 20);
    await post(stack, '/setup', {
      project: String(project),
      schema: NER_CONFIG,
      extra_params: { pipeline: 'patterns', options: PATTERN_OPTIONS },
    });
    const created = await post(
      stack,
      '/webhook',
      tasksCreated(
        stack,
        project,
        Array.from({ length: 20 }, (_, i) => i + 1),
      ),
    );
    await post(stack, '/webhook', {
      action: 'TASKS_DELETED',
      tasks: [{ id: 3 }, { id: 4 }],
      project: { id: project },
    });
    stack.startWorkerProcess();
    const run = await waitFor(async () => {
      const current = (await stack!.api<RunView>('GET', `/api/runs/${created.body.run}`)).body;
      return current.status === 'completed' ? current : undefined;
    }, 30_000);
    expect(run).toMatchObject({ done: 18, skipped: 2, failed: 0 });
    expect(stack.ls.predictionsOf(project).map((p) => p.task)).not.toContain(3);
  });
});

describe('Basic auth', () => {
  it('guards every route with 401 and WWW-Authenticate', async () => {
    stack = await startStack({ env: { BASIC_AUTH_USER: 'ls', BASIC_AUTH_PASS: 'p@ss' } });
    const good = `Basic ${Buffer.from('ls:p@ss').toString('base64')}`;
    const wrong = `Basic ${Buffer.from('ls:nope').toString('base64')}`;
    const routes: [string, string][] = [
      ['GET', '/'],
      ['GET', '/health'],
      ['POST', '/setup'],
      ['POST', '/predict'],
      ['POST', '/webhook'],
      ['GET', '/api/runs'],
      ['POST', '/api/runs'],
      ['GET', '/api/runs/x/events'],
      ['GET', '/nowhere'],
    ];
    for (const [method, path] of routes) {
      for (const authorization of [undefined, wrong]) {
        const response = await fetch(`${stack.gatewayUrl}${path}`, {
          method,
          headers: authorization ? { authorization } : {},
        });
        expect(response.status, `${method} ${path}`).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Basic/);
      }
    }
    const ok = await fetch(`${stack.gatewayUrl}/health`, { headers: { authorization: good } });
    expect(ok.status).toBe(200);
  });
});

describe('bad bodies', () => {
  it('answer 4xx JSON naming the problem on every route, and enqueue nothing', async () => {
    stack = await startStack({ env: { MAX_BODY_MB: '8' } });
    const cases: [string, string | unknown, number, RegExp][] = [
      ['/setup', '{nope', 400, /JSON/i],
      ['/setup', { project: '1' }, 400, /body\.schema/],
      ['/setup', { project: 'abc', schema: NER_CONFIG }, 400, /body\.project/],
      ['/setup', { project: [1], schema: NER_CONFIG }, 400, /body\.project/],
      ['/predict', '[1,2', 400, /JSON/i],
      ['/predict', { tasks: 'all' }, 400, /body\.tasks/],
      ['/predict', { tasks: [{ id: 'x', data: {} }] }, 400, /body\.tasks/],
      ['/predict', { project: '77.1', tasks: [{ id: 1, data: {} }] }, 400, /project 77 is not set up/],
      ['/webhook', 'not json', 400, /JSON/i],
      ['/webhook', {}, 400, /body\.action/],
      ['/webhook', { action: 'TASKS_CREATED' }, 400, /body\.project/],
      ['/webhook', { action: 'TASKS_CREATED', project: { id: 1 }, tasks: 'x' }, 400, /body\.tasks/],
      ['/webhook', { action: 'TASKS_DELETED', project: { id: 'x' }, tasks: [] }, 400, /project/],
      ['/api/runs', { project: 1 }, 400, /body\.pipeline/],
    ];
    for (const [path, body, status, message] of cases) {
      const response = await post(stack, path, body);
      expect(response.status, `${path} ${JSON.stringify(body)}`).toBe(status);
      expect(response.body.error.message, path).toMatch(message);
    }
    const huge = `{"tasks": [{"id": 1, "data": {"text": "${'x'.repeat(50 * 1024 * 1024)}"}}]}`;
    for (const path of ['/setup', '/predict', '/webhook', '/api/runs']) {
      const response = await post(stack, path, huge);
      expect(response.status, path).toBe(413);
      expect(response.body.error.message).toMatch(/body/i);
    }
    expect((await stack.api<{ runs: unknown[] }>('GET', '/api/runs')).body.runs).toHaveLength(0);
  });
});
