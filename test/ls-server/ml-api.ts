/**
 * The ML-backend and Data Manager routes of the test server (protocol §2.4, §2.6, §4.5, §4.6):
 *
 *   GET    /api/ml/?project=<id>[&is_interactive=]   → array; update_state() of every backend listed
 *   POST   /api/ml/                                  → 201; health + setup validation (400 with LS's messages)
 *   GET    /api/ml/{id}                              → update_state(), then the backend
 *   PATCH  /api/ml/{id}  |  PUT /api/ml/{id}         → re-validated with the submitted attributes only
 *   DELETE /api/ml/{id}                              → 204; clears a project model_version equal to the title
 *   POST   /api/ml/{id}/interactive-annotating       → 200 {data} | {errors}; one /predict with context
 *   POST   /api/dm/actions?id=<action>&project=<id>  → retrieve_tasks_predictions, delete_tasks_predictions,
 *          body {selectedItems, filters?}               delete_tasks; 422 without id
 *
 * The work itself is in `ml-backends.ts`; task selection reuses `task-query.ts`.
 */

import { isPlainObject } from './drf.ts';
import { ApiError, type Reply, type RequestContext, type Router } from './http.ts';
import type { LsHandler } from './ls-api.ts';
import type { MlBackends } from './ml-backends.ts';
import { mlBackendJson } from './serialize.ts';
import type { LsStore, StoredMlBackend, StoredProject, StoredTask } from './store.ts';
import { compileTaskQuery, indexIntervals, TaskQueryError } from './task-query.ts';
import type { WebhookEmitter } from './webhooks.ts';

export interface MlApiDeps {
  store: LsStore;
  ml: MlBackends;
  webhooks: WebhookEmitter;
}

function queryId(query: URLSearchParams, key: string): number | undefined {
  const raw = query.get(key);
  return raw !== null && /^\d+$/.test(raw.trim()) ? Number(raw) : undefined;
}

export function addMlRoutes(router: Router<LsHandler>, deps: MlApiDeps): Router<LsHandler> {
  const { store, ml, webhooks } = deps;

  const backendOr404 = (id: number | undefined): StoredMlBackend => {
    const backend = id === undefined ? undefined : store.mlBackends.get(id);
    if (backend === undefined) throw ApiError.notFound();
    return backend;
  };

  /** `create_ml_webhook` (post_save on creation): the backend's `/webhook`, unless that URL is registered. */
  const createBackendWebhook = (backend: StoredMlBackend): void => {
    const url = `${backend.url.replace(/\/+$/, '')}/webhook`;
    if (store.webhooksOf(backend.project).some((webhook) => webhook.url === url)) return;
    store.createWebhook({
      project: backend.project,
      url,
      send_payload: true,
      send_for_all_actions: true,
      headers: {},
      is_active: true,
      actions: [],
    });
  };

  /** The Data Manager selection: `selectedItems` (default all) and `filters` on tasks:id, in id order. */
  const selectedTasks = (project: StoredProject, body: unknown): StoredTask[] => {
    const data = isPlainObject(body) ? body : {};
    let ranges: ReturnType<typeof compileTaskQuery>['ranges'];
    try {
      ({ ranges } = compileTaskQuery(
        JSON.stringify({ filters: data['filters'], selectedItems: data['selectedItems'] }),
      ));
    } catch (error) {
      if (error instanceof TaskQueryError) throw ApiError.validation({ selectedItems: [error.message] });
      throw error;
    }
    const tasks: StoredTask[] = [];
    for (const [from, to] of indexIntervals(project.taskIds, ranges)) {
      for (let i = from; i < to; i += 1) tasks.push(store.tasks.get(project.taskIds[i]!)!);
    }
    return tasks;
  };

  const dmAction = async ({ query, body }: RequestContext): Promise<Reply> => {
    const projectId = queryId(query, 'project');
    const project = projectId === undefined ? undefined : store.projects.get(projectId);
    if (project === undefined) throw ApiError.notFound();
    const action = query.get('id');
    if (action === null) return { status: 422, body: { detail: 'No action id "None", use ?id=<action-id>' } };
    const tasks = selectedTasks(project, body);
    switch (action) {
      case 'retrieve_tasks_predictions':
        return { status: 200, body: await ml.retrieve(project, tasks) };
      case 'delete_tasks_predictions': {
        const doomed = tasks.flatMap((task) => task.predictions);
        for (const prediction of doomed) store.deletePrediction(prediction);
        return {
          status: 200,
          body: { processed_items: doomed.length, detail: `Deleted ${doomed.length} predictions` },
        };
      }
      case 'delete_tasks': {
        const deleted = store.deleteTasks(
          project,
          tasks.map((task) => task.id),
        );
        webhooks.tasksDeleted(
          project,
          deleted.map((task) => task.id),
        );
        return {
          status: 200,
          body: { processed_items: deleted.length, reload: false, detail: `Deleted ${deleted.length} tasks` },
        };
      }
      default:
        throw new ApiError(400, `Can't find '${action}' in registered actions`);
    }
  };

  return router
    .add('GET', '/api/ml', 'ml.list', async ({ query }) => {
      const projectId = queryId(query, 'project');
      if (projectId === undefined || !store.projects.has(projectId)) throw ApiError.notFound();
      const backends = store.mlBackendsOf(projectId);
      for (const backend of backends) await ml.updateState(backend);
      const interactive = query.get('is_interactive');
      const listed =
        interactive === null
          ? backends
          : backends.filter((backend) => backend.is_interactive === (interactive === 'true' || interactive === '1'));
      return { status: 200, body: listed.map(mlBackendJson) };
    })
    .add('POST', '/api/ml', 'ml.create', async ({ body }) => ({
      status: 201,
      body: mlBackendJson(await ml.create(body, createBackendWebhook)),
    }))
    .add('GET', '/api/ml/:id', 'ml.get', async ({ ids }) => {
      const backend = backendOr404(ids[0]);
      await ml.updateState(backend);
      return { status: 200, body: mlBackendJson(backend) };
    })
    .add('PATCH', '/api/ml/:id', 'ml.patch', async ({ ids, body }) => ({
      status: 200,
      body: mlBackendJson(await ml.update(backendOr404(ids[0]), body, true)),
    }))
    .add('PUT', '/api/ml/:id', 'ml.put', async ({ ids, body }) => ({
      status: 200,
      body: mlBackendJson(await ml.update(backendOr404(ids[0]), body, false)),
    }))
    .add('DELETE', '/api/ml/:id', 'ml.delete', ({ ids }) => {
      ml.remove(backendOr404(ids[0]));
      return { status: 204 };
    })
    .add('POST', '/api/ml/:id/interactive-annotating', 'ml.interactive-annotating', async ({ ids, body }) => {
      const backend = backendOr404(ids[0]);
      const data = isPlainObject(body) ? body : {};
      const taskId = data['task'];
      if (typeof taskId !== 'number' || !Number.isInteger(taskId)) {
        throw ApiError.validation({
          task: [taskId === undefined ? 'This field is required.' : 'A valid integer is required.'],
        });
      }
      const task = store.tasks.get(taskId);
      if (task === undefined) throw ApiError.notFound();
      return { status: 200, body: await ml.interactive(backend, task, data['context'] ?? null) };
    })
    .add('POST', '/api/dm/actions', 'dm.actions', dmAction);
}
