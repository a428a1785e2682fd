/**
 * Configuration: every environment variable prelabel reads, parsed once with zod.
 *
 * Only a process entry point (apps/cli/src/main.ts) calls these loaders; everything below it gets
 * the typed result. A missing or invalid value throws {@link ConfigError}, whose message is one
 * line naming the variable, so the entry point can print it and exit.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { parseAllowList } from '../data-access/address-policy.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');
const booleanFlag = z
  .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1');
/** A comma list, trimmed, without empty entries. */
const commaList = z.string().transform((list) =>
  list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== ''),
);

/** Variables of the service processes (gateway, workers, `start`). */
const ServiceEnv = z.object({
  /** Base URL of Label Studio as prelabel reaches it. */
  LABEL_STUDIO_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://localhost:8080' }),
  /** Legacy API token or personal access token (a JWT, exchanged for short-lived access tokens). */
  LABEL_STUDIO_API_KEY: z.string({ error: 'is required (a legacy token or a personal access token)' }).min(1),
  /** Timeout of one Label Studio HTTP call. */
  LABEL_STUDIO_TIMEOUT_MS: positiveInt(30_000),
  /** Write-back jobs (bulk prediction imports) per second toward this Label Studio instance. */
  LABEL_STUDIO_WRITES_PER_SEC: positiveInt(20),
  /** Most files in one upload to Label Studio: its DATA_UPLOAD_MAX_NUMBER_FILES (LS's default 100). */
  LABEL_STUDIO_UPLOAD_MAX_FILES: positiveInt(100),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  /** Prefix of every Redis key (BullMQ queues, runs, ledgers); use `{prelabel}` on Redis Cluster. */
  QUEUE_PREFIX: z.string().min(1).default('prelabel'),
  PORT: z.coerce.number().int().min(0).max(65_535).default(9090),
  /** `/predict` answers by this deadline; tasks not done by then are written back later. */
  PREDICT_DEADLINE_MS: positiveInt(20_000),
  /** Largest request body the gateway reads (a 5 000-task TASKS_CREATED webhook is a few MB). */
  MAX_BODY_MB: positiveInt(32),
  /** When both are set, every gateway route requires these HTTP Basic credentials. */
  BASIC_AUTH_USER: z.string().optional(),
  BASIC_AUTH_PASS: z.string().optional(),
  /** When set, `/webhook` requires this value in the X-Prelabel-Webhook-Secret header. */
  WEBHOOK_SECRET: z.string().optional(),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: logLevel,
  /** Tasks per page when the scan worker lists a project. */
  SCAN_PAGE_SIZE: positiveInt(500),
  /** Tasks per pipeline job. */
  CHUNK_SIZE: positiveInt(250),
  /** How long an ended run and its failed-task list stay readable (0: for good). */
  RUN_RETENTION_DAYS: z.coerce.number().int().min(0).default(30),
  /** Pipeline chunks a run may have in Redis at once (backpressure on the scan). */
  MAX_OUTSTANDING_CHUNKS: positiveInt(16),
  /** Jobs one worker process runs at once, per queue. */
  WORKER_CONCURRENCY: positiveInt(4),
  /** How long a worker holds a job's lock; a crashed worker's jobs are taken over after about this long. */
  JOB_LOCK_MS: positiveInt(30_000),
  /** How long a stopping process waits for in-flight jobs before it gives them back. */
  SHUTDOWN_TIMEOUT_MS: positiveInt(10_000),
  /** The NER model directory (model.onnx, tokenizer.json, config.json); default: the bundled model. */
  NER_MODEL_DIR: z.string().min(1).optional(),
  /** Where NER workers run the model: `cuda` falls back to CPU with a warning when CUDA cannot load. */
  NER_DEVICE: z.enum(['cpu', 'cuda']).default('cpu'),
  /** onnxruntime threads inside one operator (0: one per core). */
  NER_INTRA_OP_THREADS: z.coerce.number().int().min(0).default(0),
  /** onnxruntime threads across operators (0: onnxruntime's default). */
  NER_INTER_OP_THREADS: z.coerce.number().int().min(0).default(0),
  /** Most sequences in one session.run (the micro-batcher's batch). */
  NER_MAX_BATCH_SIZE: positiveInt(16),
  /** Longest a sequence waits for others to share its session.run. */
  NER_MAX_WAIT_MS: z.coerce.number().int().min(0).default(2),
  /** `start` only: run a private redis-server (AOF on, under DATA_DIR) when nothing answers at REDIS_URL. */
  REDIS_AUTOSTART: z.enum(['auto', 'never']).default('auto'),
  /** `start` only: folder of the private Redis's data. */
  DATA_DIR: z.string().min(1).default('.data'),
  /** Largest task file read (HTTP, Label Studio, presigned URL, S3). */
  FETCH_MAX_BYTES: positiveInt(100 * 1024 * 1024),
  /** Time limit of reading one task file, redirects included. */
  FETCH_TIMEOUT_MS: positiveInt(60_000),
  /** Redirects followed when reading one task file. */
  FETCH_MAX_REDIRECTS: z.coerce.number().int().min(0).max(20).default(5),
  /** Hostnames, IPs and CIDR ranges task files may be read from although private, loopback or link-local. */
  FETCH_ALLOW_HOSTS: commaList.default([]).superRefine((entries, context) => {
    try {
      parseAllowList(entries.join(','));
    } catch (error) {
      context.addIssue({ code: 'custom', message: `entry ${(error as Error).message}` });
    }
  }),
  /** S3-compatible endpoint (MinIO, …); AWS S3 when unset. */
  S3_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://minio:9000' }).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  /** Both set: prelabel reads S3_BUCKETS directly and may store derived files in S3. */
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  /** Path-style requests (`http://host/bucket/key`); default true with S3_ENDPOINT, false without. */
  S3_FORCE_PATH_STYLE: booleanFlag.optional(),
  /** Buckets read directly with the S3 credentials (`*`: all); other s3:// URIs go through LS's presign. */
  S3_BUCKETS: commaList.default([]),
  /** Largest PDF the pdf pipeline extracts (the download limit is FETCH_MAX_BYTES). */
  PDF_MAX_BYTES: positiveInt(100 * 1024 * 1024),
  /** PDFs with more pages fail with too_many_pages. */
  PDF_MAX_PAGES: positiveInt(500),
  /** One page's text, tables and OCR must finish within this, or the extraction thread is killed. */
  PDF_PAGE_TIMEOUT_MS: positiveInt(30_000),
  /** Extraction threads per pdf worker process (0: one per core, at most 4). */
  PDF_THREADS: z.coerce.number().int().min(0).default(0),
  /** Where pdf workers run OCR: `cuda` falls back to CPU with a warning when CUDA cannot load. */
  PDF_OCR_DEVICE: z.enum(['cpu', 'cuda']).default('cpu'),
  /** Heap limit of one extraction thread; a PDF that needs more fails with out_of_memory. */
  PDF_THREAD_MEMORY_MB: positiveInt(1024),
  /** Where the layout template's page images go: uploaded to the LS project, an S3 bucket, or nowhere. */
  PDF_PAGE_IMAGES: z.enum(['label-studio', 's3', 'none']).default('label-studio'),
  /** The bucket of `PDF_PAGE_IMAGES=s3` (written with the S3_* credentials). */
  PDF_PAGE_IMAGE_BUCKET: z.string().min(1).optional(),
  /** Key prefix of page images in that bucket. */
  PDF_PAGE_IMAGE_PREFIX: z.string().default('prelabel/pages/'),
});

