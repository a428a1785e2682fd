/**
 * The Label Studio REST client (shared/src/label-studio/client.ts) against the LS test server over
 * real HTTP (protocol §4): auth (§4.1), error classification, stable-cursor paging (§4.2), predictions
 * (§4.3) and bulk import with LS's silent drops (§4.4). Nothing is mocked.
 */
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createLabelStudioClient,
  type PredictionImportItem,
  type TaskPage,
} from '../../shared/src/label-studio/client.ts';
import { LabelStudioError } from '../../shared/src/label-studio/errors.ts';
import type { LabelStudioRegion } from '../../shared/src/label-studio/types.ts';
import type { FaultKind, LabelStudioTestServer } from '../ls-server/ls-test-server.ts';
import { startLabelStudioTestServer } from '../ls-server/ls-test-server.ts';

const NER_CONFIG =
  '<View><Labels name="label" toName="text"><Label value="ORG"/><Label value="LOC"/></Labels>' +
  '<Text name="text" value="$text"/></View>';
const TEXT = 'Acme Corp opened an office in Paris';
const DEFAULT_TTL_MS = 5 * 60 * 1000;
// Any JWT (header.payload.signature, base64url JSON header) in an error would be a leaked token.
const JWT_PATTERN = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;

let ls: LabelStudioTestServer;

beforeAll(async () => {
  ls = await startLabelStudioTestServer({ seed: 3 });
});

afterAll(async () => {
  await ls.close();
});

beforeEach(() => {
  ls.clearFaults();
  ls.setAuth({ legacyTokensEnabled: true, apiTokensEnabled: true, accessTokenTtlMs: DEFAULT_TTL_MS });
  ls.resetCounters();
});

afterEach(() => {
  // The client must never read a single task: on LS that calls the ML backend (us) synchronously.
  const counters = ls.counters();
  expect(counters.trapCalls).toBe(0);
  expect(counters.requests['tasks.get'] ?? 0).toBe(0);
});

const legacyClient = (options: { timeoutMs?: number } = {}) =>
  createLabelStudioClient({ baseUrl: ls.url, apiKey: ls.legacyToken, ...options });
const patClient = (options: { timeoutMs?: number; refreshMarginMs?: number } = {}) =>
  createLabelStudioClient({ baseUrl: ls.url, apiKey: ls.personalAccessToken, ...options });

function newProject(texts: string[] = [TEXT], count = texts.length) {
  const project = ls.createProject({ label_config: NER_CONFIG });
  const seeded = ls.createTasks(project.id, { count, texts });
  return { id: project.id, firstId: seeded.firstId ?? 0, lastId: seeded.lastId ?? 0 };
}

/** A Labels span over `text`, offsets in code points, `value.text` the code-point slice unless given. */
function span(text: string, start: number, end: number, label = 'ORG', sliceText?: string): LabelStudioRegion {
  return {
    id: `r${start}-${end}`,
    from_name: 'label',
    to_name: 'text',
    type: 'labels',
    value: { start, end, labels: [label], text: sliceText ?? [...text].slice(start, end).join('') },
  };
}

/** No error may carry the legacy key, the PAT or an access token, however it is printed. */
function expectNoSecrets(error: unknown): void {
  const renderings = [String(error), inspect(error, { depth: 10 })];
  if (error instanceof Error) renderings.push(error.message, error.stack ?? '');
  for (const text of renderings) {
    expect(text).not.toContain(ls.legacyToken);
    expect(text).not.toContain(ls.personalAccessToken);
    expect(text).not.toMatch(JWT_PATTERN);
  }
}

