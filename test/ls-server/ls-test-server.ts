/**
 * A Label Studio 1.22-compatible HTTP server for integration tests and the benchmark
 * (docs/label-studio-protocol.md §2–§4), in memory, on plain `node:http`: the REST surface prelabel
 * uses, plus LS's side of the ML-backend protocol (`/api/ml`, "Retrieve Predictions", the single-task
 * trap) and webhooks (`/api/webhooks`, TASKS_CREATED / TASKS_DELETED / PROJECT_UPDATED deliveries).
 *
 * `startLabelStudioTestServer(options)` listens on `options.host`:`options.port` (127.0.0.1:0 by default)
 * and resolves to a handle with the server's `url`, its tokens, in-process seeding/inspection/fault
 * controls and `close()`. Every control is also served as JSON under `/__admin/...` without auth (see
 * `admin-api.ts`), so a test in another process can drive a standalone server (`main.ts`).
 *
 * Request pipeline for LS routes: 503 while "down" → added latency → route match (404 / 405) → request
 * counted → auth (401) → injected fault (429 / 500 before the handler, or 500 after it ran) → handler.
 * It is an independent oracle: it shares only wire types with the code under test.
 * Files (protocol §5.2): uploads, local files and cloud storages are seeded in process or through
 * `/__admin/...` and served by LS's file routes (`files-api.ts`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LabelStudioProject } from '../../shared/src/label-studio/types.ts';
import { createAdminRouter } from './admin-api.ts';
import { type AuthSettings, TokenAuthority } from './auth.ts';
import { type FaultDecision, FaultInjector, type FaultSettings, type QueuedFault } from './faults.ts';
import { type CloudStorageInput, type FileSettings, FileStore, type StoredUpload } from './files-api.ts';
import { ApiError, errorReply, parseJsonBody, type Reply, type RequestContext, readBody } from './http.ts';
import { parseLabelConfig } from './label-config.ts';
import {
  createLsRouter,
  emptyCounters,
  type LsCounters,
  PUBLIC_ROUTES,
  READ_FAULT_ROUTES,
  WRITE_ROUTES,
} from './ls-api.ts';
import { DEFAULT_ML_TIMEOUTS, MlBackends, type MlCall, type MlTimeouts, type RetrieveRecord } from './ml-backends.ts';
import { mlBackendJson, projectJson, taskJson, webhookJson } from './serialize.ts';
import { LsStore, type NewProject, type NewTask, type StoredProject } from './store.ts';
import { type WebhookDelivery, WebhookEmitter } from './webhooks.ts';

export type { AuthSettings } from './auth.ts';
export type { FaultKind, FaultSettings, QueuedFault } from './faults.ts';
export type { CloudScheme, CloudStorageInput, FileSettings } from './files-api.ts';
export type { LsCounters } from './ls-api.ts';
export type { MlCall, MlTimeouts, PredictOutcome, RetrieveRecord } from './ml-backends.ts';
export type { NewPrediction, NewProject, NewTask } from './store.ts';
export type { WebhookDelivery } from './webhooks.ts';

export interface LabelStudioTestServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** The legacy DRF token; random 40 hex characters by default. */
  legacyToken?: string;
  /** Default true; false makes `Token` auth answer LS's "legacy token authentication has been disabled" 401. */
  legacyTokensEnabled?: boolean;
  /** Default true; false makes every Bearer token fail (LS org setting `api_tokens_enabled`). */
  apiTokensEnabled?: boolean;
  /** Lifetime of access tokens from `/api/token/refresh/`; default 5 minutes as in LS. */
  accessTokenTtlMs?: number;
  /** HS256 secret for the PAT and access tokens; random by default. */
  jwtSecret?: string;
  /** Seed of the fault PRNG; default 1. */
  seed?: number;
  /** Initial fault settings (rates, Retry-After, latency, down). */
  faults?: Partial<FaultSettings>;
  /** Request body limit; default 250 MB (LS's DATA_UPLOAD_MAX_MEMORY_SIZE). */
  maxBodyBytes?: number;
  /** LS's ML_TIMEOUT_HEALTH / ML_TIMEOUT_SETUP / ML_TIMEOUT_PREDICT; default 1 s / 3 s / 100 s. */
  mlTimeouts?: Partial<MlTimeouts>;
  /** `hostname` sent in `/setup` (LS's LABEL_STUDIO_HOST); default `http://localhost:8080`. */
  hostname?: string;
  /** WEBHOOK_TIMEOUT of one delivery; default 1000 ms. */
  webhookTimeoutMs?: number;
  /** WEBHOOK_BATCH_SIZE: items per TASKS_CREATED / TASKS_DELETED POST; default 5000. */
  webhookBatchSize?: number;
  /** File serving switches (LOCAL_FILES_SERVING_ENABLED, USE_NGINX_FOR_UPLOADS); both off by default. */
  files?: Partial<FileSettings>;
}

