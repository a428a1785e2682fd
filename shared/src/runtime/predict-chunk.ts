/**
 * predict-chunk: the processor every pipeline queue runs (patterns now; ner, pdf, image later).
 *
 * Input: a chunk of tasks of one run. It binds the run's pipeline to the run's label config and
 * options once per run and process (`prepare`), predicts the chunk, and hands every task's outcome
 * — a prediction, possibly with an empty result, or a readable per-task error — to the write-back
 * queue. It writes nothing to LS itself. A cancelled or failed run's chunk is dropped; a paused
 * run's chunk waits (deferred, no attempt used). A label config the pipeline cannot serve fails
 * the run. A pipeline crash is retried; after the last attempt the chunk's tasks are recorded as
 * failed (see the worker adapter's `onFinalFailure`).
 */
import { parseLabelConfig } from '../label-studio/label-config.ts';
import type { Pipeline, PreparedPipeline } from '../pipelines/pipeline.ts';
import type { ChunkJobPayload, WritebackJobPayload } from '../queues/queues.ts';
import type { RunRecord, RunStore } from '../runs/run-store.ts';
import { type Deferral, defer, describeError } from './failures.ts';
import type { ProcessorContext } from './worker.ts';

export interface PredictChunkDeps {
  runs: RunStore;
  pipeline: Pipeline;
  /** `delayMs`: a `/predict` run's write-back waits for the HTTP answer's deadline. */
  enqueueWriteback(run: RunRecord, payload: WritebackJobPayload, delayMs: number): Promise<void>;
  /** Prepared pipelines by run id, kept for the life of the process. */
  prepared: Map<string, PreparedPipeline>;
}

export interface PredictChunkResult {
  predicted: number;
  failed: number;
}

const PREPARED_CACHE_SIZE = 64;
/** How long after a `/predict` deadline the write-back starts delivering what the answer lacked. */
const WRITEBACK_GRACE_MS = 1000;

function prepare(run: RunRecord, deps: PredictChunkDeps): PreparedPipeline {
  const cached = deps.prepared.get(run.id);
  if (cached) return cached;
  const prepared = deps.pipeline.prepare(
    parseLabelConfig(run.labelConfig ?? ''),
    deps.pipeline.optionsSchema.parse(run.options),
    { project: run.project },
  );
  if (deps.prepared.size >= PREPARED_CACHE_SIZE) deps.prepared.delete(deps.prepared.keys().next().value!);
  deps.prepared.set(run.id, prepared);
  return prepared;
}

export async function predictChunk(
  payload: ChunkJobPayload,
  deps: PredictChunkDeps,
  context: ProcessorContext,
): Promise<PredictChunkResult | Deferral> {
  const run = await deps.runs.get(payload.runId);
  if (!run || run.status === 'cancelled' || run.status === 'failed') return { predicted: 0, failed: 0 };
  if (run.status === 'paused') return defer(1000, 'run paused');

  let prepared: PreparedPipeline;
  try {
    prepared = prepare(run, deps);
  } catch (error) {
    await deps.runs.fail(run.id, `project ${run.project}: ${describeError(error)}`);
    return { predicted: 0, failed: 0 };
  }

  const outcomes = await prepared.predict(payload.tasks, context.signal);
  const byTask = new Map(outcomes.map((outcome) => [outcome.task, outcome]));
  const predictions: WritebackJobPayload['predictions'] = [];
  const failures: WritebackJobPayload['failures'] = [];
  for (const task of payload.tasks) {
    const outcome = byTask.get(task.id);
    if (!outcome) failures.push({ task: task.id, reason: `pipeline ${run.pipeline} returned no outcome for the task` });
    else if ('error' in outcome) failures.push({ task: task.id, reason: outcome.error });
    else {
      // Regions are plain JSON objects; the payload schema keeps their extra keys (`.loose()`).
      const result = outcome.result as WritebackJobPayload['predictions'][number]['result'];
      predictions.push({ task: task.id, result, score: outcome.score });
    }
  }
  let delayMs = 0;
  if (run.source === 'predict') {
    // The gateway is waiting for these to answer LS inline; the write-back delivers the rest
    // once the answer has gone out (the per-task claim settles any race).
    await deps.runs.storeInline(run.id, context.jobId, { predictions, tasks: payload.tasks.length });
    delayMs = Math.max(0, (run.deadlineAt ?? 0) + WRITEBACK_GRACE_MS - Date.now());
  }
  await deps.enqueueWriteback(
    run,
    {
      runId: run.id,
      project: run.project,
      modelVersion: run.modelVersion,
      mode: run.mode,
      chunkId: context.jobId,
      predictions,
      failures,
    },
    delayMs,
  );
  return { predicted: predictions.length, failed: failures.length };
}
