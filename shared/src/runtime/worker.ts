/**
 * The one adapter from a plain processor — `(payload, context) => result | Deferral` — to a BullMQ
 * worker. It parses the payload with the queue's contract (invalid → failed for good), gives the
 * processor a job-bound logger and BullMQ's AbortSignal, and turns the outcome into BullMQ's flow
 * control: a {@link Deferral} moves the job to delayed without using an attempt; a 429 rate-limits
 * the whole queue for `Retry-After` and puts the job back without using an attempt; a permanent
 * failure becomes `UnrecoverableError`; the rest is retried with the contract's backoff. Before the
 * last failure of a job, `onFinalFailure` records it (idempotently) so no task is ever lost silently.
 */
import { type ConnectionOptions, DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { z } from 'zod';
import type { Logger } from '../logging/logger.ts';
import type { QueueContract } from '../queues/contract.ts';
import { classifyFailure, Deferral, describeError } from './failures.ts';

export interface ProcessorContext {
  signal: AbortSignal;
  log: Logger;
  jobId: string;
  /** Attempts already used (0 on the first run). */
  attemptsMade: number;
}

export type Processor<P, R> = (payload: P, context: ProcessorContext) => Promise<R | Deferral>;

export interface StartWorkerOptions<P> {
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  log: Logger;
  /** Jobs per `durationMs` across every worker of this queue (BullMQ's Redis-side limiter). */
  limiter?: { max: number; durationMs: number };
  /** Called once the job will not be retried any more; must be idempotent. */
  onFinalFailure?: (payload: P, reason: string) => Promise<void>;
  /** Lock duration; a crashed worker's job is taken over after about this long. @defaultValue 30 000 */
  lockDurationMs?: number;
}

export function startWorker<PS extends z.ZodType, RS extends z.ZodType>(
  contract: QueueContract<PS, RS>,
  processor: Processor<z.infer<PS>, z.infer<RS>>,
  options: StartWorkerOptions<z.infer<PS>>,
): Worker {
  const log = options.log.child({ queue: contract.name });
  const worker: Worker = new Worker(
    contract.name,
    async (job: Job, token?: string, signal?: AbortSignal) => {
      const jobLog = log.child({ jobId: job.id, attempt: job.attemptsMade + 1 });
      const parsed = contract.payload.safeParse(job.data);
      if (!parsed.success) {
        throw new UnrecoverableError(`invalid ${contract.name} payload: ${describeError(parsed.error)}`);
      }
      try {
        const outcome = await processor(parsed.data, {
          signal: signal ?? new AbortController().signal,
          log: jobLog,
          jobId: job.id ?? '',
          attemptsMade: job.attemptsMade,
        });
        if (outcome instanceof Deferral) {
          jobLog.debug({ delayMs: outcome.delayMs, reason: outcome.reason }, 'job deferred');
          await job.moveToDelayed(Date.now() + outcome.delayMs, token);
          throw new DelayedError();
        }
        return contract.result.parse(outcome);
      } catch (error) {
        if (error instanceof DelayedError) throw error;
        const failure = classifyFailure(error);
        if (failure.kind === 'rate-limited') {
          jobLog.warn({ retryAfterMs: failure.retryAfterMs }, 'rate limited by Label Studio; pausing the queue');
          await worker.rateLimit(failure.retryAfterMs);
          throw Worker.RateLimitError();
        }
        const attempts = job.opts.attempts ?? 1;
        const isFinal = failure.kind === 'permanent' || job.attemptsMade + 1 >= attempts;
        jobLog.warn({ kind: failure.kind, final: isFinal, reason: failure.message }, 'job failed');
        if (isFinal) await options.onFinalFailure?.(parsed.data, failure.message);
        if (failure.kind === 'permanent') throw new UnrecoverableError(failure.message);
        throw error;
      }
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.lockDurationMs ?? 30_000,
      // A job survives a few worker crashes (kill -9, OOM) before it counts as failed.
      maxStalledCount: 3,
      ...(options.limiter ? { limiter: { max: options.limiter.max, duration: options.limiter.durationMs } } : {}),
    },
  );
  worker.on('error', (error) => log.error({ err: error }, 'worker error'));
  // A job whose worker died too often fails inside BullMQ's stalled-job check, never reaching the
  // processor above: record its final failure here too (onFinalFailure is idempotent).
  worker.on('failed', (job, error) => {
    if (!job || !/stalled more than allowable limit/.test(error.message)) return;
    const parsed = contract.payload.safeParse(job.data);
    if (parsed.success) {
      options
        .onFinalFailure?.(parsed.data, "the job's worker stopped repeatedly while running it")
        .catch((failure) => log.error({ err: failure, jobId: job.id }, 'could not record a stalled job as failed'));
    }
  });
  return worker;
}