/** An upload as LS stores it: `file` is the storage name, `url` where LS serves it (`/data/<file>`). */
export interface UploadRecord {
  id: number;
  project: number;
  file: string;
  url: string;
  size: number;
}

/**
 * Tasks to seed: either explicit `tasks`, or `count` generated tasks whose `data[dataKey]` (default
 * `text`) is `texts[i % texts.length]` or `textTemplate` (default `"Task {id}"`), with placeholders
 * `{i}` (0-based index in this call), `{n}` (1-based) and `{id}` (task id), merged over `data`.
 */
export interface TaskSeed {
  tasks?: NewTask[];
  count?: number;
  texts?: string[];
  textTemplate?: string;
  dataKey?: string;
  data?: Record<string, unknown>;
  /**
   * Send TASKS_CREATED to the project's webhooks, as every LS import does; default true. Only projects
   * with an active matching webhook (e.g. one `/api/ml` created) emit anything.
   */
  emitWebhooks?: boolean;
}

export interface SeededTasks {
  created: number;
  /** Ids of one seeding call are contiguous: firstId..lastId (null when nothing was created). */
  firstId: number | null;
  lastId: number | null;
}

export interface PredictionRecord {
  id: number;
  task: number;
  project: number;
  model_version: string;
  score: number | null;
  result: unknown[];
  created_at: string;
}

/** Project fields an admin may set directly, bypassing LS's validation. */
export interface ProjectOverrides {
  title?: string;
  label_config?: string;
  model_version?: string | null;
  show_collab_predictions?: boolean;
  evaluate_predictions_automatically?: boolean;
}

export interface LabelStudioTestServer {
  readonly url: string;
  readonly legacyToken: string;
  /** A JWT refresh token: exchange it at `/api/token/refresh/`; LS refuses it as Bearer. */
  readonly personalAccessToken: string;
  close(): Promise<void>;

  createProject(input: NewProject): LabelStudioProject;
  updateProject(projectId: number, overrides: ProjectOverrides): LabelStudioProject;
  createTasks(projectId: number, seed: TaskSeed): SeededTasks;
  /** Deletes tasks of the project (all when `ids` is absent); emits TASKS_DELETED unless `emitWebhooks` is false. */
  deleteTasks(projectId: number, options?: { ids?: number[]; emitWebhooks?: boolean }): { deleted: number };
  getProject(projectId: number): LabelStudioProject | undefined;
  /** The task as `GET /api/tasks/{id}/` shows it, without counting a trap call. */
  getTask(taskId: number): Record<string, unknown> | undefined;
  predictionsOf(projectId: number): PredictionRecord[];
  /** How many tasks of the project hold more than one prediction of `modelVersion`. */
  duplicates(projectId: number, modelVersion: string): number;
  counters(): LsCounters;
  resetCounters(): void;
  /**
   * Drops all projects, tasks, predictions, ML backends, webhooks, counters, faults, the backend-call
   * log and the webhook deliveries; tokens stay valid.
   */
  reset(): void;

  setFaults(patch: Partial<FaultSettings> & { seed?: number }): FaultSettings;
  /** Queues exact faults; throws (400 over HTTP) for a `route` that is not an LS route name. */
  failNext(faults: QueuedFault[]): void;
  /** Current fault settings and the still-queued faults. */
  faults(): { settings: FaultSettings; queued: QueuedFault[] };
  clearFaults(): void;
  setDown(down: boolean): void;

  setAuth(patch: Partial<AuthSettings>): AuthSettings;
  authSettings(): AuthSettings;

  /** The project's ML backends as `/api/ml` shows them, without calling them (no update_state). */
  mlBackendsOf(projectId: number): Record<string, unknown>[];
  /** Every request LS made to an ML backend, oldest first (the last 10 000). */
  mlCalls(): MlCall[];
  /** The last "Retrieve Predictions" action: timing, what was sent, skipped, rejected and stored. */
  lastRetrieve(): RetrieveRecord | null;
  /** The project's webhooks as `/api/webhooks/` shows them. */
  webhooksOf(projectId: number): Record<string, unknown>[];
  /** Every webhook delivery attempt, oldest first (the last 10 000). */
  webhookDeliveries(): WebhookDelivery[];
  clearWebhookDeliveries(): void;
  /** Resolves once every webhook delivery queued so far has been tried. */
  webhooksSettled(): Promise<void>;
  /** Posts the last webhook emission (of `action`) again `times` times, in order; resolves with those attempts. */
  redeliverWebhooks(times: number, action?: string): Promise<WebhookDelivery[]>;

