/**
 * The LS test server's ML-backend side and webhooks (protocol §2–§4.6) against a fake ML backend on
 * node:http (fake-ml-backend.ts), never prelabel's gateway: `/api/ml` validation and state, "Retrieve
 * Predictions" with LS's storage rules, the single-task trap, webhook CRUD and deliveries, the project
 * list's title filter and paging, and the admin routes for all of it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeMlBackend, type FakeMlBackendOptions, startFakeMlBackend } from './fake-ml-backend.ts';
import {
  type LabelStudioTestServer,
  type LabelStudioTestServerOptions,
  startLabelStudioTestServer,
} from './ls-test-server.ts';

const NER_CONFIG =
  '<View><Labels name="label" toName="text"><Label value="ORG"/><Label value="PER"/></Labels>' +
  '<Text name="text" value="$text"/></View>';
const ORG = { from_name: 'label', to_name: 'text', type: 'labels', value: { start: 0, end: 4, labels: ['ORG'] } };

type Json = Record<string, unknown>;

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()));
});

async function startLs(options: LabelStudioTestServerOptions = {}): Promise<LabelStudioTestServer> {
  const ls = await startLabelStudioTestServer(options);
  cleanups.push(() => ls.close());
  return ls;
}

async function startBackend(options: Partial<FakeMlBackendOptions> = {}): Promise<FakeMlBackend> {
  const backend = await startFakeMlBackend(options);
  cleanups.push(() => backend.close());
  return backend;
}

/** A plain webhook receiver that records bodies and headers; `delayMs` makes it slow. */
async function startReceiver(delayMs = 0): Promise<{ url: string; bodies: Json[]; headers: Json[]; server: Server }> {
  const bodies: Json[] = [];
  const headers: Json[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json);
    headers.push(req.headers as Json);
    if (delayMs > 0) await sleep(delayMs);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"status":"ok"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies, headers, server };
}

