/**
 * Resolves a task's data value (a string from `task.data[key]`) to the file's bytes, for every
 * pipeline that reads files (docs/label-studio-protocol.md §5).
 *
 * By kind (classify.ts):
 * - `http(s)://` URL on another host → `source: 'http'`, through the SSRF guard (guarded-get.ts),
 *   without our credentials;
 * - a path or URL Label Studio serves (`/data/upload/...`, `upload/...`, `/storage-data/...`,
 *   `/data/local-files/?d=...`, `/tasks/<id>/resolve/...`) → `source: 'label-studio'`, with our
 *   `Authorization` (legacy `Token` or PAT-exchanged `Bearer`);
 * - `s3://bucket/key` of a bucket in `s3.directBuckets` (`*`: all) → `source: 's3'`, GetObject with
 *   prelabel's own S3 credentials;
 * - any other cloud URI (`s3://`, `gs://`, `azure-blob://`, `azure-spi://`) → `source: 'presign'`:
 *   `GET {LS}/tasks/{taskId}/presign/?fileuri=<urlsafe base64>` with our credentials; LS answers 303
 *   to a presigned URL (followed without our credentials unless it points back at LS) or streams the
 *   bytes itself (storage with presign off). Without a task id this is `missing_task_id`;
 * - `data:` URI → `source: 'inline'`, decoded here;
 * - anything else → `unsupported_uri`.
 *
 * Every resolve is bounded by `limits.timeoutMs` (plus the caller's signal, whose abort rethrows its
 * reason) and by the smaller of `limits.maxBytes` and the call's `maxBytes`. Failures are
 * {@link DataAccessError}s naming the redacted URL and the reason; `url` in the result is redacted
 * too. Log lines (debug) carry the source, the redacted URL, sizes and times, never a secret.
 */
import http from 'node:http';
import https from 'node:https';
import type { Logger } from '../logging/logger.ts';
import { type AddressPolicy, createAddressPolicy } from './address-policy.ts';
import { classifyDataValue, type DataValue, presignUrl } from './classify.ts';
import { DataAccessError, redactUrl } from './errors.ts';
import { type FetchedBody, guardedGet } from './guarded-get.ts';
import type { S3Store } from './s3-store.ts';

export type DataSource = 'http' | 'label-studio' | 'presign' | 's3' | 'inline';

export interface ResolvedData {
  bytes: Uint8Array;
  /** The answer's `Content-Type` (or the data URI's media type), when given. */
  contentType: string | undefined;
  source: DataSource;
  /** Where the bytes came from, redacted for messages and logs. */
  url: string;
}

export interface ResolveInput {
  value: string;
  /** Needed for cloud URIs read through Label Studio's presign endpoint. */
  taskId?: number | undefined;
  signal?: AbortSignal | undefined;
  /** A tighter size limit for this call; the resolver's own limit still applies. */
  maxBytes?: number | undefined;
}

export interface DataAccessLimits {
  maxBytes: number;
  timeoutMs: number;
  maxRedirects: number;
}

export interface TaskDataResolverDeps {
  labelStudio: {
    baseUrl: string;
    /** The current `Authorization` header value; `forceRefresh` after a 401 on a Bearer token. */
    authorization(call?: { signal?: AbortSignal | undefined; forceRefresh?: boolean }): Promise<string>;
  };
  /** Direct S3 reads for `s3://` URIs of these buckets (`*`: every bucket). */
  s3?: { store: S3Store; directBuckets: readonly string[] } | undefined;
  limits: DataAccessLimits;
  /** FETCH_ALLOW_HOSTS: hostnames, IPs and CIDR ranges that may be private. */
  allowHosts: readonly string[];
  log?: Logger | undefined;
}

export interface TaskDataResolver {
  resolve(input: ResolveInput): Promise<ResolvedData>;
  /** Closes pooled connections (not the S3 store, which the caller owns). */
  close(): void;
}

/** How a value is named in messages: never inline text, which may be anything. */
function describeValue(value: DataValue, raw: string): string {
  switch (value.kind) {
    case 'http':
    case 'label-studio':
      return redactUrl(value.url);
    case 'cloud':
      return value.uri;
    case 'data':
      return `data:${value.mediaType},…`;
    case 'unsupported':
      return /^[a-z][a-z0-9+.-]*:\S*$/i.test(raw.trim()) ? redactUrl(raw.trim()) : 'the task data value';
  }
}

