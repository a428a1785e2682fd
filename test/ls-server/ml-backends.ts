/**
 * Label Studio's side of the ML-backend protocol (protocol §2, §4.6), as the test server plays it.
 *
 * - Transport (§2.1, §2.2): `GET {url}/health`, `POST {url}/setup`, `POST {url}/predict` with
 *   `User-Agent: heartex/test`, Basic auth only when the row has both `basic_auth_user` and
 *   `basic_auth_pass`, and LS's timeouts (`MlTimeouts`, defaults 1 s / 3 s / 100 s). Any network error,
 *   timeout, non-2xx or non-JSON 2xx is an error result whose message reads like LS's
 *   (`str(requests.HTTPError)`, e.g. "500 Server Error: Internal Server Error for url: …").
 * - `create` / `update` / `remove` are `POST /api/ml/`, `PATCH /api/ml/{id}`, `DELETE /api/ml/{id}`:
 *   field validation, then health + setup with **only the submitted attributes** (LS's
 *   `healthcheck_(**attrs)` / `setup_(**attrs)`: a PATCH without `url` or `project` fails as LS's does),
 *   the backend webhook on creation, `update_state()`, and the live-model bookkeeping of
 *   `project.model_version` (§2.4, §2.7).
 * - `predictTasks` is `MLBackend.predict_tasks` (§2.5): `update_state()`, drop tasks already holding a
 *   prediction of the version `/setup` returned, one `/predict`, LS's reading of the answer (one-by-one
 *   fallback, items without `result` skipped, per-item `model_version` else the backend's) and
 *   PredictionSerializer validation of every row: one bad row rejects the batch (400, nothing stored).
 * - `retrieve` is the Data Manager action "Retrieve Predictions" on the project's first backend.
 *
 * Every call to a backend is logged (`calls()`); the last retrieve is kept with its timing and outcome.
 */

import { isPlainObject, toBoolean, toCharField, toScore } from './drf.ts';
import { ApiError } from './http.ts';
import { type PredictionRow, validatePredictionRow } from './predictions.ts';
import { taskSimpleJson } from './serialize.ts';
import {
  type LsStore,
  lsTimestamp,
  type MlBackendState,
  type StoredMlBackend,
  type StoredProject,
  type StoredTask,
} from './store.ts';

export interface MlTimeouts {
  /** LS `ML_TIMEOUT_HEALTH`, default 1 s. */
  healthMs: number;
  /** LS `ML_TIMEOUT_SETUP`, default 3 s. */
  setupMs: number;
  /** LS `ML_TIMEOUT_PREDICT`, default 100 s. */
  predictMs: number;
}

export const DEFAULT_ML_TIMEOUTS: MlTimeouts = { healthMs: 1000, setupMs: 3000, predictMs: 100_000 };

export type MlEndpoint = 'health' | 'setup' | 'predict';

/** One request LS made to an ML backend. */
export interface MlCall {
  /** Backend id; null for the validation calls of a create/update (the row is not saved yet). */
  backend: number | null;
  endpoint: MlEndpoint;
  url: string;
  /** HTTP status, 0 when no answer came (refused, timed out). */
  status: number;
  ms: number;
  /** Tasks in a `/predict` body. */
  tasks?: number;
  error?: string;
  at: string;
}

/** What one `predict_tasks` did. */
export interface PredictOutcome {
  /** `update_state()` left the backend Disconnected or Error, so nothing was asked. */
  notReady: boolean;
  /** The version `/setup` answered (null when it had none). */
  modelVersion: string | null;
  /** Tasks skipped because they already hold a prediction of `modelVersion`. */
  alreadyPredicted: number;
  /** `/predict` requests (more than 1 only in LS's one-by-one fallback). */
  predictCalls: number;
  /** Tasks sent in those requests. */
  sentTasks: number;
  /** Why the answer was unusable as a whole (error, wrong shape, wrong length), or null. */
  dropped: string | null;
  /** Entries without `result` that LS skipped. */
  skippedWithoutResult: number;
  /** PredictionSerializer errors that rejected the whole batch, or null. */
  rejected: unknown[] | null;
  stored: number;
}

