/**
 * The Label Studio REST routes of the test server (protocol §4), with LS 1.22's behaviour including its
 * traps: a page past the end is a 404; `GET /api/tasks/{id}/` on a task without predictions makes LS
 * call the ML backend synchronously (counted as `trapCalls`, and when the project has an ML backend its
 * `/predict` really is called and the answer stored, §2.4); `POST /api/predictions/` rejects a null
 * `model_version`; `/import/predictions` answers 400 for a task outside the project but silently drops
 * items that do not fit the label config, still answering `201 {"created": n}`; `PATCH` of a project's
 * `model_version` is refused unless an ML backend has that title (live model) or predictions carry it.
 * `GET /api/projects/` filters on `title` (icontains) and `ids`, newest first, paged 30 (max 100).
 * Projects PATCHed emit `PROJECT_UPDATED`, deleted tasks `TASKS_DELETED` (§3). The ML-backend and Data
 * Manager routes are in `ml-api.ts`, the webhook routes in `webhook-api.ts`, the file routes (uploads,
 * local files, storage resolve, task PATCH, file imports) in `files-api.ts`.
 *
 * Route names (used by counters and `failNext`) are the names given to `Router.add`; `WRITE_ROUTES`
 * receive random faults, `READ_FAULT_ROUTES` too when `faultReads` is set.
 */
import type { TokenAuthority } from './auth.ts';
import { isPlainObject, toBoolean, toCharField, toScore } from './drf.ts';
import { addFileRoutes, type FileStore } from './files-api.ts';
import { ApiError, type Reply, type RequestContext, Router } from './http.ts';
import { parseLabelConfig, validatePredictionItem } from './label-config.ts';
import { addMlRoutes } from './ml-api.ts';
import type { MlBackends, MlEndpoint } from './ml-backends.ts';
import { validatePredictionRow } from './predictions.ts';

import { predictionJson, projectJson, taskJson } from './serialize.ts';
import type { LsStore, StoredProject, StoredTask } from './store.ts';
import { compileTaskQuery, indexIntervals, pageIndexes, TaskQueryError } from './task-query.ts';
import { addWebhookRoutes } from './webhook-api.ts';
import type { WebhookEmitter } from './webhooks.ts';

export type LsHandler = (ctx: RequestContext) => Reply | Promise<Reply>;

export interface LsCounters {
  /** Requests per route name (`unknown` for unmatched `/api` paths), counted before auth and faults. */
  requests: Record<string, number>;
  unauthorized: number;
  tokenRefreshes: number;
  /** Synchronous ML-backend calls real LS would have made (single-task reads of prediction-less tasks). */
  trapCalls: number;
  injected: { '429': number; '500-before': number; '500-after': number };
  down503: number;
  /** Items `/import/predictions` dropped as invalid. */
  importSkipped: number;
  predictionsWritten: number;
  maxInFlight: number;
  /** Requests LS made to ML backends, per endpoint (validation calls included). */
  mlCalls: Record<MlEndpoint, number>;
  /** Predictions stored from ML-backend `/predict` answers (retrieve, single-task trap). */
  predictionsFromBackend: number;
}

export function emptyCounters(): LsCounters {
  return {
    requests: {},
    unauthorized: 0,
    tokenRefreshes: 0,
    trapCalls: 0,
    injected: { '429': 0, '500-before': 0, '500-after': 0 },
    down503: 0,
    importSkipped: 0,
    predictionsWritten: 0,
    maxInFlight: 0,
    mlCalls: { health: 0, setup: 0, predict: 0 },
    predictionsFromBackend: 0,
  };
}

export const WRITE_ROUTES: ReadonlySet<string> = new Set([
  'predictions.create',
  'projects.import-predictions',
  'predictions.delete',
]);
export const READ_FAULT_ROUTES: ReadonlySet<string> = new Set(['tasks.list', 'tasks.get']);
/** Routes answered without authentication. */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set(['token.refresh', 'health', 'version']);

interface LsApiDeps {
  store: LsStore;
  auth: TokenAuthority;
  counters: LsCounters;
  ml: MlBackends;
  webhooks: WebhookEmitter;
  /** Uploads, local files and cloud storages behind the file routes (files-api.ts). */
  files: FileStore;
  /** The server's own URL, for the `next` / `previous` links of paged lists. */
  baseUrl(): string;
}

function asObject(body: unknown): Record<string, unknown> {
  if (!isPlainObject(body)) {
    const got = Array.isArray(body) ? 'list' : typeof body;
    throw ApiError.validation({ non_field_errors: [`Invalid data. Expected a dictionary, but got ${got}.`] });
  }
  return body;
}

