/**
 * One GET of task data over HTTP(S), with the SSRF guard, the credential rule and the size limit.
 *
 * - Redirects (301, 302, 303, 307, 308) are followed by hand, at most `maxRedirects`, each hop
 *   checked afresh.
 * - Every hop whose origin is not Label Studio's has its host resolved here and every address checked
 *   against the {@link AddressPolicy}; the connection is then pinned to those checked addresses
 *   (node:http's `lookup` option), so a DNS answer that changes between check and connect (DNS
 *   rebinding) cannot reach a refused address. IP literals are checked directly.
 * - `Authorization` goes only to the LS origin (scheme, host and port equal), never to another host,
 *   also not after a redirect that leaves it; a `Bearer` header refused with 401 is refreshed once.
 * - The body is refused when its `Content-Length` exceeds `maxBytes`, and the download is cut as soon
 *   as the bytes counted pass it.
 * - An abort of `signal` (the caller's, or the resolver's deadline) rethrows the signal's reason; the
 *   caller turns that into a timeout or passes the caller's abort on.
 * Failures are {@link DataAccessError}s whose messages name the redacted URL of the failing hop.
 */
import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { describeBody, parseRetryAfterMs } from '../label-studio/errors.ts';
import { untilAborted } from '../runtime/abort.ts';
import { type AddressPolicy, unbracket } from './address-policy.ts';
import { isSameOrigin } from './classify.ts';
import { DataAccessError, isRetryableStatus, redactUrl } from './errors.ts';

export interface HttpAgents {
  http: http.Agent;
  https: https.Agent;
}

export interface GuardedGetOptions {
  url: URL;
  /** The Label Studio origin: exempt from the address policy, and the only one given `authorization`. */
  labelStudioUrl: URL;
  /** The current LS `Authorization` value; `forceRefresh` after a 401 on a Bearer token. */
  authorization: (forceRefresh: boolean) => Promise<string>;
  policy: AddressPolicy;
  maxBytes: number;
  /** Named after the limit in messages, e.g. `FETCH_MAX_BYTES`. */
  maxBytesName?: string;
  maxRedirects: number;
  signal: AbortSignal;
  agents: HttpAgents;
  /** Put before the URL in messages, e.g. `s3://bucket/key via `. */
  subject?: string;
}

export interface FetchedBody {
  bytes: Uint8Array;
  contentType: string | undefined;
  /** The hop that answered, redacted. */
  url: string;
}

const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
const ERROR_BODY_MAX_BYTES = 4096;

/**
 * A `lookup` for node:net that answers, whatever the hostname, only with `addresses` (already
 * checked): the connection goes where the check looked, even if DNS answers differently by then.
 */
export function pinnedLookup(addresses: readonly LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) {
      callback(null, [...addresses]);
      return;
    }
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    const chosen = addresses.find((a) => !family || a.family === family) ?? addresses[0]!;
    callback(null, chosen.address, chosen.family);
  };
}

const systemCode = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