/** Awaits a promise expected to reject and returns the rejection, checked for secrets. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    expectNoSecrets(error);
    return error;
  }
  throw new Error('expected the call to fail');
}

async function lsFailure(promise: Promise<unknown>): Promise<LabelStudioError> {
  const error = await failure(promise);
  expect(error).toBeInstanceOf(LabelStudioError);
  return error as LabelStudioError;
}

async function firstPage(pages: AsyncGenerator<TaskPage>): Promise<TaskPage> {
  const first = await pages.next();
  await pages.return(undefined);
  if (first.done) throw new Error('expected a page');
  return first.value;
}

function craftJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}.${Buffer.from('not-the-signature').toString('base64url')}`;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('auth (§4.1)', () => {
  it('sends a legacy key as a Token header, without any exchange', async () => {
    const { id } = newProject();
    const client = legacyClient();
    expect((await client.projects.get(id)).id).toBe(id);
    expect(ls.counters()).toMatchObject({ unauthorized: 0, tokenRefreshes: 0 });
  });

  it('exchanges a personal access token once and reuses the access token, also across concurrent calls', async () => {
    const { id } = newProject();
    const client = patClient();
    const answers = await Promise.all(Array.from({ length: 8 }, () => client.projects.get(id)));
    expect(answers.every((project) => project.id === id)).toBe(true);
    for (let i = 0; i < 5; i += 1) await client.projects.get(id);
    expect(ls.counters()).toMatchObject({ unauthorized: 0, tokenRefreshes: 1 });
    expect(ls.counters().requests['projects.get']).toBe(13);
  });

  it('refreshes an access token refreshMarginMs before its exp, without a 401', async () => {
    // exp is whole seconds: a 4 s token expires 3–4 s after issue, so the margin (2.5 s) starts within 1.5 s.
    ls.setAuth({ accessTokenTtlMs: 4000 });
    const { id } = newProject();
    const client = patClient({ refreshMarginMs: 2500 });
    await client.projects.get(id);
    await client.projects.get(id);
    expect(ls.counters().tokenRefreshes).toBe(1);
    await sleep(1600);
    // Still valid for more than a second here, but inside the margin.
    await client.projects.get(id);
    expect(ls.counters()).toMatchObject({ unauthorized: 0, tokenRefreshes: 2 });
    expect(ls.counters().requests['projects.get']).toBe(3);
  });

  it('after a 401 on an access token that expired in flight, refreshes once and retries', async () => {
    ls.setAuth({ accessTokenTtlMs: 1000 });
    const { id } = newProject();
    const client = patClient({ refreshMarginMs: 0 });
    // Issue the token just after a second boundary so its exp (whole seconds) is known here.
    await sleep(1000 - (Date.now() % 1000) + 20);
    const issuedAt = Date.now();
    await client.projects.get(id);
    const expMs = (Math.floor(issuedAt / 1000) + 1) * 1000;
    await sleep(Math.max(0, expMs - 200 - Date.now()));
    // The client sends a token it rightly holds for valid; LS checks it 400 ms later, after its exp.
    ls.setFaults({ latencyMs: 400 });
    ls.setAuth({ accessTokenTtlMs: DEFAULT_TTL_MS });
    ls.resetCounters();
    expect((await client.projects.get(id)).id).toBe(id);
    expect(ls.counters()).toMatchObject({ unauthorized: 1, tokenRefreshes: 1 });
    expect(ls.counters().requests['projects.get']).toBe(2);
  });

  it('after a 401 on a revoked access token (API tokens switched off) gives up after one refresh', async () => {
    const { id } = newProject();
    const client = patClient();
    await client.projects.get(id);
    ls.setAuth({ apiTokensEnabled: false });
    ls.resetCounters();
    const error = await lsFailure(client.projects.get(id));
    expect(error).toMatchObject({ kind: 'permanent', status: 401 });
    expect(error.message).toContain('LABEL_STUDIO_API_KEY');
    expect(ls.counters()).toMatchObject({ unauthorized: 2, tokenRefreshes: 1 });
  });

  const refusals: {
    name: string;
    apiKey: () => string;
    setup?: () => void;
    detail?: RegExp;
    /** Token exchanges, and reads of the project that reached LS. */
    refreshes: number;
    gets: number;
  }[] = [
    {
      name: 'a legacy key while legacy tokens are disabled',
      apiKey: () => ls.legacyToken,
      setup: () => ls.setAuth({ legacyTokensEnabled: false }),
      detail: /legacy token authentication has been disabled/,
      refreshes: 0,
      gets: 1,
    },
    { name: 'an unknown legacy key', apiKey: () => 'f'.repeat(40), refreshes: 0, gets: 1 },
    {
      name: 'a personal access token with a bad signature',
      apiKey: () => `${ls.personalAccessToken.slice(0, ls.personalAccessToken.lastIndexOf('.'))}.AAAA`,
      refreshes: 1,
      gets: 0,
    },
    {
      name: 'a forged personal access token',
      apiKey: () => craftJwt({ token_type: 'refresh', exp: Math.floor(Date.now() / 1000) + 3600, jti: 'x' }),
      refreshes: 1,
      gets: 0,
    },
    {
      name: 'an expired personal access token (refused client-side)',
      apiKey: () => craftJwt({ token_type: 'refresh', exp: Math.floor(Date.now() / 1000) - 60, jti: 'y' }),
      detail: /expired/,
      refreshes: 0,
      gets: 0,
    },
  ];

  it.each(refusals)('refuses $name with a permanent 401 naming LABEL_STUDIO_API_KEY', async (row) => {
    const { id } = newProject();
    row.setup?.();
    const apiKey = row.apiKey();
    const client = createLabelStudioClient({ baseUrl: ls.url, apiKey });
    const error = await lsFailure(client.projects.get(id));
    expect(error).toMatchObject({ kind: 'permanent', status: 401 });
    expect(error.message).toContain('LABEL_STUDIO_API_KEY');
    if (row.detail) expect(error.message).toMatch(row.detail);
    expect(String(error)).not.toContain(apiKey);
    expect(inspect(error)).not.toContain(apiKey);
    expect(ls.counters().tokenRefreshes).toBe(row.refreshes);
    expect(ls.counters().requests['projects.get'] ?? 0).toBe(row.gets);
  });
});