async function api(
  ls: LabelStudioTestServer,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: Json & Json[] }> {
  const response = await fetch(`${ls.url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { Authorization: `Token ${ls.legacyToken}`, 'Content-Type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as Json & Json[] };
}

function nerProject(ls: LabelStudioTestServer, count: number, title = 'ner') {
  const project = ls.createProject({ label_config: NER_CONFIG, title });
  const seeded = ls.createTasks(project.id, { count, textTemplate: 'Acme task {n}' });
  return { id: project.id, firstId: seeded.firstId ?? 0, lastId: seeded.lastId ?? 0 };
}

async function connect(ls: LabelStudioTestServer, projectId: number, url: string, extra: Json = {}) {
  return api(ls, '/api/ml/', { body: { project: projectId, url, title: 'fake', ...extra } });
}

const retrieve = (ls: LabelStudioTestServer, projectId: number, selectedItems: unknown = { all: true, excluded: [] }) =>
  api(ls, `/api/dm/actions?id=retrieve_tasks_predictions&project=${projectId}`, { body: { selectedItems } });

describe('/api/ml', () => {
  it('validates with health and setup, connects, makes the backend the live model and adds its webhook', async () => {
    const ls = await startLs();
    const backend = await startBackend({ modelVersion: 'fake-v7' });
    const project = nerProject(ls, 1);

    const created = await connect(ls, project.id, `${backend.url}/`, { extra_params: '{"pipeline": "patterns"}' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: 1,
      state: 'CO',
      readable_state: 'Connected',
      title: 'fake',
      url: `${backend.url}/`,
      model_version: 'fake-v7',
      extra_params: '{"pipeline": "patterns"}',
      auth_method: 'NONE',
      basic_auth_pass_is_set: false,
      is_interactive: false,
      timeout: 100,
      auto_update: true,
      project: project.id,
      error_message: null,
    });
    expect(created.body).not.toHaveProperty('basic_auth_pass');
    // Validation (health, setup) then update_state (health, setup).
    expect(backend.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /health',
      'POST /setup',
      'GET /health',
      'POST /setup',
    ]);
    const setup = backend.received('setup')[0]!;
    expect(setup.headers['user-agent']).toBe('heartex/test');
    expect(setup.headers.authorization).toBeUndefined();
    const createdAtS = Math.floor(Date.parse(String(ls.getProject(project.id)?.created_at)) / 1000);
    expect(setup.body).toEqual({
      project: `${project.id}.${createdAtS}`,
      schema: NER_CONFIG,
      hostname: 'http://localhost:8080',
      access_token: ls.legacyToken,
      extra_params: '{"pipeline": "patterns"}',
    });
    expect(ls.getProject(project.id)).toMatchObject({ model_version: 'fake', show_collab_predictions: true });
    expect(ls.webhooksOf(project.id)).toEqual([
      expect.objectContaining({
        url: `${backend.url}/webhook`,
        send_payload: true,
        send_for_all_actions: true,
        is_active: true,
        actions: [],
      }),
    ]);

    // A second backend at the same URL adds no second webhook and does not take over the live model.
    const again = await connect(ls, project.id, backend.url, { title: 'other', extra_params: { pipeline: 'x' } });
    expect(again.body).toMatchObject({ id: 2, extra_params: { pipeline: 'x' } });
    expect(ls.webhooksOf(project.id)).toHaveLength(1);
    expect(ls.getProject(project.id)?.model_version).toBe('fake');
    expect(ls.counters().mlCalls).toEqual({ health: 4, setup: 4, predict: 0 });
  });

  it("answers LS's 400 messages for an unreachable backend, bad credentials and a failing setup", async () => {
    const ls = await startLs();
    const project = nerProject(ls, 1);

    const unreachable = await connect(ls, project.id, 'http://127.0.0.1:9');
    expect(unreachable.status).toBe(400);
    const [message] = (unreachable.body['validation_errors'] as { non_field_errors: string[] }).non_field_errors;
    expect(message).toMatch(/^Can't connect to ML backend http:\/\/127\.0\.0\.1:9, health check failed\./);
    expect(message).toContain("HTTPConnectionPool(host='127.0.0.1', port=9)");

    const guarded = await startBackend({ basicAuth: { user: 'u', pass: 'p' } });
    const anonymous = await connect(ls, project.id, guarded.url);
    expect(anonymous.body['validation_errors']).toEqual({
      non_field_errors: [
        'Able to connect to ML Server, but authentication parameters were either not provided or are incorrect.',
      ],
    });
    const missingPass = await connect(ls, project.id, guarded.url, { auth_method: 'BASIC_AUTH', basic_auth_user: 'u' });
    expect(missingPass.body['validation_errors']).toEqual({
      non_field_errors: ['Authentication username and password is required for Basic Authentication.'],
    });
    const authed = await connect(ls, project.id, guarded.url, {
      auth_method: 'BASIC_AUTH',
      basic_auth_user: 'u',
      basic_auth_pass: 'p',
    });
    expect(authed.body).toMatchObject({ state: 'CO', basic_auth_user: 'u', basic_auth_pass_is_set: true });
    expect(guarded.requests.at(-1)?.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);

    const broken = await startBackend({ status: { setup: 500 } });
    const failing = await connect(ls, project.id, broken.url);
    expect(failing.status).toBe(400);
    expect(JSON.stringify(failing.body['validation_errors'])).toContain(
      "doesn't look like a valid ML backend. Reason: 500 Server Error: Internal Server Error for url: " +
        `${broken.url}/setup`,
    );

    const invalid = await api(ls, '/api/ml/', { body: { url: 'nope', auth_method: 'OAUTH' } });
    expect(invalid.body['validation_errors']).toEqual({
      url: ['Enter a valid URL.'],
      project: ['This field is required.'],
      auth_method: ['"OAUTH" is not a valid choice.'],
    });
    expect(ls.mlBackendsOf(project.id)).toHaveLength(1);
  });

  it('lists, reads, patches and deletes like LS, re-checking the state on every read', async () => {
    const ls = await startLs();
    const backend = await startBackend();
    const project = nerProject(ls, 1);
    const { body: created } = await connect(ls, project.id, backend.url);
    const id = created['id'] as number;

    backend.set({ status: { health: 503 } });
    const listed = await api(ls, `/api/ml/?project=${project.id}`);
    expect(listed.body).toEqual([expect.objectContaining({ id, state: 'DI', readable_state: 'Disconnected' })]);
    expect((await api(ls, '/api/ml/')).status).toBe(404);
    backend.set({ status: { setup: 500 } });
    const errored = await api(ls, `/api/ml/${id}`);
    expect(errored.body).toMatchObject({ state: 'ER' });
    expect(errored.body['error_message']).toContain('500 Server Error');
    backend.set({ status: {}, modelVersion: 'fake-v2' });
    expect((await api(ls, `/api/ml/${id}/`)).body).toMatchObject({ state: 'CO', model_version: 'fake-v2' });

    // LS re-validates with only the submitted attributes: no url → healthcheck_() TypeError (500).
    expect((await api(ls, `/api/ml/${id}`, { method: 'PATCH', body: { title: 'renamed' } })).status).toBe(500);
    const renamed = await api(ls, `/api/ml/${id}`, {
      method: 'PATCH',
      body: { url: backend.url, project: project.id, title: 'renamed', is_interactive: true },
    });
    expect(renamed.body).toMatchObject({ title: 'renamed', is_interactive: true, state: 'CO' });
    // Renaming the live model renames the project's model_version with it.
    expect(ls.getProject(project.id)?.model_version).toBe('renamed');

    expect((await api(ls, `/api/ml/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect(ls.getProject(project.id)?.model_version).toBe('');
    expect((await api(ls, `/api/ml/${id}`)).status).toBe(404);
  });

  it('accepts a backend title as project model_version (live model) in PATCH /api/projects/{id}/', async () => {
    const ls = await startLs();
    const backend = await startBackend();
    const project = ls.createProject({ label_config: NER_CONFIG, show_collab_predictions: false });
    await connect(ls, project.id, backend.url, { title: 'live' });
    expect(ls.getProject(project.id)?.model_version).toBe('');
    const refused = await api(ls, `/api/projects/${project.id}/`, { method: 'PATCH', body: { model_version: 'nope' } });
    expect(refused.status).toBe(400);
    const patched = await api(ls, `/api/projects/${project.id}/`, {
      method: 'PATCH',
      body: { show_collab_predictions: true, model_version: 'live' },
    });
    expect(patched.body).toMatchObject({ show_collab_predictions: true, model_version: 'live' });
  });
});