  /** Stores a file as an LS upload of the project (served at `url`, `/data/upload/<project>/<8 hex>-<name>`). */
  putUpload(projectId: number, name: string, bytes: Uint8Array): UploadRecord;
  /** The project's uploads, oldest first (seeded or made by `POST /api/projects/{id}/import`). */
  uploadsOf(projectId: number): UploadRecord[];
  /** The bytes of an upload by storage name (`upload/…`), or undefined. */
  uploadBytes(file: string): Uint8Array | undefined;
  /** A file under LS's document root `/`, served by `/data/local-files/?d=` when a Local Files storage covers it. */
  putLocalFile(path: string, bytes: Uint8Array, contentType?: string): void;
  addLocalFilesStorage(projectId: number, path: string): { id: number };
  /** A cloud import storage of a project, for `/tasks/{id}/resolve|presign/` (see files-api.ts). */
  addCloudStorage(input: CloudStorageInput): { id: number };
  /** An object LS streams for a storage with presign off, by URI (`s3://bucket/key`). */
  putCloudObject(uri: string, bytes: Uint8Array, contentType?: string): void;
  setFileSettings(patch: Partial<FileSettings>): FileSettings;
  fileSettings(): FileSettings;
}

const DEFAULT_MAX_BODY = 250 * 1024 * 1024;

function fillTemplate(template: string, i: number, id: number): string {
  return template
    .replaceAll('{i}', String(i))
    .replaceAll('{n}', String(i + 1))
    .replaceAll('{id}', String(id));
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let payload: string | Buffer | undefined;
  if (reply.raw !== undefined) {
    headers['Content-Type'] = reply.raw.contentType;
    payload = 'bytes' in reply.raw ? Buffer.from(reply.raw.bytes) : reply.raw.text;
  } else if (reply.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(reply.body);
  }
  if (payload !== undefined) headers['Content-Length'] = String(Buffer.byteLength(payload));
  res.writeHead(reply.status, headers);
  res.end(payload);
}

function faultReply(decision: FaultDecision): Reply {
  if (decision.kind === '429') {
    const wait = decision.retryAfterS;
    return errorReply(
      new ApiError(429, `Request was throttled. Expected available in ${wait} second${wait === 1 ? '' : 's'}.`, {
        headers: { 'Retry-After': String(wait) },
      }),
    );
  }
  // Identical body before and after the write: a client cannot tell whether it was lost.
  return errorReply(new ApiError(500, 'ls-test-server injected failure'));
}