describe('errors', () => {
  it('finds no unknown project and fails a get on it permanently with 404', async () => {
    const client = legacyClient();
    expect(await client.projects.find(987_654)).toBeUndefined();
    expect(await lsFailure(client.projects.get(987_654))).toMatchObject({
      kind: 'permanent',
      status: 404,
      method: 'GET',
      path: '/api/projects/987654/',
    });
  });

  const faults: {
    kind: FaultKind;
    route: string;
    call: (client: ReturnType<typeof legacyClient>, project: number, task: number) => Promise<unknown>;
    expected: Partial<LabelStudioError>;
  }[] = [
    {
      kind: '429',
      route: 'projects.get',
      call: (client, project) => client.projects.get(project),
      expected: { kind: 'rate-limited', status: 429, retryAfterMs: 7000 },
    },
    {
      kind: '429',
      route: 'predictions.create',
      call: (client, _project, task) =>
        client.predictions.create({ task, result: [span(TEXT, 0, 9)], model_version: 'e-v1' }),
      expected: { kind: 'rate-limited', status: 429, retryAfterMs: 7000 },
    },
    {
      kind: '500-before',
      route: 'tasks.list',
      call: (client, project) => client.tasks.pages({ project, pageSize: 10 }).next(),
      expected: { kind: 'retryable', status: 500 },
    },
    {
      kind: '500-after',
      route: 'projects.import-predictions',
      call: (client, project, task) =>
        client.projects.importPredictions(project, [{ task, result: [span(TEXT, 0, 9)], model_version: 'e-v1' }]),
      expected: { kind: 'retryable', status: 500 },
    },
  ];

  it.each(faults)('classifies an injected $kind on $route', async ({ kind, route, call, expected }) => {
    const { id, firstId } = newProject();
    ls.failNext([{ kind, route, retryAfterS: 7 }]);
    const error = await lsFailure(call(legacyClient(), id, firstId));
    expect(error).toMatchObject(expected);
    expect(ls.counters().injected[kind]).toBe(1);
  });

  it('treats Label Studio down (503) as retryable', async () => {
    const { id } = newProject();
    ls.setDown(true);
    for (const client of [legacyClient(), patClient()]) {
      const error = await lsFailure(client.projects.get(id));
      expect(error).toMatchObject({ kind: 'retryable', status: 503 });
    }
  });

  it('treats an unreachable Label Studio as retryable status 0 and names its URL', async () => {
    const baseUrl = `http://127.0.0.1:${await closedPort()}`;
    for (const apiKey of [ls.legacyToken, ls.personalAccessToken]) {
      const client = createLabelStudioClient({ baseUrl, apiKey });
      const error = await lsFailure(client.projects.get(1));
      expect(error).toMatchObject({ kind: 'retryable', status: 0 });
      expect(error.message).toContain(baseUrl);
      expect(error.message).toContain('unreachable');
    }
  });

  it('times out a slow Label Studio as retryable', async () => {
    const { id } = newProject();
    ls.setFaults({ latencyMs: 500 });
    const started = Date.now();
    const error = await lsFailure(legacyClient({ timeoutMs: 100 }).projects.get(id));
    expect(Date.now() - started).toBeLessThan(450);
    expect(error).toMatchObject({ kind: 'retryable', status: 0 });
    expect(error.message).toMatch(/timed out after 100 ms/);
  });

  it('rejects with the abort reason, not a LabelStudioError, when the caller aborts', async () => {
    const { id } = newProject();
    const before = new Error('cancelled before the call');
    const early = await failure(legacyClient().projects.get(id, { signal: AbortSignal.abort(before) }));
    expect(early).toBe(before);

    ls.setFaults({ latencyMs: 300 });
    for (const client of [legacyClient(), patClient()]) {
      const controller = new AbortController();
      const reason = new Error('cancelled in flight');
      const pending = client.tasks.listByIds(id, [1, 2, 3], { signal: controller.signal });
      setTimeout(() => controller.abort(reason), 50);
      const error = await failure(pending);
      expect(error).toBe(reason);
      expect(error).not.toBeInstanceOf(LabelStudioError);
    }
  });

  it('does not fail a concurrent call when another caller aborts the token exchange both wait on', async () => {
    const { id } = newProject();
    ls.setFaults({ latencyMs: 200 });
    const client = patClient();
    const controller = new AbortController();
    const reason = new Error('only the first caller gave up');
    const first = client.projects.get(id, { signal: controller.signal });
    const second = client.projects.get(id);
    setTimeout(() => controller.abort(reason), 50);
    expect(await failure(first)).toBe(reason);
    expect((await second).id).toBe(id);
  });
});