function emptyOutcome(): PredictOutcome {
  return {
    notReady: false,
    modelVersion: null,
    alreadyPredicted: 0,
    predictCalls: 0,
    sentTasks: 0,
    dropped: null,
    skippedWithoutResult: 0,
    rejected: null,
    stored: 0,
  };
}

/** The last "Retrieve Predictions" action. */
export interface RetrieveRecord extends PredictOutcome {
  project: number;
  /** The backend used (the project's first), or null when the project has none. */
  backend: number | null;
  /** Tasks selected in the Data Manager. */
  selected: number;
  /** Wall time of the whole action, as the browser would wait for it. */
  ms: number;
  at: string;
}

type MlResult = { ok: true; status: number; body: unknown } | { ok: false; status: number; error: string };

interface Target {
  url: string;
  user: string | null | undefined;
  pass: string | null | undefined;
}

/** Attributes a client may write, after field validation (MLBackendSerializer). */
export type MlAttrs = Partial<
  Pick<
    StoredMlBackend,
    | 'url'
    | 'title'
    | 'description'
    | 'is_interactive'
    | 'auto_update'
    | 'auth_method'
    | 'basic_auth_user'
    | 'basic_auth_pass'
    | 'extra_params'
    | 'model_version'
    | 'timeout'
    | 'state'
    | 'error_message'
    | 'project'
  >
>;

const STATES = new Set<MlBackendState>(['CO', 'DI', 'ER', 'TR', 'PR']);
const MAX_CALLS_KEPT = 10_000;

function requestsError(url: string, error: unknown, timeoutS: number): string {
  let host = url;
  let port = '';
  let path = url;
  try {
    const parsed = new URL(url);
    host = parsed.hostname;
    port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80');
    path = parsed.pathname;
  } catch {
    return `Invalid URL '${url}': No scheme supplied.`;
  }
  const pool = `HTTPConnectionPool(host='${host}', port=${port})`;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `${pool}: Read timed out. (read timeout=${timeoutS})`;
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return `${pool}: Max retries exceeded with url: ${path} (Caused by ${cause?.code ?? cause?.message ?? String(error)})`;
}

export interface MlBackendsDeps {
  store: LsStore;
  timeouts: MlTimeouts;
  /** `hostname` of `/setup` (LS's `settings.HOSTNAME`, default `http://localhost:8080`). */
  hostname: string;
  /** `access_token` of `/setup`: the project owner's legacy token. */
  accessToken: string;
  /** Counts requests per endpoint and predictions stored from backend answers. */
  onCall(call: MlCall): void;
  onStored(count: number): void;
}

export class MlBackends {
  private readonly deps: MlBackendsDeps;
  private log: MlCall[] = [];
  lastRetrieve: RetrieveRecord | null = null;

  constructor(deps: MlBackendsDeps) {
    this.deps = deps;
  }

  calls(): MlCall[] {
    return [...this.log];
  }

  reset(): void {
    this.log = [];
    this.lastRetrieve = null;
  }

  /** LS's `"<project.id>.<int(created_at.timestamp())>"` (protocol §1.3). */
  static projectUid(project: StoredProject): string {
    return `${project.id}.${Math.floor(project.createdAtMs / 1000)}`;
  }

