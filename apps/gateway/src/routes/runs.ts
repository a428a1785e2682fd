/**
 * The runs API: create, inspect, follow (server-sent events), pause, resume, cancel, list
 * failures and retry them. A run is the unit of pre-labelling: (project, pipeline, options, mode).
 */
import { LabelStudioError } from '@prelabel/shared/label-studio/errors';
import { hasPredictionOf } from '@prelabel/shared/label-studio/tasks';
import { buildModelVersion } from '@prelabel/shared/pipelines/pipeline';
import { isTerminal, type RunStatus, toRunView } from '@prelabel/shared/runs/run-store';
import { describeError } from '@prelabel/shared/runtime/failures';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { GatewayDeps } from '../app.ts';

const CreateRunBody = z.strictObject({
  project: z.number().int().positive(),
  /** Without it, the pipeline and options the project's `/setup` stored (its Extra params). */
  pipeline: z.string().min(1).optional(),
  mode: z.enum(['missing', 'all']).default('missing'),
  options: z.record(z.string(), z.unknown()).optional(),
});

const RunParams = z.object({ id: z.string().regex(/^[a-z0-9-]{1,64}$/, 'not a run id') });

const problem = (reply: FastifyReply, status: number, code: string, message: string) =>
  reply.status(status).send({ error: { code, message } });

