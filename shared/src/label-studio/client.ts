/**
 * The Label Studio REST client, grouped by resource like LS's own SDK
 * (`labelStudio.projects.get`, `labelStudio.tasks.pages`, `labelStudio.tasks.patch`,
 * `labelStudio.uploads.create`, `labelStudio.predictions.create`, `labelStudio.ml.create`,
 * `labelStudio.webhooks.update`). `labelStudio.authorization()` gives the current `Authorization`
 * value for requests made elsewhere (task file downloads from LS, shared/src/data-access).
 *
 * Auth (docs/label-studio-protocol.md §4.1): a key that decodes as a JWT is a personal access token
 * (a refresh token) and is exchanged at `/api/token/refresh/` for a `Bearer` access token, cached
 * and refreshed 30 s before its `exp` and once on a 401; any other key is a legacy `Token`.
 * Every call has a timeout and takes an `AbortSignal`. Failures are thrown as {@link LabelStudioError}
 * (see errors.ts for the classification). The client never calls `GET /api/tasks/{id}`: on a task
 * without predictions that makes LS call the ML backend (us) synchronously.
 */
import { canonicalJson } from '../pipelines/pipeline.ts';
import { untilAborted } from '../runtime/abort.ts';
import { classifyStatus, describeBody, explainStatus, LabelStudioError, parseRetryAfterMs } from './errors.ts';
import type { LabelStudioPrediction, LabelStudioProject, LabelStudioRegion, LabelStudioTask } from './types.ts';

export interface LabelStudioClientOptions {
  baseUrl: string;
  apiKey: string;
  /** @defaultValue 30 000 */
  timeoutMs?: number;
  /** Refresh an access token this long before its `exp`. @defaultValue 30 000 */
  refreshMarginMs?: number;
  /**
   * Most files in one upload request: LS's DATA_UPLOAD_MAX_NUMBER_FILES, past which Django fails
   * the whole request. @defaultValue 100 (LS's default)
   */
  uploadMaxFiles?: number;
}

/** LS's default DATA_UPLOAD_MAX_NUMBER_FILES (core/settings/base.py). */
export const DEFAULT_UPLOAD_MAX_FILES = 100;
/**
 * Bytes one upload request gathers before the next begins (a larger single file goes alone): keeps
 * each request well under the body limits of the proxies usually in front of LS.
 */
export const UPLOAD_BATCH_BYTES = 32 * 1024 * 1024;

/**
 * Splits files into consecutive batches of at most `maxFiles` files and, unless a single file is
 * larger, `maxBytes` bytes; the order is kept.
 */
export function uploadBatches<T extends { bytes: Uint8Array }>(
  files: readonly T[],
  maxFiles: number,
  maxBytes: number,
): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let currentBytes = 0;
  for (const file of files) {
    if (current.length > 0 && (current.length >= maxFiles || currentBytes + file.bytes.byteLength > maxBytes)) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(file);
    currentBytes += file.bytes.byteLength;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** A file to upload to a project. */
export interface UploadFile {
  name: string;
  bytes: Uint8Array;
  contentType: string;
}

export interface CallOptions {
  signal?: AbortSignal | undefined;
}

export interface PredictionImportItem {
  task: number;
  result: LabelStudioRegion[];
  score?: number | null;
  model_version: string;
}

export interface ImportOutcome {
  /** LS's `created` count. */
  created: number;
  /** Items LS answered 201 for but did not store (it drops items failing validation silently). */
  dropped: PredictionImportItem[];
}

export interface TaskPage {
  tasks: LabelStudioTask[];
  /** LS's count of tasks matching the filter. */
  total: number;
}

/** An ML backend as `/api/ml` shows it (MLBackendSerializer, protocol §4.6; the password is write-only). */
export interface LabelStudioMlBackend {
  id: number;
  /** `CO` connected, `DI` disconnected, `ER` error, `TR` training, `PR` predicting. */
  state: 'CO' | 'DI' | 'ER' | 'TR' | 'PR';
  readable_state?: string;
  is_interactive: boolean;
  url: string;
  error_message: string | null;
  title: string | null;
  auth_method?: 'NONE' | 'BASIC_AUTH';
  basic_auth_user?: string | null;
  basic_auth_pass_is_set?: boolean;
  /** Whatever was stored: the LS UI stores a string of JSON, API clients may store an object. */
  extra_params?: unknown;
  model_version: string | null;
  project: number;
  [key: string]: unknown;
}

/** Writable fields of an ML backend. */
export interface MlBackendWrite {
  url?: string;
  project?: number;
  title?: string;
  description?: string;
  is_interactive?: boolean;
  auth_method?: 'NONE' | 'BASIC_AUTH';
  basic_auth_user?: string;
  basic_auth_pass?: string;
  extra_params?: unknown;
}

/** A project webhook (protocol §3.4). */
export interface LabelStudioWebhook {
  id: number;
  project: number | null;
  url: string;
  send_payload: boolean;
  send_for_all_actions: boolean;
  /** Custom headers LS sends with every delivery (at most 10). */
  headers: Record<string, string>;
  is_active: boolean;
  actions: string[];
  [key: string]: unknown;
}

export type WebhookWrite = Partial<
  Pick<LabelStudioWebhook, 'url' | 'send_payload' | 'send_for_all_actions' | 'headers' | 'is_active' | 'actions'>
>;

interface ProjectPage {
  count?: number;
  next?: string | null;
  results?: LabelStudioProject[];
}

interface JwtClaims {
  exp?: number;
  token_type?: string;
}

function decodeJwt(token: string): JwtClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as { alg?: unknown };
    if (typeof header.alg !== 'string') return undefined;
    return JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as JwtClaims;
  } catch {
    return undefined;
  }
}