  private async request(
    target: Target,
    backend: number | null,
    endpoint: MlEndpoint,
    body: unknown,
    timeoutMs: number,
    tasks?: number,
  ): Promise<MlResult> {
    const started = performance.now();
    const base = target.url.endsWith('/') ? target.url : `${target.url}/`;
    let url = `${base}${endpoint}`;
    let result: MlResult;
    try {
      // urljoin semantics: a backend at http://h:9090/sub is called at http://h:9090/sub/predict.
      url = new URL(endpoint, base).href;
      const headers: Record<string, string> = { 'User-Agent': 'heartex/test', Accept: '*/*' };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      if (target.user && target.pass) {
        headers['Authorization'] = `Basic ${Buffer.from(`${target.user}:${target.pass}`).toString('base64')}`;
      }
      const signal = AbortSignal.timeout(timeoutMs);
      const response = await fetch(url, {
        method: body === undefined ? 'GET' : 'POST',
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal,
      });
      const text = await response.text();
      if (!response.ok) {
        const kind = response.status < 500 ? 'Client' : 'Server';
        result = {
          ok: false,
          status: response.status,
          error: `${response.status} ${kind} Error: ${response.statusText} for url: ${url}`,
        };
      } else {
        try {
          result = { ok: true, status: response.status, body: JSON.parse(text) };
        } catch (error) {
          result = { ok: false, status: response.status, error: (error as Error).message };
        }
      }
    } catch (error) {
      result = { ok: false, status: 0, error: requestsError(url, error, timeoutMs / 1000) };
    }
    const call: MlCall = {
      backend,
      endpoint,
      url,
      status: result.status,
      ms: Math.round(performance.now() - started),
      ...(tasks === undefined ? {} : { tasks }),
      ...(result.ok ? {} : { error: result.error }),
      at: new Date().toISOString(),
    };
    this.log.push(call);
    if (this.log.length > MAX_CALLS_KEPT) this.log.splice(0, this.log.length - MAX_CALLS_KEPT);
    this.deps.onCall(call);
    return result;
  }

  private health(target: Target, backend: number | null): Promise<MlResult> {
    return this.request(target, backend, 'health', undefined, this.deps.timeouts.healthMs);
  }

  private setup(target: Target, backend: number | null, project: StoredProject, extraParams: unknown) {
    const body = {
      project: MlBackends.projectUid(project),
      schema: project.label_config,
      hostname: this.deps.hostname,
      access_token: this.deps.accessToken,
      extra_params: extraParams ?? null,
    };
    return this.request(target, backend, 'setup', body, this.deps.timeouts.setupMs);
  }

  private predict(backend: StoredMlBackend, project: StoredProject, tasks: unknown[], context: unknown = null) {
    const body = {
      tasks,
      project: MlBackends.projectUid(project),
      label_config: project.label_config,
      params: { login: null, password: null, context },
    };
    const target = { url: backend.url, user: backend.basic_auth_user, pass: backend.basic_auth_pass };
    return this.request(target, backend.id, 'predict', body, this.deps.timeouts.predictMs, tasks.length);
  }

  private project(id: number): StoredProject {
    const project = this.deps.store.projects.get(id);
    if (project === undefined) throw ApiError.notFound();
    return project;
  }

  /** MLBackendSerializer field validation; throws DRF's 400 with every field error. */
  parseAttrs(body: unknown, partial: boolean, instance?: StoredMlBackend): MlAttrs {
    if (!isPlainObject(body)) {
      const got = Array.isArray(body) ? 'list' : typeof body;
      throw ApiError.validation({ non_field_errors: [`Invalid data. Expected a dictionary, but got ${got}.`] });
    }
    const errors: Record<string, string[]> = {};
    const attrs: MlAttrs = {};
    const has = (key: string) => Object.hasOwn(body, key);

    for (const key of ['url', 'project'] as const) {
      if (!partial && !has(key)) errors[key] = ['This field is required.'];
    }
    if (has('url')) {
      const url = body['url'];
      if (typeof url !== 'string' || url === '') errors['url'] = ['This field may not be blank.'];
      else if (!/^https?:\/\/[^/\s]+/i.test(url)) errors['url'] = ['Enter a valid URL.'];
      else attrs.url = url;
    }
    if (has('project')) {
      const raw = body['project'];
      const id = typeof raw === 'number' || (typeof raw === 'string' && /^\d+$/.test(raw)) ? Number(raw) : undefined;
      if (raw === null) errors['project'] = ['This field may not be null.'];
      else if (id === undefined || !this.deps.store.projects.has(id)) {
        errors['project'] = [`Invalid pk "${String(raw)}" - object does not exist.`];
      } else attrs.project = id;
    }
    for (const key of ['title', 'description', 'basic_auth_user', 'model_version', 'error_message'] as const) {
      if (!has(key)) continue;
      const raw = body[key];
      const value = raw === null ? null : toCharField(raw);
      if (value === undefined) errors[key] = ['Not a valid string.'];
      else attrs[key] = value;
    }
    for (const key of ['is_interactive', 'auto_update'] as const) {
      if (!has(key)) continue;
      const value = toBoolean(body[key]);
      if (value === undefined) errors[key] = ['Must be a valid boolean.'];
      else attrs[key] = value;
    }
    if (has('auth_method')) {
      const raw = body['auth_method'];
      if (raw === 'NONE' || raw === 'BASIC_AUTH') attrs.auth_method = raw;
      else errors['auth_method'] = [`"${String(raw)}" is not a valid choice.`];
    }
    if (has('state')) {
      const raw = body['state'];
      if (STATES.has(raw as MlBackendState)) attrs.state = raw as MlBackendState;
      else errors['state'] = [`"${String(raw)}" is not a valid choice.`];
    }
    if (has('basic_auth_pass')) {
      const raw = body['basic_auth_pass'];
      const value = raw === null ? '' : toCharField(raw);
      if (value === undefined) errors['basic_auth_pass'] = ['Not a valid string.'];
      // validate_basic_auth_pass: an empty password keeps the stored one, and is an error without one.
      else if (value !== '') attrs.basic_auth_pass = value;
      else if (instance?.basic_auth_pass) attrs.basic_auth_pass = instance.basic_auth_pass;
      else errors['basic_auth_pass'] = ['Authentication password is required for Basic Authentication.'];
    }
    if (has('timeout')) {
      const value = toScore(body['timeout']);
      if (value === undefined || value === null) errors['timeout'] = ['A valid number is required.'];
      else attrs.timeout = value;
    }
    if (has('extra_params')) attrs.extra_params = body['extra_params'];
    if (Object.keys(errors).length > 0) throw ApiError.validation(errors);
    return attrs;
  }

