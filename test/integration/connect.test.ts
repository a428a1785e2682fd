/**
 * `connectBackend` (apps/cli/src/connect.ts) against the LS test server, which plays LS's side of
 * `/api/ml` (health + setup validation, update_state, live model) and webhooks: first with a fake ML
 * backend on node:http, so connect is verified on its own, then with prelabel's real gateway (the test
 * stack), where imported tasks must come back pre-labelled through the webhook connect left in place.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectError, connectBackend } from '../../apps/cli/src/connect.ts';
import { createLabelStudioClient } from '../../shared/src/label-studio/client.ts';
import { createLogger } from '../../shared/src/logging/logger.ts';
import { type FakeMlBackend, type FakeMlBackendOptions, startFakeMlBackend } from '../ls-server/fake-ml-backend.ts';
import { type LabelStudioTestServer, startLabelStudioTestServer } from '../ls-server/ls-test-server.ts';
import { runCli } from '../support/cli.ts';
import { checkPredictions, NER_CONFIG, PATTERN_OPTIONS, TEXTS } from '../support/project.ts';
import { type Stack, startStack, waitFor } from '../support/stack.ts';

const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()));
});

async function startLs(): Promise<LabelStudioTestServer> {
  const ls = await startLabelStudioTestServer();
  cleanups.push(() => ls.close());
  return ls;
}

async function startBackend(options: Partial<FakeMlBackendOptions> = {}): Promise<FakeMlBackend> {
  const backend = await startFakeMlBackend(options);
  cleanups.push(() => backend.close());
  return backend;
}

/** A client as `prelabel connect` builds it, with the personal access token. */
const clientOf = (ls: LabelStudioTestServer) =>
  createLabelStudioClient({ baseUrl: ls.url, apiKey: ls.personalAccessToken });

async function connectError(promise: Promise<unknown>): Promise<ConnectError> {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(ConnectError);
  return error as ConnectError;
}

