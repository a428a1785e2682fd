/**
 * Label Studio webhooks as the test server sends them (protocol §3).
 *
 * - Catalogue (`WEBHOOK_ACTIONS`, §3.1) and the validation of `/api/webhooks/` bodies (§3.4): `url`
 *   ≤ 2048, `headers` an object of ≤ 10 string values named `^[a-zA-Z0-9-_]+$`, `actions` known names,
 *   organization-only actions refused on a project webhook.
 * - Emission (§3.2, §3.3): every active webhook of the project with `send_for_all_actions` or the
 *   action in `actions` gets `{"action", <key>: <items>, "project": <ProjectWebhookSerializer>}` (just
 *   `{"action"}` when `send_payload` is false), list actions in batches of `batchSize` (LS's
 *   WEBHOOK_BATCH_SIZE, 5000) items per POST, with the webhook's custom headers, a `timeoutMs` limit
 *   (WEBHOOK_TIMEOUT, 1 s), errors swallowed and **no retry**. Payloads are serialised when the event
 *   happens; deliveries run one at a time in event order, off the request that caused them (LS runs
 *   them in one RQ worker), so `settled()` tells a test when all have been tried.
 * - Every attempt is recorded (`deliveries()`), and `redeliver(times, action?)` posts the last emission
 *   (of `action`) again to test duplicate deliveries.
 */

import { isPlainObject, toBoolean } from './drf.ts';
import { ApiError } from './http.ts';
import { projectWebhookJson, taskWebhookJson } from './serialize.ts';
import type { LsStore, StoredProject, StoredTask, StoredWebhook } from './store.ts';

export interface WebhookActionInfo {
  name: string;
  description: string;
  /** The payload key of the serialised instance(s). */
  key: string;
  'organization-only': boolean;
}

export const WEBHOOK_ACTIONS: Record<string, WebhookActionInfo> = {
  PROJECT_CREATED: {
    name: 'Project created',
    description: '',
    key: 'project',
    'organization-only': true,
  },
  PROJECT_UPDATED: { name: 'Project updated', description: '', key: 'project', 'organization-only': false },
  PROJECT_DELETED: { name: 'Project deleted', description: '', key: 'project', 'organization-only': true },
  TASKS_CREATED: { name: 'Task created', description: '', key: 'tasks', 'organization-only': false },
  TASKS_DELETED: { name: 'Task deleted', description: '', key: 'tasks', 'organization-only': false },
  ANNOTATION_CREATED: {
    name: 'Annotation created',
    description: '',
    key: 'annotation',
    'organization-only': false,
  },
  ANNOTATIONS_CREATED: {
    name: 'Annotations created',
    description: '',
    key: 'annotation',
    'organization-only': false,
  },
  ANNOTATION_UPDATED: {
    name: 'Annotation updated',
    description: '',
    key: 'annotation',
    'organization-only': false,
  },
  ANNOTATIONS_DELETED: {
    name: 'Annotation deleted',
    description: '',
    key: 'annotations',
    'organization-only': false,
  },
  LABEL_LINK_CREATED: { name: 'Label link created', description: '', key: 'label_link', 'organization-only': false },
  LABEL_LINK_UPDATED: { name: 'Label link updated', description: '', key: 'label_link', 'organization-only': false },
  LABEL_LINK_DELETED: { name: 'Label link deleted', description: '', key: 'label_link', 'organization-only': false },
};

/** One POST of a webhook payload (or its failure). */
export interface WebhookDelivery {
  webhook: number;
  url: string;
  action: string;
  /** Items in the payload's list (tasks), 0 for single-instance actions. */
  items: number;
  /** HTTP status, 0 when no answer came within the timeout or the connection failed. */
  status: number;
  /** From sending to the end of the answer. */
  ms: number;
  error?: string;
  redelivery: boolean;
  at: string;
}

interface Outgoing {
  webhook: number;
  url: string;
  headers: Record<string, string>;
  action: string;
  items: number;
  body: string;
}

export interface WebhookEmitterOptions {
  timeoutMs: number;
  batchSize: number;
}

const MAX_DELIVERIES_KEPT = 10_000;
const HEADER_NAME = /^[a-zA-Z0-9-_]+$/;