describe('tasks.pages (§4.2)', () => {
  const collect = async (pages: AsyncGenerator<TaskPage>) => {
    const sizes: number[] = [];
    const ids: number[] = [];
    for await (const page of pages) {
      sizes.push(page.tasks.length);
      ids.push(...page.tasks.map((task) => task.id));
    }
    return { sizes, ids };
  };

  it('pages 2 350 tasks in id order with a stable cursor, 500 a page', async () => {
    const { id, firstId, lastId } = newProject([TEXT], 2350);
    const client = patClient();
    const totals: number[] = [];
    const { sizes, ids } = await collect(
      (async function* () {
        for await (const page of client.tasks.pages({ project: id, pageSize: 500 })) {
          totals.push(page.total);
          yield page;
        }
      })(),
    );
    expect(sizes).toEqual([500, 500, 500, 500, 350]);
    expect(ids).toEqual(Array.from({ length: 2350 }, (_, i) => firstId + i));
    expect(ids.at(-1)).toBe(lastId);
    expect(totals[0]).toBe(2350);
    // The short last page ends the listing: no sixth request.
    expect(ls.counters().requests['tasks.list']).toBe(5);
  });

  const starts: { name: string; afterId: (firstId: number) => number; sizes: number[] }[] = [
    { name: 'in the middle of a page', afterId: (firstId) => firstId + 999, sizes: [500, 500, 350] },
    { name: 'before the first task', afterId: (firstId) => firstId - 1, sizes: [500, 500, 500, 500, 350] },
    { name: 'at the last task', afterId: (firstId) => firstId + 2349, sizes: [] },
  ];

  it.each(starts)('starts after afterId $name', async ({ afterId, sizes }) => {
    const { id, firstId } = newProject([TEXT], 2350);
    const after = afterId(firstId);
    const listed = await collect(legacyClient().tasks.pages({ project: id, pageSize: 500, afterId: after }));
    expect(listed.sizes).toEqual(sizes);
    expect(listed.ids).toEqual(Array.from({ length: firstId + 2349 - after }, (_, i) => after + 1 + i));
  });

  it('yields no page for an empty project', async () => {
    const project = ls.createProject({ label_config: NER_CONFIG });
    expect((await collect(legacyClient().tasks.pages({ project: project.id, pageSize: 500 }))).sizes).toEqual([]);
  });

  it('picks up tasks created during iteration and never returns a task twice', async () => {
    const { id, firstId } = newProject([TEXT], 1000);
    const other = ls.createProject({ label_config: NER_CONFIG });
    const ids: number[] = [];
    let pages = 0;
    for await (const page of legacyClient().tasks.pages({ project: id, pageSize: 300 })) {
      pages += 1;
      ids.push(...page.tasks.map((task) => task.id));
      if (pages === 1) {
        // Other projects' tasks take ids in between; they must not appear.
        ls.createTasks(other.id, { count: 40, texts: [TEXT] });
        ls.createTasks(id, { count: 250, texts: [TEXT] });
        ls.createTasks(other.id, { count: 40, texts: [TEXT] });
      }
    }
    expect(ids).toHaveLength(1250);
    expect(new Set(ids).size).toBe(1250);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids[0]).toBe(firstId);
    const otherIds = new Set(
      (await firstPage(legacyClient().tasks.pages({ project: other.id, pageSize: 100 }))).tasks.map((task) => task.id),
    );
    expect(otherIds.size).toBe(80);
    expect(ids.filter((taskId) => otherIds.has(taskId))).toEqual([]);
  });

  it('includes predictions with fields=all and leaves them out with task_only', async () => {
    const project = ls.createProject({ label_config: NER_CONFIG });
    const seeded = ls.createTasks(project.id, {
      tasks: [
        { data: { text: TEXT }, predictions: [{ result: [span(TEXT, 0, 9)], model_version: 'seed-v1', score: 0.5 }] },
        { data: { text: TEXT } },
      ],
    });
    const client = legacyClient();
    const all = await firstPage(client.tasks.pages({ project: project.id, pageSize: 10 }));
    expect(all.tasks.map((task) => task.predictions?.length)).toEqual([1, 0]);
    expect(all.tasks[0]!.predictions![0]).toMatchObject({
      task: seeded.firstId,
      model_version: 'seed-v1',
      result: [span(TEXT, 0, 9)],
    });
    const bare = await firstPage(client.tasks.pages({ project: project.id, pageSize: 10, fields: 'task_only' }));
    expect(bare.tasks.map((task) => task.predictions)).toEqual([undefined, undefined]);
  });
});