/** Variables of the client commands (`run`, `status`), which only talk to a gateway. */
const ClientEnv = z.object({
  /** The gateway the CLI talks to. */
  PRELABEL_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('http://127.0.0.1:9090'),
  LOG_LEVEL: logLevel,
  /** The gateway's Basic credentials, when it requires them. */
  BASIC_AUTH_USER: z.string().optional(),
  BASIC_AUTH_PASS: z.string().optional(),
});

export interface ServiceConfig {
  labelStudio: { url: string; apiKey: string; timeoutMs: number; writesPerSec: number; uploadMaxFiles: number };
  redis: { url: string; prefix: string; autostart: boolean; dataDir: string };
  gateway: {
    port: number;
    host: string;
    predictDeadlineMs: number;
    bodyLimitBytes: number;
    basicAuth: { user: string; pass: string } | undefined;
    webhookSecret: string | undefined;
  };
  scan: { pageSize: number; chunkSize: number; maxOutstandingChunks: number };
  /** Ended runs and their failures expire after this (0: kept for good). */
  runs: { retentionSec: number };
  worker: { concurrency: number; shutdownTimeoutMs: number; lockMs: number };
  ner: {
    modelDir: string | undefined;
    device: 'cpu' | 'cuda';
    intraOpThreads: number | undefined;
    interOpThreads: number | undefined;
    maxBatchSize: number;
    maxWaitMs: number;
  };
  /** Reading task files (shared/src/data-access). */
  dataAccess: { maxBytes: number; timeoutMs: number; maxRedirects: number; allowHosts: string[] };
  /** prelabel's own S3 access; undefined unless both S3 keys are set. */
  s3:
    | {
        endpoint: string | undefined;
        region: string;
        accessKeyId: string;
        secretAccessKey: string;
        forcePathStyle: boolean;
        /** Buckets whose s3:// URIs are read directly (`*`: all). */
        directBuckets: string[];
      }
    | undefined;
  /** The pdf pipeline (workers/pdf). */
  pdf: {
    maxBytes: number;
    maxPages: number;
    pageTimeoutMs: number;
    threads: number;
    threadMemoryMb: number;
    /** Where extraction threads run OCR. */
    ocrDevice: 'cpu' | 'cuda';
    pageImages: { store: 'label-studio' } | { store: 's3'; bucket: string; prefix: string } | { store: 'none' };
  };
  logLevel: string;
}

