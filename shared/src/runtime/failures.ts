/**
 * Every failure of a job is sorted here, once: retryable, rate-limited (429), permanent or
 * deferred. Processors throw; the worker adapter asks this module what to do with the error.
 */
import { ZodError } from 'zod';
import { DataAccessError } from '../data-access/errors.ts';
import { LabelStudioError } from '../label-studio/errors.ts';
import { PipelineConfigError } from '../pipelines/pipeline.ts';

/** A failure that no retry can fix (bad input, refused by LS with a 4xx, a config the pipeline cannot serve). */
export class PermanentError extends Error {
  override name = 'PermanentError';
}

export type Failure =
  | { kind: 'retryable'; message: string }
  | { kind: 'rate-limited'; message: string; retryAfterMs: number }
  | { kind: 'permanent'; message: string };

export function describeError(error: unknown): string {
  if (error instanceof ZodError) {
    const issue = error.issues[0];
    return issue ? `${issue.path.join('.') || 'value'}: ${issue.message}` : 'invalid value';
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

export function classifyFailure(error: unknown): Failure {
  const message = describeError(error);
  if (error instanceof LabelStudioError) {
    if (error.kind === 'rate-limited')
      return { kind: 'rate-limited', message, retryAfterMs: error.retryAfterMs ?? 1000 };
    return { kind: error.kind, message };
  }
  // A file host's 429 is retried with backoff: rate-limiting the queue would stall every other host.
  if (error instanceof DataAccessError) return { kind: error.retryable ? 'retryable' : 'permanent', message };
  if (error instanceof PermanentError || error instanceof PipelineConfigError || error instanceof ZodError) {
    return { kind: 'permanent', message };
  }
  return { kind: 'retryable', message };
}

/** Returned by a processor that must wait (backpressure, a paused run) without using an attempt. */
export class Deferral {
  readonly delayMs: number;
  readonly reason: string;
  constructor(delayMs: number, reason: string) {
    this.delayMs = delayMs;
    this.reason = reason;
  }
}

export const defer = (delayMs: number, reason: string) => new Deferral(delayMs, reason);
