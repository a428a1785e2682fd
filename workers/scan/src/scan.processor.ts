/**
 * scan: turns a run into pipeline chunks.
 *
 * Input: `{runId}` (or `{runId, taskIds}` to retry a run's failed tasks). On a queued run it reads
 * the project (404 → the run fails "project not found"), checks the pipeline can serve its label
 * config (else the run fails with the pipeline's reason) and starts the run. Then it pages the
 * project's tasks after the run's cursor (stable id order), skips tasks that already hold a
 * prediction of the run's model_version (`missing` mode), cuts the rest into chunks on the
 * pipeline's queue and commits the cursor with the counters in one atomic step, so a crash resumes
 * at the last committed page and a re-read page re-enqueues the same deterministic job ids.
 * Backpressure: while the run has `chunkSize × maxOutstandingChunks` tasks queued but not written,
 * the job defers itself (no attempt used); a paused run defers too. LS errors: 429 waits, network
 * and 5xx retry with backoff, 401/403/404 fail the run at once with a readable reason.
 */

import { isLastPage, type LabelStudioClient } from '@prelabel/shared/label-studio/client';
import { LabelStudioError } from '@prelabel/shared/label-studio/errors';
import { parseLabelConfig } from '@prelabel/shared/label-studio/label-config';
import { hasPredictionOf } from '@prelabel/shared/label-studio/tasks';
import type { LabelStudioTask } from '@prelabel/shared/label-studio/types';
import { chunkSizeFor, type Pipeline } from '@prelabel/shared/pipelines/pipeline';
import { type ChunkJobPayload, type ScanJobPayload, toChunkPayloads } from '@prelabel/shared/queues/queues';
import { isTerminal, type RunRecord, type RunStore } from '@prelabel/shared/runs/run-store';
import { type Deferral, defer, describeError } from '@prelabel/shared/runtime/failures';
import type { ProcessorContext } from '@prelabel/shared/runtime/worker';

export interface ScanDeps {
  labelStudio: LabelStudioClient;
  runs: RunStore;
  pipelines: ReadonlyMap<string, Pipeline>;
  /** Puts chunks on the run's pipeline queue (one round trip). */
  enqueueChunks(run: RunRecord, chunks: ChunkJobPayload[]): Promise<void>;
  pageSize: number;
  chunkSize: number;
  maxOutstandingChunks: number;
  /** How long a deferred scan waits before it looks again. @defaultValue 250 */
  deferMs?: number;
}

export interface ScanResult {
  scanned: number;
  queued: number;
  skipped: number;
}

const nothing: ScanResult = { scanned: 0, queued: 0, skipped: 0 };

async function enqueueChunks(
  run: RunRecord,
  tasks: readonly Pick<LabelStudioTask, 'id' | 'data'>[],
  deps: ScanDeps,
): Promise<void> {
  if (tasks.length > 0) {
    await deps.enqueueChunks(
      run,
      toChunkPayloads(run, tasks, { chunkSize: deps.chunkSize, pipeline: deps.pipelines.get(run.pipeline) }),
    );
  }
}

/** A reason for the run's error line when LS refuses outright. */
function projectError(run: RunRecord, error: unknown): string | undefined {
  if (!(error instanceof LabelStudioError) || error.kind !== 'permanent') return undefined;
  if (error.status === 404) return `project ${run.project} not found in Label Studio`;
  return `cannot read project ${run.project}: ${error.message}`;
}