describe('Retrieve Predictions', () => {
  it('sends one /predict with the tasks lacking this version and stores answers by LS rules', async () => {
    const ls = await startLs();
    const project = ls.createProject({ label_config: NER_CONFIG });
    const seeded = ls.createTasks(project.id, {
      tasks: [
        { data: { text: 'Acme 1' } },
        { data: { text: 'Acme 2' }, predictions: [{ result: [], model_version: 'fake-v1' }] },
        { data: { text: 'Acme 3' }, predictions: [{ result: [], model_version: 'older' }] },
        { data: { text: 'Acme 4' } },
        { data: { text: 'Acme 5' } },
      ],
    });
    const first = seeded.firstId!;
    const backend = await startBackend({
      predict: (body) => ({
        results: body.tasks.map((task, i) =>
          i === 0
            ? { result: [ORG], score: '0.9' } // no model_version: the backend's /setup version
            : i === 1
              ? { model_version: 'fake-v1' } // no result: skipped, task left for the write-back
              : i === 2
                ? [
                    { result: [ORG], score: 0.8, model_version: 'fake-v1' },
                    { result: [], model_version: 'alt' },
                  ]
                : { result: [ORG], model_version: `fake-v1-${task.id}` },
        ),
      }),
    });
    await connect(ls, project.id, backend.url);
    ls.resetCounters();

    const answer = await retrieve(ls, project.id);
    expect(answer).toEqual({ status: 200, body: { processed_items: 5, detail: 'Retrieved 5 predictions' } });
    const [predict] = backend.received('predict');
    const body = predict!.body as { tasks: Json[]; project: string; label_config: string; params: Json };
    expect(body.tasks.map((t) => t['id'])).toEqual([first, first + 2, first + 3, first + 4]);
    expect(body.label_config).toBe(NER_CONFIG);
    expect(body.params).toEqual({ login: null, password: null, context: null });
    expect(body.project).toMatch(new RegExp(`^${project.id}\\.\\d+$`));
    expect(Object.keys(body.tasks[1]!)).toEqual(
      expect.arrayContaining(['id', 'data', 'meta', 'inner_id', 'project', 'annotations', 'predictions']),
    );
    expect(body.tasks[1]!['predictions']).toEqual([expect.objectContaining({ model_version: 'older' })]);

    // The first two predictions are the seeded ones.
    const stored = ls.predictionsOf(project.id).slice(2);
    expect(stored.map((p) => [p.task - first, p.model_version, p.score])).toEqual([
      [0, 'fake-v1', 0.9],
      [3, 'fake-v1', 0.8],
      [3, 'alt', null],
      [4, `fake-v1-${first + 4}`, null],
    ]);
    expect(ls.counters()).toMatchObject({
      mlCalls: { health: 1, setup: 1, predict: 1 },
      predictionsFromBackend: 4,
    });
    expect(ls.lastRetrieve()).toMatchObject({
      project: project.id,
      selected: 5,
      modelVersion: 'fake-v1',
      alreadyPredicted: 1,
      predictCalls: 1,
      sentTasks: 4,
      skippedWithoutResult: 1,
      stored: 4,
      rejected: null,
      dropped: null,
    });

    // The task answered without result and the one stored under its own version still lack fake-v1.
    backend.set({
      predict: (request) => ({ results: request.tasks.map(() => ({ result: [], model_version: 'fake-v1' })) }),
    });
    await retrieve(ls, project.id);
    expect(ls.lastRetrieve()).toMatchObject({ sentTasks: 2, stored: 2 });
    await retrieve(ls, project.id);
    expect(ls.lastRetrieve()).toMatchObject({ alreadyPredicted: 5, predictCalls: 0, sentTasks: 0 });
    expect(backend.received('predict')).toHaveLength(2);
  });

  it('rejects the whole batch when one row has a null model_version or a non-numeric score', async () => {
    const ls = await startLs();
    const project = nerProject(ls, 3);
    const backend = await startBackend();
    await connect(ls, project.id, backend.url);

    backend.set({
      predict: (body) => ({
        results: body.tasks.map((_, i) => ({ result: [], model_version: i === 2 ? null : 'fake-v1' })),
      }),
    });
    const rejected = await retrieve(ls, project.id);
    expect(rejected.status).toBe(400);
    expect(rejected.body['validation_errors']).toEqual([{}, {}, { model_version: ['This field may not be null.'] }]);
    expect(ls.predictionsOf(project.id)).toHaveLength(0);
    expect(ls.lastRetrieve()?.rejected).toHaveLength(3);

    backend.set({ predict: (body) => ({ results: body.tasks.map(() => ({ result: [], score: 'high' })) }) });
    expect((await retrieve(ls, project.id)).status).toBe(400);
    expect(ls.predictionsOf(project.id)).toHaveLength(0);
  });

  it('stores nothing for a wrong count and re-sends task by task for a single result', async () => {
    const ls = await startLs();
    const project = nerProject(ls, 3);
    const backend = await startBackend({ predict: () => ({ results: [{ result: [] }, { result: [] }] }) });
    await connect(ls, project.id, backend.url);

    await retrieve(ls, project.id);
    expect(ls.lastRetrieve()).toMatchObject({ dropped: '3 tasks != 2 responses', stored: 0 });

    backend.set({ predict: () => ({ results: [{ result: [], model_version: 'fake-v1' }] }) });
    await retrieve(ls, project.id, { all: false, included: [project.firstId, project.firstId + 1] });
    const predictBodies = backend.received('predict').slice(1);
    expect(predictBodies.map((r) => (r.body as { tasks: Json[] }).tasks.length)).toEqual([2, 1, 1]);
    expect(ls.lastRetrieve()).toMatchObject({ selected: 2, predictCalls: 3, sentTasks: 4, stored: 2 });
    expect(ls.duplicates(project.id, 'fake-v1')).toBe(0);

    backend.set({ predict: () => ({ results: [] }) });
    await retrieve(ls, project.id);
    expect(ls.lastRetrieve()).toMatchObject({ dropped: 'the answer has no non-empty "results" list' });
  });

  it('gives up after ML_TIMEOUT_PREDICT and stores nothing', async () => {
    const ls = await startLs({ mlTimeouts: { predictMs: 300 } });
    const project = nerProject(ls, 2);
    const backend = await startBackend({ delayMs: { predict: 1500 } });
    await connect(ls, project.id, backend.url);
    const started = Date.now();
    expect((await retrieve(ls, project.id)).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1200);
    expect(ls.lastRetrieve()?.dropped).toMatch(/Read timed out\. \(read timeout=0\.3\)/);
    expect(ls.predictionsOf(project.id)).toHaveLength(0);
    expect(ls.mlCalls().at(-1)).toMatchObject({ endpoint: 'predict', status: 0, tasks: 2 });
  });

  it('deletes predictions of the selection with delete_tasks_predictions', async () => {
    const ls = await startLs();
    const project = nerProject(ls, 3);
    const backend = await startBackend();
    await connect(ls, project.id, backend.url);
    await retrieve(ls, project.id);
    const deleted = await api(ls, `/api/dm/actions?id=delete_tasks_predictions&project=${project.id}`, {
      body: { selectedItems: { all: true, excluded: [project.firstId] } },
    });
    expect(deleted.body).toEqual({ processed_items: 2, detail: 'Deleted 2 predictions' });
    expect(ls.predictionsOf(project.id).map((p) => p.task)).toEqual([project.firstId]);
    expect((await api(ls, `/api/dm/actions?project=${project.id}`, { body: {} })).status).toBe(422);
  });
});