describe('connect against a fake ML backend', () => {
  it('run twice leaves one connected backend, one webhook and the project in live mode', async () => {
    const ls = await startLs();
    const backend = await startBackend();
    const project = ls.createProject({ label_config: NER_CONFIG, title: 'Invoices', show_collab_predictions: false });
    ls.createProject({ label_config: NER_CONFIG, title: 'Invoices 2024' });
    const labelStudio = clientOf(ls);
    const extraParams = { pipeline: 'patterns', options: PATTERN_OPTIONS };

    const first = await connectBackend(
      { project: 'Invoices', url: `${backend.url}/`, extraParams },
      { labelStudio, log },
    );
    expect(first).toMatchObject({
      project: project.id,
      created: true,
      backend: {
        state: 'CO',
        title: 'prelabel',
        model_version: 'fake-v1',
        url: `${backend.url}/`,
        is_interactive: false,
      },
      webhook: { url: `${backend.url}/webhook`, send_payload: true, send_for_all_actions: true, is_active: true },
    });

    const second = await connectBackend({ project: String(project.id), url: backend.url }, { labelStudio, log });
    expect(second).toMatchObject({ project: project.id, created: false, backend: { id: first.backend.id } });
    expect(ls.mlBackendsOf(project.id)).toEqual([
      expect.objectContaining({ id: first.backend.id, state: 'CO', url: backend.url, extra_params: extraParams }),
    ]);
    expect(ls.webhooksOf(project.id)).toHaveLength(1);
    expect(ls.getProject(project.id)).toMatchObject({ show_collab_predictions: true, model_version: 'prelabel' });
    // Every /setup, the PATCH's validation included, carried the stored extra_params.
    const setups = backend.received('setup');
    expect(setups.length).toBeGreaterThanOrEqual(6);
    expect(
      setups.every(
        (r) => JSON.stringify((r.body as { extra_params: unknown }).extra_params) === JSON.stringify(extraParams),
      ),
    ).toBe(true);
    // Connect never reads a single task (that would make LS call the backend synchronously).
    expect(ls.counters().requests['tasks.get'] ?? 0).toBe(0);
    expect(ls.counters().requests['ml.create']).toBe(1);
    expect(ls.counters().requests['ml.patch']).toBe(1);
  });

  it('finds a project by exact title and explains unknown and ambiguous ones', async () => {
    const ls = await startLs();
    const backend = await startBackend();
    const labelStudio = clientOf(ls);
    const a = ls.createProject({ label_config: NER_CONFIG, title: 'Contracts' });
    const b = ls.createProject({ label_config: NER_CONFIG, title: 'Contracts' });
    ls.createProject({ label_config: NER_CONFIG, title: 'Old invoices' });

    const unknown = await connectError(connectBackend({ project: 'Invoices', url: backend.url }, { labelStudio, log }));
    expect(unknown.message).toBe(
      'Label Studio has no project titled "Invoices"; titles containing it: #3 "Old invoices"',
    );
    const none = await connectError(connectBackend({ project: 'Receipts', url: backend.url }, { labelStudio, log }));
    expect(none.message).toBe('Label Studio has no project titled "Receipts"');
    const ambiguous = await connectError(
      connectBackend({ project: 'Contracts', url: backend.url }, { labelStudio, log }),
    );
    expect(ambiguous.message).toContain(`2 Label Studio projects are titled "Contracts"`);
    expect(ambiguous.message).toContain(`#${a.id} "Contracts"`);
    expect(ambiguous.message).toContain(`#${b.id} "Contracts"`);
    expect(ambiguous.message).toContain('--project <id>');
    const missingId = await connectError(connectBackend({ project: '999', url: backend.url }, { labelStudio, log }));
    expect(missingId.message).toBe('Label Studio has no project with id 999');
    expect(backend.requests).toHaveLength(0);
  });

  it("passes LS's refusal on, and connects with Basic auth, interactive mode and the webhook secret", async () => {
    const ls = await startLs();
    const backend = await startBackend({ basicAuth: { user: 'ls', pass: 's3cret' } });
    const project = ls.createProject({ label_config: NER_CONFIG, title: 'Guarded' });
    const labelStudio = clientOf(ls);

    const refused = await connectError(connectBackend({ project: 'Guarded', url: backend.url }, { labelStudio, log }));
    expect(refused.message).toContain('authentication parameters were either not provided or are incorrect');
    expect(refused.message).toContain(`Label Studio itself calls ${backend.url}/health`);
    expect(ls.mlBackendsOf(project.id)).toHaveLength(0);

    const secret = { header: 'X-Prelabel-Webhook-Secret', value: 'w3bh00k' };
    const input = { project: 'Guarded', url: backend.url, basicAuth: { user: 'ls', pass: 's3cret' } };
    const connected = await connectBackend(
      { ...input, interactive: true, webhookSecret: secret },
      { labelStudio, log },
    );
    expect(connected.backend).toMatchObject({
      state: 'CO',
      auth_method: 'BASIC_AUTH',
      basic_auth_user: 'ls',
      basic_auth_pass_is_set: true,
      is_interactive: true,
    });
    // LS sends webhooks without the backend's Basic auth: connect puts it in the webhook's headers.
    expect(connected.webhook.headers).toEqual({
      Authorization: `Basic ${Buffer.from('ls:s3cret').toString('base64')}`,
      'X-Prelabel-Webhook-Secret': 'w3bh00k',
    });

    // Again without --interactive: the stored choice stays.
    const again = await connectBackend({ ...input, webhookSecret: secret }, { labelStudio, log });
    expect(again.backend.is_interactive).toBe(true);
    expect(ls.mlBackendsOf(project.id)).toHaveLength(1);

    ls.createTasks(project.id, { count: 2 });
    await ls.webhooksSettled();
    const created = backend
      .received('webhook')
      .filter((r) => (r.body as { action: string }).action === 'TASKS_CREATED');
    expect(created).toHaveLength(1);
    expect(created[0]?.headers['x-prelabel-webhook-secret']).toBe('w3bh00k');
    expect(created[0]?.body).toMatchObject({ project: { model_version: 'prelabel' } });
    // PROJECT_UPDATED (connect's live-mode PATCH, twice) and TASKS_CREATED all got through the Basic auth.
    expect(ls.webhookDeliveries().map((d) => [d.action, d.status])).toEqual([
      ['PROJECT_UPDATED', 200],
      ['PROJECT_UPDATED', 200],
      ['TASKS_CREATED', 200],
    ]);
  });

  it('recreates a deleted webhook, moves a backend found by title, and fails when LS ends up disconnected', async () => {
    const ls = await startLs();
    const old = await startBackend();
    const backend = await startBackend();
    const project = ls.createProject({ label_config: NER_CONFIG });
    const labelStudio = clientOf(ls);

    const first = await connectBackend({ project: String(project.id), url: old.url }, { labelStudio, log });
    await fetch(`${ls.url}/api/webhooks/${first.webhook.id}/`, {
      method: 'DELETE',
      headers: { Authorization: `Token ${ls.legacyToken}` },
    });
    const moved = await connectBackend({ project: String(project.id), url: backend.url }, { labelStudio, log });
    expect(moved).toMatchObject({ created: false, backend: { id: first.backend.id, url: backend.url } });
    expect(ls.webhooksOf(project.id)).toEqual([expect.objectContaining({ url: `${backend.url}/webhook` })]);

    // The registration passes, but LS's own check afterwards finds /setup failing.
    let setups = 0;
    backend.set({
      override: (route) => {
        if (route !== 'setup') return undefined;
        setups += 1;
        return setups > 2 ? { status: 500, body: { detail: 'model crashed' } } : undefined;
      },
    });
    const failed = await connectError(
      connectBackend({ project: String(project.id), url: backend.url }, { labelStudio, log }),
    );
    expect(failed.message).toMatch(
      new RegExp(`^ML backend #${first.backend.id} of project #${project.id} ".*" is Error: 500 Server Error`),
    );
  });
});

