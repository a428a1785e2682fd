/**
 * The ner pipeline through the gateway and a run, on the bundled default model: predictions for a
 * text project land exactly once and are valid for LS (from_name/to_name/labels from the config,
 * exact code-point spans); /setup infers `ner` from a Labels-on-Text config; a task without the
 * text fails alone with a readable reason; a broken model directory stops the worker at start.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunView } from '../../shared/src/runs/run-store.ts';
import { runCli } from '../support/cli.ts';
import { checkPredictions } from '../support/project.ts';
import { type Stack, startStack, waitFor } from '../support/stack.ts';

const CONFIG = `<View>
  <Labels name="entities" toName="doc">
    <Label value="Person" predicted_values="PER"/>
    <Label value="Organization" predicted_values="ORG"/>
    <Label value="Location" predicted_values="LOC"/>
  </Labels>
  <Text name="doc" value="$body"/>
</View>`;

const TEXTS = [
  'German Chancellor Angela Merkel met French President Emmanuel Macron in Paris on Monday. ({id})',
  'Shares of Siemens rose 3 percent in Frankfurt 📈 after the company beat forecasts. #{id}',
  'Zoë Müller 😀 flew from São Paulo to Tokyo with Lufthansa — task {id}',
  'nothing here but lower case words {id}',
];

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const finished = (s: Stack, id: string) =>
  waitFor(async () => {
    const run = (await s.api<RunView>('GET', `/api/runs/${id}`)).body;
    return ['completed', 'failed', 'cancelled'].includes(run.status) ? run : undefined;
  }, 60_000);

describe('the ner pipeline end to end', () => {
  it("pre-labels a text project exactly once with valid spans and the config's labels", async () => {
    stack = await startStack({ ner: true });
    const project = stack.ls.createProject({ label_config: CONFIG }).id;
    stack.ls.createTasks(project, { count: 400, texts: TEXTS, dataKey: 'body' });
    const broken = stack.ls.createTasks(project, { count: 2, data: { other: 'no body here' }, dataKey: 'title' });

    // No Extra params: a Labels-on-Text config means `ner`.
    const setup = await stack.api<{ model_version: string }>('POST', '/setup', {
      project: `${project}.1`,
      schema: CONFIG,
    });
    expect(setup.status).toBe(200);
    expect(setup.body.model_version).toMatch(/^ner-v1\+[0-9a-f]{8}-[0-9a-f]{8}$/);

    const created = await stack.api<{ id: string; modelVersion: string }>('POST', '/api/runs', { project });
    expect(created.status).toBe(202);
    expect(created.body.modelVersion).toBe(setup.body.model_version);
    const run = await finished(stack, created.body.id);
    expect(run).toMatchObject({ status: 'completed', total: 402, done: 400, failed: 2 });

    const predictions = stack.ls.predictionsOf(project).filter((p) => p.model_version === run.modelVersion);
    expect(predictions).toHaveLength(400);
    expect(stack.ls.duplicates(project, run.modelVersion)).toBe(0);
    const labels = new Set<string>();
    let regions = 0;
    for (const prediction of predictions) {
      const text = String((stack.ls.getTask(prediction.task)!.data as { body: string }).body);
      for (const region of prediction.result as {
        from_name: string;
        to_name: string;
        type: string;
        value: { start: number; end: number; text: string; labels: string[] };
      }[]) {
        regions += 1;
        expect(region).toMatchObject({ from_name: 'entities', to_name: 'doc', type: 'labels' });
        expect([...text].slice(region.value.start, region.value.end).join('')).toBe(region.value.text);
        for (const label of region.value.labels) labels.add(label);
      }
    }
    expect(regions).toBeGreaterThan(400);
    expect([...labels].sort()).toEqual(['Location', 'Organization', 'Person']);
    const merkel = predictions.find((p) => p.task === 1)!.result as { value: { text: string; labels: string[] } }[];
    expect(merkel.map((r) => [r.value.text, r.value.labels[0]])).toContainEqual(['Angela Merkel', 'Person']);

    const failures = await stack.api<{ failures: { task: number; reason: string }[] }>(
      'GET',
      `/api/runs/${created.body.id}/failures`,
    );
    expect(failures.body.failures.map((f) => f.task)).toEqual([broken.firstId, broken.lastId]);
    expect(failures.body.failures[0]!.reason).toMatch(/body/);
    expect(checkPredictions(stack.ls, project, run.modelVersion).duplicates).toBe(0);
  });

  it('stops a ner worker with a readable error when the model directory is broken', async () => {
    const result = await runCli(['worker', 'ner'], {
      PATH: process.env.PATH ?? '',
      LABEL_STUDIO_URL: 'http://127.0.0.1:9',
      LABEL_STUDIO_API_KEY: 'k',
      NER_MODEL_DIR: '/nonexistent/model',
    });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/\/nonexistent\/model.*model\.onnx/);
  });
});
