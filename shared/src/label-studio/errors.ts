/**
 * Label Studio errors and the one place that classifies every failure of a call to it.
 *
 * - `rate-limited`: 429; wait `Retry-After` (seconds or an HTTP date) without burning an attempt.
 * - `retryable`: network errors, timeouts, 408, 425, 5xx; back off and try again.
 * - `permanent`: every other 4xx (bad token, unknown project, invalid body); retrying cannot help.
 * Messages name the method and path, never a token or a query string with secrets.
 */

export type FailureKind = 'retryable' | 'rate-limited' | 'permanent';

export class LabelStudioError extends Error {
  override name = 'LabelStudioError';
  readonly kind: FailureKind;
  /** HTTP status, or 0 when no response arrived (network error, timeout). */
  readonly status: number;
  readonly retryAfterMs: number | undefined;
  readonly method: string;
  readonly path: string;

  constructor(init: {
    message: string;
    kind: FailureKind;
    status: number;
    method: string;
    path: string;
    retryAfterMs?: number;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.status = init.status;
    this.method = init.method;
    this.path = init.path;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent/unparsable. */
export function parseRetryAfterMs(header: string | null, nowMs = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

export function classifyStatus(status: number): FailureKind {
  if (status === 429) return 'rate-limited';
  if (status === 0 || status === 408 || status === 425 || status >= 500) return 'retryable';
  return 'permanent';
}

/** Pulls LS's `detail` (its REST error envelope) out of a body, trimmed for one log line. */
export function describeBody(body: string): string {
  try {
    const parsed = JSON.parse(body) as { detail?: unknown; validation_errors?: unknown };
    const detail = typeof parsed.detail === 'string' ? parsed.detail : '';
    const validation = parsed.validation_errors ? ` ${JSON.stringify(parsed.validation_errors)}` : '';
    return `${detail}${validation}`.slice(0, 300);
  } catch {
    return body.replace(/\s+/g, ' ').slice(0, 200);
  }
}

/** What a human should read for a status, used in run errors. */
export function explainStatus(status: number): string {
  switch (status) {
    case 0:
      return 'Label Studio is unreachable';
    case 401:
      return 'Label Studio rejected the API key (401): check LABEL_STUDIO_API_KEY';
    case 403:
      return 'the API key is not allowed to do this (403)';
    case 404:
      return 'not found (404)';
    case 429:
      return 'rate limited by Label Studio (429)';
    default:
      return status >= 500 ? `Label Studio failed (${status})` : `Label Studio refused the request (${status})`;
  }
}

/** Classifies anything thrown by a Label Studio call; unknown errors are treated as retryable. */
export function classifyLabelStudioError(error: unknown): { kind: FailureKind; retryAfterMs?: number } {
  if (error instanceof LabelStudioError) {
    return error.retryAfterMs === undefined
      ? { kind: error.kind }
      : { kind: error.kind, retryAfterMs: error.retryAfterMs };
  }
  return { kind: 'retryable' };
}