describe("connect against prelabel's gateway", () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('run twice leaves one connected backend and imported tasks come back pre-labelled', async () => {
    stack = await startStack();
    const { ls } = stack;
    const project = ls.createProject({ label_config: NER_CONFIG, title: 'Shipping' });
    const labelStudio = clientOf(ls);
    const input = {
      project: 'Shipping',
      url: stack.gatewayUrl,
      extraParams: JSON.stringify({ pipeline: 'patterns', options: PATTERN_OPTIONS }),
    };

    const first = await connectBackend(input, { labelStudio, log });
    const second = await connectBackend({ ...input, extraParams: undefined }, { labelStudio, log });
    expect(first.created).toBe(true);
    expect(second).toMatchObject({ created: false, backend: { id: first.backend.id, state: 'CO' } });
    const modelVersion = second.backend.model_version;
    expect(modelVersion).toMatch(/^patterns-/);
    expect(modelVersion).toBe(first.backend.model_version);
    expect(ls.mlBackendsOf(project.id)).toHaveLength(1);
    expect(ls.webhooksOf(project.id)).toHaveLength(1);
    expect(ls.getProject(project.id)).toMatchObject({ show_collab_predictions: true, model_version: 'prelabel' });

    ls.createTasks(project.id, { count: 50, texts: TEXTS });
    await ls.webhooksSettled();
    expect(ls.webhookDeliveries().filter((d) => d.action === 'TASKS_CREATED')).toEqual([
      expect.objectContaining({ status: expect.any(Number), items: 50 }),
    ]);
    expect(ls.webhookDeliveries().every((d) => d.status >= 200 && d.status < 300)).toBe(true);
    const check = await waitFor(
      async () => {
        const state = checkPredictions(ls, project.id, modelVersion!);
        return state.tasksWithPrediction === 50 ? state : undefined;
      },
      60_000,
      'the imported tasks to be pre-labelled',
    );
    expect(check).toMatchObject({ predictions: 50, duplicates: 0, badSpans: 0 });
    expect(ls.counters().trapCalls).toBe(0);
  });
});

describe('prelabel connect (the CLI)', () => {
  it('connects, then --prelabel starts a missing run with the stored pipeline', async () => {
    const stack = await startStack();
    cleanups.push(() => stack.close());
    const project = stack.ls.createProject({ title: 'Fleet', label_config: NER_CONFIG }).id;
    stack.ls.createTasks(project, { count: 300, texts: TEXTS, emitWebhooks: false });
    const result = await runCli(
      [
        'connect',
        '--project',
        'Fleet',
        '--url',
        stack.gatewayUrl,
        '--pipeline',
        'patterns',
        '--options',
        JSON.stringify(PATTERN_OPTIONS),
        '--prelabel',
      ],
      stack.env,
    );
    expect(result.code, result.stderr).toBe(0);
    const [line, runId] = result.stdout.trim().split('\n');
    expect(line).toMatch(new RegExp(`^connected backend #\\d+ "prelabel" on project ${project} \\(CO`));
    const run = await waitFor(async () => {
      const current = (
        await stack.api<{ status: string; done: number; modelVersion: string }>('GET', `/api/runs/${runId}`)
      ).body;
      return current.status === 'completed' ? current : undefined;
    });
    expect(run.done).toBe(300);
    expect(checkPredictions(stack.ls, project, run.modelVersion)).toMatchObject({ predictions: 300, duplicates: 0 });
    expect(stack.ls.getProject(project)).toMatchObject({ model_version: 'prelabel', show_collab_predictions: true });

    const unknown = await runCli(['connect', '--project', 'Nowhere', '--url', stack.gatewayUrl], stack.env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toMatch(/Nowhere/);
  });
});