describe('single-task trap', () => {
  it('calls the backend synchronously for a task without predictions and stores the answer', async () => {
    const ls = await startLs();
    const project = nerProject(ls, 2);
    const backend = await startBackend();
    await connect(ls, project.id, backend.url);

    const task = await api(ls, `/api/tasks/${project.firstId}/`);
    expect(ls.counters().trapCalls).toBe(1);
    expect(backend.received('predict')).toHaveLength(1);
    expect(task.body['predictions']).toEqual([expect.objectContaining({ model_version: 'fake-v1' })]);
    await api(ls, `/api/tasks/${project.firstId}/`);
    expect(ls.counters().trapCalls).toBe(1);
    expect(backend.received('predict')).toHaveLength(1);
  });
});

describe('webhooks', () => {
  it('validates the CRUD bodies like LS', async () => {
    const ls = await startLs();
    const project = ls.createProject({ label_config: NER_CONFIG });
    expect((await api(ls, '/api/webhooks/', { body: { url: 'http://x.test/h' } })).status).toBe(404);
    const tooMany = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`h${i}`, 'v']));
    const bad = await api(ls, '/api/webhooks/', {
      body: { project: project.id, url: 'http://x.test/h', headers: tooMany, actions: ['PROJECT_CREATED'] },
    });
    expect(Object.keys(bad.body['validation_errors'] as Json).sort()).toEqual(['actions', 'headers']);

    const created = await api(ls, '/api/webhooks/', {
      body: { project: project.id, url: 'http://x.test/h', send_for_all_actions: false, actions: ['TASKS_CREATED'] },
    });
    expect(created).toMatchObject({
      status: 201,
      body: { id: 1, organization: 1, project: project.id, send_payload: true, is_active: true, headers: {} },
    });
    const patched = await api(ls, '/api/webhooks/1/', {
      method: 'PATCH',
      body: { is_active: false, project: 999, headers: { 'X-Secret': 's' } },
    });
    expect(patched.body).toMatchObject({ is_active: false, project: project.id, headers: { 'X-Secret': 's' } });
    expect((await api(ls, `/api/webhooks/?project=${project.id}`)).body).toHaveLength(1);
    expect((await api(ls, '/api/webhooks/info/')).body['TASKS_CREATED']).toMatchObject({ key: 'tasks' });
    expect((await api(ls, '/api/webhooks/1/', { method: 'DELETE' })).status).toBe(204);
    expect((await api(ls, '/api/webhooks/1/')).status).toBe(404);
  });

  it('emits TASKS_CREATED in batches with full tasks and project, custom headers, and honours send_payload', async () => {
    const ls = await startLs({ webhookBatchSize: 5 });
    const full = await startReceiver();
    const bare = await startReceiver();
    const project = ls.createProject({ label_config: NER_CONFIG, title: 'hooked' });
    await api(ls, '/api/webhooks/', { body: { project: project.id, url: full.url, headers: { 'X-Secret': 's3' } } });
    await api(ls, '/api/webhooks/', {
      body: {
        project: project.id,
        url: bare.url,
        send_payload: false,
        send_for_all_actions: false,
        actions: ['TASKS_CREATED'],
      },
    });
    await api(ls, '/api/webhooks/', {
      body: { project: project.id, url: bare.url, is_active: false },
    });

    const seeded = ls.createTasks(project.id, { count: 12, textTemplate: 'Acme {n}' });
    ls.createTasks(project.id, { count: 3, emitWebhooks: false });
    await ls.webhooksSettled();

    expect(full.bodies.map((b) => (b['tasks'] as Json[]).length)).toEqual([5, 5, 2]);
    const [firstBatch] = full.bodies;
    expect(firstBatch).toMatchObject({
      action: 'TASKS_CREATED',
      project: { id: project.id, label_config: NER_CONFIG },
    });
    expect((firstBatch!['tasks'] as Json[])[0]).toMatchObject({
      id: seeded.firstId,
      data: { text: 'Acme 1' },
      project: project.id,
      inner_id: 1,
    });
    expect(full.headers[0]).toMatchObject({ 'x-secret': 's3', 'content-type': 'application/json' });
    expect(bare.bodies).toEqual([
      { action: 'TASKS_CREATED' },
      { action: 'TASKS_CREATED' },
      { action: 'TASKS_CREATED' },
    ]);
    expect(ls.webhookDeliveries()).toHaveLength(6);
    expect(ls.webhookDeliveries().every((d) => d.status === 200 && d.items > 0 && !d.redelivery)).toBe(true);
  });

  it('emits TASKS_DELETED and PROJECT_UPDATED, times out after WEBHOOK_TIMEOUT and never retries', async () => {
    const ls = await startLs({ webhookTimeoutMs: 200 });
    const slow = await startReceiver(1000);
    const project = nerProject(ls, 4);
    await api(ls, '/api/webhooks/', { body: { project: project.id, url: slow.url } });

    expect((await api(ls, `/api/tasks/${project.firstId}/`, { method: 'DELETE' })).status).toBe(204);
    ls.deleteTasks(project.id, { ids: [project.firstId + 1] });
    await api(ls, `/api/dm/actions?id=delete_tasks&project=${project.id}`, {
      body: { selectedItems: { all: false, included: [project.firstId + 2] } },
    });
    await api(ls, `/api/projects/${project.id}/`, { method: 'PATCH', body: { title: 'renamed' } });
    await ls.webhooksSettled();

    const deliveries = ls.webhookDeliveries();
    expect(deliveries.map((d) => d.action)).toEqual([
      'TASKS_DELETED',
      'TASKS_DELETED',
      'TASKS_DELETED',
      'PROJECT_UPDATED',
    ]);
    expect(deliveries.every((d) => d.status === 0 && d.error?.includes('timed out') && d.ms < 900)).toBe(true);
    // The receiver still got each body exactly once: no retry.
    await sleep(1100);
    expect(slow.bodies.map((b) => [b['action'], b['tasks'] ?? (b['project'] as Json)['title']])).toEqual([
      ['TASKS_DELETED', [{ id: project.firstId }]],
      ['TASKS_DELETED', [{ id: project.firstId + 1 }]],
      ['TASKS_DELETED', [{ id: project.firstId + 2 }]],
      ['PROJECT_UPDATED', 'renamed'],
    ]);
    expect(ls.getProject(project.id)?.task_number).toBe(1);
    expect((await api(ls, `/api/tasks/?project=${project.id}`)).body['total']).toBe(1);
  });

  it('re-delivers the last emission of an action N times', async () => {
    const ls = await startLs();
    const receiver = await startReceiver();
    const project = ls.createProject({ label_config: NER_CONFIG });
    await api(ls, '/api/webhooks/', { body: { project: project.id, url: receiver.url } });
    ls.createTasks(project.id, { count: 2 });
    await api(ls, `/api/projects/${project.id}/`, { method: 'PATCH', body: { title: 't2' } });
    const again = await ls.redeliverWebhooks(3, 'TASKS_CREATED');
    expect(again.map((d) => [d.action, d.items, d.redelivery, d.status])).toEqual([
      ['TASKS_CREATED', 2, true, 200],
      ['TASKS_CREATED', 2, true, 200],
      ['TASKS_CREATED', 2, true, 200],
    ]);
    const created = receiver.bodies.filter((b) => b['action'] === 'TASKS_CREATED');
    expect(created).toHaveLength(4);
    expect(new Set(created.map((b) => JSON.stringify(b))).size).toBe(1);
    await expect(async () => ls.redeliverWebhooks(1, 'TASKS_DELETED')).rejects.toThrow();
  });

  it('delivers webhooks of an /api/ml backend to its /webhook', async () => {
    const ls = await startLs();
    const backend = await startBackend();
    const project = ls.createProject({ label_config: NER_CONFIG });
    await connect(ls, project.id, backend.url);
    ls.createTasks(project.id, { count: 3 });
    await ls.webhooksSettled();
    const [hook] = backend.received('webhook');
    expect(hook?.body).toMatchObject({ action: 'TASKS_CREATED', project: { model_version: 'fake' } });
  });
});

