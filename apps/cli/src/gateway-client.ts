/** The CLI's client of the runs API (`prelabel run`, `prelabel status`). */
import type { RunView } from '@prelabel/shared/runs/run-store';

export class GatewayError extends Error {
  override name = 'GatewayError';
}

export function createGatewayClient(baseUrl: string, basicAuth?: { user: string; pass: string }) {
  const authorization = basicAuth
    ? { authorization: `Basic ${Buffer.from(`${basicAuth.user}:${basicAuth.pass}`).toString('base64')}` }
    : {};
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { ...authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(120_000),
      });
    } catch (error) {
      throw new GatewayError(
        `the prelabel gateway at ${baseUrl} is unreachable (${(error as Error).message}); is it running? (PRELABEL_URL)`,
      );
    }
    const text = await response.text();
    const parsed = text === '' ? undefined : JSON.parse(text);
    if (!response.ok) {
      throw new GatewayError(parsed?.error?.message ?? `${method} ${path} answered ${response.status}`);
    }
    return parsed as T;
  }
  return {
    createRun: (body: unknown) => call<{ id: string; modelVersion: string }>('POST', '/api/runs', body),
    getRun: (id: string) => call<RunView>('GET', `/api/runs/${encodeURIComponent(id)}`),
    listRuns: () => call<{ runs: RunView[] }>('GET', '/api/runs'),
  };
}
