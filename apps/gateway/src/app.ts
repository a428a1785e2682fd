/**
 * The gateway application as a fastify plugin-free factory: routes, validation and one error
 * handler, with every dependency passed in. It knows nothing of ports, signals or the environment
 * (that is apps/cli/src/main.ts), so tests build exactly this app and drive it with `inject`.
 *
 * Errors answer `{"error": {"code", "message"}}`: 4xx carry the reason (zod's, for bad input);
 * 5xx hide details behind a generic message and are logged.
 */

import { timingSafeEqual } from 'node:crypto';
import type { LabelStudioClient } from '@prelabel/shared/label-studio/client';
import type { Logger } from '@prelabel/shared/logging/logger';
import type { Pipeline, PipelineTask } from '@prelabel/shared/pipelines/pipeline';
import type { ProjectStore } from '@prelabel/shared/projects/project-store';
import type { RunRecord, RunStore } from '@prelabel/shared/runs/run-store';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { registerMlBackendRoutes } from './routes/ml-backend.ts';
import { registerRunRoutes } from './routes/runs.ts';

export interface GatewayDeps {
  log: Logger;
  runs: RunStore;
  projects: ProjectStore;
  labelStudio: LabelStudioClient;
  pipelines: ReadonlyMap<string, Pipeline>;
  /** Puts a run's scan job on the scan queue: the project, a retry of failed tasks, or a webhook's batch. */
  enqueueScan(run: RunRecord, input?: { taskIds?: number[]; tasks?: PipelineTask[] }): Promise<void>;
  /** Puts tasks on the run's pipeline queue in chunks, at `priority` (`/predict`). */
  enqueueChunks(run: RunRecord, tasks: PipelineTask[], priority: number): Promise<void>;
  /** Whether Redis answers (readiness). */
  isReady(): Promise<boolean>;
  predict: { deadlineMs: number; pollMs: number };
  auth: {
    /** HTTP Basic credentials every route requires, when set. */
    basic?: { user: string; pass: string } | undefined;
    /** Shared secret `/webhook` requires in `webhookSecretHeader`, when set. */
    webhookSecret?: string | undefined;
    webhookSecretHeader: string;
  };
  bodyLimitBytes: number;
  /** Removes a run's jobs that have not started yet, from every queue. */
  removeQueuedJobs(run: RunRecord): Promise<number>;
  /** How often `/events` looks at a run. @defaultValue 500 */
  eventsIntervalMs?: number;
}

export async function buildApp(deps: GatewayDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: deps.bodyLimitBytes,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.setErrorHandler((error, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issue = error.validation[0];
      const where = `${error.validationContext ?? 'request'}${issue?.instancePath.replaceAll('/', '.') ?? ''}`;
      return reply.status(400).send({ error: { code: 'INVALID_REQUEST', message: `${where}: ${issue?.message}` } });
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status < 500) {
      return reply.status(status).send({
        error: { code: (error as { code?: string }).code ?? 'BAD_REQUEST', message: (error as Error).message },
      });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(status).send({ error: { code: 'INTERNAL', message: 'internal error; see the gateway log' } });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } }),
  );

  const basic = deps.auth.basic;
  if (basic) {
    // LS sends Basic credentials on every call, /health included (protocol §1.2).
    const expected = Buffer.from(`Basic ${Buffer.from(`${basic.user}:${basic.pass}`).toString('base64')}`);
    app.addHook('onRequest', async (request, reply) => {
      const given = Buffer.from(request.headers.authorization ?? '');
      if (given.length === expected.length && timingSafeEqual(given, expected)) return;
      return reply
        .status(401)
        .header('www-authenticate', 'Basic realm="prelabel"')
        .send({ error: { code: 'UNAUTHORIZED', message: 'missing or wrong Basic credentials' } });
    });
  }

  const typed = app.withTypeProvider<ZodTypeProvider>();
  const health = { status: 'UP', model_class: 'prelabel' };
  typed.get('/', async () => health);
  typed.get('/health', async () => health);
  typed.get('/ready', async (_request, reply) =>
    (await deps.isReady().catch(() => false))
      ? { status: 'READY' }
      : reply.status(503).send({ error: { code: 'NOT_READY', message: 'Redis does not answer' } }),
  );
  typed.get('/metrics', async () => ({}));
  await registerMlBackendRoutes(typed, deps);
  await registerRunRoutes(typed, deps);
  return app;
}
