/**
 * `prelabel connect`: registers prelabel's gateway as the ML backend of one Label Studio project and
 * makes its predictions visible to annotators (docs/label-studio-protocol.md §2.4, §2.7, §4.6).
 *
 * 1. The project: a numeric `project` is an id; anything else must be the exact title of exactly one
 *    project (none or several → a ConnectError naming the candidates).
 * 2. The backend: an existing backend of that project with the same URL (else the same title) is
 *    PATCHed, otherwise one is POSTed, so running connect again never adds a second. Every PATCH carries
 *    `url`, `project` and the stored `extra_params`, because LS re-validates (calls /health and /setup)
 *    with only the submitted attributes. LS's validation failures come back as a ConnectError.
 * 3. The webhook: LS creates `<url>/webhook` (all actions, with payload) only when a backend is created;
 *    connect makes sure it exists, is active and sends every action with its payload. LS sends webhooks
 *    without the backend's Basic auth (only static custom headers, §3.3), so with `basicAuth` the webhook
 *    gets an `Authorization` header, and with `webhookSecret` the gateway's secret header: otherwise the
 *    gateway would refuse every delivery and imported tasks would never reach it.
 * 4. Live mode: the project gets `show_collab_predictions: true` and `model_version` = the backend's title.
 * 5. Health through LS: the backend is read back (LS re-checks it) and must be Connected (`CO`).
 */
import type {
  LabelStudioClient,
  LabelStudioMlBackend,
  LabelStudioWebhook,
  MlBackendWrite,
} from '@prelabel/shared/label-studio/client';
import { LabelStudioError } from '@prelabel/shared/label-studio/errors';
import type { LabelStudioProject } from '@prelabel/shared/label-studio/types';
import type { Logger } from '@prelabel/shared/logging/logger';

export const DEFAULT_BACKEND_TITLE = 'prelabel';

export interface ConnectInput {
  /** Project id, or its exact title. */
  project: string;
  /** The gateway's URL as Label Studio reaches it. */
  url: string;
  /** @defaultValue "prelabel" */
  title?: string;
  /** Sets `is_interactive` (smart tools) when given; left as stored otherwise. */
  interactive?: boolean;
  /** Credentials LS sends as HTTP Basic auth (the gateway's BASIC_AUTH_USER / BASIC_AUTH_PASS). */
  basicAuth?: { user: string; pass: string };
  /** The backend's "Extra params" (`{"pipeline", "options"}`), stored by LS and sent with every /setup. */
  extraParams?: unknown;
  /** A custom header LS must send with every webhook delivery (the gateway's WEBHOOK_SECRET). */
  webhookSecret?: { header: string; value: string };
}

export interface ConnectResult {
  project: number;
  backend: LabelStudioMlBackend;
  /** False when an existing backend was updated. */
  created: boolean;
  /** The project webhook that delivers events to the gateway's `/webhook`. */
  webhook: LabelStudioWebhook;
}

/** A failure worth one readable line to the user. */
export class ConnectError extends Error {
  override name = 'ConnectError';
}

const sameUrl = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

function describe(project: LabelStudioProject): string {
  return `#${project.id} "${project.title ?? ''}"`;
}

async function findProject(labelStudio: LabelStudioClient, wanted: string): Promise<LabelStudioProject> {
  const trimmed = wanted.trim();
  if (/^\d+$/.test(trimmed)) {
    const project = await labelStudio.projects.find(Number(trimmed));
    if (project === undefined) throw new ConnectError(`Label Studio has no project with id ${trimmed}`);
    return project;
  }
  // LS filters titles case-insensitively by substring; only an exact title counts as a match.
  const candidates = await labelStudio.projects.list({ title: trimmed });
  const exact = candidates.filter((project) => project.title === trimmed);
  if (exact.length === 1) return exact[0]!;
  if (exact.length > 1) {
    throw new ConnectError(
      `${exact.length} Label Studio projects are titled "${trimmed}": ${exact.map(describe).join(', ')}; ` +
        'pass --project <id> instead',
    );
  }
  const similar = candidates.length === 0 ? '' : `; titles containing it: ${candidates.map(describe).join(', ')}`;
  throw new ConnectError(`Label Studio has no project titled "${trimmed}"${similar}`);
}

