/**
 * The queue contracts of prelabel:
 * - `scan`: one job per run (or per retry of a run's failures); pages LS and fans chunks out.
 * - one pipeline queue per pipeline (its name, e.g. `patterns`): chunks of tasks to predict.
 * - `writeback`: predicted chunks to write to LS exactly once.
 */
import { z } from 'zod';
import { chunkSizeFor, type Pipeline, withoutSecretData } from '../pipelines/pipeline.ts';
import { defineQueue, digest } from './contract.ts';

/** Lanes: lower numbers run first (BullMQ priority). Interactive `/predict` > webhook imports > bulk runs. */
export const PRIORITY = { interactive: 1, predict: 2, import: 5, bulk: 10 } as const;

const Region = z
  .object({
    id: z.string(),
    from_name: z.string(),
    to_name: z.string(),
    type: z.string(),
    value: z.record(z.string(), z.unknown()),
  })
  .loose();

export const PipelineTaskPayload = z.object({
  id: z.number().int().positive(),
  data: z.record(z.string(), z.unknown()),
});

export const ScanJobPayload = z.object({
  runId: z.string().min(1),
  /** Set for a retry of failed tasks: scan exactly these ids instead of the project. */
  taskIds: z.array(z.number().int().positive()).optional(),
  /** A webhook's batch of tasks (with their data), fanned out as is instead of paging the project. */
  tasks: z.array(PipelineTaskPayload).min(1).optional(),
  /** Distinguishes successive retries of the same run. */
  attempt: z.number().int().nonnegative().default(0),
});
export type ScanJobPayload = z.infer<typeof ScanJobPayload>;

export const ScanJobResult = z.object({ scanned: z.number(), queued: z.number(), skipped: z.number() });

export const scanQueue = defineQueue({
  name: 'scan',
  jobName: 'scan-run',
  payload: ScanJobPayload,
  result: ScanJobResult,
  // 6 attempts, exponential from 500 ms: a run whose Label Studio stays unreachable fails with the
  // reason about 15 s after the first failure (the scan resumes from its cursor on every retry).
  jobOptions: {
    attempts: 6,
    backoff: { type: 'exponential', delay: 500, jitter: 0.2 },
    removeOnComplete: { count: 1000 },
    removeOnFail: { age: 14 * 24 * 3600 },
  },
  jobId: (payload) => `scan.${payload.runId}.${payload.attempt}`,
});

export const ChunkJobPayload = z.object({
  runId: z.string().min(1),
  project: z.number().int().positive(),
  pipeline: z.string().min(1),
  modelVersion: z.string().min(1),
  tasks: z.array(PipelineTaskPayload).min(1),
});
export type ChunkJobPayload = z.infer<typeof ChunkJobPayload>;

export const ChunkJobResult = z.object({ predicted: z.number(), failed: z.number() });

/**
 * The id of a chunk: project, pipeline, model_version and task ids, plus the run, so a chunk
 * re-enqueued after a scan crash collapses into the existing job, while two runs over the same
 * tasks stay two units of accounting (the per-version ledger keeps their writes to one).
 */
export function chunkJobId(
  payload: Pick<ChunkJobPayload, 'runId' | 'project' | 'pipeline' | 'modelVersion'> & {
    taskIds: readonly number[];
  },
): string {
  const ids = payload.taskIds;
  return [
    `p${payload.project}`,
    payload.pipeline,
    digest(payload.modelVersion, 8),
    payload.runId,
    `t${ids[0]}-${ids[ids.length - 1]}n${ids.length}`,
    digest(ids.join(','), 10),
  ].join('.');
}

/**
 * A run's tasks cut into chunk payloads, in order: the one way both the scan (project pages,
 * webhook batches, retries) and the gateway (`/predict`) build chunks. The run's pipeline decides
 * what a payload may carry: at most its `maxChunkSize` tasks (else `chunkSize`), and no task data
 * it declares secret for the run's options.
 */
export function toChunkPayloads(
  run: { id: string; project: number; pipeline: string; modelVersion: string; options: unknown },
  tasks: readonly { id: number; data: Record<string, unknown> }[],
  settings: { chunkSize: number; pipeline: Pick<Pipeline, 'maxChunkSize' | 'secretDataFields'> | undefined },
): ChunkJobPayload[] {
  const size = chunkSizeFor(settings.pipeline, settings.chunkSize);
  const payloadTasks = withoutSecretData(settings.pipeline, run.options, tasks);
  const chunks: ChunkJobPayload[] = [];
  for (let i = 0; i < payloadTasks.length; i += size) {
    chunks.push({
      runId: run.id,
      project: run.project,
      pipeline: run.pipeline,
      modelVersion: run.modelVersion,
      tasks: payloadTasks.slice(i, i + size).map((task) => ({ id: task.id, data: task.data })),
    });
  }
  return chunks;
}

export function pipelineQueue(pipeline: string) {
  return defineQueue({
    name: pipeline,
    jobName: 'predict-chunk',
    payload: ChunkJobPayload,
    result: ChunkJobResult,
    // 5 attempts, exponential from 2 s: about 30 s of retries before the chunk's tasks are failed.
    jobOptions: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 2000, jitter: 0.2 },
      removeOnComplete: true,
      removeOnFail: { age: 14 * 24 * 3600 },
    },
    jobId: (payload) => chunkJobId({ ...payload, taskIds: payload.tasks.map((task) => task.id) }),
  });
}

export const WritebackJobPayload = z.object({
  runId: z.string().min(1),
  project: z.number().int().positive(),
  modelVersion: z.string().min(1),
  /** `all` replaces older predictions of the same version; `missing` leaves tasks that have one. */
  mode: z.enum(['missing', 'all']),
  /** The pipeline chunk this came from; the write-back's id and its Redis snapshot derive from it. */
  chunkId: z.string().min(1),
  predictions: z.array(
    z.object({ task: z.number().int().positive(), result: z.array(Region), score: z.number().nullable() }),
  ),
  failures: z.array(z.object({ task: z.number().int().positive(), reason: z.string() })),
});
export type WritebackJobPayload = z.infer<typeof WritebackJobPayload>;

export const WritebackJobResult = z.object({
  written: z.number(),
  alreadyPresent: z.number(),
  skipped: z.number(),
  failed: z.number(),
});
export type WritebackJobResult = z.infer<typeof WritebackJobResult>;

export const writebackQueue = defineQueue({
  name: 'writeback',
  jobName: 'write-predictions',
  payload: WritebackJobPayload,
  result: WritebackJobResult,
  // 10 attempts, exponential from 1 s (capped by jitter only): the last retry lands ~17 minutes in,
  // long enough to ride out a Label Studio restart. 429s do not use attempts.
  jobOptions: {
    attempts: 10,
    backoff: { type: 'exponential', delay: 1000, jitter: 0.2 },
    removeOnComplete: true,
    removeOnFail: { age: 14 * 24 * 3600 },
  },
  jobId: (payload) => `wb.${payload.chunkId}`,
});
