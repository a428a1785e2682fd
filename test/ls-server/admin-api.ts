/**
 * `/__admin/...` JSON routes of the LS test server (no auth), one per in-process control of
 * `LabelStudioTestServer`, so a test or benchmark in another process can seed, inspect and break it:
 *
 *   POST   /__admin/reset                                  → 204
 *   POST   /__admin/projects             NewProject        → 201 project (LS shape)
 *   GET    /__admin/projects/:id                           → project
 *   PATCH  /__admin/projects/:id         ProjectOverrides  → project (no LS validation)
 *   POST   /__admin/projects/:id/tasks   TaskSeed          → 201 {created, first_id, last_id} (TASKS_CREATED
 *          unless emitWebhooks: false)
 *   POST   /__admin/projects/:id/tasks/delete {ids?, emitWebhooks?} → {deleted} (all tasks without ids;
 *          TASKS_DELETED unless emitWebhooks: false)
 *   GET    /__admin/projects/:id/ml-backends                → backends as /api/ml shows them (none called)
 *   GET    /__admin/projects/:id/webhooks                   → webhooks as /api/webhooks/ shows them
 *   GET    /__admin/projects/:id/predictions[?result=1]    → [{id, task, model_version, score, regions, result?}]
 *   GET    /__admin/projects/:id/duplicates?model_version= → {model_version, tasks_with_duplicates}
 *   GET    /__admin/tasks/:id                              → task as GET /api/tasks/{id}/ (no trap counted)
 *   GET    /__admin/counters  |  DELETE /__admin/counters  → counters | 204
 *   GET    /__admin/faults    |  POST /__admin/faults {rate429?, rate500Before?, rate500After?,
 *          retryAfterS?, faultReads?, latencyMs?, down?, seed?}  |  DELETE /__admin/faults
 *   POST   /__admin/faults/next          [{kind, route?, retryAfterS?}] or {faults: [...]} → 204
 *   GET    /__admin/auth      |  POST /__admin/auth {legacyTokensEnabled?, apiTokensEnabled?, accessTokenTtlMs?}
 *          → {legacy_token, personal_access_token, ...settings}
 *   GET    /__admin/ml/calls                               → [{backend, endpoint, url, status, ms, tasks?, error?, at}]
 *   GET    /__admin/ml/last-retrieve                       → the last Retrieve Predictions record, or null
 *   GET    /__admin/webhooks/deliveries  |  DELETE          → [{webhook, url, action, items, status, ms, error?,
 *          redelivery, at}] | 204
 *   POST   /__admin/webhooks/wait                          → 204 once every queued delivery was tried
 *   POST   /__admin/webhooks/redeliver   {times?, action?} → {deliveries} after posting the last emission
 *          (of action) again `times` (default 1) times
 *   POST   /__admin/projects/:id/uploads {name, base64}    → 201 {id, project, file, url, size}
 *   GET    /__admin/projects/:id/uploads                   → the project's uploads
 *   POST   /__admin/local-files          {path, base64, contentType?} → 204
 *   POST   /__admin/projects/:id/local-storages {path}     → 201 {id}
 *   POST   /__admin/projects/:id/storages {scheme, bucket, presign, presignTtlMinutes?, presignUrl?} → 201 {id}
 *   POST   /__admin/cloud-objects        {uri, base64, contentType?} → 204
 *   GET    /__admin/files/settings  |  POST /__admin/files/settings {localFilesServingEnabled?,
 *          useNginxForUploads?, maxUploadFiles?} → settings
 */
import { z } from 'zod';
import { ApiError, type Reply, type RequestContext, Router } from './http.ts';
import { LabelConfigError } from './label-config.ts';
import type { LabelStudioTestServer } from './ls-test-server.ts';

type AdminHandler = (ctx: RequestContext) => Reply | Promise<Reply>;

const jsonObject = z.record(z.string(), z.unknown());

const newProject = z.object({
  title: z.string().optional(),
  description: z.string().optional(),
  label_config: z.string(),
  model_version: z.string().nullable().optional(),
  show_collab_predictions: z.boolean().optional(),
  evaluate_predictions_automatically: z.boolean().optional(),
});

const projectOverrides = newProject.omit({ description: true }).partial();

const newTask = z.object({
  data: jsonObject,
  meta: jsonObject.optional(),
  predictions: z
    .array(
      z.object({
        result: z.array(z.unknown()),
        score: z.number().nullable().optional(),
        model_version: z.string().optional(),
      }),
    )
    .optional(),
  annotations: z
    .array(
      z.object({
        result: z.array(z.unknown()),
        was_cancelled: z.boolean().optional(),
        ground_truth: z.boolean().optional(),
      }),
    )
    .optional(),
});

