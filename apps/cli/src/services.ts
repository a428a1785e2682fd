/**
 * Composition of the service processes from a parsed config: Redis connections, the Label Studio
 * client, the run store, the queues, and the gateway or worker set on top. Called only from
 * main.ts, which owns the environment and the signals.
 */
import { buildApp } from '@prelabel/gateway/app';
import type { ServiceConfig } from '@prelabel/shared/config/config';
import { createLabelStudioClient } from '@prelabel/shared/label-studio/client';
import type { Logger } from '@prelabel/shared/logging/logger';
import type { PreparedPipeline } from '@prelabel/shared/pipelines/pipeline';
import { createProjectStore } from '@prelabel/shared/projects/project-store';
import { openQueue, type TypedQueue } from '@prelabel/shared/queues/contract';
import {
  type ChunkJobPayload,
  PRIORITY,
  pipelineQueue,
  type ScanJobPayload,
  scanQueue,
  toChunkPayloads,
  type WritebackJobPayload,
  writebackQueue,
} from '@prelabel/shared/queues/queues';
import { createRunStore, type RunRecord } from '@prelabel/shared/runs/run-store';
import { createCheckpoints } from '@prelabel/shared/runtime/checkpoints';
import { predictChunk } from '@prelabel/shared/runtime/predict-chunk';
import type { Shutdown } from '@prelabel/shared/runtime/shutdown';
import { startWorker } from '@prelabel/shared/runtime/worker';
import { scanRun } from '@prelabel/worker-scan/scan.processor';
import { writePredictions } from '@prelabel/worker-writeback/writeback.processor';
import type { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { loadPipelines, PIPELINE_NAMES } from './pipelines.ts';

export const WORKER_QUEUES: readonly string[] = ['scan', 'writeback', ...PIPELINE_NAMES];

function connectRedis(url: string, log: Logger, name: string): Redis {
  // Workers block on Redis and must wait out a restart rather than fail commands (BullMQ's advice).
  const redis = new Redis(url, { maxRetriesPerRequest: null, connectionName: name });
  redis.on('error', (error) => log.warn({ err: error.message }, 'redis connection error'));
  return redis;
}

function createCore(config: ServiceConfig, log: Logger, name: string) {
  const redis = connectRedis(config.redis.url, log, name);
  const labelStudio = createLabelStudioClient({
    baseUrl: config.labelStudio.url,
    apiKey: config.labelStudio.apiKey,
    timeoutMs: config.labelStudio.timeoutMs,
    uploadMaxFiles: config.labelStudio.uploadMaxFiles,
  });
  const runs = createRunStore(redis, config.redis.prefix, { retentionSec: config.runs.retentionSec });
  const projects = createProjectStore(redis, config.redis.prefix);
  const opened = new Map<string, TypedQueue<typeof ChunkJobPayload>>();
  const pipelineQueueFor = (pipeline: string) => {
    let queue = opened.get(pipeline);
    if (!queue) {
      queue = openQueue(pipelineQueue(pipeline), redis, config.redis.prefix);
      opened.set(pipeline, queue);
    }
    return queue;
  };
  const scan = openQueue(scanQueue, redis, config.redis.prefix);
  const writeback = openQueue(writebackQueue, redis, config.redis.prefix);
  const priority = (run: RunRecord) =>
    PRIORITY[run.source === 'predict' ? 'predict' : run.source === 'webhook' ? 'import' : 'bulk'];

  return {
    redis,
    labelStudio,
    runs,
    projects,
    scan,
    writeback,
    pipelineQueueFor,
    priority,
    async close() {
      await Promise.allSettled([scan.close(), writeback.close(), ...[...opened.values()].map((q) => q.close())]);
      redis.disconnect();
    },
  };
}

async function removeQueuedJobs(queues: Queue[], runId: string): Promise<number> {
  let removed = 0;
  for (const queue of queues) {
    const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized']);
    for (const job of jobs) {
      if ((job?.data as { runId?: string } | undefined)?.runId !== runId) continue;
      await job.remove().then(
        () => {
          removed += 1;
        },
        // A job that started meanwhile is locked; its processor sees the cancelled run and drops it.
        () => undefined,
      );
    }
  }
  return removed;
}

export async function runGateway(config: ServiceConfig, log: Logger, shutdown: Shutdown) {
  const core = createCore(config, log, 'prelabel-gateway');
  const { pipelines } = await loadPipelines(config, log, core.labelStudio, { runNer: false, runPdf: false });
  const app = await buildApp({
    log,
    runs: core.runs,
    projects: core.projects,
    labelStudio: core.labelStudio,
    pipelines,
    async enqueueScan(run, input = {}) {
      const payload: ScanJobPayload = { runId: run.id, attempt: run.retries, ...input };
      await core.scan.add(payload, { priority: core.priority(run) });
    },
    async enqueueChunks(run, tasks, priority) {
      const chunks = toChunkPayloads(run, tasks, {
        chunkSize: config.scan.chunkSize,
        pipeline: pipelines.get(run.pipeline),
      });
      await core.pipelineQueueFor(run.pipeline).addBulk(chunks, {
        priority,
      });
    },
    isReady: async () => (await core.redis.ping()) === 'PONG',
    predict: { deadlineMs: config.gateway.predictDeadlineMs, pollMs: 25 },
    auth: {
      basic: config.gateway.basicAuth,
      webhookSecret: config.gateway.webhookSecret,
      webhookSecretHeader: 'x-prelabel-webhook-secret',
    },
    bodyLimitBytes: config.gateway.bodyLimitBytes,
    removeQueuedJobs: (run) =>
      removeQueuedJobs([core.scan.queue, core.pipelineQueueFor(run.pipeline).queue, core.writeback.queue], run.id),
  });
  shutdown.add('gateway', () => app.close());
  shutdown.add('redis', () => core.close());
  const address = await app.listen({ port: config.gateway.port, host: config.gateway.host });
  log.info({ address }, 'gateway listening');
  return { app, address };
}

export async function runWorkers(
  config: ServiceConfig,
  log: Logger,
  shutdown: Shutdown,
  queueNames: readonly string[],
  concurrency: number,
) {
  const core = createCore(config, log, `prelabel-worker-${queueNames.join('-')}`);
  const loaded = await loadPipelines(config, log, core.labelStudio, {
    runNer: queueNames.includes('ner'),
    runPdf: queueNames.includes('pdf'),
    checkpoints: createCheckpoints(core.redis, config.redis.prefix),
  });
  const pipelines = loaded.pipelines;
  const base = {
    connection: core.redis,
    prefix: config.redis.prefix,
    concurrency,
    log,
    lockDurationMs: config.worker.lockMs,
  };
  const workers: Worker[] = [];
  for (const name of queueNames) {
    if (name === 'scan') {
      workers.push(
        startWorker(
          scanQueue,
          (payload, context) =>
            scanRun(
              payload,
              {
                labelStudio: core.labelStudio,
                runs: core.runs,
                pipelines,
                enqueueChunks: (run, chunks) =>
                  core.pipelineQueueFor(run.pipeline).addBulk(chunks, { priority: core.priority(run) }),
                pageSize: config.scan.pageSize,
                chunkSize: config.scan.chunkSize,
                maxOutstandingChunks: config.scan.maxOutstandingChunks,
              },
              context,
            ),
          {
            ...base,
            onFinalFailure: async (payload, reason) => {
              await core.runs.fail(payload.runId, reason);
            },
          },
        ),
      );
    } else if (name === 'writeback') {
      workers.push(
        startWorker(
          writebackQueue,
          (payload, context) =>
            writePredictions(
              payload,
              {
                labelStudio: core.labelStudio,
                runs: core.runs,
                projects: core.projects,
                redis: core.redis,
                prefix: config.redis.prefix,
              },
              context,
            ),
          {
            ...base,
            limiter: { max: config.labelStudio.writesPerSec, durationMs: 1000 },
            onFinalFailure: async (payload: WritebackJobPayload, reason) => {
              await core.runs.commitTasks(
                { id: payload.runId, project: payload.project, modelVersion: payload.modelVersion },
                {
                  done: [],
                  skipped: [],
                  failed: [
                    ...payload.failures,
                    ...payload.predictions.map((p) => ({ task: p.task, reason: `write-back failed: ${reason}` })),
                  ],
                },
              );
            },
          },
        ),
      );
    } else {
      const pipeline = pipelines.get(name);
      if (!pipeline) throw new Error(`unknown queue "${name}" (known: ${WORKER_QUEUES.join(', ')})`);
      const prepared = new Map<string, PreparedPipeline>();
      workers.push(
        startWorker(
          pipelineQueue(name),
          (payload, context) =>
            predictChunk(
              payload,
              {
                runs: core.runs,
                pipeline,
                prepared,
                enqueueWriteback: async (run, writeback, delayMs) => {
                  await core.writeback.add(writeback, { priority: core.priority(run), delay: delayMs });
                },
              },
              context,
            ),
          {
            ...base,
            onFinalFailure: async (payload, reason) => {
              await core.runs.commitTasks(
                { id: payload.runId, project: payload.project, modelVersion: payload.modelVersion },
                {
                  done: [],
                  skipped: [],
                  failed: payload.tasks.map((task) => ({ task: task.id, reason: `${name} failed: ${reason}` })),
                },
              );
            },
          },
        ),
      );
    }
  }
  shutdown.add('workers', () => Promise.all(workers.map((worker) => worker.close())));
  shutdown.add('models', () => loaded.dispose());
  shutdown.add('redis', () => core.close());
  log.info({ queues: queueNames, concurrency }, 'workers started');
  return workers;
}