export type WebhookAttrs = Partial<
  Pick<StoredWebhook, 'url' | 'send_payload' | 'send_for_all_actions' | 'headers' | 'is_active' | 'actions'>
>;

/** WebhookSerializer field validation (project is handled by the route: required on create, read-only after). */
export function parseWebhookAttrs(body: Record<string, unknown>, partial: boolean): WebhookAttrs {
  const errors: Record<string, string[]> = {};
  const attrs: WebhookAttrs = {};
  if (!Object.hasOwn(body, 'url')) {
    if (!partial) errors['url'] = ['This field is required.'];
  } else {
    const url = body['url'];
    if (typeof url !== 'string' || url === '') errors['url'] = ['This field may not be blank.'];
    else if (url.length > 2048) errors['url'] = ['Ensure this field has no more than 2048 characters.'];
    else if (!/^https?:\/\/[^/\s]+/i.test(url)) errors['url'] = ['Enter a valid URL.'];
    else attrs.url = url;
  }
  for (const key of ['send_payload', 'send_for_all_actions', 'is_active'] as const) {
    if (!Object.hasOwn(body, key)) continue;
    const value = toBoolean(body[key]);
    if (value === undefined) errors[key] = ['Must be a valid boolean.'];
    else attrs[key] = value;
  }
  if (Object.hasOwn(body, 'headers')) {
    const headers = body['headers'];
    if (!isPlainObject(headers)) errors['headers'] = ['Headers must be a JSON object.'];
    else if (Object.keys(headers).length > 10) errors['headers'] = ['Too many headers: at most 10.'];
    else if (!Object.keys(headers).every((name) => HEADER_NAME.test(name))) {
      errors['headers'] = ['Header names must match ^[a-zA-Z0-9-_]+$.'];
    } else if (!Object.values(headers).every((value) => typeof value === 'string')) {
      errors['headers'] = ['Header values must be strings.'];
    } else attrs.headers = headers as Record<string, string>;
  }
  if (Object.hasOwn(body, 'actions')) {
    const actions = body['actions'];
    if (!Array.isArray(actions)) errors['actions'] = [`Expected a list of items but got type "${typeof actions}".`];
    else {
      const unknown = actions.find((action) => typeof action !== 'string' || !Object.hasOwn(WEBHOOK_ACTIONS, action));
      const orgOnly = actions.filter((action) => WEBHOOK_ACTIONS[action as string]?.['organization-only'] === true);
      if (unknown !== undefined) errors['actions'] = [`"${String(unknown)}" is not a valid choice.`];
      else if (orgOnly.length > 0) {
        errors['actions'] = [`Project webhook can't contain organization-only action(s): ${orgOnly.join(', ')}`];
      } else attrs.actions = [...new Set(actions as string[])];
    }
  }
  if (Object.keys(errors).length > 0) throw ApiError.validation(errors);
  return attrs;
}

export class WebhookEmitter {
  private readonly store: LsStore;
  private readonly options: WebhookEmitterOptions;
  private tail: Promise<unknown> = Promise.resolve();
  private log: WebhookDelivery[] = [];
  private last: Outgoing[] | null = null;
  private readonly lastByAction = new Map<string, Outgoing[]>();
  private readonly stopping = new AbortController();

  constructor(store: LsStore, options: WebhookEmitterOptions) {
    this.store = store;
    this.options = options;
  }

  /** `get_active_webhooks`: active project webhooks for all actions or subscribed to this one. */
  private active(project: StoredProject, action: string): StoredWebhook[] {
    return this.store
      .webhooksOf(project.id)
      .filter((webhook) => webhook.is_active && (webhook.send_for_all_actions || webhook.actions.includes(action)));
  }

  tasksCreated(project: StoredProject, tasks: StoredTask[]): void {
    const webhooks = this.active(project, 'TASKS_CREATED');
    if (webhooks.length === 0 || tasks.length === 0) return;
    this.emitList(webhooks, project, 'TASKS_CREATED', 'tasks', tasks.map(taskWebhookJson));
  }

  tasksDeleted(project: StoredProject, ids: number[]): void {
    const webhooks = this.active(project, 'TASKS_DELETED');
    if (webhooks.length === 0 || ids.length === 0) return;
    this.emitList(
      webhooks,
      project,
      'TASKS_DELETED',
      'tasks',
      ids.map((id) => ({ id })),
    );
  }

