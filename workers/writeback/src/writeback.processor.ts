/**
 * writeback: writes one predicted chunk to Label Studio, exactly once per (task, model_version).
 *
 * Input: a chunk's predictions and per-task failures. Steps:
 * 1. Drop tasks the ledger says this run already delivered (a re-run job, a re-enqueued chunk),
 *    tasks deleted in LS meanwhile, and tasks another run is writing right now (a short-lived
 *    per-task write claim, so two runs over the same tasks never both write one).
 * 2. List the remaining tasks (`GET /api/tasks` filtered on id, never `GET /api/tasks/{id}`) and
 *    keep, in Redis, a snapshot of the predictions of this model_version they held before our
 *    first attempt. On every attempt, a prediction not in the snapshot is ours from an earlier
 *    attempt whose response was lost: it is kept (and any second copy deleted), not re-sent.
 * 3. `missing` mode: a task that gained a prediction of this version from someone else is skipped.
 * 4. Bulk `POST /api/projects/{id}/import/predictions`; items LS silently dropped (201 with a
 *    smaller `created`) are found by listing again and recorded as failed with the reason.
 * 5. `all` mode: the snapshot's older predictions of the version are deleted after the new one
 *    exists, so a task always keeps at least one and ends with exactly one.
 * 6. Outcomes go to the run's counters and the (project, model_version) ledger atomically.
 * A cancelled or failed run's chunk is dropped. Failures: 429 → the queue waits `Retry-After`
 * (no attempt used); 5xx/network → backoff; other 4xx → the chunk's tasks fail with the reason.
 */
import type { LabelStudioClient, PredictionImportItem } from '@prelabel/shared/label-studio/client';
import type { ProjectStore } from '@prelabel/shared/projects/project-store';
import type { WritebackJobPayload, WritebackJobResult } from '@prelabel/shared/queues/queues';
import type { RunStore } from '@prelabel/shared/runs/run-store';
import type { ProcessorContext } from '@prelabel/shared/runtime/worker';
import type { Redis } from 'ioredis';

export interface WritebackDeps {
  labelStudio: LabelStudioClient;
  runs: RunStore;
  projects: ProjectStore;
  redis: Redis;
  prefix: string;
  /** How long a chunk's snapshot outlives a chunk that keeps failing. @defaultValue 7 days */
  snapshotTtlSec?: number;
}

/** Longer than a write-back job takes; a crashed job's claims lapse after this. */
const WRITE_CLAIM_TTL_MS = 10 * 60_000;

const DROPPED_REASON =
  'Label Studio dropped the prediction on import (it did not validate against the project label config)';

export async function writePredictions(
  payload: WritebackJobPayload,
  deps: WritebackDeps,
  context: ProcessorContext,
): Promise<WritebackJobResult> {
  const outcome: WritebackJobResult = { written: 0, alreadyPresent: 0, skipped: 0, failed: 0 };
  const run = await deps.runs.get(payload.runId);
  if (!run || run.status === 'cancelled' || run.status === 'failed') return outcome;
  const signal = context.signal;

  const delivered = await deps.runs.deliveredBy(
    run,
    payload.predictions.map((prediction) => prediction.task),
  );
  const failed = [...payload.failures];
  const done: number[] = [];
  const skipped: number[] = [];
  let pending = payload.predictions.filter((prediction) => !delivered.has(prediction.task));

  // Tasks deleted in LS meanwhile (TASKS_DELETED webhook): nothing to deliver.
  const deleted = await deps.projects.deletedAmong(
    run.project,
    pending.map((prediction) => prediction.task),
  );
  skipped.push(...deleted);
  pending = pending.filter((prediction) => !deleted.has(prediction.task));

  if (run.source === 'predict' && pending.length > 0) {
    // The /predict answer may already have delivered some of these: the claim decides.
    const mine = await deps.runs.claim(
      run.id,
      'writeback',
      pending.map((prediction) => prediction.task),
    );
    for (const prediction of pending) if (!mine.has(prediction.task)) done.push(prediction.task);
    outcome.alreadyPresent += pending.length - mine.size;
    pending = pending.filter((prediction) => mine.has(prediction.task));
  }

  // Another run over the same tasks (an import during a backfill) may be writing some right now.
  const claimed = await deps.runs.claimWrites(
    run,
    pending.map((prediction) => prediction.task),
    WRITE_CLAIM_TTL_MS,
  );
  for (const prediction of pending) if (!claimed.has(prediction.task)) skipped.push(prediction.task);
  pending = pending.filter((prediction) => claimed.has(prediction.task));

  if (pending.length > 0) {
    const tasks = await deps.labelStudio.tasks.listByIds(
      run.project,
      pending.map((prediction) => prediction.task),
      { signal },
    );
    const current = new Map<number, number[]>();
    const existingIds = new Set<number>();
    for (const task of tasks) {
      const ids = (task.predictions ?? [])
        .filter((prediction) => prediction.model_version === run.modelVersion)
        .map((prediction) => prediction.id);
      current.set(task.id, ids);
      for (const id of ids) existingIds.add(id);
    }

    const snapshotKey = `${deps.prefix}:wb:${payload.chunkId}`;
    const stored = await deps.redis.get(snapshotKey);
    const snapshot: Record<string, number[]> = stored ? JSON.parse(stored) : Object.fromEntries(current);
    if (!stored) await deps.redis.set(snapshotKey, JSON.stringify(snapshot), 'EX', deps.snapshotTtlSec ?? 7 * 86_400);

    const toCreate: PredictionImportItem[] = [];
    const extras: number[] = [];
    for (const prediction of pending) {
      const ids = current.get(prediction.task);
      if (ids === undefined) {
        failed.push({ task: prediction.task, reason: 'the task no longer exists in Label Studio' });
        continue;
      }
      const before = new Set(snapshot[prediction.task] ?? []);
      const ours = ids.filter((id) => !before.has(id));
      if (ours.length > 0) {
        // Written by an earlier attempt whose answer was lost; keep one, remove any second copy.
        outcome.alreadyPresent += 1;
        done.push(prediction.task);
        extras.push(...ours.slice(1));
      } else if (payload.mode === 'missing' && before.size > 0) {
        skipped.push(prediction.task);
      } else {
        toCreate.push({
          task: prediction.task,
          result: prediction.result as PredictionImportItem['result'],
          score: prediction.score,
          model_version: run.modelVersion,
        });
      }
    }

    const imported = await deps.labelStudio.projects.importPredictions(run.project, toCreate, {
      signal,
      existingIds,
    });
    const dropped = new Set(imported.dropped.map((item) => item.task));
    for (const item of toCreate) {
      if (dropped.has(item.task)) failed.push({ task: item.task, reason: DROPPED_REASON });
      else {
        done.push(item.task);
        outcome.written += 1;
      }
    }
    if (dropped.size > 0) {
      context.log.warn(
        { project: run.project, dropped: dropped.size, sent: toCreate.length },
        'LS dropped predictions',
      );
    }

    for (const id of extras) await deps.labelStudio.predictions.delete(id, { signal });
    if (payload.mode === 'all') {
      for (const task of done) {
        for (const id of snapshot[task] ?? []) await deps.labelStudio.predictions.delete(id, { signal });
      }
    }
  }

  const added = await deps.runs.commitTasks(run, { done, skipped, failed });
  await deps.runs.releaseWrites(run, [...claimed]);
  // Only after the ledger knows: a crash before this line must find the snapshot again.
  await deps.redis.del(`${deps.prefix}:wb:${payload.chunkId}`);
  outcome.skipped = skipped.length;
  outcome.failed = added.failed;
  return outcome;
}