export async function guardedGet(options: GuardedGetOptions): Promise<FetchedBody> {
  const { signal, labelStudioUrl } = options;
  const subject = options.subject ?? '';
  let url = options.url;
  let authorization: string | undefined;
  let refreshed = false;

  const fail = (
    target: URL,
    code: ConstructorParameters<typeof DataAccessError>[0]['code'],
    reason: string,
    extra: { status?: number; retryAfterMs?: number; retryable?: boolean; cause?: unknown } = {},
  ) => new DataAccessError({ code, message: `GET ${subject}${redactUrl(target)}: ${reason}`, ...extra });

  /** The addresses a hop may connect to, or undefined for LS itself and IP literals (checked here). */
  const checkedLookup = async (target: URL): Promise<LookupFunction | undefined> => {
    const host = unbracket(target.hostname);
    if (isIP(host) !== 0) {
      const refusal = options.policy.refusal(host);
      if (refusal !== undefined) {
        throw fail(target, 'ssrf_refused', `refused: ${host} is ${refusal} (allow it with FETCH_ALLOW_HOSTS)`);
      }
      return undefined;
    }
    let addresses: LookupAddress[];
    try {
      addresses = await untilAborted(dnsLookup(host, { all: true, verbatim: true }), signal);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw fail(target, 'unreachable', `cannot resolve ${host} (${systemCode(error) ?? 'DNS failure'})`);
    }
    if (addresses.length === 0) throw fail(target, 'unreachable', `cannot resolve ${host} (no address)`);
    if (!options.policy.isAllowedHostname(host)) {
      for (const { address } of addresses) {
        const refusal = options.policy.refusal(address);
        if (refusal !== undefined) {
          throw fail(
            target,
            'ssrf_refused',
            `refused: ${host} resolves to ${address}, ${refusal} (allow the host or the address with FETCH_ALLOW_HOSTS)`,
          );
        }
      }
    }
    return pinnedLookup(addresses);
  };

  const send = (target: URL, headers: Record<string, string>, lookup: LookupFunction | undefined) =>
    new Promise<http.IncomingMessage>((resolve, reject) => {
      const isHttps = target.protocol === 'https:';
      const request = (isHttps ? https : http).request(
        target,
        {
          method: 'GET',
          headers,
          agent: isHttps ? options.agents.https : options.agents.http,
          signal,
          ...(lookup === undefined ? {} : { lookup }),
        },
        resolve,
      );
      request.on('error', reject);
      request.end();
    });

  for (let hop = 0; ; hop += 1) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw fail(url, 'unsupported_uri', `a redirect to a ${url.protocol} URL is not followed`);
    }
    const toLabelStudio = isSameOrigin(url, labelStudioUrl);
    let response: http.IncomingMessage;
    try {
      const lookup = toLabelStudio ? undefined : await checkedLookup(url);
      const headers: Record<string, string> = {
        accept: '*/*',
        'accept-encoding': 'identity',
        'user-agent': 'prelabel',
      };
      if (toLabelStudio) {
        authorization ??= await options.authorization(false);
        headers.authorization = authorization;
      }
      response = await send(url, headers, lookup);
      if (response.statusCode === 401 && toLabelStudio && !refreshed && authorization?.startsWith('Bearer ')) {
        // The access token may have been revoked or outlived its exp on LS's clock: exchange once more.
        response.resume();
        refreshed = true;
        authorization = await options.authorization(true);
        headers.authorization = authorization;
        response = await send(url, headers, lookup);
      }
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (error instanceof DataAccessError) throw error;
      const code = systemCode(error);
      if (code === undefined) throw error;
      throw fail(url, 'unreachable', `unreachable (${code})`, { cause: error });
    }

    const status = response.statusCode ?? 0;
    if (REDIRECTS.has(status)) {
      response.resume();
      const location = response.headers.location;
      if (location === undefined || location === '') {
        throw fail(url, 'bad_response', `a ${status} redirect without a Location`, { status });
      }
      if (hop >= options.maxRedirects) {
        throw fail(url, 'too_many_redirects', `more than ${options.maxRedirects} redirects (FETCH_MAX_REDIRECTS)`);
      }
      try {
        url = new URL(location, url);
      } catch {
        throw fail(url, 'bad_response', `a ${status} redirect to an invalid Location`, { status });
      }
      continue;
    }
    if (status >= 200 && status < 300) {
      if (toLabelStudio && response.headers['x-accel-redirect'] !== undefined) {
        response.resume();
        throw fail(
          url,
          'bad_response',
          'Label Studio answered with an nginx X-Accel-Redirect instead of the file: reach it through its nginx, ' +
            'or set USE_NGINX_FOR_UPLOADS=false on Label Studio',
          { status },
        );
      }
      return {
        bytes: await readBody(response, url),
        contentType: response.headers['content-type'],
        url: redactUrl(url),
      };
    }
    throw await statusError(response, url, toLabelStudio);
  }

  async function readBody(response: http.IncomingMessage, target: URL): Promise<Uint8Array> {
    const limit = `${options.maxBytes} bytes${options.maxBytesName === undefined ? '' : ` (${options.maxBytesName})`}`;
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > options.maxBytes) {
      response.destroy();
      throw fail(target, 'too_large', `${declared} bytes exceed the limit of ${limit}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of response) {
        size += (chunk as Buffer).length;
        if (size > options.maxBytes) {
          response.destroy();
          throw fail(target, 'too_large', `more than the limit of ${limit}`);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (error) {
      if (error instanceof DataAccessError) throw error;
      if (signal.aborted) throw signal.reason;
      throw fail(target, 'unreachable', `the connection broke after ${size} bytes (${systemCode(error) ?? 'aborted'})`);
    }
    const body = Buffer.concat(chunks);
    return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  }

  async function statusError(response: http.IncomingMessage, target: URL, fromLabelStudio: boolean) {
    const status = response.statusCode ?? 0;
    const text = await readErrorText(response);
    // Only Label Studio's bodies are quoted: another host's error page may echo the request.
    const detail = fromLabelStudio ? describeBody(text) : (/<Code>([\w.-]{1,64})<\/Code>/.exec(text)?.[1] ?? '');
    const suffix = detail === '' ? '' : `: ${detail}`;
    if (status === 404 || status === 410) {
      return fail(target, 'not_found', `not found (${status})${suffix}`, { status });
    }
    if (status === 429) {
      const retryAfterMs = parseRetryAfterMs(response.headers['retry-after'] ?? null) ?? 1000;
      return fail(target, 'http_status', `rate limited (429)${suffix}`, { status, retryAfterMs, retryable: true });
    }
    let reason = `answered ${status}${suffix}`;
    if (fromLabelStudio && status === 401) reason = `Label Studio refused the API key (401)${suffix}`;
    else if (fromLabelStudio && status === 403) reason = `Label Studio refused access (403)${suffix}`;
    else if (fromLabelStudio && status === 500 && target.pathname.includes('/data/upload/')) {
      reason += ' (Label Studio also answers 500 for an upload it does not know)';
    }
    return fail(target, 'http_status', reason, { status, retryable: isRetryableStatus(status) });
  }

  async function readErrorText(response: http.IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of response) {
        chunks.push(chunk as Buffer);
        size += (chunk as Buffer).length;
        if (size >= ERROR_BODY_MAX_BYTES) break;
      }
    } catch {
      // The status says enough; a broken error body adds nothing.
    }
    response.destroy();
    return Buffer.concat(chunks).toString('utf8').slice(0, ERROR_BODY_MAX_BYTES);
  }
}