  /**
   * `MLBackendSerializer.validate`: basic-auth fields, then health and setup with only the submitted
   * attributes. LS calls `healthcheck_(**attrs)` / `setup_(**attrs)`, which raise a TypeError (500) when
   * `url` / `project` were not submitted.
   */
  private async validate(attrs: MlAttrs): Promise<void> {
    if (attrs.auth_method === 'BASIC_AUTH' && (!('basic_auth_user' in attrs) || !('basic_auth_pass' in attrs))) {
      throw ApiError.validation({
        non_field_errors: ['Authentication username and password is required for Basic Authentication.'],
      });
    }
    if (attrs.url === undefined) {
      throw new ApiError(500, "MLBackend.healthcheck_() missing 1 required positional argument: 'url'");
    }
    const target = { url: attrs.url, user: attrs.basic_auth_user, pass: attrs.basic_auth_pass };
    const health = await this.health(target, null);
    if (!health.ok) {
      const message =
        health.status === 401
          ? 'Able to connect to ML Server, but authentication parameters were either not provided or are incorrect.'
          : `Can't connect to ML backend ${attrs.url}, health check failed. Make sure it is up and your firewall is ` +
            'properly configured. <a href="https://labelstud.io/guide/ml.html">Learn more</a> about how to set up ' +
            `an ML backend. Additional info: ${health.error}`;
      throw ApiError.validation({ non_field_errors: [message] });
    }
    if (attrs.project === undefined) {
      throw new ApiError(500, "MLBackend.setup_() missing 1 required positional argument: 'project'");
    }
    const setup = await this.setup(target, null, this.project(attrs.project), attrs.extra_params);
    if (!setup.ok) {
      throw ApiError.validation({
        non_field_errors: [
          `Successfully connected to ${attrs.url} but it doesn't look like a valid ML backend. ` +
            `Reason: ${setup.error}.\nCheck the ML backend server console logs to check the status.` +
            'There might be something wrong with your model or it might be incompatible with the current ' +
            'labeling configuration.',
        ],
      });
    }
  }