function queryInt(query: URLSearchParams, key: string): number | undefined {
  const raw = query.get(key);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw.trim())) throw ApiError.validation({ [key]: ['Enter a number.'] });
  return Number(raw);
}

/** DRF's `_positive_int(strict=True)`: anything but a positive integer falls back to the default. */
function pageSizeOf(query: URLSearchParams, fallback = 100, max = Number.POSITIVE_INFINITY): number {
  const raw = query.get('page_size');
  if (raw === null || !/^\d+$/.test(raw.trim())) return fallback;
  const n = Number(raw);
  return n > 0 ? Math.min(n, max) : fallback;
}

function pickFields(task: Record<string, unknown>, include: string[] | null): Record<string, unknown> {
  if (include === null) return task;
  const out: Record<string, unknown> = {};
  for (const field of include) if (Object.hasOwn(task, field)) out[field] = task[field];
  return out;
}

export function createLsRouter(deps: LsApiDeps): Router<LsHandler> {
  const { store, auth, counters, ml, webhooks } = deps;

  const projectOr404 = (id: number | undefined): StoredProject => {
    const project = id === undefined ? undefined : store.projects.get(id);
    if (project === undefined) throw ApiError.notFound();
    return project;
  };

  const wouldCallBackend = (project: StoredProject, task: StoredTask): boolean =>
    (project.show_collab_predictions || project.evaluate_predictions_automatically) && task.predictions.length === 0;

  const listTasks: LsHandler = ({ query }) => {
    const projectId = queryInt(query, 'project');
    const viewId = queryInt(query, 'view');
    if (!projectId) {
      // LS answers a bare Response here, not the error envelope.
      if (!viewId) return { status: 404, body: { detail: 'Neither project nor view id specified' } };
      throw ApiError.notFound();
    }
    const project = projectOr404(projectId);
    let compiled: ReturnType<typeof compileTaskQuery>;
    try {
      compiled = compileTaskQuery(query.get('query'));
    } catch (error) {
      if (error instanceof TaskQueryError) throw ApiError.validation({ query: [error.message] });
      throw error;
    }
    const ids = project.taskIds;
    const intervals = indexIntervals(ids, compiled.ranges);
    let total = 0;
    let totalPredictions = 0;
    let totalAnnotations = 0;
    for (const [from, to] of intervals) {
      total += to - from;
      totalPredictions += project.predictionCounts.prefix(to) - project.predictionCounts.prefix(from);
      totalAnnotations += project.annotationCounts.prefix(to) - project.annotationCounts.prefix(from);
    }
    const pageSize = pageSizeOf(query);
    const rawPage = query.get('page');
    const lastPage = Math.max(1, Math.ceil(total / pageSize));
    const page = rawPage === null || rawPage === '' ? 1 : rawPage === 'last' ? lastPage : Number(rawPage);
    if (!Number.isInteger(page) || page < 1 || page > lastPage) throw new ApiError(404, 'Invalid page.');

    const full = query.get('fields') === 'all';
    const include = query.get('include')?.split(',').filter(Boolean) ?? null;
    const tasks = pageIndexes(intervals, (page - 1) * pageSize, pageSize, compiled.descending).map(
      (index) => store.tasks.get(ids[index]!)!,
    );
    // Deprecated evaluate_predictions_automatically: LS predicts the page's prediction-less tasks in one call.
    if (project.evaluate_predictions_automatically && tasks.some((task) => task.predictions.length === 0)) {
      counters.trapCalls += 1;
    }
    return {
      status: 200,
      body: {
        total_annotations: totalAnnotations,
        total_predictions: totalPredictions,
        total,
        tasks: tasks.map((task) => pickFields(taskJson(task, { full }), include)),
      },
    };
  };

  const getTask: LsHandler = async ({ ids }) => {
    const task = ids[0] === undefined ? undefined : store.tasks.get(ids[0]);
    if (task === undefined) throw ApiError.notFound();
    const project = projectOr404(task.project);
    if (wouldCallBackend(project, task)) {
      counters.trapCalls += 1;
      // TaskAPI.get → evaluate_predictions([task]): the project's first backend, inside this request.
      const backend = store.mlBackendsOf(project.id)[0];
      if (backend !== undefined) await ml.predictTasks(backend, [task]);
    }
    return { status: 200, body: taskJson(task, { full: true }) };
  };

  /** `GET /api/projects/`: ProjectFilterSet (`title` icontains, `ids`), newest first, ProjectListPagination. */
  const listProjects: LsHandler = ({ query }) => {
    const title = query.get('title')?.toLowerCase();
    const ids = query
      .get('ids')
      ?.split(',')
      .filter((id) => id.trim() !== '')
      .map(Number);
    const matching = [...store.projects.values()]
      .filter((project) => title === undefined || project.title.toLowerCase().includes(title))
      .filter((project) => ids === undefined || ids.includes(project.id))
      .sort((a, b) => b.createdAtMs - a.createdAtMs || b.id - a.id);
    const pageSize = pageSizeOf(query, 30, 100);
    const lastPage = Math.max(1, Math.ceil(matching.length / pageSize));
    const rawPage = query.get('page');
    const page = rawPage === null || rawPage === '' ? 1 : rawPage === 'last' ? lastPage : Number(rawPage);
    if (!Number.isInteger(page) || page < 1 || page > lastPage) throw new ApiError(404, 'Invalid page.');
    const link = (target: number): string | null => {
      if (target < 1 || target > lastPage) return null;
      const search = new URLSearchParams(query);
      if (target === 1) search.delete('page');
      else search.set('page', String(target));
      const rendered = search.toString();
      return `${deps.baseUrl()}/api/projects/${rendered === '' ? '' : `?${rendered}`}`;
    };
    return {
      status: 200,
      body: {
        count: matching.length,
        next: link(page + 1),
        previous: link(page - 1),
        results: matching.slice((page - 1) * pageSize, page * pageSize).map(projectJson),
      },
    };
  };

  /** `DELETE /api/tasks/{id}/`: the task with its predictions and annotations; emits TASKS_DELETED. */
  const deleteTask: LsHandler = ({ ids }) => {
    const task = ids[0] === undefined ? undefined : store.tasks.get(ids[0]);
    if (task === undefined) throw ApiError.notFound();
    const project = projectOr404(task.project);
    store.deleteTasks(project, [task.id]);
    webhooks.tasksDeleted(project, [task.id]);
    return { status: 204 };
  };

  const patchProject: LsHandler = ({ ids, body }) => {
    const project = projectOr404(ids[0]);
    const patch = asObject(body);
    const errors: Record<string, string[]> = {};
    const updates: Partial<StoredProject> = {};

    for (const key of ['show_collab_predictions', 'evaluate_predictions_automatically'] as const) {
      if (!Object.hasOwn(patch, key)) continue;
      const value = toBoolean(patch[key]);
      if (value === undefined) errors[key] = ['Must be a valid boolean.'];
      else updates[key] = value;
    }
    for (const key of ['title', 'description'] as const) {
      if (!Object.hasOwn(patch, key)) continue;
      const value = toCharField(patch[key]);
      if (value === undefined) errors[key] = ['Not a valid string.'];
      else updates[key] = value;
    }
    if (Object.hasOwn(patch, 'label_config')) {
      const value = patch['label_config'];
      if (typeof value !== 'string') errors['label_config'] = ['Not a valid string.'];
      else {
        try {
          updates.parsed = parseLabelConfig(value);
          updates.label_config = value;
        } catch (error) {
          errors['label_config'] = [(error as Error).message];
        }
      }
    }
    if (Object.hasOwn(patch, 'model_version')) {
      const raw = patch['model_version'];
      const value = raw === null ? null : toCharField(raw);
      if (value === undefined) errors['model_version'] = ['Not a valid string.'];
      // Only a change to a non-blank value is checked: a live model (backend title) or static predictions.
      else if (
        value !== project.model_version &&
        value !== '' &&
        (value === null ||
          (!project.versionCounts.has(value) && !store.mlBackendsOf(project.id).some((b) => b.title === value)))
      ) {
        errors['model_version'] = ["Model version doesn't exist either as live model or as static predictions."];
      } else updates.model_version = value;
    }
    if (Object.keys(errors).length > 0) throw ApiError.validation(errors);

    if (updates.show_collab_predictions === false) project.model_version = '';
    Object.assign(project, updates);
    webhooks.projectUpdated(project);
    return { status: 200, body: projectJson(project) };
  };

  const createPrediction: LsHandler = ({ body }) => {
    const check = validatePredictionRow(store, asObject(body));
    if (!check.ok) throw ApiError.validation(check.errors);
    const { project, task, result, score, model_version } = check.row;
    const prediction = store.addPrediction(project, task, { result, score, model_version });
    counters.predictionsWritten += 1;
    return { status: 201, body: predictionJson(prediction) };
  };

  const listPredictions: LsHandler = ({ query }) => {
    const taskId = queryInt(query, 'task');
    const projectId = queryInt(query, 'project') ?? queryInt(query, 'task__project');
    let predictions =
      taskId !== undefined
        ? (store.tasks.get(taskId)?.predictions ?? [])
        : projectId !== undefined
          ? [...(store.projects.get(projectId)?.predictions.values() ?? [])]
          : [...store.predictions.values()];
    if (projectId !== undefined) predictions = predictions.filter((p) => p.project === projectId);
    return { status: 200, body: predictions.map(predictionJson) };
  };

  const predictionOr404 = (id: number | undefined) => {
    const prediction = id === undefined ? undefined : store.predictions.get(id);
    if (prediction === undefined) throw ApiError.notFound();
    return prediction;
  };

  const importPredictions: LsHandler = ({ ids, body }) => {
    const project = projectOr404(ids[0]);
    if (!Array.isArray(body)) {
      // LS iterates request.data: an empty dict yields nothing, anything else breaks on `item.get`.
      if (typeof body === 'object' && body !== null && Object.keys(body).length === 0) {
        return { status: 201, body: { created: 0 } };
      }
      throw new ApiError(500, "'str' object has no attribute 'get'");
    }
    const items: { item: Record<string, unknown>; task: StoredTask }[] = [];
    for (const item of body as unknown[]) {
      if (!isPlainObject(item)) {
        throw new ApiError(500, `'${Array.isArray(item) ? 'list' : typeof item}' object has no attribute 'get'`);
      }
      const taskId = item['task'];
      const task = typeof taskId === 'number' ? store.tasks.get(taskId) : undefined;
      if (task === undefined || task.project !== project.id) {
        throw ApiError.validation({
          non_field_errors: [
            `${JSON.stringify(item)} contains invalid "task" field: corresponding task ID couldn't be retrieved ` +
              `from project ${project.title} (id=${project.id}) tasks`,
          ],
        });
      }
      items.push({ item, task });
    }
    let created = 0;
    for (const { item, task } of items) {
      const score = item['score'] === undefined ? null : toScore(item['score']);
      const modelVersion = Object.hasOwn(item, 'model_version') ? toCharField(item['model_version']) : 'undefined';
      if (
        score === undefined ||
        modelVersion === undefined ||
        validatePredictionItem(project.parsed, item, task.data) !== null
      ) {
        counters.importSkipped += 1;
        continue;
      }
      store.addPrediction(project, task, { result: item['result'] as unknown[], score, model_version: modelVersion });
      created += 1;
    }
    counters.predictionsWritten += created;
    return { status: 201, body: { created } };
  };

  const router = new Router<LsHandler>()
    .add('GET', '/health', 'health', () => ({ status: 200, body: { status: 'UP' } }))
    .add('GET', '/api/version', 'version', () => ({ status: 200, body: { release: '1.22.0' } }))
    .add('POST', '/api/token/refresh', 'token.refresh', ({ body }) => {
      counters.tokenRefreshes += 1;
      return { status: 200, body: auth.refresh(body) };
    })
    .add('GET', '/api/projects', 'projects.list', listProjects)
    .add('GET', '/api/projects/:id', 'projects.get', ({ ids }) => ({
      status: 200,
      body: projectJson(projectOr404(ids[0])),
    }))
    .add('PATCH', '/api/projects/:id', 'projects.patch', patchProject)
    .add('POST', '/api/projects/:id/import/predictions', 'projects.import-predictions', importPredictions)
    .add('GET', '/api/projects/:id/model-versions', 'projects.model-versions.get', ({ ids }) => ({
      status: 200,
      body: Object.fromEntries(projectOr404(ids[0]).versionCounts),
    }))
    .add('DELETE', '/api/projects/:id/model-versions', 'projects.model-versions.delete', ({ ids, body }) => {
      const project = projectOr404(ids[0]);
      const version =
        typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['model_version'] : undefined;
      if (typeof version !== 'string' || version === '') {
        throw ApiError.validation({ model_version: ['This field is required.'] });
      }
      const deleted = store.deletePredictionsOfVersion(project, version);
      if (project.model_version === version) project.model_version = null;
      return { status: 200, body: { deleted_predictions: deleted } };
    })
    .add('GET', '/api/tasks', 'tasks.list', listTasks)
    .add('GET', '/api/tasks/:id', 'tasks.get', getTask)
    .add('DELETE', '/api/tasks/:id', 'tasks.delete', deleteTask)
    .add('GET', '/api/predictions', 'predictions.list', listPredictions)
    .add('POST', '/api/predictions', 'predictions.create', createPrediction)
    .add('GET', '/api/predictions/:id', 'predictions.get', ({ ids }) => ({
      status: 200,
      body: predictionJson(predictionOr404(ids[0])),
    }))
    .add('DELETE', '/api/predictions/:id', 'predictions.delete', ({ ids }) => {
      store.deletePrediction(predictionOr404(ids[0]));
      return { status: 204 };
    });
  addMlRoutes(router, { store, ml, webhooks });
  addFileRoutes(router, { store, files: deps.files });
  return addWebhookRoutes(router, store);
}