describe('project list', () => {
  it('filters on title (icontains), newest first, in pages of 30 with next/previous links', async () => {
    const ls = await startLs();
    for (let i = 1; i <= 35; i += 1) ls.createProject({ label_config: NER_CONFIG, title: `Invoices ${i}` });
    ls.createProject({ label_config: NER_CONFIG, title: 'Contracts' });

    const first = await api(ls, '/api/projects/?title=invoices');
    expect(first.body['count']).toBe(35);
    expect((first.body['results'] as Json[]).map((p) => p['title']).slice(0, 2)).toEqual([
      'Invoices 35',
      'Invoices 34',
    ]);
    expect(first.body['results']).toHaveLength(30);
    expect(first.body['next']).toBe(`${ls.url}/api/projects/?title=invoices&page=2`);
    expect(first.body['previous']).toBeNull();
    const second = await fetch(String(first.body['next']), { headers: { Authorization: `Token ${ls.legacyToken}` } });
    const secondBody = (await second.json()) as Json;
    expect(secondBody['results']).toHaveLength(5);
    expect(secondBody['previous']).toBe(`${ls.url}/api/projects/?title=invoices`);
    expect((await api(ls, '/api/projects/?title=invoices&page=3')).status).toBe(404);
    expect((await api(ls, '/api/projects/?title=Contracts')).body['results']).toEqual([
      expect.objectContaining({ title: 'Contracts' }),
    ]);
    expect((await api(ls, '/api/projects/?ids=1,2&page_size=500')).body['count']).toBe(2);
  });
});

