import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type LabelStudioTestServer,
  type LabelStudioTestServerOptions,
  startLabelStudioTestServer,
} from './ls-test-server.ts';

const NER_CONFIG =
  '<View><Labels name="label" toName="text"><Label value="ORG"/><Label value="PER"/></Labels>' +
  '<Text name="text" value="$text"/></View>';
const CHOICES_CONFIG =
  '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text">' +
  '<Choice value="pos"/><Choice value="neg"/></Choices></View>';
// "Acme Corp" starts at code point 7 but at UTF-16 index 8 (the emoji is two code units).
const TEXT = 'Café 😀 Acme Corp';

type Json = Record<string, unknown>;

let server: LabelStudioTestServer;
const servers: LabelStudioTestServer[] = [];

async function start(options: LabelStudioTestServerOptions = {}): Promise<LabelStudioTestServer> {
  const started = await startLabelStudioTestServer(options);
  servers.push(started);
  return started;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function call(
  path: string,
  init: { method?: string; body?: unknown; auth?: string | null; target?: LabelStudioTestServer } = {},
): Promise<Response> {
  const target = init.target ?? server;
  const headers: Record<string, string> = {};
  const auth = init.auth === undefined ? `Token ${target.legacyToken}` : init.auth;
  if (auth !== null) headers['Authorization'] = auth;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(`${target.url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
}

async function json(path: string, init: Parameters<typeof call>[1] = {}): Promise<{ status: number; body: Json }> {
  const response = await call(path, init);
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Json) };
}

function span(start: number, end: number, labels: string[], text?: string): Json {
  return {
    from_name: 'label',
    to_name: 'text',
    type: 'labels',
    value: { start, end, labels, ...(text === undefined ? {} : { text }) },
  };
}

function seedNer(count: number, text = TEXT): { projectId: number; firstId: number } {
  const project = server.createProject({ label_config: NER_CONFIG });
  const seeded = server.createTasks(project.id, { count, textTemplate: text });
  return { projectId: project.id, firstId: seeded.firstId ?? 0 };
}

function query(q: unknown): string {
  return encodeURIComponent(JSON.stringify(q));
}

describe('auth', () => {
  beforeEach(async () => {
    server = await start({ accessTokenTtlMs: 1000 });
    server.createProject({ label_config: NER_CONFIG });
  });

  it('accepts the legacy token and answers 401 with LS envelope otherwise', async () => {
    expect((await call('/api/projects/1/')).status).toBe(200);
    expect((await call('/api/projects/1', { auth: `X-Api-Key ${server.legacyToken}` })).status).toBe(401);
    const xApiKey = await fetch(`${server.url}/api/projects/1`, { headers: { 'X-Api-Key': server.legacyToken } });
    expect(xApiKey.status).toBe(200);

    const missing = await call('/api/projects/1/', { auth: null });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Token');
    const body = (await missing.json()) as Json;
    expect(body).toMatchObject({ status_code: 401, version: '1.22.0', exc_info: null });
    expect(body['detail']).toBe('Authentication credentials were not provided.');
    expect(typeof body['id']).toBe('string');

    const wrong = await json('/api/projects/1/', { auth: 'Token nope' });
    expect(wrong.body['detail']).toBe('Invalid token.');
    expect(server.counters().unauthorized).toBe(3);
  });

  it('refuses legacy tokens when they are disabled for the organisation', async () => {
    server.setAuth({ legacyTokensEnabled: false });
    const denied = await json('/api/projects/1/');
    expect(denied.status).toBe(401);
    expect(denied.body['detail']).toBe(
      'Authentication token no longer valid: legacy token authentication has been disabled for this organization',
    );
    server.setAuth({ legacyTokensEnabled: true });
    expect((await call('/api/projects/1/')).status).toBe(200);
  });

  it('exchanges the PAT for an access token, refuses the PAT as Bearer and expires the access token', async () => {
    expect((await call('/api/projects/1/', { auth: `Bearer ${server.personalAccessToken}` })).status).toBe(401);
    expect((await call('/api/projects/1/', { auth: `Token ${server.personalAccessToken}` })).status).toBe(401);

    const refreshed = await json('/api/token/refresh/', { auth: null, body: { refresh: server.personalAccessToken } });
    expect(refreshed.status).toBe(200);
    const access = refreshed.body['access'] as string;
    const claims = JSON.parse(Buffer.from(access.split('.')[1]!, 'base64url').toString()) as Json;
    expect(claims['token_type']).toBe('access');
    expect((await call('/api/projects/1/', { auth: `Bearer ${access}` })).status).toBe(200);
    expect(server.counters().tokenRefreshes).toBe(1);

    await sleep(1100);
    const expired = await json('/api/projects/1/', { auth: `Bearer ${access}` });
    expect(expired.status).toBe(401);
    expect(expired.body['detail']).toBe('Authentication credentials were not provided.');
  });

  it('rejects bad refresh requests', async () => {
    const garbage = await call('/api/token/refresh', { auth: null, body: { refresh: 'a.b.c' } });
    expect(garbage.status).toBe(401);
    expect(garbage.headers.get('www-authenticate')).toBe('Bearer realm="api"');

    const { body } = await json('/api/token/refresh', { auth: null, body: { refresh: server.personalAccessToken } });
    const wrongType = await json('/api/token/refresh', { auth: null, body: { refresh: body['access'] } });
    expect(wrongType).toMatchObject({ status: 401, body: { detail: 'Token has wrong type' } });

    const missing = await json('/api/token/refresh', { auth: null, body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body['validation_errors']).toEqual({ refresh: ['This field is required.'] });
  });

  it('ignores Bearer tokens when API tokens are disabled', async () => {
    const { body } = await json('/api/token/refresh', { auth: null, body: { refresh: server.personalAccessToken } });
    server.setAuth({ apiTokensEnabled: false });
    expect((await call('/api/projects/1', { auth: `Bearer ${body['access']}` })).status).toBe(401);
  });
});

describe('projects', () => {
  beforeEach(async () => {
    server = await start();
  });

  it('gets a project and answers 404 for an unknown one', async () => {
    server.createProject({ label_config: NER_CONFIG, title: 'ner' });
    const { status, body } = await json('/api/projects/1');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: 1,
      title: 'ner',
      label_config: NER_CONFIG,
      model_version: '',
      show_collab_predictions: true,
      parsed_label_config: { label: { type: 'Labels', to_name: ['text'], labels: ['ORG', 'PER'] } },
    });
    const missing = await json('/api/projects/99/');
    expect(missing).toMatchObject({ status: 404, body: { status_code: 404, detail: 'Not found.' } });
  });

  it('refuses a model_version without predictions and clears it with show_collab_predictions=false', async () => {
    const { projectId, firstId } = seedNer(1);
    const refused = await json(`/api/projects/${projectId}/`, { method: 'PATCH', body: { model_version: 'v1' } });
    expect(refused.status).toBe(400);
    expect(refused.body['validation_errors']).toEqual({
      model_version: ["Model version doesn't exist either as live model or as static predictions."],
    });

    await json('/api/predictions/', { body: { task: firstId, result: [], model_version: 'v1' } });
    const accepted = await json(`/api/projects/${projectId}/`, { method: 'PATCH', body: { model_version: 'v1' } });
    expect(accepted).toMatchObject({ status: 200, body: { model_version: 'v1' } });

    const hidden = await json(`/api/projects/${projectId}`, {
      method: 'PATCH',
      body: { show_collab_predictions: false },
    });
    expect(hidden.body).toMatchObject({ model_version: '', show_collab_predictions: false });
  });

  it('counts and deletes predictions by model version', async () => {
    const { projectId, firstId } = seedNer(3);
    for (const [task, version] of [
      [firstId, 'a'],
      [firstId + 1, 'a'],
      [firstId + 2, 'b'],
    ] as const) {
      await json('/api/predictions', { body: { task, result: [], model_version: version } });
    }
    server.updateProject(projectId, { model_version: 'a' });
    expect((await json(`/api/projects/${projectId}/model-versions/`)).body).toEqual({ a: 2, b: 1 });

    const deleted = await json(`/api/projects/${projectId}/model-versions`, {
      method: 'DELETE',
      body: { model_version: 'a' },
    });
    expect(deleted).toEqual({ status: 200, body: { deleted_predictions: 2 } });
    expect(server.getProject(projectId)?.model_version).toBeNull();
    expect((await json(`/api/projects/${projectId}/model-versions`)).body).toEqual({ b: 1 });
    expect(server.getTask(firstId)?.['total_predictions']).toBe(0);
  });
});

describe('task listing', () => {
  beforeEach(async () => {
    server = await start();
  });

  it('requires a project', async () => {
    expect(await json('/api/tasks/')).toEqual({
      status: 404,
      body: { detail: 'Neither project nor view id specified' },
    });
    expect((await json('/api/tasks/?project=42')).status).toBe(404);
  });

  it('pages with page/page_size and answers 404 past the last page', async () => {
    const empty = server.createProject({ label_config: NER_CONFIG });
    expect(await json(`/api/tasks/?project=${empty.id}`)).toEqual({
      status: 200,
      body: { total_annotations: 0, total_predictions: 0, total: 0, tasks: [] },
    });
    expect((await json(`/api/tasks/?project=${empty.id}&page=2`)).status).toBe(404);

    const { projectId, firstId } = seedNer(250);
    const first = await json(`/api/tasks?project=${projectId}`);
    expect(first.body['total']).toBe(250);
    expect((first.body['tasks'] as Json[]).length).toBe(100);
    const third = await json(`/api/tasks?project=${projectId}&page=3&page_size=100`);
    const ids = (third.body['tasks'] as Json[]).map((t) => t['id']);
    expect(ids).toHaveLength(50);
    expect(ids[0]).toBe(firstId + 200);
    const past = await json(`/api/tasks?project=${projectId}&page=4&page_size=100`);
    expect(past).toMatchObject({ status: 404, body: { status_code: 404, detail: 'Invalid page.' } });
    expect((await json(`/api/tasks?project=${projectId}&page=0`)).status).toBe(404);
  });

  it('filters on tasks:id, honours selectedItems and orders by id', async () => {
    const { projectId, firstId: f } = seedNer(20);
    const list = async (q: unknown, extra = '') => {
      const { status, body } = await json(`/api/tasks?project=${projectId}&query=${query(q)}${extra}`);
      return { status, total: body['total'], ids: ((body['tasks'] ?? []) as Json[]).map((t) => t['id']) };
    };
    const greater = await list({
      filters: {
        conjunction: 'and',
        items: [{ filter: 'filter:tasks:id', operator: 'greater', type: 'Number', value: f + 16 }],
      },
    });
    expect(greater).toEqual({ status: 200, total: 3, ids: [f + 17, f + 18, f + 19] });

    const range = await list({
      filters: {
        conjunction: 'and',
        items: [
          { filter: 'filter:tasks:id', operator: 'in', type: 'Number', value: { min: f + 2, max: f + 6 } },
          { filter: 'filter:tasks:id', operator: 'not_equal', type: 'Number', value: f + 4 },
        ],
      },
      ordering: ['-tasks:id'],
    });
    expect(range).toEqual({ status: 200, total: 4, ids: [f + 6, f + 5, f + 3, f + 2] });

    const either = await list({
      filters: {
        conjunction: 'or',
        items: [
          { filter: 'filter:tasks:id', operator: 'less_or_equal', type: 'Number', value: f },
          { filter: 'filter:tasks:id', operator: 'greater_or_equal', type: 'Number', value: String(f + 19) },
          { filter: 'filter:tasks:id', operator: 'equal', type: 'Number', value: f + 9 },
        ],
      },
    });
    expect(either.ids).toEqual([f, f + 9, f + 19]);

    const notIn = await list({
      filters: { items: [{ filter: 'filter:tasks:id', operator: 'not_in', value: { min: f + 1, max: f + 18 } }] },
    });
    expect(notIn.ids).toEqual([f, f + 19]);

    const excluded = await list(
      { selectedItems: { all: true, excluded: [f, f + 1, f + 3] }, ordering: ['tasks:id'] },
      '&page_size=3',
    );
    expect(excluded).toEqual({ status: 200, total: 17, ids: [f + 2, f + 4, f + 5] });
    const included = await list({
      selectedItems: { all: false, included: [f + 7, f + 5, 999_999] },
      filters: { items: [{ filter: 'filter:tasks:id', operator: 'less', value: f + 7 }] },
    });
    expect(included).toEqual({ status: 200, total: 1, ids: [f + 5] });

    const paged = await list(
      { filters: { items: [{ filter: 'filter:tasks:id', operator: 'greater', value: f + 15 }] } },
      '&page=2&page_size=4',
    );
    expect(paged.status).toBe(404);

    const unsupported = await list({
      filters: { items: [{ filter: 'filter:tasks:data.text', operator: 'contains', value: 'x' }] },
    });
    expect(unsupported.status).toBe(400);
  });

  it('includes predictions and annotations only with fields=all', async () => {
    const project = server.createProject({ label_config: NER_CONFIG });
    const seeded = server.createTasks(project.id, {
      tasks: [
        {
          data: { text: TEXT },
          predictions: [
            { result: [span(7, 16, ['ORG'])], model_version: 'v1', score: 0.5 },
            { result: [], model_version: 'v2' },
          ],
        },
        { data: { text: 'x' }, annotations: [{ result: [] }] },
      ],
    });
    const plain = await json(`/api/tasks?project=${project.id}`);
    expect(plain.body).toMatchObject({ total: 2, total_predictions: 2, total_annotations: 1 });
    const [first] = plain.body['tasks'] as Json[];
    expect(first).not.toHaveProperty('predictions');
    expect(first).not.toHaveProperty('annotations');
    expect(first).toMatchObject({ id: seeded.firstId, total_predictions: 2, predictions_model_versions: 'v1, v2' });

    const full = await json(`/api/tasks?project=${project.id}&fields=all`);
    const [withPredictions, annotated] = full.body['tasks'] as Json[];
    expect(withPredictions?.['predictions']).toMatchObject([
      { model_version: 'v1', score: 0.5, task: seeded.firstId, project: project.id },
      { model_version: 'v2', score: null },
    ]);
    expect(annotated).toMatchObject({ annotations: [{ result: [] }], total_annotations: 1, is_labeled: true });

    const ids = await json(`/api/tasks?project=${project.id}&include=id`);
    expect(ids.body['tasks']).toEqual([{ id: seeded.firstId }, { id: seeded.lastId }]);
  });

  it('serves a filtered page of 100 000 tasks without scanning them', async () => {
    const { projectId, firstId } = seedNer(100_000, 'Task {id} of Acme Corp');
    await json('/api/predictions', { body: { task: firstId + 99_990, result: [], model_version: 'v' } });
    const q = query({
      filters: { items: [{ filter: 'filter:tasks:id', operator: 'greater', value: firstId + 99_900 }] },
    });
    const started = performance.now();
    for (let i = 0; i < 20; i += 1) await json(`/api/tasks?project=${projectId}&query=${q}&page_size=100`);
    const perPageMs = (performance.now() - started) / 20;
    const { body } = await json(`/api/tasks?project=${projectId}&query=${q}&page_size=100`);
    expect(body).toMatchObject({ total: 99, total_predictions: 1 });
    expect(perPageMs).toBeLessThan(50);
  });
});

describe('single task', () => {
  beforeEach(async () => {
    server = await start();
  });

  it('counts a trap call when LS would have asked the ML backend for predictions', async () => {
    const { projectId, firstId } = seedNer(2);
    const task = await json(`/api/tasks/${firstId}/`);
    expect(task.body).toMatchObject({ id: firstId, predictions: [], annotations: [], data: { text: TEXT } });
    expect(server.counters().trapCalls).toBe(1);

    await json('/api/predictions', { body: { task: firstId, result: [], model_version: 'v' } });
    await json(`/api/tasks/${firstId}`);
    expect(server.counters().trapCalls).toBe(1);

    server.updateProject(projectId, { show_collab_predictions: false });
    await json(`/api/tasks/${firstId + 1}`);
    expect(server.counters().trapCalls).toBe(1);
    expect((await json('/api/tasks/999999')).status).toBe(404);
  });
});

describe('predictions', () => {
  beforeEach(async () => {
    server = await start();
  });

  it('creates, reads, lists and deletes predictions', async () => {
    const { projectId, firstId } = seedNer(2);
    const created = await json('/api/predictions/', {
      body: { task: firstId, result: [span(7, 16, ['ORG'], 'Acme Corp')], score: 0.9, model_version: 'm1' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ task: firstId, project: projectId, model_version: 'm1', score: 0.9 });
    expect(created.body['created_ago']).toBe('0\u00a0minutes');
    expect(created.body['created_at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(created.body).toHaveProperty('updated_at');
    const id = created.body['id'] as number;

    expect((await json(`/api/predictions/${id}`)).body).toMatchObject({ id, model_version: 'm1' });
    await json('/api/predictions', { body: { task: firstId + 1, result: [] } });
    const byTask = await json(`/api/predictions?task=${firstId}`);
    expect(Array.isArray(byTask.body)).toBe(true);
    expect((byTask.body as unknown as Json[]).map((p) => p['id'])).toEqual([id]);
    const byProject = (await json(`/api/predictions/?project=${projectId}`)).body as unknown as Json[];
    expect(byProject.map((p) => p['model_version'])).toEqual(['m1', '']);

    expect((await call(`/api/predictions/${id}/`, { method: 'DELETE' })).status).toBe(204);
    expect((await json(`/api/predictions/${id}/`)).status).toBe(404);
    expect((await call(`/api/predictions/${id}/`, { method: 'DELETE' })).status).toBe(404);
    expect(server.predictionsOf(projectId).map((p) => p.task)).toEqual([firstId + 1]);
  });

  it('rejects null model_version, unknown tasks and non-numeric scores with 400', async () => {
    const { projectId, firstId } = seedNer(1);
    const nullVersion = await json('/api/predictions', { body: { task: firstId, result: [], model_version: null } });
    expect(nullVersion.status).toBe(400);
    expect(nullVersion.body).toMatchObject({
      detail: 'Validation error',
      validation_errors: { model_version: ['This field may not be null.'] },
    });
    const unknownTask = await json('/api/predictions', { body: { task: 424242, result: [] } });
    expect(unknownTask.body['validation_errors']).toEqual({ task: ['Invalid pk "424242" - object does not exist.'] });
    const badScore = await json('/api/predictions', { body: { task: firstId, result: [], score: 'high' } });
    expect(badScore.body['validation_errors']).toEqual({ score: ['A valid number is required.'] });
    const noResult = await json('/api/predictions', { body: { task: firstId } });
    expect(noResult.body['validation_errors']).toEqual({ result: ['This field is required.'] });
    expect(server.predictionsOf(projectId)).toEqual([]);
  });

  it('wraps a dict result into a region of the first matching control', async () => {
    const project = server.createProject({ label_config: CHOICES_CONFIG });
    const { firstId } = server.createTasks(project.id, { count: 1 });
    const created = await json('/api/predictions', { body: { task: firstId, result: { choices: ['pos'] } } });
    expect(created.body['result']).toEqual([
      { from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['pos'] } },
    ]);
  });
});

describe('bulk prediction import', () => {
  beforeEach(async () => {
    server = await start();
  });

  it('silently drops items that do not fit the label config and still answers 201', async () => {
    const { projectId, firstId: t } = seedNer(3);
    const items = [
      { task: t, result: [span(7, 16, ['ORG'], 'Acme Corp')], model_version: 'v1', score: 0.8 },
      // UTF-16 offsets of "Acme Corp": the code-point slice [8, 17) is "cme Corp".
      { task: t + 1, result: [span(8, 17, ['ORG'], 'Acme Corp')], model_version: 'v1' },
      { task: t + 1, result: [span(7, 16, ['PER'])], model_version: 'v1' },
      // Past the end in code points (16), though within the UTF-16 length (17).
      { task: t + 1, result: [span(7, 17, ['ORG'])], model_version: 'v1' },
      { task: t + 2, result: [span(0, 4, ['LOC'])], model_version: 'v1' },
      { task: t + 2, result: [span(3, 3, ['PER'])], model_version: 'v1' },
      { task: t + 2, result: [span(0, 4, ['PER'])], model_version: null },
      { task: t + 2, result: [span(0, 4, ['PER'])], model_version: 'v1', score: 'high' },
      { task: t + 2, result: [{ ...span(0, 4, ['PER']), type: 'choices' }], model_version: 'v1' },
      { task: t + 2, result: [{ ...span(0, 4, ['PER']), from_name: 'ner' }], model_version: 'v1' },
      { task: t + 2, result: [span(0, 4, ['PER'], 'Café')] },
    ];
    const response = await json(`/api/projects/${projectId}/import/predictions`, { body: items });
    expect(response).toEqual({ status: 201, body: { created: 3 } });
    expect(server.counters().importSkipped).toBe(8);
    const stored = server.predictionsOf(projectId);
    expect(stored.map((p) => [p.task, p.model_version])).toEqual([
      [t, 'v1'],
      [t + 1, 'v1'],
      [t + 2, 'undefined'],
    ]);
    expect(stored[0]?.score).toBe(0.8);
  });

  it('answers 400 and writes nothing when an item names a task outside the project', async () => {
    const { projectId, firstId } = seedNer(1);
    const other = seedNer(1);
    const response = await json(`/api/projects/${projectId}/import/predictions`, {
      body: [
        { task: firstId, result: [], model_version: 'v' },
        { task: other.firstId, result: [], model_version: 'v' },
      ],
    });
    expect(response.status).toBe(400);
    expect(response.body['detail']).toBe('Validation error');
    expect(JSON.stringify(response.body['validation_errors'])).toContain('contains invalid \\"task\\" field');
    expect(server.predictionsOf(projectId)).toEqual([]);
    expect((await json(`/api/projects/${projectId}/import/predictions`, { body: { task: firstId } })).status).toBe(500);
  });
});

describe('fault injection', () => {
  beforeEach(async () => {
    server = await start();
  });

  const write = (task: number) => json('/api/predictions', { body: { task, result: [], model_version: 'v' } });

  it('answers a queued 429 with Retry-After and writes nothing', async () => {
    const { projectId, firstId } = seedNer(1);
    server.failNext([{ kind: '429' }]);
    const throttled = await call('/api/predictions', { body: { task: firstId, result: [], model_version: 'v' } });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    expect(await throttled.json()).toMatchObject({ status_code: 429, version: '1.22.0' });
    expect(server.predictionsOf(projectId)).toHaveLength(0);
    expect((await write(firstId)).status).toBe(201);
    expect(server.counters().injected['429']).toBe(1);
  });

  it('writes nothing on 500-before and writes on 500-after (a lost response)', async () => {
    const { projectId, firstId } = seedNer(1);
    server.failNext([{ kind: '500-before' }, { kind: '500-after' }]);
    expect((await write(firstId)).status).toBe(500);
    expect(server.predictionsOf(projectId)).toHaveLength(0);
    expect((await write(firstId)).status).toBe(500);
    expect(server.predictionsOf(projectId)).toHaveLength(1);
    // A client retrying the lost write creates the duplicate the oracle reports.
    expect((await write(firstId)).status).toBe(201);
    expect(server.duplicates(projectId, 'v')).toBe(1);

    server.failNext([{ kind: '500-after', route: 'projects.import-predictions' }]);
    const imported = await json(`/api/projects/${projectId}/import/predictions`, {
      body: [{ task: firstId, result: [], model_version: 'w' }],
    });
    expect(imported.status).toBe(500);
    expect(server.predictionsOf(projectId).filter((p) => p.model_version === 'w')).toHaveLength(1);
    expect(server.counters().injected).toEqual({ '429': 0, '500-before': 1, '500-after': 2 });
  });

  it('targets a queued fault at a route and faults deletes too', async () => {
    const { projectId, firstId } = seedNer(1);
    server.failNext([{ kind: '500-before', route: 'tasks.list' }]);
    expect((await write(firstId)).status).toBe(201);
    expect((await json(`/api/tasks?project=${projectId}`)).status).toBe(500);
    expect((await json(`/api/tasks?project=${projectId}`)).status).toBe(200);

    expect(() => server.failNext([{ kind: '429', route: 'task.list' }])).toThrow();
    const id = server.predictionsOf(projectId)[0]!.id;
    server.failNext([{ kind: '429', retryAfterS: 7 }]);
    const throttled = await call(`/api/predictions/${id}`, { method: 'DELETE' });
    expect(throttled.headers.get('retry-after')).toBe('7');
    expect(server.predictionsOf(projectId)).toHaveLength(1);
  });

  it('draws random faults from a seeded PRNG, on writes and optionally on reads', async () => {
    const runStatuses = async (target: LabelStudioTestServer) => {
      server = target;
      const { firstId } = seedNer(1);
      const statuses: number[] = [];
      for (let i = 0; i < 40; i += 1) statuses.push((await write(firstId)).status);
      return statuses;
    };
    const options = { seed: 7, faults: { rate429: 0.2, rate500Before: 0.2, rate500After: 0.2 } };
    const a = await runStatuses(await start(options));
    const b = await runStatuses(await start(options));
    expect(a).toEqual(b);
    expect(new Set(a)).toEqual(new Set([201, 429, 500]));

    server = await start({ faults: { rate429: 1 } });
    const { projectId, firstId } = seedNer(1);
    expect((await write(firstId)).status).toBe(429);
    expect((await json(`/api/tasks?project=${projectId}`)).status).toBe(200);
    server.setFaults({ faultReads: true });
    expect((await json(`/api/tasks?project=${projectId}`)).status).toBe(429);
  });

  it('adds latency and can play Label Studio down', async () => {
    const { projectId } = seedNer(1);
    server.setFaults({ latencyMs: 150 });
    const started = performance.now();
    expect((await call(`/api/projects/${projectId}`)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    server.setFaults({ latencyMs: 0 });

    server.setDown(true);
    const down = await call(`/api/projects/${projectId}`);
    expect(down.status).toBe(503);
    expect(down.headers.get('content-type')).toBe('text/html');
    expect((await fetch(`${server.url}/__admin/counters`)).status).toBe(200);
    server.setDown(false);
    expect((await call(`/api/projects/${projectId}`)).status).toBe(200);
    expect(server.counters().down503).toBe(1);
  });
});

describe('routing', () => {
  beforeEach(async () => {
    server = await start();
  });

  it('answers unknown routes with 404 JSON and wrong methods with 405', async () => {
    const unknown = await call('/api/nothing/here');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as Json)['detail']).toBe('Not found.');
    expect((await call('/api/predictions/abc')).status).toBe(404);
    expect((await call('/api/tasks', { method: 'PUT', body: {} })).status).toBe(405);
    expect(server.counters().requests['unknown']).toBe(3);
  });
});

describe('admin HTTP API', () => {
  beforeEach(async () => {
    server = await start();
  });

  const admin = async (path: string, method = 'GET', body?: unknown) => {
    const response = await fetch(`${server.url}/__admin${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  };

  it('seeds, inspects, injects faults and resets over HTTP', async () => {
    const project = await admin('/projects', 'POST', { label_config: NER_CONFIG, title: 'bench' });
    expect(project).toMatchObject({ status: 201, body: { id: 1, title: 'bench' } });
    expect((await admin('/projects', 'POST', { label_config: '<View><Text' })).status).toBe(400);

    const generated = await admin('/projects/1/tasks', 'POST', { count: 1000, textTemplate: 'Task {n}: Acme Corp' });
    expect(generated).toEqual({ status: 201, body: { created: 1000, first_id: 1, last_id: 1000 } });
    const explicit = await admin('/projects/1/tasks', 'POST', {
      tasks: [{ data: { text: TEXT }, predictions: [{ result: [span(7, 16, ['ORG'])], model_version: 'seed' }] }],
    });
    expect(explicit.body).toEqual({ created: 1, first_id: 1001, last_id: 1001 });
    expect((await admin('/tasks/1')).body).toMatchObject({ data: { text: 'Task 1: Acme Corp' } });
    expect((await admin('/projects/9/tasks', 'POST', { count: 1 })).status).toBe(404);
    expect((await admin('/projects/1/tasks', 'POST', {})).status).toBe(400);

    expect((await admin('/faults/next', 'POST', [{ kind: '500-after' }])).status).toBe(204);
    expect((await admin('/faults')).body).toMatchObject({ queued: [{ kind: '500-after' }] });
    expect((await json('/api/predictions', { body: { task: 1001, result: [], model_version: 'seed' } })).status).toBe(
      500,
    );
    expect((await admin('/projects/1/duplicates?model_version=seed')).body).toEqual({
      model_version: 'seed',
      tasks_with_duplicates: 1,
    });
    const compact = (await admin('/projects/1/predictions')).body as Json[];
    expect(compact).toEqual([
      { id: 1, task: 1001, model_version: 'seed', score: null, regions: 1 },
      { id: 2, task: 1001, model_version: 'seed', score: null, regions: 0 },
    ]);
    expect(((await admin('/projects/1/predictions?result=1')).body as Json[])[0]?.['result']).toHaveLength(1);

    await admin('/faults', 'POST', { rate429: 1, retryAfterS: 3 });
    const throttled = await call('/api/predictions', { body: { task: 1, result: [], model_version: 'x' } });
    expect(throttled.headers.get('retry-after')).toBe('3');
    expect((await admin('/faults', 'POST', { rate429: 2 })).status).toBe(400);
    expect((await admin('/faults', 'DELETE')).status).toBe(204);
    expect((await admin('/faults', 'POST', { down: true })).body).toMatchObject({ down: true });
    expect((await call('/api/projects/1')).status).toBe(503);
    await admin('/faults', 'POST', { down: false });

    const counters = (await admin('/counters')).body as Json;
    expect(counters).toMatchObject({
      requests: { 'predictions.create': 2 },
      injected: { '429': 1, '500-after': 1 },
      down503: 1,
    });
    expect((await admin('/counters', 'DELETE')).status).toBe(204);
    expect(((await admin('/counters')).body as Json)['requests']).toEqual({});

    const auth = (await admin('/auth')).body as Json;
    expect(auth).toMatchObject({ legacy_token: server.legacyToken, legacyTokensEnabled: true });
    await admin('/auth', 'POST', { legacyTokensEnabled: false });
    expect((await call('/api/projects/1')).status).toBe(401);
    await admin('/auth', 'POST', { legacyTokensEnabled: true });

    await admin('/projects/1', 'PATCH', { model_version: 'anything', show_collab_predictions: false });
    expect((await json('/api/projects/1')).body).toMatchObject({
      model_version: 'anything',
      show_collab_predictions: false,
    });

    expect((await admin('/reset', 'POST')).status).toBe(204);
    expect((await json('/api/projects/1')).status).toBe(404);
    expect((await admin('/projects/1')).status).toBe(404);
  });

  it('runs standalone and prints its url', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['test/ls-server/main.ts', '--port', '0', '--access-token-ttl-s', '60'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().split('\n')[0]!));
        child.once('error', reject);
      });
      const info = JSON.parse(line) as { url: string; legacyToken: string; personalAccessToken: string };
      expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const created = await fetch(`${info.url}/__admin/projects`, {
        method: 'POST',
        body: JSON.stringify({ label_config: NER_CONFIG }),
      });
      expect(created.status).toBe(201);
      const project = await fetch(`${info.url}/api/projects/1/`, {
        headers: { Authorization: `Token ${info.legacyToken}` },
      });
      expect(project.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