  /** `MLBackend.update_state()`: health, then setup if healthy; returns the version setup answered. */
  async updateState(backend: StoredMlBackend): Promise<string | null> {
    const target = { url: backend.url, user: backend.basic_auth_user, pass: backend.basic_auth_pass };
    const project = this.project(backend.project);
    let modelVersion: string | null = null;
    const health = await this.health(target, backend.id);
    if (!health.ok) backend.state = 'DI';
    else {
      const setup = await this.setup(target, backend.id, project, backend.extra_params);
      if (!setup.ok) {
        backend.state = 'ER';
        backend.error_message = setup.error;
      } else {
        backend.state = 'CO';
        const raw = isPlainObject(setup.body) ? setup.body['model_version'] : undefined;
        modelVersion = raw === undefined || raw === null ? null : String(raw);
        if (backend.auto_update) backend.model_version = modelVersion;
        backend.error_message = null;
      }
    }
    backend.updated_at = lsTimestamp(Date.now());
    return modelVersion;
  }

  /** `POST /api/ml/`: validate, save (+ the backend webhook), update_state, live model on the project. */
  async create(body: unknown, onCreated: (backend: StoredMlBackend) => void): Promise<StoredMlBackend> {
    const attrs = this.parseAttrs(body, false);
    await this.validate(attrs);
    const backend = this.deps.store.createMlBackend({
      project: attrs.project!,
      url: attrs.url!,
      state: attrs.state ?? 'DI',
      is_interactive: attrs.is_interactive ?? false,
      error_message: attrs.error_message ?? null,
      title: attrs.title === undefined ? 'default' : attrs.title,
      auth_method: attrs.auth_method ?? 'NONE',
      basic_auth_user: attrs.basic_auth_user ?? '',
      basic_auth_pass: attrs.basic_auth_pass ?? '',
      description: attrs.description ?? '',
      extra_params: attrs.extra_params ?? null,
      model_version: attrs.model_version ?? '',
      timeout: attrs.timeout ?? 100,
      auto_update: attrs.auto_update ?? true,
    });
    onCreated(backend);
    await this.updateState(backend);
    const project = this.project(backend.project);
    // MLBackendListAPI.perform_create: a new backend becomes the live model when none is chosen.
    if (project.show_collab_predictions && !project.model_version) project.model_version = backend.title;
    return backend;
  }

  /** `PATCH/PUT /api/ml/{id}`: validate the submitted attributes, save, update_state. */
  async update(backend: StoredMlBackend, body: unknown, partial: boolean): Promise<StoredMlBackend> {
    const attrs = this.parseAttrs(body, partial, backend);
    await this.validate(attrs);
    const oldTitle = backend.title;
    Object.assign(backend, attrs);
    // MLBackend.save: renaming the live model renames the project's model_version with it.
    const project = this.project(backend.project);
    if (backend.title !== oldTitle && project.model_version === oldTitle) project.model_version = backend.title;
    await this.updateState(backend);
    return backend;
  }

  /** `DELETE /api/ml/{id}`: the pre_delete receiver clears a project model_version equal to the title. */
  remove(backend: StoredMlBackend): void {
    const project = this.deps.store.projects.get(backend.project);
    if (project !== undefined && project.model_version === backend.title) project.model_version = '';
    this.deps.store.mlBackends.delete(backend.id);
  }

  /** `_get_predictions_from_ml_backend`: rows to store, by LS's rules for reading `/predict` answers. */
  private async rowsFromBackend(
    backend: StoredMlBackend,
    project: StoredProject,
    tasks: StoredTask[],
    serialized: Record<string, unknown>[],
    outcome: PredictOutcome,
  ): Promise<Record<string, unknown>[]> {
    outcome.predictCalls += 1;
    outcome.sentTasks += serialized.length;
    const result = await this.predict(backend, project, serialized);
    if (!result.ok) {
      outcome.dropped = result.error;
      return [];
    }
    const results = isPlainObject(result.body) ? result.body['results'] : undefined;
    if (!Array.isArray(results) || results.length === 0) {
      outcome.dropped = 'the answer has no non-empty "results" list';
      return [];
    }
    if (results.length !== serialized.length) {
      if (results.length !== 1) {
        outcome.dropped = `${serialized.length} tasks != ${results.length} responses`;
        return [];
      }
      // One result for many tasks: LS assumes a non-batching backend and asks again task by task.
      const rows: Record<string, unknown>[] = [];
      for (let i = 0; i < serialized.length; i += 1) {
        rows.push(...(await this.rowsFromBackend(backend, project, [tasks[i]!], [serialized[i]!], outcome)));
      }
      return rows;
    }
    const rows: Record<string, unknown>[] = [];
    results.forEach((entry: unknown, i) => {
      const task = tasks[i]!;
      const items = Array.isArray(entry) ? entry : [entry];
      for (const item of items) {
        if (!isPlainObject(item) || !Object.hasOwn(item, 'result')) {
          outcome.skippedWithoutResult += 1;
          continue;
        }
        rows.push({
          task: task.id,
          result: item['result'],
          score: item['score'] ?? null,
          model_version: Object.hasOwn(item, 'model_version') ? item['model_version'] : backend.model_version,
          project: task.project,
        });
      }
    });
    return rows;
  }

