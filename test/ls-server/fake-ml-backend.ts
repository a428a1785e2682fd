/**
 * A tiny ML backend on `node:http` for tests that drive the LS test server's ML-backend side without
 * prelabel's gateway: `GET /health` and `GET /` → `{"status": "UP", "model_class": "FakeBackend"}`,
 * `POST /setup` → `{"model_version": <modelVersion>}`, `POST /predict` → `predict(body)` (default: one
 * empty-result prediction per task with the model version), `POST /webhook` → `{"status": "Unknown event"}`,
 * anything else 404. Basic auth on every route when `basicAuth` is set (401 + `WWW-Authenticate`, as the
 * reference server). Per-route `status` and `delayMs` overrides play a broken or slow backend; `override`
 * answers any request its own way (e.g. fail only the third /setup).
 * Every request is recorded with its headers and parsed body; `set()` changes behaviour between calls.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export type FakeRoute = 'health' | 'setup' | 'predict' | 'webhook';

export interface FakePredictRequest {
  tasks: { id: number; data: Record<string, unknown>; [key: string]: unknown }[];
  project: string;
  label_config: string;
  params: { login: unknown; password: unknown; context: unknown };
}

export interface FakeMlBackendOptions {
  /** What `/setup` answers; `null` answers `{}` (no model_version). Default `fake-v1`. */
  modelVersion: string | null;
  basicAuth: { user: string; pass: string } | null;
  /** The `/predict` answer body. */
  predict: (body: FakePredictRequest) => unknown;
  status: Partial<Record<FakeRoute, number>>;
  delayMs: Partial<Record<FakeRoute, number>>;
  /** Consulted first (after auth); an answer replaces the route's own. */
  override: ((route: FakeRoute, request: ReceivedRequest) => { status: number; body: unknown } | undefined) | null;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  at: number;
}

export interface FakeMlBackend {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Requests to one route (`/predict` → 'predict'). */
  received(route: FakeRoute): ReceivedRequest[];
  set(options: Partial<FakeMlBackendOptions>): void;
  close(): Promise<void>;
}

const ROUTES: Record<string, FakeRoute> = {
  'GET /health': 'health',
  'GET /': 'health',
  'POST /setup': 'setup',
  'POST /predict': 'predict',
  'POST /webhook': 'webhook',
};

export async function startFakeMlBackend(initial: Partial<FakeMlBackendOptions> = {}): Promise<FakeMlBackend> {
  const options: FakeMlBackendOptions = {
    modelVersion: 'fake-v1',
    basicAuth: null,
    predict: (body) => ({
      results: body.tasks.map(() => ({
        result: [],
        score: 0.5,
        ...(options.modelVersion === null ? {} : { model_version: options.modelVersion }),
      })),
    }),
    status: {},
    delayMs: {},
    override: null,
    ...initial,
  };
  const requests: ReceivedRequest[] = [];

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const path = new URL(req.url ?? '/', 'http://fake').pathname.replace(/(.)\/+$/, '$1');
    let body: unknown = text;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      // Recorded as the raw text.
    }
    const received: ReceivedRequest = { method: req.method ?? 'GET', path, headers: req.headers, body, at: Date.now() };
    requests.push(received);
    const answer = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    };

    if (options.basicAuth !== null) {
      const expected = `Basic ${Buffer.from(`${options.basicAuth.user}:${options.basicAuth.pass}`).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="Login required"' });
        res.end('Unauthorized');
        return;
      }
    }
    const route = ROUTES[`${req.method} ${path}`];
    if (route === undefined) return answer(404, { error: 'not found' });
    const delay = options.delayMs[route];
    if (delay !== undefined) await sleep(delay);
    const replaced = options.override?.(route, received);
    if (replaced !== undefined) return answer(replaced.status, replaced.body);
    const status = options.status[route];
    if (status !== undefined && status >= 400) return answer(status, { status, detail: `fake ${route} failure` });
    switch (route) {
      case 'health':
        return answer(status ?? 200, { status: 'UP', model_class: 'FakeBackend' });
      case 'setup':
        return answer(status ?? 200, options.modelVersion === null ? {} : { model_version: options.modelVersion });
      case 'predict':
        return answer(status ?? 200, await options.predict(body as FakePredictRequest));
      case 'webhook':
        return answer(status ?? 200, { status: 'Unknown event' });
    }
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    received: (route) => requests.filter((r) => ROUTES[`${r.method} ${r.path}`] === route),
    set: (patch) => {
      Object.assign(options, patch);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