describe('admin HTTP routes', () => {
  it('exposes backends, backend calls, the last retrieve, deliveries, redelivery and task deletion', async () => {
    const ls = await startLs();
    const backend = await startBackend();
    const admin = async (path: string, method = 'GET', body?: unknown) => {
      const response = await fetch(`${ls.url}/__admin${path}`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as Json & Json[] };
    };
    const project = nerProject(ls, 2);
    await connect(ls, project.id, backend.url);
    await retrieve(ls, project.id);

    expect((await admin(`/projects/${project.id}/ml-backends`)).body).toEqual([
      expect.objectContaining({ title: 'fake', state: 'CO' }),
    ]);
    expect((await admin(`/projects/${project.id}/webhooks`)).body).toHaveLength(1);
    expect((await admin('/ml/calls')).body.map((c) => c['endpoint'])).toEqual([
      'health',
      'setup',
      'health',
      'setup',
      'health',
      'setup',
      'predict',
    ]);
    expect((await admin('/ml/last-retrieve')).body).toMatchObject({ stored: 2, selected: 2 });

    const seeded = await admin(`/projects/${project.id}/tasks`, 'POST', { count: 2 });
    expect(seeded.status).toBe(201);
    expect((await admin('/webhooks/wait', 'POST')).status).toBe(204);
    expect((await admin('/webhooks/deliveries')).body).toEqual([
      expect.objectContaining({ action: 'TASKS_CREATED', items: 2, status: 200 }),
    ]);
    const redelivered = await admin('/webhooks/redeliver', 'POST', { times: 2 });
    expect((redelivered.body['deliveries'] as Json[]).map((d) => d['redelivery'])).toEqual([true, true]);
    expect((await admin('/webhooks/redeliver', 'POST', { action: 'PROJECT_UPDATED' })).status).toBe(400);
    expect(backend.received('webhook')).toHaveLength(3);

    expect((await admin(`/projects/${project.id}/tasks/delete`, 'POST', { ids: [project.firstId] })).body).toEqual({
      deleted: 1,
    });
    expect((await admin(`/projects/${project.id}/tasks/delete`, 'POST', { emitWebhooks: false })).body).toEqual({
      deleted: 3,
    });
    await admin('/webhooks/wait', 'POST');
    expect((await admin('/webhooks/deliveries')).body.map((d) => d['action'])).toEqual([
      'TASKS_CREATED',
      'TASKS_CREATED',
      'TASKS_CREATED',
      'TASKS_DELETED',
    ]);
    expect((await admin('/webhooks/deliveries', 'DELETE')).status).toBe(204);
    expect((await admin('/webhooks/deliveries')).body).toEqual([]);
  });
});
