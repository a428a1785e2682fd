/**
 * A small S3 facade over `@aws-sdk/client-s3` for AWS and S3-compatible stores (MinIO, Ceph, …):
 * `get` reads task files from buckets prelabel may read directly, `put` stores derived files such as
 * rendered PDF pages. One client per process; `close()` releases its connections.
 *
 * - Custom `endpoint` with `forcePathStyle` (MinIO serves `http://host:9000/<bucket>/<key>`).
 * - Checksums only where the operation requires them (`WHEN_REQUIRED`): many S3-compatible stores
 *   reject the CRC headers newer SDKs add by default.
 * - One attempt per call (`maxAttempts: 1`): the job system retries, with its own backoff.
 * - `get` refuses an object whose `ContentLength` exceeds `maxBytes` and cuts the body stream once the
 *   bytes counted pass it. Each call is bounded by `timeoutMs` and the caller's signal (an abort by
 *   the caller rethrows the signal's reason).
 * The endpoint is configured by the operator, so it is not subject to the SSRF guard.
 * Failures are {@link DataAccessError}s: `not_found` (NoSuchKey, NoSuchBucket, 404), `too_large`,
 * `timeout`, `s3_error` (retryable on 5xx, throttling and network failures, permanent otherwise).
 * Messages name `s3://bucket/key` and the endpoint, never the credentials.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DataAccessError, redactUrl } from './errors.ts';

export interface S3StoreConfig {
  /** An S3-compatible endpoint such as `http://minio:9000`; AWS S3 when absent. */
  endpoint: string | undefined;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `http://host/<bucket>/<key>` instead of `http://<bucket>.host/<key>`. */
  forcePathStyle: boolean;
  /** Limit of one call. @defaultValue 60 000 */
  timeoutMs?: number;
}

export interface S3Object {
  bytes: Uint8Array;
  contentType: string | undefined;
}

export interface S3Store {
  /** `maxBytesName` names the limit in messages (e.g. `FETCH_MAX_BYTES`). */
  get(
    bucket: string,
    key: string,
    call: { signal?: AbortSignal | undefined; maxBytes: number; maxBytesName?: string | undefined },
  ): Promise<S3Object>;
  put(
    bucket: string,
    key: string,
    bytes: Uint8Array,
    contentType: string,
    call?: { signal?: AbortSignal | undefined },
  ): Promise<void>;
  close(): void;
}

interface AwsErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

const THROTTLING = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestTimeout', 'ServiceUnavailable']);
const NOT_FOUND = new Set(['NoSuchKey', 'NoSuchBucket', 'NotFound']);

export function createS3Store(config: S3StoreConfig): S3Store {
  const timeoutMs = config.timeoutMs ?? 60_000;
  const client = new S3Client({
    region: config.region,
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    forcePathStyle: config.forcePathStyle,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const where = config.endpoint === undefined ? '' : ` at ${redactUrl(config.endpoint).replace(/\/$/, '')}`;
  const scrub = (text: string) =>
    text.replaceAll(config.secretAccessKey, '[redacted]').replaceAll(config.accessKeyId, '[redacted]');

  const translate = (error: unknown, method: string, bucket: string, key: string): DataAccessError => {
    if (error instanceof DataAccessError) return error;
    const shape = (error ?? {}) as AwsErrorShape;
    const name = typeof shape.name === 'string' ? shape.name : 'Error';
    const status = typeof shape.$metadata?.httpStatusCode === 'number' ? shape.$metadata.httpStatusCode : undefined;
    const detail = scrub(typeof shape.message === 'string' ? shape.message : String(error)).slice(0, 200);
    const prefix = `${method} s3://${bucket}/${key}${where}`;
    if (NOT_FOUND.has(name) || status === 404) {
      return new DataAccessError({ code: 'not_found', message: `${prefix}: not found (${name})`, status: 404 });
    }
    const networkCode = typeof shape.code === 'string' ? shape.code : undefined;
    const retryable =
      shape.$fault === 'server' ||
      THROTTLING.has(name) ||
      (status !== undefined && (status >= 500 || status === 429)) ||
      (status === undefined && shape.$fault === undefined);
    const reason =
      networkCode !== undefined && status === undefined ? `unreachable (${networkCode})` : `${name}: ${detail}`;
    return new DataAccessError({
      code: 's3_error',
      message: `${prefix}: ${reason}`,
      retryable,
      ...(status === undefined ? {} : { status }),
    });
  };

  /** Runs `work` under the call's signal and the store's timeout, mapping every failure. */
  const bounded = async <T>(
    method: string,
    bucket: string,
    key: string,
    callerSignal: AbortSignal | undefined,
    work: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = callerSignal === undefined ? deadline : AbortSignal.any([callerSignal, deadline]);
    try {
      return await work(signal);
    } catch (error) {
      if (callerSignal?.aborted) throw callerSignal.reason;
      if (deadline.aborted && !(error instanceof DataAccessError)) {
        throw new DataAccessError({
          code: 'timeout',
          message: `${method} s3://${bucket}/${key}${where}: no complete answer within ${timeoutMs} ms`,
        });
      }
      throw translate(error, method, bucket, key);
    }
  };

  return {
    get: (bucket, key, call) =>
      bounded('GET', bucket, key, call.signal, async (signal) => {
        const output = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
        const body = output.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
        const limit = `${call.maxBytes} bytes${call.maxBytesName === undefined ? '' : ` (${call.maxBytesName})`}`;
        const tooLarge = (reason: string) =>
          new DataAccessError({ code: 'too_large', message: `GET s3://${bucket}/${key}${where}: ${reason}` });
        if (output.ContentLength !== undefined && output.ContentLength > call.maxBytes) {
          body?.destroy?.();
          throw tooLarge(`${output.ContentLength} bytes exceed the limit of ${limit}`);
        }
        const chunks: Uint8Array[] = [];
        let size = 0;
        if (body !== undefined) {
          const onAbort = () => body.destroy?.();
          signal.addEventListener('abort', onAbort, { once: true });
          try {
            for await (const chunk of body) {
              size += chunk.byteLength;
              if (size > call.maxBytes) {
                body.destroy?.();
                throw tooLarge(`more than the limit of ${limit}`);
              }
              chunks.push(chunk);
            }
          } finally {
            signal.removeEventListener('abort', onAbort);
          }
        }
        const bytes = Buffer.concat(chunks);
        return {
          bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
          contentType: output.ContentType,
        };
      }),
    put: (bucket, key, bytes, contentType, call = {}) =>
      bounded('PUT', bucket, key, call.signal, async (signal) => {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentType: contentType }), {
          abortSignal: signal,
        });
      }),
    close: () => client.destroy(),
  };
}