export async function registerRunRoutes(app: FastifyInstance, deps: GatewayDeps) {
  const typed = app.withTypeProvider<ZodTypeProvider>();

  typed.post(
    '/api/runs',
    { schema: { body: CreateRunBody, querystring: z.object({ dryRun: z.stringbool().default(false) }) } },
    async (request, reply) => {
      const body = request.body;
      let pipelineName = body.pipeline;
      let pipelineOptions: unknown = body.options ?? {};
      if (pipelineName === undefined) {
        const state = await deps.projects.get(body.project);
        if (!state) {
          return problem(
            reply,
            400,
            'INVALID_REQUEST',
            `body.pipeline: required, since project ${body.project} has no stored setup (connect it first)`,
          );
        }
        pipelineName = state.pipeline;
        pipelineOptions = body.options ?? state.options;
      }
      const pipeline = deps.pipelines.get(pipelineName);
      if (!pipeline) {
        const known = [...deps.pipelines.keys()].join(', ');
        return problem(
          reply,
          400,
          'UNKNOWN_PIPELINE',
          `body.pipeline: unknown pipeline "${pipelineName}" (known: ${known})`,
        );
      }
      const options = pipeline.optionsSchema.safeParse(pipelineOptions);
      if (!options.success) {
        return problem(reply, 400, 'INVALID_OPTIONS', `body.options.${describeError(options.error)}`);
      }
      try {
        const project = await deps.labelStudio.projects.find(body.project);
        if (!project)
          return problem(reply, 404, 'PROJECT_NOT_FOUND', `project ${body.project} not found in Label Studio`);
      } catch (error) {
        // LS down or refusing our key: the run is still accepted and fails with the reason (scan).
        if (!(error instanceof LabelStudioError) || request.query.dryRun) throw error;
        request.log.warn({ err: error.message }, 'could not check the project; the run will report it');
      }
      const modelVersion = buildModelVersion(pipeline, options.data);
      if (request.query.dryRun) {
        let total = 0;
        let wouldPredict = 0;
        for await (const page of deps.labelStudio.tasks.pages({ project: body.project, pageSize: 1000 })) {
          total += page.tasks.length;
          wouldPredict +=
            body.mode === 'all'
              ? page.tasks.length
              : page.tasks.filter((task) => !hasPredictionOf(task, modelVersion)).length;
        }
        return reply.send({ dryRun: true, project: body.project, modelVersion, total, wouldPredict });
      }
      const { run } = await deps.runs.create({
        project: body.project,
        pipeline: pipelineName,
        mode: body.mode,
        modelVersion,
        options: options.data,
        source: 'api',
      });
      await deps.enqueueScan(run);
      request.log.info({ runId: run.id, project: run.project, pipeline: run.pipeline }, 'run created');
      return reply.status(202).send({ id: run.id, modelVersion: run.modelVersion, status: run.status });
    },
  );

  typed.get(
    '/api/runs',
    {
      schema: {
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          project: z.coerce.number().int().positive().optional(),
        }),
      },
    },
    async (request) => {
      const runs = await deps.runs.list({
        limit: request.query.limit,
        ...(request.query.project === undefined ? {} : { project: request.query.project }),
      });
      return { runs: runs.map((run) => toRunView(run)) };
    },
  );

  typed.get('/api/runs/:id', { schema: { params: RunParams } }, async (request, reply) => {
    const run = await deps.runs.get(request.params.id);
    if (!run) return problem(reply, 404, 'RUN_NOT_FOUND', `run ${request.params.id} not found`);
    return toRunView(run);
  });

  const transitions: Record<string, { from: readonly RunStatus[]; to: RunStatus | 'resumed' }> = {
    pause: { from: ['queued', 'running'], to: 'paused' },
    resume: { from: ['paused'], to: 'resumed' },
    cancel: { from: ['queued', 'running', 'paused'], to: 'cancelled' },
  };
  for (const [action, rule] of Object.entries(transitions)) {
    typed.post(`/api/runs/:id/${action}`, { schema: { params: RunParams } }, async (request, reply) => {
      const run = await deps.runs.get(request.params.id);
      if (!run) return problem(reply, 404, 'RUN_NOT_FOUND', `run ${request.params.id} not found`);
      if (!rule.from.includes(run.status)) {
        return problem(reply, 409, 'INVALID_TRANSITION', `cannot ${action} a run that is ${run.status}`);
      }
      await deps.runs.transition(run.id, rule.from, rule.to);
      if (action === 'cancel') {
        const removed = await deps.removeQueuedJobs(run);
        request.log.info({ runId: run.id, removed }, 'run cancelled');
      }
      return toRunView((await deps.runs.get(run.id))!);
    });
  }

  typed.get(
    '/api/runs/:id/failures',
    {
      schema: {
        params: RunParams,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(100_000).default(1000) }),
      },
    },
    async (request, reply) => {
      const run = await deps.runs.get(request.params.id);
      if (!run) return problem(reply, 404, 'RUN_NOT_FOUND', `run ${request.params.id} not found`);
      return { id: run.id, failed: run.failed, failures: await deps.runs.failures(run.id, request.query.limit) };
    },
  );

  typed.post('/api/runs/:id/retry-failed', { schema: { params: RunParams } }, async (request, reply) => {
    const run = await deps.runs.get(request.params.id);
    if (!run) return problem(reply, 404, 'RUN_NOT_FOUND', `run ${request.params.id} not found`);
    const taskIds = await deps.runs.takeFailures(run.id);
    if (taskIds === undefined) {
      return problem(reply, 409, 'INVALID_TRANSITION', `cannot retry the failures of a run that is ${run.status}`);
    }
    if (taskIds.length > 0) await deps.enqueueScan((await deps.runs.get(run.id))!, { taskIds });
    return reply.status(202).send({ id: run.id, retried: taskIds.length });
  });

  typed.get('/api/runs/:id/events', { schema: { params: RunParams } }, async (request, reply) => {
    const first = await deps.runs.get(request.params.id);
    if (!first) return problem(reply, 404, 'RUN_NOT_FOUND', `run ${request.params.id} not found`);
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    let closed = false;
    request.raw.on('close', () => {
      closed = true;
    });
    let last = '';
    const intervalMs = deps.eventsIntervalMs ?? 500;
    while (!closed) {
      const run = await deps.runs.get(first.id);
      if (!run) break;
      const view = toRunView(run);
      const { ratePerSec: _rate, etaSec: _eta, ...stable } = view;
      const key = JSON.stringify(stable);
      if (key !== last) {
        last = key;
        reply.raw.write(`event: progress\ndata: ${JSON.stringify(view)}\n\n`);
      }
      if (isTerminal(run.status)) {
        reply.raw.write(`event: end\ndata: ${JSON.stringify(view)}\n\n`);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
    reply.raw.end();
  });
}
