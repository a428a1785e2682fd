/**
 * The gateway application as a fastify plugin-free factory: routes, validation and one error
 * handler, with every dependency passed in. It knows nothing of ports, signals or the environment
 * (that is apps/cli/src/main.ts), so tests build exactly this app and drive it with `inject`.
 *
 * Errors answer `{"error": {"code", "message"}}`: 4xx carry the reason (zod's, for bad input);
 * 5xx hide details behind a generic message and are logged.
 */
import type { LabelStudioClient } from '@prelabel/shared/label-studio/client';
import type { Logger } from '@prelabel/shared/logging/logger';
import type { Pipeline } from '@prelabel/shared/pipelines/pipeline';
import type { RunRecord, RunStore } from '@prelabel/shared/runs/run-store';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { registerRunRoutes } from './routes/runs.ts';

export interface GatewayDeps {
  log: Logger;
  runs: RunStore;
  labelStudio: LabelStudioClient;
  pipelines: ReadonlyMap<string, Pipeline>;
  /** Puts a run's scan job (or a retry of its failed tasks) on the scan queue. */
  enqueueScan(run: RunRecord, taskIds?: number[]): Promise<void>;
  /** Removes a run's jobs that have not started yet, from every queue. */
  removeQueuedJobs(run: RunRecord): Promise<number>;
  /** How often `/events` looks at a run. @defaultValue 500 */
  eventsIntervalMs?: number;
}

export async function buildApp(deps: GatewayDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: 64 * 1024 * 1024,
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

  const typed = app.withTypeProvider<ZodTypeProvider>();
  const health = { status: 'UP', model_class: 'prelabel' };
  typed.get('/', async () => health);
  typed.get('/health', async () => health);
  await registerRunRoutes(typed, deps);
  return app;
}
