/**
 * Label Studio's "Retrieve predictions" on 20 000 tasks with prelabel connected as the ML backend:
 * the LS test server calls /setup, then ONE /predict with every task, and stores what comes back by
 * LS's rules (entries without `result` are skipped). The answer must come within the deadline plus
 * a second, and once the write-back drains every task holds exactly one prediction of the /setup
 * version; a second Retrieve finds nothing left to ask.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connectBackend } from '../../apps/cli/src/connect.ts';
import { createLabelStudioClient } from '../../shared/src/label-studio/client.ts';
import { createLogger } from '../../shared/src/logging/logger.ts';
import { checkPredictions, NER_CONFIG, PATTERN_OPTIONS, TEXTS } from '../support/project.ts';
import { type Stack, startStack, waitFor } from '../support/stack.ts';

const TASKS = 20_000;

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function retrieve(s: Stack, project: number) {
  const response = await fetch(`${s.ls.url}/api/dm/actions?id=retrieve_tasks_predictions&project=${project}`, {
    method: 'POST',
    headers: { authorization: `Token ${s.ls.legacyToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ selectedItems: { all: true, excluded: [] } }),
  });
  expect(response.status).toBe(200);
  return s.ls.lastRetrieve()!;
}

describe('Retrieve predictions on 20 000 tasks', () => {
  // A generous deadline answers (nearly) everything inline; a tight one leaves most to the write-back.
  it.each([1500, 150])(
    'with a %i ms deadline: answers in time, then exactly one prediction per task',
    async (DEADLINE_MS) => {
      stack = await startStack({ env: { PREDICT_DEADLINE_MS: String(DEADLINE_MS) } });
      const project = stack.ls.createProject({ title: 'retrieve', label_config: NER_CONFIG }).id;
      stack.ls.createTasks(project, { count: TASKS, texts: TEXTS, emitWebhooks: false });
      const connected = await connectBackend(
        {
          project: String(project),
          url: stack.gatewayUrl,
          extraParams: { pipeline: 'patterns', options: PATTERN_OPTIONS },
        },
        {
          labelStudio: createLabelStudioClient({ baseUrl: stack.ls.url, apiKey: stack.ls.personalAccessToken }),
          log: createLogger({ level: 'silent' }),
        },
      );
      const modelVersion = connected.backend.model_version!;
      expect(modelVersion).toMatch(/^patterns-v1-/);

      const first = await retrieve(stack, project);
      expect(first).toMatchObject({ predictCalls: 1, sentTasks: TASKS, modelVersion, rejected: null, dropped: null });
      // LS waits for the /predict answer: it must come within the deadline plus a second.
      const predictCall = stack.ls
        .mlCalls()
        .filter((call) => call.endpoint === 'predict')
        .at(-1)!;
      expect(predictCall.tasks).toBe(TASKS);
      expect(predictCall.ms).toBeLessThan(DEADLINE_MS + 1000);
      // Whatever LS did not get inline, the write-back delivers with the same version.
      await waitFor(async () => (stack!.ls.predictionsOf(project).length >= TASKS ? true : undefined), 60_000);
      await new Promise((resolve) => setTimeout(resolve, DEADLINE_MS + 1500));
      expect(checkPredictions(stack.ls, project, modelVersion)).toMatchObject({
        predictions: TASKS,
        tasksWithPrediction: TASKS,
        duplicates: 0,
        badSpans: 0,
        emptyVersions: 0,
      });

      const second = await retrieve(stack, project);
      expect(second).toMatchObject({ predictCalls: 0, sentTasks: 0, alreadyPredicted: TASKS });
      expect(stack.ls.counters().trapCalls).toBe(0);
    },
  );
});