/**
 * Whether a page filtered on `tasks:id > cursor` was the last one. LS's `total` counts every task
 * matching the filter, so the page is last when it holds them all; a short page alone proves
 * nothing, because LS may cap `page_size` (`TASK_API_PAGE_SIZE_MAX`).
 */
export function isLastPage(page: { tasks: readonly unknown[]; total?: unknown }, pageSize: number): boolean {
  if (page.tasks.length === 0) return true;
  return typeof page.total === 'number' ? page.tasks.length >= page.total : page.tasks.length < pageSize;
}

/** Where LS serves an upload stored as `file` (a storage name such as `upload/3/ab12cd34-a.png`). */
export function uploadUrl(file: string): string {
  if (/^https?:\/\//.test(file) || file.startsWith('/')) return file;
  return `/data/${file}`;
}

const idFilter = (operator: string, value: number) => ({
  filter: 'filter:tasks:id',
  operator,
  type: 'Number',
  value,
});

export type LabelStudioClient = ReturnType<typeof createLabelStudioClient>;

export function createLabelStudioClient(options: LabelStudioClientOptions) {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  const refreshMarginMs = options.refreshMarginMs ?? 30_000;
  const patClaims = decodeJwt(options.apiKey);
  let access: { header: string; expiresAtMs: number } | undefined;
  let refreshing: Promise<string> | undefined;

  async function exchangePat(): Promise<string> {
    const path = '/api/token/refresh/';
    const response = await send('POST', path, { refresh: options.apiKey }, undefined, undefined);
    const text = await response.text();
    if (!response.ok) {
      throw new LabelStudioError({
        message: `POST ${path}: ${explainStatus(response.status)} while exchanging the personal access token`,
        kind: classifyStatus(response.status),
        status: response.status,
        method: 'POST',
        path,
        ...(response.status === 429 ? { retryAfterMs: parseRetryAfterMs(response.headers.get('retry-after')) } : {}),
      });
    }
    const token = (JSON.parse(text) as { access?: unknown }).access;
    if (typeof token !== 'string') {
      throw new LabelStudioError({
        message: `POST ${path}: the answer holds no access token`,
        kind: 'permanent',
        status: response.status,
        method: 'POST',
        path,
      });
    }
    const exp = decodeJwt(token)?.exp;
    // An access token without exp is re-exchanged every 4 minutes (LS's default lifetime is 5).
    const expiresAtMs = exp === undefined ? Date.now() + 240_000 : exp * 1000;
    access = { header: `Bearer ${token}`, expiresAtMs };
    return access.header;
  }

  async function authHeader(signal: AbortSignal | undefined, forceRefresh = false): Promise<string> {
    if (patClaims === undefined) return `Token ${options.apiKey}`;
    if (patClaims.exp !== undefined && patClaims.exp * 1000 < Date.now()) {
      throw new LabelStudioError({
        message: 'LABEL_STUDIO_API_KEY is a personal access token that has expired: create a new one in Label Studio',
        kind: 'permanent',
        status: 401,
        method: 'POST',
        path: '/api/token/refresh/',
      });
    }
    if (!forceRefresh && access && access.expiresAtMs - refreshMarginMs > Date.now()) return access.header;
    // Concurrent calls share one exchange, so it runs under the timeout only: one caller's abort must not
    // fail the others. Each caller still stops waiting as soon as its own signal aborts.
    refreshing ??= exchangePat().finally(() => {
      refreshing = undefined;
    });
    return signal ? untilAborted(refreshing, signal) : refreshing;
  }

  async function send(
    method: string,
    path: string,
    body: unknown,
    authorization: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (authorization) headers.authorization = authorization;
    // A FormData body is sent as multipart/form-data, with the boundary fetch chooses.
    const isForm = body instanceof FormData;
    if (body !== undefined && !isForm) headers['content-type'] = 'application/json';
    try {
      return await fetch(`${baseUrl}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: isForm ? body : JSON.stringify(body) }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      const pathOnly = path.split('?')[0]!;
      if (signal?.aborted) throw signal.reason ?? error;
      const reason = timeout.aborted ? `timed out after ${timeoutMs} ms` : 'unreachable';
      throw new LabelStudioError({
        message: `${method} ${pathOnly}: Label Studio at ${baseUrl} is ${reason} (${(error as Error).cause ?? (error as Error).message})`,
        kind: 'retryable',
        status: 0,
        method,
        path: pathOnly,
        cause: error,
      });
    }
  }

  async function request<T>(
    method: string,
    path: string,
    init: { body?: unknown; signal?: AbortSignal | undefined; allowNotFound?: boolean } = {},
  ): Promise<T | undefined> {
    let response = await send(method, path, init.body, await authHeader(init.signal), init.signal);
    if (response.status === 401 && patClaims !== undefined) {
      // The access token may have been revoked or outlived its exp on LS's clock: exchange once more.
      await response.body?.cancel();
      response = await send(method, path, init.body, await authHeader(init.signal, true), init.signal);
    }
    if (response.status === 204) return undefined;
    const text = await response.text();
    if (response.ok) return (text === '' ? undefined : JSON.parse(text)) as T;
    if (response.status === 404 && init.allowNotFound) return undefined;
    const pathOnly = path.split('?')[0]!;
    const retryAfterMs = response.status === 429 ? parseRetryAfterMs(response.headers.get('retry-after')) : undefined;
    const detail = describeBody(text);
    throw new LabelStudioError({
      message: `${method} ${pathOnly}: ${explainStatus(response.status)}${detail ? `: ${detail}` : ''}`,
      kind: classifyStatus(response.status),
      status: response.status,
      method,
      path: pathOnly,
      ...(retryAfterMs === undefined ? (response.status === 429 ? { retryAfterMs: 1000 } : {}) : { retryAfterMs }),
    });
  }

  function tasksQuery(params: {
    project: number;
    pageSize: number;
    page?: number;
    fields?: 'all' | 'task_only';
    filters: ReturnType<typeof idFilter>[];
  }): string {
    const query = {
      filters: { conjunction: 'and', items: params.filters },
      ordering: ['tasks:id'],
    };
    const search = new URLSearchParams({
      project: String(params.project),
      page: String(params.page ?? 1),
      page_size: String(params.pageSize),
      fields: params.fields ?? 'all',
      query: JSON.stringify(query),
    });
    return `/api/tasks/?${search}`;
  }

  const projects = {
    get: (id: number, call: CallOptions = {}) =>
      request<LabelStudioProject>('GET', `/api/projects/${id}/`, {
        signal: call.signal,
      }) as Promise<LabelStudioProject>,
    /** Like `get`, but undefined when the project does not exist. */
    find: (id: number, call: CallOptions = {}) =>
      request<LabelStudioProject>('GET', `/api/projects/${id}/`, { signal: call.signal, allowNotFound: true }),
    /**
     * Every project visible to the key, or those whose title contains `title` (LS filters
     * case-insensitively), following LS 1.22's pages (`{count, next, previous, results}`, at most 100 each).
     */
    list: async (params: { title?: string } = {}, call: CallOptions = {}): Promise<LabelStudioProject[]> => {
      const found: LabelStudioProject[] = [];
      for (let page = 1; ; page += 1) {
        const search = new URLSearchParams({ page: String(page), page_size: '100' });
        if (params.title !== undefined) search.set('title', params.title);
        const answer = await request<ProjectPage | LabelStudioProject[]>('GET', `/api/projects/?${search}`, {
          signal: call.signal,
          allowNotFound: true,
        });
        // Older LS answered one plain array.
        if (Array.isArray(answer)) return answer;
        const results = answer?.results ?? [];
        found.push(...results);
        if (!answer?.next || results.length === 0) return found;
      }
    },
    patch: (id: number, body: Partial<LabelStudioProject>, call: CallOptions = {}) =>
      request<LabelStudioProject>('PATCH', `/api/projects/${id}/`, {
        body,
        signal: call.signal,
      }) as Promise<LabelStudioProject>,
    /**
     * `POST /api/projects/{id}/import/predictions`. LS answers 201 `{"created": n}` and silently drops
     * items that fail its validation, so when `created` falls short the tasks are listed again and
     * every item without a matching stored prediction (same task, version and result, and not one of
     * `existingIds`) is reported as dropped.
     */
    importPredictions: async (
      id: number,
      items: PredictionImportItem[],
      call: CallOptions & { existingIds?: ReadonlySet<number> } = {},
    ): Promise<ImportOutcome> => {
      if (items.length === 0) return { created: 0, dropped: [] };
      const answer = await request<{ created?: unknown }>('POST', `/api/projects/${id}/import/predictions`, {
        body: items,
        signal: call.signal,
      });
      const created = typeof answer?.created === 'number' ? answer.created : 0;
      if (created >= items.length) return { created, dropped: [] };
      const stored = await tasks.listByIds(
        id,
        items.map((item) => item.task),
        call,
      );
      const storedKeys = new Set<string>();
      for (const task of stored) {
        for (const prediction of task.predictions ?? []) {
          if (call.existingIds?.has(prediction.id)) continue;
          storedKeys.add(`${task.id}\u0000${prediction.model_version}\u0000${canonicalJson(prediction.result)}`);
        }
      }
      const dropped = items.filter(
        (item) => !storedKeys.has(`${item.task}\u0000${item.model_version}\u0000${canonicalJson(item.result)}`),
      );
      return { created, dropped };
    },
  };

  const tasks = {
    /**
     * Pages a project's tasks in id order with a stable cursor (`tasks:id > last id`, always page 1),
     * so tasks added or deleted meanwhile never shift a page. Starts after `afterId` (exclusive).
     */
    pages: async function* (
      params: { project: number; pageSize: number; afterId?: number; fields?: 'all' | 'task_only' },
      call: CallOptions = {},
    ): AsyncGenerator<TaskPage> {
      let afterId = params.afterId ?? 0;
      for (;;) {
        const path = tasksQuery({ ...params, filters: [idFilter('greater', afterId)] });
        const page = await request<TaskPage>('GET', path, { signal: call.signal, allowNotFound: true });
        const list = page?.tasks ?? [];
        if (list.length === 0) return;
        yield { tasks: list, total: page?.total ?? list.length };
        if (isLastPage({ tasks: list, total: page?.total }, params.pageSize)) return;
        afterId = list[list.length - 1]!.id;
      }
    },
    /** The tasks with these ids that still exist, with their predictions (`fields=all`). */
    listByIds: async (project: number, ids: readonly number[], call: CallOptions = {}): Promise<LabelStudioTask[]> => {
      if (ids.length === 0) return [];
      const wanted = new Set(ids);
      let min = Number.POSITIVE_INFINITY;
      let max = 0;
      for (const taskId of ids) {
        if (taskId < min) min = taskId;
        if (taskId > max) max = taskId;
      }
      const found: LabelStudioTask[] = [];
      const pageSize = Math.min(1000, Math.max(100, ids.length));
      let afterId = min - 1;
      for (;;) {
        const path = tasksQuery({
          project,
          pageSize,
          filters: [idFilter('greater', afterId), idFilter('less_or_equal', max)],
        });
        const page = await request<TaskPage>('GET', path, { signal: call.signal, allowNotFound: true });
        const list = page?.tasks ?? [];
        for (const task of list) if (wanted.has(task.id)) found.push(task);
        if (isLastPage({ tasks: list, total: page?.total }, pageSize)) return found;
        afterId = list[list.length - 1]!.id;
      }
    },
    /**
     * `PATCH /api/tasks/{id}/` (TaskSimpleSerializer, partial): LS replaces `data` wholesale, so send
     * the whole object. Answers the task without calling the ML backend (unlike `GET /api/tasks/{id}/`).
     */
    patch: (id: number, body: { data: Record<string, unknown> }, call: CallOptions = {}) =>
      request<LabelStudioTask>('PATCH', `/api/tasks/${id}/`, { body, signal: call.signal }) as Promise<LabelStudioTask>,
  };

  const uploadMaxFiles = options.uploadMaxFiles ?? DEFAULT_UPLOAD_MAX_FILES;

  /** One import request and its listing; resolves to `{id, url}` per file, in the order given. */
  async function uploadBatch(
    project: number,
    files: readonly UploadFile[],
    call: CallOptions,
  ): Promise<{ id: number; url: string }[]> {
    const form = new FormData();
    files.forEach((file, index) => {
      form.append(`file${index + 1}`, new Blob([file.bytes], { type: file.contentType }), file.name);
    });
    const path = `/api/projects/${project}/import?commit_to_project=false`;
    const answer = await request<{ file_upload_ids?: unknown }>('POST', path, { body: form, signal: call.signal });
    const ids = answer?.file_upload_ids;
    if (!Array.isArray(ids) || ids.length !== files.length || !ids.every((id) => Number.isInteger(id))) {
      throw new LabelStudioError({
        message:
          `POST /api/projects/${project}/import: expected ${files.length} file_upload_ids, got ` +
          `${Array.isArray(ids) ? ids.length : 'none'} (an Enterprise async import answers without them)`,
        kind: 'permanent',
        status: 201,
        method: 'POST',
        path: `/api/projects/${project}/import`,
      });
    }
    const listed =
      (await request<{ id: number; file: string }[]>(
        'GET',
        `/api/projects/${project}/file-uploads?ids=${encodeURIComponent(JSON.stringify(ids))}`,
        { signal: call.signal },
      )) ?? [];
    const byId = new Map(listed.map((upload) => [upload.id, upload.file]));
    return (ids as number[]).map((id) => {
      const file = byId.get(id);
      if (file === undefined) {
        throw new LabelStudioError({
          message: `GET /api/projects/${project}/file-uploads: upload ${id} is not listed`,
          kind: 'permanent',
          status: 200,
          method: 'GET',
          path: `/api/projects/${project}/file-uploads`,
        });
      }
      return { id, url: uploadUrl(file) };
    });
  }

  /**
   * Files stored by Label Studio without creating tasks (data_import/api.py · ImportAPI.sync_import,
   * uploader.py · create_file_uploads, FileUploadListAPI, serializers.py · FileUploadSerializer in LS 1.22):
   *
   * 1. `POST /api/projects/{id}/import?commit_to_project=false`, multipart: LS iterates
   *    `request.FILES.items()`, one file per field name (a repeated name keeps only the last file, so
   *    every file gets its own field), refuses an extension outside SUPPORTED_EXTENSIONS with a 400,
   *    stores each as a FileUpload named `upload/<project>/<8 hex>-<valid name>` and answers
   *    `201 {file_upload_ids: [...], task_count, could_be_tasks_list, ...}` (Community edition; the
   *    Enterprise async import answers `{import: id}` instead, refused here). Django fails a request
   *    with more than DATA_UPLOAD_MAX_NUMBER_FILES file parts whole, so files go in batches of at
   *    most `uploadMaxFiles` (and about {@link UPLOAD_BATCH_BYTES}), one after the other.
   * 2. `GET /api/projects/{id}/file-uploads?ids=[...]` → `[{id, file, size?}]` (not paged, only the
   *    caller's own uploads), where `file` is the storage name (`use_url=False`); LS serves it at
   *    `/data/<file>` (MEDIA_URL), which is what a task's data references.
   * Resolves to `{id, url}` per file, in the order given. A batch that fails fails the call; the
   * batches before it stay stored.
   */
  const uploads = {
    create: async (
      project: number,
      files: readonly UploadFile[],
      call: CallOptions = {},
    ): Promise<{ id: number; url: string }[]> => {
      const uploaded: { id: number; url: string }[] = [];
      for (const batch of uploadBatches(files, uploadMaxFiles, UPLOAD_BATCH_BYTES)) {
        uploaded.push(...(await uploadBatch(project, batch, call)));
      }
      return uploaded;
    },
  };

  const predictions = {
    create: (body: PredictionImportItem, call: CallOptions = {}) =>
      request<LabelStudioPrediction>('POST', '/api/predictions/', {
        body,
        signal: call.signal,
      }) as Promise<LabelStudioPrediction>,
    list: async (params: { task?: number; project?: number }, call: CallOptions = {}) => {
      const search = new URLSearchParams();
      if (params.task !== undefined) search.set('task', String(params.task));
      if (params.project !== undefined) search.set('project', String(params.project));
      return (
        (await request<LabelStudioPrediction[]>('GET', `/api/predictions/?${search}`, { signal: call.signal })) ?? []
      );
    },
    /** Deletes one prediction; a prediction that is already gone counts as deleted. */
    delete: async (id: number, call: CallOptions = {}) => {
      await request('DELETE', `/api/predictions/${id}/`, { signal: call.signal, allowNotFound: true });
    },
  };

  const ml = {
    /** `GET /api/ml/?project=`: LS re-checks every listed backend (health, then setup) before answering. */
    list: async (project: number, call: CallOptions = {}): Promise<LabelStudioMlBackend[]> =>
      (await request<LabelStudioMlBackend[]>('GET', `/api/ml/?project=${project}`, { signal: call.signal })) ?? [],
    /** `GET /api/ml/{id}`: LS re-checks the backend first, so `state` and `error_message` are current. */
    get: (id: number, call: CallOptions = {}) =>
      request<LabelStudioMlBackend>('GET', `/api/ml/${id}`, { signal: call.signal }) as Promise<LabelStudioMlBackend>,
    /** `POST /api/ml/`: LS calls the backend's /health and /setup and answers 400 when either fails. */
    create: (body: MlBackendWrite & { url: string; project: number }, call: CallOptions = {}) =>
      request<LabelStudioMlBackend>('POST', '/api/ml/', { body, signal: call.signal }) as Promise<LabelStudioMlBackend>,
    /**
     * `PATCH /api/ml/{id}`. LS validates with only the submitted attributes (its health and setup calls
     * need `url` and `project`), so both are required here.
     */
    update: (id: number, body: MlBackendWrite & { url: string; project: number }, call: CallOptions = {}) =>
      request<LabelStudioMlBackend>('PATCH', `/api/ml/${id}`, {
        body,
        signal: call.signal,
      }) as Promise<LabelStudioMlBackend>,
  };

  const webhooks = {
    list: async (project: number, call: CallOptions = {}): Promise<LabelStudioWebhook[]> =>
      (await request<LabelStudioWebhook[]>('GET', `/api/webhooks/?project=${project}`, { signal: call.signal })) ?? [],
    create: (body: WebhookWrite & { project: number; url: string }, call: CallOptions = {}) =>
      request<LabelStudioWebhook>('POST', '/api/webhooks/', {
        body,
        signal: call.signal,
      }) as Promise<LabelStudioWebhook>,
    /** `PATCH /api/webhooks/{id}/`; LS keeps `project` read-only here. */
    update: (id: number, body: WebhookWrite, call: CallOptions = {}) =>
      request<LabelStudioWebhook>('PATCH', `/api/webhooks/${id}/`, {
        body,
        signal: call.signal,
      }) as Promise<LabelStudioWebhook>,
  };

  /**
   * The `Authorization` header value of the next call (`Token <key>`, or `Bearer <access token>` from
   * the PAT exchange), for requests made outside this client such as file downloads from LS.
   * `forceRefresh` exchanges the PAT again (after a 401); a legacy token is returned as is.
   */
  const authorization = (call: CallOptions & { forceRefresh?: boolean } = {}): Promise<string> =>
    authHeader(call.signal, call.forceRefresh ?? false);

  return { baseUrl, authorization, projects, tasks, uploads, predictions, ml, webhooks };
}
