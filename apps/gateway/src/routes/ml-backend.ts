/**
 * The Label Studio ML-backend protocol (docs/label-studio-protocol.md §1–3, §8): `/setup`,
 * `/predict`, `/webhook`. Every handler validates, stores or enqueues, and answers; no model runs
 * here and nothing waits on Label Studio.
 *
 * - `/setup` resolves and stores the project's pipeline, options and model_version (cheap,
 *   idempotent: LS calls it before every prediction) and answers `{"model_version"}`.
 * - `/predict` turns the tasks into a `/predict` run at high priority, waits until its deadline and
 *   answers one entry per task in order: a prediction for each task whose result is ready and
 *   claimed for the answer, an entry without `result` (LS skips it) for the others, which the
 *   write-back delivers later with the same model_version.
 * - `/webhook` answers in milliseconds: TASKS_CREATED becomes an import run (its id derives from
 *   the tasks, so a re-delivery is the same run), TASKS_DELETED drops pending work, PROJECT_UPDATED
 *   refreshes the stored state, annotation events are recorded for pipelines that train.
 */
import { timingSafeEqual } from 'node:crypto';
import { withoutSecretData } from '@prelabel/shared/pipelines/pipeline';
import { BackendSetupError, parseProjectUid, resolveBackendSetup } from '@prelabel/shared/projects/backend-setup';
import type { ProjectState } from '@prelabel/shared/projects/project-store';
import { digest } from '@prelabel/shared/queues/contract';
import { PRIORITY } from '@prelabel/shared/queues/queues';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { GatewayDeps } from '../app.ts';

const TRAINING_EVENTS = new Set(['ANNOTATION_CREATED', 'ANNOTATION_UPDATED', 'ANNOTATIONS_DELETED', 'START_TRAINING']);

const SetupBody = z.looseObject({
  project: z.union([z.string(), z.number()]),
  schema: z.string().min(1),
  extra_params: z.unknown().optional(),
  hostname: z.string().nullish(),
  access_token: z.string().nullish(),
});

const PredictTask = z.looseObject({ id: z.number().int().positive(), data: z.record(z.string(), z.unknown()) });

const PredictBody = z.looseObject({
  tasks: z.array(PredictTask),
  project: z.union([z.string(), z.number()]).nullish(),
  label_config: z.string().nullish(),
  params: z.looseObject({ context: z.unknown().optional() }).nullish(),
  model_version: z.unknown().optional(),
});

const WebhookProject = z.looseObject({ id: z.number().int().positive(), label_config: z.string().optional() });
const WebhookBody = z.looseObject({ action: z.string().min(1), project: z.unknown().optional() });
const TasksCreated = z.looseObject({
  project: WebhookProject,
  tasks: z.array(PredictTask).min(1),
});
const TasksDeleted = z.looseObject({
  project: WebhookProject,
  tasks: z.array(z.looseObject({ id: z.number().int().positive() })),
});

const problem = (reply: FastifyReply, status: number, code: string, message: string) =>
  reply.status(status).send({ error: { code, message } });

/** `extra_params` when it says something: null, blank strings and `{}` count as not given. */
function givenExtraParams(extraParams: unknown): unknown {
  if (extraParams === null || extraParams === undefined) return undefined;
  if (typeof extraParams === 'string' && extraParams.trim() === '') return undefined;
  if (typeof extraParams === 'object' && !Array.isArray(extraParams) && Object.keys(extraParams).length === 0) {
    return undefined;
  }
  return extraParams;
}

function secretMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function registerMlBackendRoutes(app: FastifyInstance, deps: GatewayDeps) {
  const typed = app.withTypeProvider<ZodTypeProvider>();

  /** The stored state, re-resolved when LS shows a label config we have not seen for the project. */
  async function projectState(project: number, labelConfig: string | undefined, extraParams?: unknown) {
    const stored = await deps.projects.get(project);
    const params = extraParams === undefined ? stored?.extraParams : extraParams;
    if (stored && (labelConfig === undefined || labelConfig === stored.labelConfig) && extraParams === undefined) {
      return stored;
    }
    const config = labelConfig ?? stored?.labelConfig;
    if (config === undefined) {
      throw new BackendSetupError(`project ${project} is not set up: LS calls /setup first, or send label_config`);
    }
    const setup = resolveBackendSetup(config, params ?? null, deps.pipelines);
    const state: ProjectState = {
      project,
      labelConfig: config,
      extraParams: params ?? null,
      ...setup,
      updatedAt: Date.now(),
    };
    if (
      !stored ||
      stored.modelVersion !== state.modelVersion ||
      stored.labelConfig !== state.labelConfig ||
      JSON.stringify(stored.extraParams) !== JSON.stringify(state.extraParams)
    ) {
      await deps.projects.put(state);
    }
    return state;
  }

  typed.post('/setup', { schema: { body: SetupBody } }, async (request, reply) => {
    const project = parseProjectUid(request.body.project);
    if (project === undefined) {
      return problem(reply, 400, 'INVALID_REQUEST', 'body.project: expected "<id>.<timestamp>" or a project id');
    }
    try {
      // Like the reference backend, empty Extra params keep what is stored: LS re-validates a PATCH
      // of the backend with only the submitted fields, so extra_params often arrives as null.
      const state = await projectState(project, request.body.schema, givenExtraParams(request.body.extra_params));
      return { model_version: state.modelVersion };
    } catch (error) {
      if (error instanceof BackendSetupError) return problem(reply, 400, 'SETUP_FAILED', error.message);
      throw error;
    }
  });

  typed.post('/predict', { schema: { body: PredictBody } }, async (request, reply) => {
    const { tasks } = request.body;
    if (tasks.length === 0) return { results: [] };
    const project = parseProjectUid(request.body.project) ?? parseProjectUid(tasks[0]!.project);
    if (project === undefined) {
      return problem(
        reply,
        400,
        'INVALID_REQUEST',
        'body.project: expected "<id>.<timestamp>" or tasks with a project',
      );
    }
    let state: ProjectState;
    try {
      state = await projectState(project, request.body.label_config ?? undefined);
    } catch (error) {
      if (error instanceof BackendSetupError) return problem(reply, 400, 'SETUP_FAILED', error.message);
      throw error;
    }
    const context = request.body.params?.context;
    const interactive = context !== undefined && context !== null;
    const unique = [...new Map(tasks.map((task) => [task.id, { id: task.id, data: task.data }])).values()];
    // The deadline counts from the request's arrival (reading a 20 000-task body takes time), and
    // the wait ends early enough to read, claim and serialise the results before it.
    const deadlineAt = Date.now() - reply.elapsedTime + deps.predict.deadlineMs;
    const waitUntil = deadlineAt - Math.min(deps.predict.deadlineMs / 4, 20 + tasks.length * 0.02);
    const { run } = await deps.runs.create({
      project,
      pipeline: state.pipeline,
      mode: 'missing',
      modelVersion: state.modelVersion,
      options: state.options,
      source: 'predict',
      labelConfig: state.labelConfig,
    });
    await deps.runs.startInline(run.id, { tasks: unique.length, deadlineAt });
    await deps.enqueueChunks(
      { ...run, deadlineAt, status: 'running' },
      unique,
      interactive ? PRIORITY.interactive : PRIORITY.predict,
    );

    let closed = false;
    request.raw.on('close', () => {
      closed = !reply.raw.writableEnded;
    });
    while (!closed && Date.now() < waitUntil && (await deps.runs.inlineCount(run.id)) < unique.length) {
      await new Promise((resolve) => setTimeout(resolve, deps.predict.pollMs));
    }
    const ready = await deps.runs.inlineResults(run.id);
    const mine = closed ? new Set<number>() : await deps.runs.claim(run.id, 'inline', [...ready.keys()]);
    request.log.info(
      { runId: run.id, project, tasks: unique.length, inline: mine.size, interactive },
      'predict answered',
    );
    return {
      results: tasks.map((task) => {
        const prediction = mine.has(task.id) ? ready.get(task.id) : undefined;
        if (!prediction) return { model_version: state.modelVersion };
        return {
          result: prediction.result,
          ...(prediction.score === null ? {} : { score: prediction.score }),
          model_version: state.modelVersion,
        };
      }),
    };
  });

  typed.post('/webhook', { schema: { body: WebhookBody } }, async (request, reply) => {
    if (deps.auth.webhookSecret !== undefined) {
      if (!secretMatches(deps.auth.webhookSecret, request.headers[deps.auth.webhookSecretHeader])) {
        return problem(reply, 401, 'UNAUTHORIZED', `missing or wrong ${deps.auth.webhookSecretHeader} header`);
      }
    }
    const { action } = request.body;
    if (request.body.project === undefined || request.body.project === null) {
      return problem(reply, 400, 'INVALID_REQUEST', 'body.project: required (enable "send payload" on the webhook)');
    }
    if (action === 'TASKS_CREATED') {
      const parsed = TasksCreated.safeParse(request.body);
      if (!parsed.success)
        return problem(
          reply,
          400,
          'INVALID_REQUEST',
          `body.${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`,
        );
      const { project, tasks } = parsed.data;
      let state: ProjectState;
      try {
        state = await projectState(project.id, project.label_config);
      } catch (error) {
        if (error instanceof BackendSetupError) return problem(reply, 422, 'SETUP_FAILED', error.message);
        throw error;
      }
      const ids = tasks.map((task) => task.id).sort((a, b) => a - b);
      const { run, created } = await deps.runs.create({
        id: `wh${digest(`${project.id}:${state.modelVersion}:${ids.join(',')}`, 20)}`,
        project: project.id,
        pipeline: state.pipeline,
        mode: 'missing',
        modelVersion: state.modelVersion,
        options: state.options,
        source: 'webhook',
        labelConfig: state.labelConfig,
      });
      if (created) {
        const batch = tasks.map((task) => ({ id: task.id, data: task.data }));
        await deps.enqueueScan(run, {
          tasks: withoutSecretData(deps.pipelines.get(state.pipeline), state.options, batch),
        });
      }
      return reply.status(201).send({ status: 'ok', run: run.id, duplicate: !created });
    }
    const projectId = WebhookProject.safeParse(request.body.project);
    if (!projectId.success) return problem(reply, 400, 'INVALID_REQUEST', 'body.project.id: expected a project id');
    if (action === 'TASKS_DELETED') {
      const parsed = TasksDeleted.safeParse(request.body);
      if (!parsed.success) return problem(reply, 400, 'INVALID_REQUEST', 'body.tasks: expected [{"id": ...}]');
      await deps.projects.markDeleted(
        projectId.data.id,
        parsed.data.tasks.map((task) => task.id),
      );
      return { status: 'ok' };
    }
    if (action === 'PROJECT_UPDATED') {
      if (projectId.data.label_config !== undefined && (await deps.projects.get(projectId.data.id))) {
        try {
          await projectState(projectId.data.id, projectId.data.label_config);
        } catch (error) {
          if (error instanceof BackendSetupError) return problem(reply, 422, 'SETUP_FAILED', error.message);
          throw error;
        }
      }
      return { status: 'ok' };
    }
    if (TRAINING_EVENTS.has(action)) {
      await deps.projects.recordTrainingEvent(projectId.data.id, { action, at: Date.now() });
      return reply.status(201).send({ status: 'ok', result: { recorded: action } });
    }
    return { status: 'Unknown event' };
  });
}
