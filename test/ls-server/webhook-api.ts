/**
 * The webhook routes of the test server (protocol §3.4):
 *
 *   GET    /api/webhooks/?project=<id>   → array (all webhooks without `project`)
 *   POST   /api/webhooks/                → 201; `project` required (404 "Project not found." when null or missing)
 *   GET    /api/webhooks/info/           → the action catalogue
 *   GET | PUT | PATCH | DELETE /api/webhooks/{id}/   → `project` is read-only on update
 *
 * Field validation and emission live in `webhooks.ts`.
 */

import { isPlainObject } from './drf.ts';
import { ApiError, type Router } from './http.ts';
import type { LsHandler } from './ls-api.ts';
import { webhookJson } from './serialize.ts';
import { type LsStore, lsTimestamp, type StoredWebhook } from './store.ts';
import { parseWebhookAttrs, WEBHOOK_ACTIONS } from './webhooks.ts';

function asObject(body: unknown): Record<string, unknown> {
  if (!isPlainObject(body)) {
    const got = Array.isArray(body) ? 'list' : typeof body;
    throw ApiError.validation({ non_field_errors: [`Invalid data. Expected a dictionary, but got ${got}.`] });
  }
  return body;
}

export function addWebhookRoutes(router: Router<LsHandler>, store: LsStore): Router<LsHandler> {
  const webhookOr404 = (id: number | undefined): StoredWebhook => {
    const webhook = id === undefined ? undefined : store.webhooks.get(id);
    if (webhook === undefined) throw ApiError.notFound();
    return webhook;
  };

  const update =
    (partial: boolean): LsHandler =>
    ({ ids, body }) => {
      const webhook = webhookOr404(ids[0]);
      Object.assign(webhook, parseWebhookAttrs(asObject(body), partial), { updated_at: lsTimestamp(Date.now()) });
      return { status: 200, body: webhookJson(webhook) };
    };

  return router
    .add('GET', '/api/webhooks', 'webhooks.list', ({ query }) => {
      const project = query.get('project');
      const all = [...store.webhooks.values()];
      const listed = project === null || project === '' ? all : all.filter((w) => String(w.project) === project);
      return { status: 200, body: listed.map(webhookJson) };
    })
    .add('POST', '/api/webhooks', 'webhooks.create', ({ body }) => {
      const input = asObject(body);
      const rawProject = input['project'];
      const projectId = typeof rawProject === 'number' ? rawProject : Number.NaN;
      if (rawProject === undefined || rawProject === null || !store.projects.has(projectId)) {
        throw new ApiError(404, 'Project not found.');
      }
      const attrs = parseWebhookAttrs(input, false);
      const webhook = store.createWebhook({
        project: projectId,
        url: attrs.url!,
        send_payload: attrs.send_payload ?? true,
        send_for_all_actions: attrs.send_for_all_actions ?? true,
        headers: attrs.headers ?? {},
        is_active: attrs.is_active ?? true,
        actions: attrs.actions ?? [],
      });
      return { status: 201, body: webhookJson(webhook) };
    })
    .add('GET', '/api/webhooks/info', 'webhooks.info', () => ({ status: 200, body: WEBHOOK_ACTIONS }))
    .add('GET', '/api/webhooks/:id', 'webhooks.get', ({ ids }) => ({
      status: 200,
      body: webhookJson(webhookOr404(ids[0])),
    }))
    .add('PATCH', '/api/webhooks/:id', 'webhooks.patch', update(true))
    .add('PUT', '/api/webhooks/:id', 'webhooks.put', update(false))
    .add('DELETE', '/api/webhooks/:id', 'webhooks.delete', ({ ids }) => {
      store.webhooks.delete(webhookOr404(ids[0]).id);
      return { status: 204 };
    });
}