  projectUpdated(project: StoredProject): void {
    const webhooks = this.active(project, 'PROJECT_UPDATED');
    if (webhooks.length === 0) return;
    const full = JSON.stringify({ action: 'PROJECT_UPDATED', project: projectWebhookJson(project) });
    this.emit(
      'PROJECT_UPDATED',
      webhooks.map((webhook) => this.outgoing(webhook, 'PROJECT_UPDATED', 0, full)),
    );
  }

  private emitList(webhooks: StoredWebhook[], project: StoredProject, action: string, key: string, items: unknown[]) {
    const projectPayload = projectWebhookJson(project);
    const outgoing: Outgoing[] = [];
    for (let from = 0; from < items.length; from += this.options.batchSize) {
      const batch = items.slice(from, from + this.options.batchSize);
      const full = JSON.stringify({ action, [key]: batch, project: projectPayload });
      for (const webhook of webhooks) outgoing.push(this.outgoing(webhook, action, batch.length, full));
    }
    this.emit(action, outgoing);
  }

  private outgoing(webhook: StoredWebhook, action: string, items: number, full: string): Outgoing {
    return {
      webhook: webhook.id,
      url: webhook.url,
      headers: { ...webhook.headers },
      action,
      items,
      body: webhook.send_payload ? full : JSON.stringify({ action }),
    };
  }

  private emit(action: string, outgoing: Outgoing[]): void {
    this.last = outgoing;
    this.lastByAction.set(action, outgoing);
    void this.enqueue(outgoing, false);
  }

  private enqueue(outgoing: Outgoing[], redelivery: boolean): Promise<WebhookDelivery[]> {
    const run = this.tail.then(async () => {
      const done: WebhookDelivery[] = [];
      for (const item of outgoing) done.push(await this.deliver(item, redelivery));
      return done;
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** `run_webhook_sync`: one POST, the timeout, any failure swallowed (recorded), never retried. */
  private async deliver(item: Outgoing, redelivery: boolean): Promise<WebhookDelivery> {
    const started = performance.now();
    const record: WebhookDelivery = {
      webhook: item.webhook,
      url: item.url,
      action: item.action,
      items: item.items,
      status: 0,
      ms: 0,
      redelivery,
      at: new Date().toISOString(),
    };
    try {
      const response = await fetch(item.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'python-requests/2.32.3', ...item.headers },
        body: item.body,
        signal: AbortSignal.any([AbortSignal.timeout(this.options.timeoutMs), this.stopping.signal]),
      });
      await response.arrayBuffer();
      record.status = response.status;
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      record.error = timedOut
        ? `Read timed out. (read timeout=${this.options.timeoutMs / 1000})`
        : String((error as Error).cause ?? error);
    }
    record.ms = Math.round((performance.now() - started) * 10) / 10;
    this.log.push(record);
    if (this.log.length > MAX_DELIVERIES_KEPT) this.log.splice(0, this.log.length - MAX_DELIVERIES_KEPT);
    return record;
  }

  deliveries(): WebhookDelivery[] {
    return [...this.log];
  }

  clearDeliveries(): void {
    this.log = [];
  }

  /** Resolves once every delivery queued so far has been tried. */
  async settled(): Promise<void> {
    await this.tail;
  }

  /** Posts the last emission (of `action`, when given) `times` more times, in order; resolves with the attempts. */
  async redeliver(times: number, action?: string): Promise<WebhookDelivery[]> {
    const outgoing = action === undefined ? this.last : this.lastByAction.get(action);
    if (outgoing === null || outgoing === undefined) {
      throw ApiError.validation({ action: [`No ${action ?? 'webhook'} emission to deliver again.`] });
    }
    const repeated: Outgoing[] = [];
    for (let i = 0; i < times; i += 1) repeated.push(...outgoing);
    return this.enqueue(repeated, true);
  }

  reset(): void {
    this.log = [];
    this.last = null;
    this.lastByAction.clear();
  }

  /** Aborts deliveries in flight (server shutdown). */
  close(): void {
    this.stopping.abort();
  }
}
