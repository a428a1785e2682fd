/**
 * HTTP plumbing shared by the LS routes and the admin routes of the test server: the reply type,
 * `ApiError` (rendered as LS's error envelope, protocol §4.1 "Error envelope"), body reading and a
 * tiny segment router where `:id` matches a decimal integer (Django's `<int:pk>`), a final `*` matches
 * the rest of the path (Django's `<path:…>`, URL-decoded into `ctx.rest`) and a trailing slash is
 * optional, as on Label Studio.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const LS_VERSION = '1.22.0';

export interface Reply {
  status: number;
  /** JSON-serialised unless `raw` is set; absent for 204. */
  body?: unknown;
  /** A body sent as is: text, or bytes (served files). */
  raw?: { contentType: string; text: string } | { contentType: string; bytes: Uint8Array };
  headers?: Record<string, string>;
}

export interface RequestContext {
  method: string;
  /** Integer path parameters in order of appearance. */
  ids: number[];
  query: URLSearchParams;
  /** Parsed JSON body; `{}` for an empty body or a multipart one, as DRF's `request.data`. */
  body: unknown;
  /** What a final `*` of the route matched, URL-decoded (no leading slash). */
  rest?: string;
  /** The body as received, with its Content-Type, when it is multipart/form-data. */
  multipart?: { contentType: string; raw: Buffer };
}

/** An error answered with LS's envelope; `validationErrors` turns it into DRF's "Validation error" form. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  /** DRF's `detail` of a ValidationError: per-field errors, or one entry per item of a `many=True` serializer. */
  readonly validationErrors: Record<string, unknown> | unknown[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    status: number,
    detail: string,
    options: { validationErrors?: Record<string, unknown> | unknown[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.status = status;
    this.validationErrors = options.validationErrors;
    this.headers = options.headers;
  }

  static validation(errors: Record<string, unknown> | unknown[]): ApiError {
    return new ApiError(400, 'Validation error', { validationErrors: errors });
  }

  static notFound(): ApiError {
    return new ApiError(404, 'Not found.');
  }
}

export function envelope(
  status: number,
  detail: string,
  validationErrors?: Record<string, unknown> | unknown[],
): unknown {
  return {
    id: randomUUID(),
    status_code: status,
    version: LS_VERSION,
    detail,
    exc_info: null,
    ...(validationErrors === undefined ? {} : { validation_errors: validationErrors }),
  };
}

export function errorReply(error: ApiError): Reply {
  return {
    status: error.status,
    body: envelope(error.status, error.message, error.validationErrors),
    ...(error.headers === undefined ? {} : { headers: error.headers }),
  };
}

/** Reads the whole body; rejects with a 413 ApiError past `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new ApiError(413, `Request body exceeds ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function parseJsonBody(raw: Buffer): unknown {
  if (raw.length === 0) return {};
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new ApiError(400, `JSON parse error - ${(error as Error).message}`);
  }
}

export interface Route<H> {
  method: string;
  pattern: string;
  name: string;
  handler: H;
}

export type RouteMatch<H> =
  | { kind: 'found'; route: Route<H>; ids: number[]; rest?: string }
  | { kind: 'method-not-allowed' }
  | { kind: 'not-found' };

export class Router<H> {
  private readonly routes: { route: Route<H>; segments: string[] }[] = [];

  add(method: string, pattern: string, name: string, handler: H): this {
    this.routes.push({ route: { method, pattern, name, handler }, segments: pattern.split('/').filter(Boolean) });
    return this;
  }

  /** Names of the registered routes. */
  names(): Set<string> {
    return new Set(this.routes.map(({ route }) => route.name));
  }

  match(method: string, pathname: string): RouteMatch<H> {
    const parts = pathname.split('/').filter(Boolean);
    let pathKnown = false;
    for (const { route, segments } of this.routes) {
      const wildcard = segments.at(-1) === '*';
      const fixed = wildcard ? segments.slice(0, -1) : segments;
      if (wildcard ? parts.length <= fixed.length : segments.length !== parts.length) continue;
      const ids: number[] = [];
      const same = fixed.every((segment, i) => {
        const part = parts[i]!;
        if (segment !== ':id') return segment === part;
        if (!/^\d+$/.test(part)) return false;
        ids.push(Number(part));
        return true;
      });
      if (!same) continue;
      if (route.method === method) {
        if (!wildcard) return { kind: 'found', route, ids };
        return { kind: 'found', route, ids, rest: parts.slice(fixed.length).map(decodeSegment).join('/') };
      }
      pathKnown = true;
    }
    return pathKnown ? { kind: 'method-not-allowed' } : { kind: 'not-found' };
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