function decodeDataUri(value: Extract<DataValue, { kind: 'data' }>, maxBytes: number, limit: string): Uint8Array {
  const describe = `data:${value.mediaType},…`;
  const tooLarge = () =>
    new DataAccessError({ code: 'too_large', message: `${describe}: more than the limit of ${limit}` });
  // Refuse before decoding what cannot fit: base64 is 4 characters per 3 bytes, a %XX escape 3 per byte.
  const fewestBytes = value.isBase64 ? Math.floor((value.payload.length * 3) / 4) - 2 : value.payload.length / 3;
  if (fewestBytes > maxBytes) throw tooLarge();
  let bytes: Buffer;
  try {
    bytes = value.isBase64 ? Buffer.from(value.payload, 'base64') : Buffer.from(decodeURIComponent(value.payload));
  } catch {
    throw new DataAccessError({ code: 'unsupported_uri', message: `${describe}: the data URI is malformed` });
  }
  if (bytes.length > maxBytes) throw tooLarge();
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function createTaskDataResolver(deps: TaskDataResolverDeps): TaskDataResolver {
  const policy: AddressPolicy = createAddressPolicy(deps.allowHosts);
  const labelStudioUrl = new URL(deps.labelStudio.baseUrl);
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  const directBuckets = new Set(deps.s3?.directBuckets ?? []);
  const readsDirectly = (bucket: string) => directBuckets.has('*') || directBuckets.has(bucket);

  async function read(
    value: DataValue,
    raw: string,
    input: ResolveInput,
    signal: AbortSignal,
    maxBytes: number,
  ): Promise<ResolvedData> {
    // The configured limit is named in messages; a caller's tighter one is its own business.
    const maxBytesName = maxBytes === deps.limits.maxBytes ? 'FETCH_MAX_BYTES' : undefined;
    const get = (url: URL, subject?: string): Promise<FetchedBody> =>
      guardedGet({
        url,
        labelStudioUrl,
        authorization: (forceRefresh) => deps.labelStudio.authorization({ signal, forceRefresh }),
        policy,
        maxBytes,
        ...(maxBytesName === undefined ? {} : { maxBytesName }),
        maxRedirects: deps.limits.maxRedirects,
        signal,
        agents,
        ...(subject === undefined ? {} : { subject }),
      });
    switch (value.kind) {
      case 'unsupported':
        throw new DataAccessError({
          code: 'unsupported_uri',
          message: `${describeValue(value, raw)}: ${value.reason}`,
        });
      case 'data':
        return {
          bytes: decodeDataUri(
            value,
            maxBytes,
            `${maxBytes} bytes${maxBytesName === undefined ? '' : ` (${maxBytesName})`}`,
          ),
          contentType: value.mediaType,
          source: 'inline',
          url: describeValue(value, raw),
        };
      case 'http':
      case 'label-studio': {
        const body = await get(value.url);
        return { ...body, source: value.kind };
      }
      case 'cloud': {
        if (value.scheme === 's3' && deps.s3 !== undefined && readsDirectly(value.bucket)) {
          const object = await deps.s3.store.get(value.bucket, value.key, { signal, maxBytes, maxBytesName });
          return { ...object, source: 's3', url: value.uri };
        }
        if (input.taskId === undefined) {
          throw new DataAccessError({
            code: 'missing_task_id',
            message:
              `${value.uri}: a cloud storage URI is read through Label Studio's presign endpoint, which needs the ` +
              'task id' +
              (value.scheme === 's3'
                ? ' (or configure S3 credentials and S3_BUCKETS to read the bucket directly)'
                : ''),
          });
        }
        const body = await get(presignUrl(deps.labelStudio.baseUrl, input.taskId, value.uri), `${value.uri} via `);
        return { ...body, source: 'presign' };
      }
    }
  }

  return {
    async resolve(input) {
      const startedMs = performance.now();
      const value = classifyDataValue(input.value, deps.labelStudio.baseUrl);
      const maxBytes = Math.min(deps.limits.maxBytes, input.maxBytes ?? Number.POSITIVE_INFINITY);
      const deadline = AbortSignal.timeout(deps.limits.timeoutMs);
      const signal = input.signal === undefined ? deadline : AbortSignal.any([input.signal, deadline]);
      try {
        const resolved = await read(value, input.value, input, signal, maxBytes);
        deps.log?.debug(
          {
            source: resolved.source,
            url: resolved.url,
            bytes: resolved.bytes.byteLength,
            ms: Math.round(performance.now() - startedMs),
          },
          'task data read',
        );
        return resolved;
      } catch (error) {
        if (input.signal?.aborted) throw input.signal.reason;
        const failure =
          deadline.aborted && !(error instanceof DataAccessError)
            ? new DataAccessError({
                code: 'timeout',
                message: `GET ${describeValue(value, input.value)}: no complete answer within ${deps.limits.timeoutMs} ms (FETCH_TIMEOUT_MS)`,
              })
            : error;
        if (failure instanceof DataAccessError) {
          deps.log?.debug(
            { kind: value.kind, code: failure.code, retryable: failure.retryable, reason: failure.message },
            'task data not read',
          );
        }
        throw failure;
      }
    },
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