export async function startLabelStudioTestServer(
  options: LabelStudioTestServerOptions = {},
): Promise<LabelStudioTestServer> {
  const store = new LsStore();
  const auth = new TokenAuthority(options);
  const faults = new FaultInjector(options.seed ?? 1);
  if (options.faults !== undefined) faults.configure(options.faults);
  const counters = emptyCounters();
  let inFlight = 0;
  let url = '';
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const ml = new MlBackends({
    store,
    timeouts: { ...DEFAULT_ML_TIMEOUTS, ...options.mlTimeouts },
    hostname: options.hostname ?? 'http://localhost:8080',
    accessToken: auth.legacyToken,
    onCall: (call) => {
      counters.mlCalls[call.endpoint] += 1;
    },
    onStored: (count) => {
      counters.predictionsFromBackend += count;
    },
  });
  const webhooks = new WebhookEmitter(store, {
    timeoutMs: options.webhookTimeoutMs ?? 1000,
    batchSize: options.webhookBatchSize ?? 5000,
  });
  const files = new FileStore();
  if (options.files !== undefined) files.settings = { ...files.settings, ...options.files };
  const lsRouter = createLsRouter({ store, auth, counters, ml, webhooks, files, baseUrl: () => url });
  const uploadRecord = (upload: StoredUpload): UploadRecord => ({
    id: upload.id,
    project: upload.project,
    file: upload.file,
    url: `/data/${upload.file}`,
    size: upload.bytes.byteLength,
  });

  const projectOrThrow = (projectId: number): StoredProject => {
    const project = store.projects.get(projectId);
    if (project === undefined) throw ApiError.notFound();
    return project;
  };

  const handleLs = async (req: IncomingMessage, requestUrl: URL): Promise<Reply> => {
    const method = req.method ?? 'GET';
    if (faults.settings.down) {
      counters.down503 += 1;
      return { status: 503, raw: { contentType: 'text/html', text: '<h1>503 Service Unavailable</h1>\n' } };
    }
    if (faults.settings.latencyMs > 0) await sleep(faults.settings.latencyMs);
    const match = lsRouter.match(method, requestUrl.pathname);
    if (match.kind !== 'found') {
      counters.requests['unknown'] = (counters.requests['unknown'] ?? 0) + 1;
      if (match.kind === 'method-not-allowed') throw new ApiError(405, `Method "${method}" not allowed.`);
      throw ApiError.notFound();
    }
    const { route, ids, rest } = match;
    counters.requests[route.name] = (counters.requests[route.name] ?? 0) + 1;
    const raw = method === 'GET' ? Buffer.alloc(0) : await readBody(req, maxBody);
    if (!PUBLIC_ROUTES.has(route.name)) {
      const denied = auth.authenticate(req.headers);
      if (denied !== null) throw denied;
    }
    const contentType = req.headers['content-type'] ?? '';
    // DRF's request.data of a multipart body holds no JSON; the files route reads the raw body.
    const isMultipart = /^multipart\/form-data/i.test(contentType);
    const ctx: RequestContext = {
      method,
      ids,
      query: requestUrl.searchParams,
      body: isMultipart ? {} : parseJsonBody(raw),
      ...(rest === undefined ? {} : { rest }),
      ...(isMultipart ? { multipart: { contentType, raw } } : {}),
    };
    const decision = faults.decide(route.name, WRITE_ROUTES.has(route.name), READ_FAULT_ROUTES.has(route.name));
    if (decision === null) return route.handler(ctx);
    counters.injected[decision.kind] += 1;
    if (decision.kind === '500-after') {
      try {
        await route.handler(ctx);
      } catch {
        // The request failed on its own; the lost response still reads as a 500.
      }
    }
    return faultReply(decision);
  };

  const handle: LabelStudioTestServer = {
    get url() {
      return url;
    },
    legacyToken: auth.legacyToken,
    personalAccessToken: auth.personalAccessToken,

    close: () =>
      new Promise<void>((resolve, reject) => {
        webhooks.close();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),

    createProject: (input) => projectJson(store.createProject(input)),

    updateProject: (projectId, overrides) => {
      const project = projectOrThrow(projectId);
      if (overrides.label_config !== undefined) {
        project.parsed = parseLabelConfig(overrides.label_config);
        project.label_config = overrides.label_config;
      }
      if (overrides.title !== undefined) project.title = overrides.title;
      if (overrides.model_version !== undefined) project.model_version = overrides.model_version;
      if (overrides.show_collab_predictions !== undefined) {
        project.show_collab_predictions = overrides.show_collab_predictions;
      }
      if (overrides.evaluate_predictions_automatically !== undefined) {
        project.evaluate_predictions_automatically = overrides.evaluate_predictions_automatically;
      }
      return projectJson(project);
    },

    createTasks: (projectId, seed) => {
      const project = projectOrThrow(projectId);
      const explicit = seed.tasks;
      const texts = seed.texts !== undefined && seed.texts.length > 0 ? seed.texts : [seed.textTemplate ?? 'Task {id}'];
      const dataKey = seed.dataKey ?? 'text';
      const created =
        explicit !== undefined
          ? store.createTasks(project, explicit.length, (i) => explicit[i]!)
          : store.createTasks(project, seed.count ?? 0, (i, id) => ({
              data: { ...seed.data, [dataKey]: fillTemplate(texts[i % texts.length]!, i, id) },
            }));
      if (seed.emitWebhooks !== false) webhooks.tasksCreated(project, created);
      return { created: created.length, firstId: created[0]?.id ?? null, lastId: created.at(-1)?.id ?? null };
    },

    deleteTasks: (projectId, deletion = {}) => {
      const project = projectOrThrow(projectId);
      const deleted = store.deleteTasks(project, deletion.ids ?? [...project.taskIds]);
      if (deletion.emitWebhooks !== false) {
        webhooks.tasksDeleted(
          project,
          deleted.map((task) => task.id),
        );
      }
      return { deleted: deleted.length };
    },

    getProject: (projectId) => {
      const project = store.projects.get(projectId);
      return project === undefined ? undefined : projectJson(project);
    },

    getTask: (taskId) => {
      const task = store.tasks.get(taskId);
      return task === undefined ? undefined : taskJson(task, { full: true });
    },

    predictionsOf: (projectId) =>
      [...(store.projects.get(projectId)?.predictions.values() ?? [])].map((p) => ({
        id: p.id,
        task: p.task,
        project: p.project,
        model_version: p.model_version,
        score: p.score,
        result: p.result,
        created_at: p.created_at,
      })),

    duplicates: (projectId, modelVersion) => {
      const project = store.projects.get(projectId);
      return project === undefined ? 0 : store.duplicates(project, modelVersion);
    },

    counters: () => structuredClone(counters),
    resetCounters: () => {
      Object.assign(counters, emptyCounters());
    },
    reset: () => {
      store.reset();
      Object.assign(counters, emptyCounters());
      faults.clear();
      ml.reset();
      webhooks.reset();
      files.reset();
      if (options.files !== undefined) files.settings = { ...files.settings, ...options.files };
    },

    setFaults: (patch) => faults.configure(patch),
    failNext: (list) => {
      const known = lsRouter.names();
      const unknown = list.find((fault) => fault.route !== undefined && !known.has(fault.route));
      // A misspelt route would silently never fire; refuse it instead.
      if (unknown !== undefined) throw ApiError.validation({ route: [`Unknown route ${unknown.route}`] });
      faults.enqueue(list);
    },
    faults: () => ({ settings: { ...faults.settings }, queued: [...faults.queued] }),
    clearFaults: () => faults.clear(),
    setDown: (down) => {
      faults.configure({ down });
    },

    setAuth: (patch) => {
      auth.settings = { ...auth.settings, ...patch };
      return { ...auth.settings };
    },
    authSettings: () => ({ ...auth.settings }),

    mlBackendsOf: (projectId) => store.mlBackendsOf(projectOrThrow(projectId).id).map(mlBackendJson),
    mlCalls: () => ml.calls(),
    lastRetrieve: () => (ml.lastRetrieve === null ? null : { ...ml.lastRetrieve }),
    webhooksOf: (projectId) => store.webhooksOf(projectOrThrow(projectId).id).map(webhookJson),
    webhookDeliveries: () => webhooks.deliveries(),
    clearWebhookDeliveries: () => webhooks.clearDeliveries(),
    webhooksSettled: () => webhooks.settled(),
    redeliverWebhooks: (times, action) => webhooks.redeliver(times, action),

    putUpload: (projectId, name, bytes) => uploadRecord(files.putUpload(projectOrThrow(projectId).id, name, bytes)),
    uploadsOf: (projectId) => files.uploadsOf(projectOrThrow(projectId).id).map(uploadRecord),
    uploadBytes: (file) => files.uploads.get(file)?.bytes,
    putLocalFile: (path, bytes, contentType) => files.putLocalFile(path, bytes, contentType),
    addLocalFilesStorage: (projectId, path) => files.addLocalFilesStorage(projectOrThrow(projectId).id, path),
    addCloudStorage: (input) => files.addCloudStorage({ ...input, project: projectOrThrow(input.project).id }),
    putCloudObject: (uri, bytes, contentType) => files.putCloudObject(uri, bytes, contentType),
    setFileSettings: (patch) => {
      files.settings = { ...files.settings, ...patch };
      return { ...files.settings };
    },
    fileSettings: () => ({ ...files.settings }),
  };

  const adminRouter = createAdminRouter(handle);
  const handleAdmin = async (req: IncomingMessage, requestUrl: URL): Promise<Reply> => {
    const method = req.method ?? 'GET';
    const match = adminRouter.match(method, requestUrl.pathname);
    if (match.kind === 'method-not-allowed') throw new ApiError(405, `Method "${method}" not allowed.`);
    if (match.kind === 'not-found') throw ApiError.notFound();
    const raw = method === 'GET' ? Buffer.alloc(0) : await readBody(req, maxBody);
    return match.route.handler({ method, ids: match.ids, query: requestUrl.searchParams, body: parseJsonBody(raw) });
  };

  const server = createServer((req, res) => {
    inFlight += 1;
    counters.maxInFlight = Math.max(counters.maxInFlight, inFlight);
    const requestUrl = new URL(req.url ?? '/', 'http://ls-test-server');
    const isAdmin = requestUrl.pathname === '/__admin' || requestUrl.pathname.startsWith('/__admin/');
    const work = isAdmin ? handleAdmin(req, requestUrl) : handleLs(req, requestUrl);
    work
      .catch((error: unknown) => {
        if (error instanceof ApiError) {
          if (error.status === 401) counters.unauthorized += 1;
          return errorReply(error);
        }
        return errorReply(new ApiError(500, error instanceof Error ? error.message : String(error)));
      })
      .then((reply) => {
        inFlight -= 1;
        // The body may be unread when we answer early (404, 401, 503); drain it so keep-alive survives.
        req.resume();
        send(res, reply);
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  url = `http://${host}:${address.port}`;

  return handle;
}