describe('tasks.listByIds', () => {
  it('returns exactly the existing tasks of the project among scattered ids', async () => {
    const a = newProject([TEXT], 3000);
    const b = newProject([TEXT], 500);
    const a2 = ls.createTasks(a.id, { count: 3000, texts: [TEXT] });
    const first2 = a2.firstId!;
    const last2 = a2.lastId!;
    const wanted = [a.firstId, a.firstId + 17, a.firstId + 1234, a.lastId, first2 + 5, last2, first2 + 2000];
    const ids = [
      ...wanted,
      b.firstId, // another project's tasks
      b.lastId,
      last2 + 10_000, // never existed
      0,
      -5,
      a.firstId + 17, // asked twice
    ];
    const client = legacyClient();
    const found = await client.tasks.listByIds(
      a.id,
      ids.sort(() => 0.5 - Math.random()),
    );
    expect(found.map((task) => task.id)).toEqual([...wanted].sort((x, y) => x - y));
    expect(found.every((task) => task.project === a.id && Array.isArray(task.predictions))).toBe(true);
    expect(await client.tasks.listByIds(a.id, [])).toEqual([]);
    expect(await client.tasks.listByIds(a.id, [b.firstId, last2 + 1])).toEqual([]);
  });
});

describe('predictions (§4.3)', () => {
  it('creates, lists and deletes a prediction; a missing one deletes fine', async () => {
    const { id, firstId } = newProject([TEXT], 2);
    const client = patClient();
    const created = await client.predictions.create({
      task: firstId,
      result: [span(TEXT, 0, 9)],
      score: 0.75,
      model_version: 'round-trip-v1',
    });
    expect(created).toMatchObject({ task: firstId, model_version: 'round-trip-v1', score: 0.75 });
    expect(created.result).toEqual([span(TEXT, 0, 9)]);

    const byTask = await client.predictions.list({ task: firstId });
    expect(byTask.map((p) => [p.id, p.model_version])).toEqual([[created.id, 'round-trip-v1']]);
    expect((await client.predictions.list({ project: id })).map((p) => p.id)).toEqual([created.id]);
    expect(await client.predictions.list({ task: firstId + 1 })).toEqual([]);

    await client.predictions.delete(created.id);
    expect(await client.predictions.list({ task: firstId })).toEqual([]);
    expect(ls.predictionsOf(id)).toEqual([]);
    await expect(client.predictions.delete(created.id)).resolves.toBeUndefined();
    await expect(client.predictions.delete(99_999_999)).resolves.toBeUndefined();
  });

  it('refuses a prediction for an unknown task permanently (400)', async () => {
    const error = await lsFailure(
      legacyClient().predictions.create({ task: 99_999_999, result: [], model_version: 'v' }),
    );
    expect(error).toMatchObject({ kind: 'permanent', status: 400 });
  });
});