const taskSeed = z
  .object({
    tasks: z.array(newTask).optional(),
    count: z.number().int().min(0).optional(),
    texts: z.array(z.string()).optional(),
    textTemplate: z.string().optional(),
    dataKey: z.string().optional(),
    data: jsonObject.optional(),
    emitWebhooks: z.boolean().optional(),
  })
  .refine((seed) => seed.tasks !== undefined || seed.count !== undefined, 'give either tasks or count');

const faultSettings = z
  .object({
    rate429: z.number().min(0).max(1),
    rate500Before: z.number().min(0).max(1),
    rate500After: z.number().min(0).max(1),
    retryAfterS: z.number().int().min(0),
    faultReads: z.boolean(),
    latencyMs: z.number().min(0),
    down: z.boolean(),
    seed: z.number().int(),
  })
  .partial();

const queuedFault = z.object({
  kind: z.enum(['429', '500-before', '500-after']),
  route: z.string().optional(),
  retryAfterS: z.number().int().min(0).optional(),
});
const queuedFaults = z.union([z.array(queuedFault), z.object({ faults: z.array(queuedFault) })]);

const taskDeletion = z.object({ ids: z.array(z.number().int()).optional(), emitWebhooks: z.boolean().optional() });

const redelivery = z.object({ times: z.number().int().min(1).max(1000).optional(), action: z.string().optional() });

const authPatch = z
  .object({ legacyTokensEnabled: z.boolean(), apiTokensEnabled: z.boolean(), accessTokenTtlMs: z.number().min(1) })
  .partial();

const base64 = z.string().regex(/^[A-Za-z0-9+/=_-]*$/, 'must be base64');
const uploadSeed = z.object({ name: z.string().min(1), base64 });
const localFileSeed = z.object({ path: z.string().min(1), base64, contentType: z.string().optional() });
const localStorageSeed = z.object({ path: z.string().min(1) });
const cloudStorageSeed = z.object({
  scheme: z.enum(['s3', 'gs', 'azure-blob', 'azure-spi']),
  bucket: z.string().min(1),
  presign: z.boolean(),
  presignTtlMinutes: z.number().int().min(0).optional(),
  presignUrl: z.string().optional(),
});
const cloudObjectSeed = z.object({ uri: z.string().min(1), base64, contentType: z.string().optional() });
const fileSettings = z
  .object({
    localFilesServingEnabled: z.boolean(),
    useNginxForUploads: z.boolean(),
    maxUploadFiles: z.number().int().min(1),
  })
  .partial();

const bytesOf = (encoded: string): Uint8Array => new Uint8Array(Buffer.from(encoded, 'base64'));

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw ApiError.validation({ body: z.flattenError(parsed.error as z.ZodError<unknown>) });
  return parsed.data;
}

/** A label config that is not XML is the caller's mistake: 400, not 500. */
function withConfig<T>(make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (error instanceof LabelConfigError) throw ApiError.validation({ label_config: [error.message] });
    throw error;
  }
}

