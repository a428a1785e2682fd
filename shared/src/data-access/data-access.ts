/**
 * Task data access, wired from the service configuration: one resolver (task data value → bytes)
 * and, when S3 credentials are configured, one S3 store (also for writing derived files such as
 * rendered PDF pages). A process entry point creates this once and closes it at shutdown.
 *
 * Modules: classify.ts (what a value is), address-policy.ts (the SSRF rule), guarded-get.ts (HTTP
 * with the guard), s3-store.ts (S3 facade), resolver.ts (the whole flow), errors.ts
 * (DataAccessError, URL redaction).
 */
import type { ServiceConfig } from '../config/config.ts';
import type { Logger } from '../logging/logger.ts';
import { createTaskDataResolver, type TaskDataResolver, type TaskDataResolverDeps } from './resolver.ts';
import { createS3Store, type S3Store } from './s3-store.ts';

export { DataAccessError, type DataAccessErrorCode, redactUrl } from './errors.ts';
export type { DataSource, ResolvedData, ResolveInput, TaskDataResolver } from './resolver.ts';
export type { S3Object, S3Store } from './s3-store.ts';

export interface DataAccess {
  resolver: TaskDataResolver;
  /** Present when S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are set. */
  s3: S3Store | undefined;
  close(): void;
}

export function createDataAccess(options: {
  config: Pick<ServiceConfig, 'dataAccess' | 's3'>;
  labelStudio: TaskDataResolverDeps['labelStudio'];
  log?: Logger | undefined;
}): DataAccess {
  const { dataAccess, s3: s3Config } = options.config;
  const s3 =
    s3Config === undefined
      ? undefined
      : createS3Store({
          endpoint: s3Config.endpoint,
          region: s3Config.region,
          accessKeyId: s3Config.accessKeyId,
          secretAccessKey: s3Config.secretAccessKey,
          forcePathStyle: s3Config.forcePathStyle,
          timeoutMs: dataAccess.timeoutMs,
        });
  const resolver = createTaskDataResolver({
    labelStudio: options.labelStudio,
    s3: s3 === undefined || s3Config === undefined ? undefined : { store: s3, directBuckets: s3Config.directBuckets },
    limits: { maxBytes: dataAccess.maxBytes, timeoutMs: dataAccess.timeoutMs, maxRedirects: dataAccess.maxRedirects },
    allowHosts: dataAccess.allowHosts,
    log: options.log,
  });
  return {
    resolver,
    s3,
    close() {
      resolver.close();
      s3?.close();
    },
  };
}