describe('projects.importPredictions (§4.4)', () => {
  const item = (task: number, result: LabelStudioRegion[], version = 'import-v1'): PredictionImportItem => ({
    task,
    result,
    score: 0.9,
    model_version: version,
  });

  it('imports valid items and reports nothing dropped, without listing tasks', async () => {
    const { id, firstId } = newProject([TEXT], 5);
    const items = [0, 1, 2, 3, 4].map((i) => item(firstId + i, [span(TEXT, 0, 9), span(TEXT, 30, 35, 'LOC')]));
    const outcome = await legacyClient().projects.importPredictions(id, items);
    expect(outcome).toEqual({ created: 5, dropped: [] });
    expect(ls.predictionsOf(id)).toHaveLength(5);
    expect(ls.counters().requests['tasks.list'] ?? 0).toBe(0);
  });

  it('reports exactly the items LS silently dropped', async () => {
    const { id, firstId } = newProject([TEXT], 3);
    const length = [...TEXT].length;
    const valid = [
      item(firstId, [span(TEXT, 0, 9)]),
      item(firstId + 1, [span(TEXT, 30, 35, 'LOC')]),
      item(firstId + 2, [span(TEXT, 0, 9)], 'other-version'),
    ];
    const invalid = [
      item(firstId, [span(TEXT, 30, length + 3, 'LOC', 'Paris')]), // offsets beyond the text
      item(firstId + 1, [span(TEXT, 0, 9, 'PERSON')]), // a label not in the config
      item(firstId + 2, [span(TEXT, 0, 9, 'ORG', 'Acme Corp.')]), // value.text is not the slice
      item(firstId + 2, [span(TEXT, 0, 9), span(TEXT, 9, 9)]), // one bad region spoils the item
    ];
    const items = [valid[0]!, invalid[0]!, valid[1]!, invalid[1]!, invalid[2]!, valid[2]!, invalid[3]!];
    const outcome = await patClient().projects.importPredictions(id, items);
    expect(outcome.created).toBe(3);
    expect(outcome.dropped).toEqual(invalid);
    expect(ls.counters().importSkipped).toBe(4);
  });

  it('reports an item dropped even when an identical prediction listed in existingIds is stored', async () => {
    const { id, firstId } = newProject([TEXT], 2);
    const client = legacyClient();
    // POST /api/predictions/ does not validate against the config (§4.3), so this one is stored …
    const bad = item(firstId, [span(TEXT, 0, 9, 'PERSON')]);
    const stored = await client.predictions.create(bad);
    // … while /import/predictions drops the identical item.
    const good = item(firstId + 1, [span(TEXT, 0, 9)]);
    const outcome = await client.projects.importPredictions(id, [bad, good], { existingIds: new Set([stored.id]) });
    expect(outcome).toEqual({ created: 1, dropped: [bad] });
  });

  it('sends nothing for an empty list', async () => {
    const { id } = newProject();
    expect(await legacyClient().projects.importPredictions(id, [])).toEqual({ created: 0, dropped: [] });
    expect(ls.counters().requests['projects.import-predictions'] ?? 0).toBe(0);
  });

  it('refuses an item for a task of another project permanently (400), writing nothing', async () => {
    const a = newProject();
    const b = newProject();
    const error = await lsFailure(
      legacyClient().projects.importPredictions(a.id, [item(a.firstId, [span(TEXT, 0, 9)]), item(b.firstId, [])]),
    );
    expect(error).toMatchObject({ kind: 'permanent', status: 400 });
    expect(ls.predictionsOf(a.id)).toEqual([]);
  });
});

describe('code points (shared span contract)', () => {
  it('accepts a span counted in code points after emoji, and LS drops the same span in UTF-16 units', async () => {
    const text = 'Café 😀👩‍👩‍👧 🇨🇭 — Acme Corp signed';
    const utf16Start = text.indexOf('Acme Corp');
    const start = [...text.slice(0, utf16Start)].length;
    expect(start).toBeLessThan(utf16Start);
    const { id, firstId } = newProject([text]);
    const byCodePoints: PredictionImportItem = {
      task: firstId,
      result: [span(text, start, start + 9)],
      model_version: 'cp-v1',
    };
    const byUtf16: PredictionImportItem = {
      task: firstId,
      result: [span(text, utf16Start, utf16Start + 9, 'ORG', 'Acme Corp')],
      model_version: 'cp-v1',
    };
    expect((byCodePoints.result[0]!.value as { text: string }).text).toBe('Acme Corp');
    const outcome = await legacyClient().projects.importPredictions(id, [byCodePoints, byUtf16]);
    expect(outcome).toEqual({ created: 1, dropped: [byUtf16] });
    expect(ls.predictionsOf(id).map((p) => p.result)).toEqual([byCodePoints.result]);
  });
});