export function createAdminRouter(server: LabelStudioTestServer): Router<AdminHandler> {
  const ok = (body: unknown, status = 200): Reply => ({ status, body });
  const noContent: Reply = { status: 204 };
  const projectId = (ids: number[]): number => {
    const id = ids[0]!;
    if (server.getProject(id) === undefined) throw ApiError.notFound();
    return id;
  };
  const authView = () => ({
    legacy_token: server.legacyToken,
    personal_access_token: server.personalAccessToken,
    ...server.authSettings(),
  });

  return new Router<AdminHandler>()
    .add('POST', '/__admin/reset', 'reset', () => {
      server.reset();
      return noContent;
    })
    .add('POST', '/__admin/projects', 'projects.create', ({ body }) =>
      ok(
        withConfig(() => server.createProject(parse(newProject, body))),
        201,
      ),
    )
    .add('GET', '/__admin/projects/:id', 'projects.get', ({ ids }) => ok(server.getProject(projectId(ids))))
    .add('PATCH', '/__admin/projects/:id', 'projects.patch', ({ ids, body }) =>
      ok(withConfig(() => server.updateProject(projectId(ids), parse(projectOverrides, body)))),
    )
    .add('POST', '/__admin/projects/:id/tasks', 'tasks.create', ({ ids, body }) => {
      const seeded = server.createTasks(projectId(ids), parse(taskSeed, body));
      return ok({ created: seeded.created, first_id: seeded.firstId, last_id: seeded.lastId }, 201);
    })
    .add('POST', '/__admin/projects/:id/tasks/delete', 'tasks.delete', ({ ids, body }) =>
      ok(server.deleteTasks(projectId(ids), parse(taskDeletion, body))),
    )
    .add('GET', '/__admin/projects/:id/ml-backends', 'ml-backends.list', ({ ids }) =>
      ok(server.mlBackendsOf(projectId(ids))),
    )
    .add('GET', '/__admin/projects/:id/webhooks', 'webhooks.list', ({ ids }) => ok(server.webhooksOf(projectId(ids))))
    .add('GET', '/__admin/projects/:id/predictions', 'predictions.list', ({ ids, query }) => {
      const withResult = query.get('result') === '1' || query.get('result') === 'true';
      return ok(
        server.predictionsOf(projectId(ids)).map((p) => ({
          id: p.id,
          task: p.task,
          model_version: p.model_version,
          score: p.score,
          regions: p.result.length,
          ...(withResult ? { result: p.result } : {}),
        })),
      );
    })
    .add('GET', '/__admin/projects/:id/duplicates', 'duplicates', ({ ids, query }) => {
      const modelVersion = query.get('model_version');
      if (modelVersion === null) throw ApiError.validation({ model_version: ['This query parameter is required.'] });
      return ok({
        model_version: modelVersion,
        tasks_with_duplicates: server.duplicates(projectId(ids), modelVersion),
      });
    })
    .add('GET', '/__admin/tasks/:id', 'tasks.get', ({ ids }) => {
      const task = server.getTask(ids[0]!);
      if (task === undefined) throw ApiError.notFound();
      return ok(task);
    })
    .add('GET', '/__admin/counters', 'counters.get', () => ok(server.counters()))
    .add('DELETE', '/__admin/counters', 'counters.reset', () => {
      server.resetCounters();
      return noContent;
    })
    .add('GET', '/__admin/faults', 'faults.get', () => ok(server.faults()))
    .add('POST', '/__admin/faults', 'faults.set', ({ body }) => ok(server.setFaults(parse(faultSettings, body))))
    .add('DELETE', '/__admin/faults', 'faults.clear', () => {
      server.clearFaults();
      return noContent;
    })
    .add('POST', '/__admin/faults/next', 'faults.next', ({ body }) => {
      const parsed = parse(queuedFaults, body);
      server.failNext(Array.isArray(parsed) ? parsed : parsed.faults);
      return noContent;
    })
    .add('GET', '/__admin/auth', 'auth.get', () => ok(authView()))
    .add('POST', '/__admin/auth', 'auth.set', ({ body }) => {
      server.setAuth(parse(authPatch, body));
      return ok(authView());
    })
    .add('GET', '/__admin/ml/calls', 'ml.calls', () => ok(server.mlCalls()))
    .add('GET', '/__admin/ml/last-retrieve', 'ml.last-retrieve', () => ok(server.lastRetrieve()))
    .add('GET', '/__admin/webhooks/deliveries', 'webhooks.deliveries', () => ok(server.webhookDeliveries()))
    .add('DELETE', '/__admin/webhooks/deliveries', 'webhooks.deliveries.clear', () => {
      server.clearWebhookDeliveries();
      return noContent;
    })
    .add('POST', '/__admin/webhooks/wait', 'webhooks.wait', async () => {
      await server.webhooksSettled();
      return noContent;
    })
    .add('POST', '/__admin/webhooks/redeliver', 'webhooks.redeliver', async ({ body }) => {
      const { times, action } = parse(redelivery, body);
      return ok({ deliveries: await server.redeliverWebhooks(times ?? 1, action) });
    })
    .add('POST', '/__admin/projects/:id/uploads', 'uploads.create', ({ ids, body }) => {
      const { name, base64: encoded } = parse(uploadSeed, body);
      return ok(server.putUpload(projectId(ids), name, bytesOf(encoded)), 201);
    })
    .add('GET', '/__admin/projects/:id/uploads', 'uploads.list', ({ ids }) => ok(server.uploadsOf(projectId(ids))))
    .add('POST', '/__admin/local-files', 'local-files.put', ({ body }) => {
      const { path, base64: encoded, contentType } = parse(localFileSeed, body);
      server.putLocalFile(path, bytesOf(encoded), contentType);
      return noContent;
    })
    .add('POST', '/__admin/projects/:id/local-storages', 'local-storages.create', ({ ids, body }) =>
      ok(server.addLocalFilesStorage(projectId(ids), parse(localStorageSeed, body).path), 201),
    )
    .add('POST', '/__admin/projects/:id/storages', 'storages.create', ({ ids, body }) => {
      const seed = parse(cloudStorageSeed, body);
      return ok(server.addCloudStorage({ ...seed, project: projectId(ids) }), 201);
    })
    .add('POST', '/__admin/cloud-objects', 'cloud-objects.put', ({ body }) => {
      const { uri, base64: encoded, contentType } = parse(cloudObjectSeed, body);
      server.putCloudObject(uri, bytesOf(encoded), contentType);
      return noContent;
    })
    .add('GET', '/__admin/files/settings', 'files.settings.get', () => ok(server.fileSettings()))
    .add('POST', '/__admin/files/settings', 'files.settings.set', ({ body }) =>
      ok(server.setFileSettings(parse(fileSettings, body))),
    );
}