export async function scanRun(
  payload: ScanJobPayload,
  deps: ScanDeps,
  context: ProcessorContext,
): Promise<ScanResult | Deferral> {
  const deferMs = deps.deferMs ?? 250;
  let run = await deps.runs.get(payload.runId);
  if (!run || isTerminal(run.status)) return nothing;
  if (run.status === 'paused') return defer(1000, 'run paused');
  const pipeline = deps.pipelines.get(run.pipeline);
  if (!pipeline) {
    await deps.runs.fail(run.id, `no worker pipeline named "${run.pipeline}" is installed`);
    return nothing;
  }

  if (run.status === 'queued') {
    let labelConfig = run.labelConfig;
    try {
      labelConfig ??= (await deps.labelStudio.projects.get(run.project, { signal: context.signal })).label_config;
    } catch (error) {
      const reason = projectError(run, error);
      if (reason === undefined) throw error;
      await deps.runs.fail(run.id, reason);
      return nothing;
    }
    try {
      pipeline.prepare(parseLabelConfig(labelConfig), pipeline.optionsSchema.parse(run.options), {
        project: run.project,
      });
    } catch (error) {
      await deps.runs.fail(run.id, `project ${run.project}: ${describeError(error)}`);
      return nothing;
    }
    await deps.runs.start(run.id, labelConfig);
    run = (await deps.runs.get(run.id))!;
    context.log.info({ runId: run.id, project: run.project, modelVersion: run.modelVersion }, 'run started');
  }

  if (payload.taskIds) return retryTasks(run, payload.taskIds, deps, context);
  if (payload.tasks) return fanOutBatch(run, payload.tasks, deps);

  const maxOutstanding = chunkSizeFor(deps.pipelines.get(run.pipeline), deps.chunkSize) * deps.maxOutstandingChunks;
  const totals = { ...nothing };
  for (;;) {
    context.signal.throwIfAborted();
    if (run.status === 'paused') return defer(1000, 'run paused');
    if (run.status !== 'running' || run.scanFinished) return totals;
    if (run.queued - run.done - run.writeSkipped - run.failed >= maxOutstanding) return defer(deferMs, 'backpressure');

    const pages = deps.labelStudio.tasks.pages(
      { project: run.project, pageSize: deps.pageSize, afterId: run.cursor },
      { signal: context.signal },
    );
    const first = await pages.next();
    await pages.return(undefined);
    const page = first.done ? { tasks: [], total: 0 } : first.value;
    const tasks = page.tasks;
    const predicted = run.mode === 'all' ? [] : tasks.filter((task) => hasPredictionOf(task, run!.modelVersion));
    const predictedIds = new Set(predicted.map((task) => task.id));
    const todo = tasks.filter((task) => !predictedIds.has(task.id));
    // A page re-read after a crash may hold tasks this run itself wrote: theirs are queued, not skipped.
    const ours = await deps.runs.handledBy(run, [...predictedIds]);
    await enqueueChunks(run, todo, deps);
    const finished = isLastPage(page, deps.pageSize);
    const committed = await deps.runs.commitScanPage(run.id, {
      expectedCursor: run.cursor,
      newCursor: tasks.length > 0 ? tasks[tasks.length - 1]!.id : run.cursor,
      scanned: tasks.length,
      queued: todo.length + ours.size,
      skipped: predicted.length - ours.size,
      // LS counts the tasks after the cursor; the run's total is what came before plus that.
      ...(run.cursor === 0 && tasks.length > 0 ? { total: page.total } : {}),
      finished,
    });
    if (committed) {
      totals.scanned += tasks.length;
      totals.queued += todo.length + ours.size;
      totals.skipped += predicted.length - ours.size;
    }
    run = (await deps.runs.get(run.id))!;
  }
}

/**
 * A webhook's batch (TASKS_CREATED carries every task with its data): chunks it as one scanned page.
 * The cursor check makes a re-run after a crash commit nothing twice; chunk ids dedupe the jobs.
 */
async function fanOutBatch(
  run: RunRecord,
  tasks: readonly { id: number; data: Record<string, unknown> }[],
  deps: ScanDeps,
): Promise<ScanResult> {
  if (run.scanFinished) return nothing;
  const sorted = [...tasks].sort((a, b) => a.id - b.id);
  await enqueueChunks(run, sorted, deps);
  await deps.runs.commitScanPage(run.id, {
    expectedCursor: run.cursor,
    newCursor: sorted[sorted.length - 1]!.id,
    scanned: sorted.length,
    queued: sorted.length,
    skipped: 0,
    total: sorted.length,
    finished: true,
  });
  return { scanned: sorted.length, queued: sorted.length, skipped: 0 };
}

/** Re-enqueues a run's failed tasks (fetched again by id; never `GET /api/tasks/{id}`). */
async function retryTasks(
  run: RunRecord,
  taskIds: readonly number[],
  deps: ScanDeps,
  context: ProcessorContext,
): Promise<ScanResult> {
  const found = await deps.labelStudio.tasks.listByIds(run.project, taskIds, { signal: context.signal });
  const foundIds = new Set(found.map((task) => task.id));
  const gone = taskIds.filter((id) => !foundIds.has(id));
  const skipped = run.mode === 'all' ? [] : found.filter((task) => hasPredictionOf(task, run.modelVersion));
  const skippedIds = new Set(skipped.map((task) => task.id));
  const todo = found.filter((task) => !skippedIds.has(task.id));
  await enqueueChunks(run, todo, deps);
  await deps.runs.commitTasks(run, {
    done: [],
    skipped: [...skippedIds],
    failed: gone.map((task) => ({ task, reason: 'the task no longer exists in Label Studio' })),
  });
  return { scanned: taskIds.length, queued: todo.length, skipped: skipped.length };
}