export interface ClientConfig {
  gatewayUrl: string;
  logLevel: string;
  basicAuth: { user: string; pass: string } | undefined;
}

function parse<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.infer<S> {
  // Empty strings mean "unset", as in most shells' `VAR= cmd`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const variable = String(issue.path[0] ?? 'environment');
  const reason = issue.code === 'invalid_type' && cleaned[variable] === undefined ? 'is required' : issue.message;
  throw new ConfigError(`invalid configuration: ${variable} ${reason}`);
}

export function loadServiceConfig(env: Record<string, string | undefined>): ServiceConfig {
  const e = parse(ServiceEnv, env);
  if ((e.S3_ACCESS_KEY_ID === undefined) !== (e.S3_SECRET_ACCESS_KEY === undefined)) {
    const missing = e.S3_ACCESS_KEY_ID === undefined ? 'S3_ACCESS_KEY_ID' : 'S3_SECRET_ACCESS_KEY';
    throw new ConfigError(`invalid configuration: ${missing} is required when the other S3 key is set`);
  }
  if (e.PDF_PAGE_IMAGES === 's3' && (e.PDF_PAGE_IMAGE_BUCKET === undefined || e.S3_ACCESS_KEY_ID === undefined)) {
    throw new ConfigError(
      'invalid configuration: PDF_PAGE_IMAGES=s3 needs PDF_PAGE_IMAGE_BUCKET and the S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY credentials',
    );
  }
  return {
    labelStudio: {
      url: e.LABEL_STUDIO_URL.replace(/\/+$/, ''),
      apiKey: e.LABEL_STUDIO_API_KEY,
      timeoutMs: e.LABEL_STUDIO_TIMEOUT_MS,
      writesPerSec: e.LABEL_STUDIO_WRITES_PER_SEC,
      uploadMaxFiles: e.LABEL_STUDIO_UPLOAD_MAX_FILES,
    },
    redis: { url: e.REDIS_URL, prefix: e.QUEUE_PREFIX, autostart: e.REDIS_AUTOSTART === 'auto', dataDir: e.DATA_DIR },
    gateway: {
      port: e.PORT,
      host: e.HOST,
      predictDeadlineMs: e.PREDICT_DEADLINE_MS,
      bodyLimitBytes: e.MAX_BODY_MB * 1024 * 1024,
      // LS sends Basic auth only when both are set; so does the reference backend require it.
      basicAuth:
        e.BASIC_AUTH_USER && e.BASIC_AUTH_PASS ? { user: e.BASIC_AUTH_USER, pass: e.BASIC_AUTH_PASS } : undefined,
      webhookSecret: e.WEBHOOK_SECRET,
    },
    scan: { pageSize: e.SCAN_PAGE_SIZE, chunkSize: e.CHUNK_SIZE, maxOutstandingChunks: e.MAX_OUTSTANDING_CHUNKS },
    runs: { retentionSec: e.RUN_RETENTION_DAYS * 86_400 },
    worker: { concurrency: e.WORKER_CONCURRENCY, shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS, lockMs: e.JOB_LOCK_MS },
    ner: {
      modelDir: e.NER_MODEL_DIR,
      device: e.NER_DEVICE,
      intraOpThreads: e.NER_INTRA_OP_THREADS || undefined,
      interOpThreads: e.NER_INTER_OP_THREADS || undefined,
      maxBatchSize: e.NER_MAX_BATCH_SIZE,
      maxWaitMs: e.NER_MAX_WAIT_MS,
    },
    dataAccess: {
      maxBytes: e.FETCH_MAX_BYTES,
      timeoutMs: e.FETCH_TIMEOUT_MS,
      maxRedirects: e.FETCH_MAX_REDIRECTS,
      allowHosts: e.FETCH_ALLOW_HOSTS,
    },
    s3:
      e.S3_ACCESS_KEY_ID === undefined || e.S3_SECRET_ACCESS_KEY === undefined
        ? undefined
        : {
            endpoint: e.S3_ENDPOINT?.replace(/\/+$/, ''),
            region: e.S3_REGION,
            accessKeyId: e.S3_ACCESS_KEY_ID,
            secretAccessKey: e.S3_SECRET_ACCESS_KEY,
            forcePathStyle: e.S3_FORCE_PATH_STYLE ?? e.S3_ENDPOINT !== undefined,
            directBuckets: e.S3_BUCKETS,
          },
    pdf: {
      maxBytes: e.PDF_MAX_BYTES,
      maxPages: e.PDF_MAX_PAGES,
      pageTimeoutMs: e.PDF_PAGE_TIMEOUT_MS,
      threads: e.PDF_THREADS || Math.min(4, availableParallelism()),
      threadMemoryMb: e.PDF_THREAD_MEMORY_MB,
      ocrDevice: e.PDF_OCR_DEVICE,
      pageImages:
        e.PDF_PAGE_IMAGES === 's3'
          ? { store: 's3', bucket: e.PDF_PAGE_IMAGE_BUCKET!, prefix: e.PDF_PAGE_IMAGE_PREFIX }
          : { store: e.PDF_PAGE_IMAGES },
    },
    logLevel: e.LOG_LEVEL,
  };
}

export function loadClientConfig(env: Record<string, string | undefined>): ClientConfig {
  const e = parse(ClientEnv, env);
  return {
    gatewayUrl: e.PRELABEL_URL.replace(/\/+$/, ''),
    logLevel: e.LOG_LEVEL,
    basicAuth:
      e.BASIC_AUTH_USER && e.BASIC_AUTH_PASS ? { user: e.BASIC_AUTH_USER, pass: e.BASIC_AUTH_PASS } : undefined,
  };
}