  /** `MLBackend.predict_tasks`; throws a 400 (nothing stored) when PredictionSerializer rejects a row. */
  async predictTasks(backend: StoredMlBackend, tasks: StoredTask[]): Promise<PredictOutcome> {
    const outcome = emptyOutcome();
    const modelVersion = await this.updateState(backend);
    outcome.modelVersion = modelVersion;
    if (backend.state === 'DI' || backend.state === 'ER') {
      outcome.notReady = true;
      return outcome;
    }
    const live = tasks.filter((task) => this.deps.store.tasks.has(task.id));
    const pending = live.filter((task) => !task.predictions.some((p) => p.model_version === modelVersion));
    outcome.alreadyPredicted = live.length - pending.length;
    if (pending.length === 0) return outcome;

    const project = this.project(backend.project);
    const serialized = pending.map(taskSimpleJson);
    const rows = await this.rowsFromBackend(backend, project, pending, serialized, outcome);
    const checks = rows.map((row) => validatePredictionRow(this.deps.store, row));
    if (checks.some((check) => !check.ok)) {
      outcome.rejected = checks.map((check) => (check.ok ? {} : check.errors));
      throw Object.assign(ApiError.validation(outcome.rejected), { outcome });
    }
    for (const check of checks) {
      const { row } = check as { row: PredictionRow };
      this.deps.store.addPrediction(row.project, row.task, {
        result: row.result,
        score: row.score,
        model_version: row.model_version,
      });
    }
    outcome.stored = checks.length;
    this.deps.onStored(outcome.stored);
    return outcome;
  }

  /** "Retrieve Predictions" (`evaluate_predictions`): the project's first backend predicts the selection. */
  async retrieve(project: StoredProject, tasks: StoredTask[]): Promise<{ processed_items: number; detail: string }> {
    const started = performance.now();
    const backend = this.deps.store.mlBackendsOf(project.id)[0];
    const record = (outcome: PredictOutcome | null) => {
      this.lastRetrieve = {
        ...emptyOutcome(),
        ...outcome,
        project: project.id,
        backend: backend?.id ?? null,
        selected: tasks.length,
        ms: Math.round(performance.now() - started),
        at: new Date().toISOString(),
      };
    };
    try {
      record(backend === undefined || tasks.length === 0 ? null : await this.predictTasks(backend, tasks));
    } catch (error) {
      record((error as { outcome?: PredictOutcome }).outcome ?? null);
      throw error;
    }
    return { processed_items: tasks.length, detail: `Retrieved ${tasks.length} predictions` };
  }

  /** `POST /api/ml/{id}/interactive-annotating`: one task with `params.context`; nothing is stored. */
  async interactive(backend: StoredMlBackend, task: StoredTask, context: unknown): Promise<Record<string, unknown>> {
    if (!backend.is_interactive) return { errors: ['Model is not set to be used for interactive preannotations'] };
    const serialized = { ...taskSimpleJson(task), drafts: [] };
    const result = await this.predict(backend, this.project(backend.project), [serialized], context);
    if (!result.ok) return { errors: [result.error] };
    if (!isPlainObject(result.body) || !Object.hasOwn(result.body, 'results')) {
      return {
        errors: ['Incorrect response from ML service: ML backend returns an incorrect response, it must be a dict.'],
      };
    }
    const results = result.body['results'];
    if (!Array.isArray(results) || results.length < 1) {
      return {
        errors: ['Incorrect response from ML service: ML backend has to return list with more than 1 result.'],
      };
    }
    return { data: results[0] };
  }
}