/** The backend's project webhook, created or corrected so that every event reaches the gateway. */
async function ensureWebhook(
  labelStudio: LabelStudioClient,
  project: number,
  input: ConnectInput,
): Promise<LabelStudioWebhook> {
  const hookUrl = `${input.url.replace(/\/+$/, '')}/webhook`;
  const existing = (await labelStudio.webhooks.list(project)).find((webhook) => sameUrl(webhook.url, hookUrl));
  const headers: Record<string, string> = { ...existing?.headers };
  if (input.basicAuth !== undefined) {
    const { user, pass } = input.basicAuth;
    headers['Authorization'] = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  }
  if (input.webhookSecret !== undefined) headers[input.webhookSecret.header] = input.webhookSecret.value;
  const wanted = { send_payload: true, send_for_all_actions: true, is_active: true, headers };
  if (existing === undefined) return labelStudio.webhooks.create({ project, url: hookUrl, ...wanted });
  const fine =
    existing.send_payload &&
    existing.send_for_all_actions &&
    existing.is_active &&
    JSON.stringify(existing.headers) === JSON.stringify(headers);
  return fine ? existing : labelStudio.webhooks.update(existing.id, wanted);
}

/** What LS said when it refused the backend, with the usual cause spelt out. */
function refused(error: unknown, url: string): never {
  if (error instanceof LabelStudioError && error.status === 400) {
    throw new ConnectError(
      `Label Studio refused the ML backend at ${url}: ${error.message}. Label Studio itself calls ${url}/health ` +
        'and /setup: check that the gateway runs, that this URL is reachable from the Label Studio host, and ' +
        'that the Basic auth credentials match the gateway’s',
    );
  }
  throw error;
}

export async function connectBackend(
  input: ConnectInput,
  deps: { labelStudio: LabelStudioClient; log: Logger },
): Promise<ConnectResult> {
  const { labelStudio, log } = deps;
  const title = input.title ?? DEFAULT_BACKEND_TITLE;
  const project = await findProject(labelStudio, input.project);

  const backends = await labelStudio.ml.list(project.id);
  const existing =
    backends.find((backend) => sameUrl(backend.url, input.url)) ?? backends.find((backend) => backend.title === title);

  const body: MlBackendWrite & { url: string; project: number } = { url: input.url, project: project.id, title };
  if (input.interactive !== undefined) body.is_interactive = input.interactive;
  if (input.basicAuth !== undefined) {
    body.auth_method = 'BASIC_AUTH';
    body.basic_auth_user = input.basicAuth.user;
    body.basic_auth_pass = input.basicAuth.pass;
  }
  if (input.extraParams !== undefined) body.extra_params = input.extraParams;
  // LS validates a PATCH by calling /setup with the submitted extra_params only: resend the stored ones.
  else if (existing?.extra_params !== undefined && existing.extra_params !== null) {
    body.extra_params = existing.extra_params;
  }

  let backend: LabelStudioMlBackend;
  try {
    backend =
      existing === undefined ? await labelStudio.ml.create(body) : await labelStudio.ml.update(existing.id, body);
  } catch (error) {
    refused(error, input.url);
  }
  log.info(
    { project: project.id, backend: backend.id, url: input.url, created: existing === undefined },
    existing === undefined ? 'ML backend registered in Label Studio' : 'ML backend updated in Label Studio',
  );
  const first = backends[0];
  if (first !== undefined && first.id !== backend.id) {
    log.warn(
      { project: project.id, first: first.id, firstTitle: first.title },
      'Label Studio runs "Retrieve Predictions" with the project\'s first ML backend, which is another one',
    );
  }

  const webhook = await ensureWebhook(labelStudio, project.id, input);

  const liveModel = backend.title ?? title;
  await labelStudio.projects.patch(project.id, { show_collab_predictions: true, model_version: liveModel });

  const checked = await labelStudio.ml.get(backend.id);
  if (checked.state !== 'CO') {
    const reason =
      checked.error_message ??
      (checked.state === 'DI' ? `Label Studio cannot reach ${checked.url}/health` : 'no reason given');
    throw new ConnectError(
      `ML backend #${checked.id} of project ${describe(project)} is ${checked.readable_state ?? checked.state}: ${reason}`,
    );
  }
  log.info(
    { project: project.id, backend: checked.id, modelVersion: checked.model_version, liveModel },
    'ML backend connected; annotators see its predictions',
  );
  return { project: project.id, backend: checked, created: existing === undefined, webhook };
}
