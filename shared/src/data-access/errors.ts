/**
 * Failures of task data access, and the one function that makes a URL safe to print.
 *
 * Every failure is a {@link DataAccessError} with a stable `code` and `retryable`:
 * - retryable: `timeout`, `unreachable`, HTTP 5xx / 408 / 425 / 429 (`http_status`, with
 *   `retryAfterMs` on a 429), S3 server or network failures (`s3_error`);
 * - permanent: `unsupported_uri`, `missing_task_id`, `ssrf_refused`, `too_large`, `not_found`
 *   (404 / 410, NoSuchKey), `too_many_redirects`, `bad_response`, every other 4xx.
 * Messages read `GET <url>: <reason>`, where the URL went through {@link redactUrl}: no user info,
 * no fragment, and every query value other than LS's path parameters (`d`, `filepath`, `fileuri`)
 * replaced, so presigned signatures, SAS tokens and credentials never reach a message or a log.
 */

export type DataAccessErrorCode =
  | 'unsupported_uri'
  | 'missing_task_id'
  | 'ssrf_refused'
  | 'too_large'
  | 'timeout'
  | 'unreachable'
  | 'http_status'
  | 'not_found'
  | 'too_many_redirects'
  | 'bad_response'
  | 's3_error';

const PERMANENT_CODES: ReadonlySet<DataAccessErrorCode> = new Set([
  'unsupported_uri',
  'missing_task_id',
  'ssrf_refused',
  'too_large',
  'not_found',
  'too_many_redirects',
  'bad_response',
]);

export class DataAccessError extends Error {
  override name = 'DataAccessError';
  readonly code: DataAccessErrorCode;
  /** Whether trying again later may succeed. */
  readonly retryable: boolean;
  /** HTTP status of the answer that failed, when there was one. */
  readonly status: number | undefined;
  /** From a 429's `Retry-After`. */
  readonly retryAfterMs: number | undefined;

  constructor(init: {
    code: DataAccessErrorCode;
    message: string;
    retryable?: boolean;
    status?: number;
    retryAfterMs?: number;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.retryable = init.retryable ?? !PERMANENT_CODES.has(init.code);
    this.status = init.status;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** Whether an HTTP status is worth retrying: 408, 425, 429 and 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** Query parameters that name a path (LS's local-files, storage-data and resolve endpoints): kept. */
const PATH_PARAMETERS: ReadonlySet<string> = new Set(['d', 'filepath', 'fileuri']);

/**
 * `value` as it may be printed: user info, fragment and every query value but LS's path parameters
 * removed. A value that is not an absolute URL is cut to 200 characters.
 */
export function redactUrl(value: string | URL): string {
  let url: URL;
  try {
    url = typeof value === 'string' ? new URL(value) : value;
  } catch {
    const text = String(value);
    return text.length > 200 ? `${text.slice(0, 200)}…` : text;
  }
  // A data: URI is its own payload: print only its media type.
  if (url.protocol === 'data:') return `data:${url.pathname.split(',')[0]},…`;
  const query: string[] = [];
  for (const [name, paramValue] of url.searchParams) {
    query.push(PATH_PARAMETERS.has(name) ? `${name}=${paramValue}` : `${name}=[redacted]`);
  }
  const host = url.host === '' ? '' : `//${url.host}`;
  return `${url.protocol}${host}${url.pathname}${query.length > 0 ? `?${query.join('&')}` : ''}`;
}
