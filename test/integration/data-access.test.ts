/**
 * Task data access (shared/src/data-access) against real servers: the LS test server (uploads,
 * storage-data, local files, the presign endpoint's 303 and streamed answers), a plain HTTP file host
 * standing in for other hosts and presigned URLs (it records every request and its headers), and a
 * real S3-compatible server (s3rver, in process on 127.0.0.1 with a temporary directory). Also the LS
 * client's additions used by the PDF pipeline (authorization, tasks.patch, uploads.create).
 * Nothing of ours is mocked; the LS credentials, the presign signature and the S3 secret are
 * recognisable strings that must never appear in an error or a log line.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDataAccess } from '../../shared/src/data-access/data-access.ts';
import { DataAccessError } from '../../shared/src/data-access/errors.ts';
import {
  createTaskDataResolver,
  type TaskDataResolver,
  type TaskDataResolverDeps,
} from '../../shared/src/data-access/resolver.ts';
import { createS3Store, type S3Store } from '../../shared/src/data-access/s3-store.ts';
import { createLabelStudioClient } from '../../shared/src/label-studio/client.ts';
import { createLogger } from '../../shared/src/logging/logger.ts';
import { type LabelStudioTestServer, startLabelStudioTestServer } from '../ls-server/ls-test-server.ts';
import { startTestS3Server, type TestS3Server } from '../support/s3-server.ts';

const LEGACY_KEY = 'ls-legacy-key-SECRET-7f3a9c21';
const SIGNATURE = 'presign-SIGNATURE-SECRET-5be1';
const S3_KEY_ID = 'PRELABELS3KEYID';
const S3_SECRET = 's3-secret-SECRET-0d6e4b';
const CONFIG = '<View><Image name="image" value="$image"/></View>';
const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

let ls: LabelStudioTestServer;
let fileHost: Server;
let fileHostUrl: string;
let s3Server: TestS3Server;
let s3Endpoint: string;
let s3: S3Store;
let project: number;
let task: number;
const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
const resolvers: TaskDataResolver[] = [];
const logLines: string[] = [];
const log = createLogger(
  { level: 'trace' },
  new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  }),
);

function startFileHost(): Promise<void> {
  fileHost = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://file-host');
    seen.push({ path: `${url.pathname}${url.search}`, headers: req.headers });
    if (url.pathname === '/doc.pdf') {
      res.writeHead(200, { 'Content-Type': 'application/pdf', 'Content-Length': PDF.length });
      res.end(PDF);
    } else if (url.pathname === '/stream') {
      // Chunked, no Content-Length: only counting the bytes can stop it.
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 7);
      let left = Number(url.searchParams.get('bytes'));
      const pump = () => {
        while (left > 0) {
          left -= chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    } else if (url.pathname === '/declared-large') {
      res.writeHead(200, { 'Content-Length': String(50 * 1024 * 1024) });
      res.write(Buffer.alloc(1024));
    } else if (url.pathname === '/stall') {
      res.writeHead(200, { 'Content-Type': 'application/pdf' });
      res.write('%PDF');
    } else if (url.pathname === '/redirect') {
      res.writeHead(Number(url.searchParams.get('status') ?? 302), { Location: url.searchParams.get('to') ?? '/' });
      res.end();
    } else if (url.pathname === '/loop') {
      res.writeHead(302, { Location: '/loop' });
      res.end();
    } else if (url.pathname.startsWith('/presigned/')) {
      if (url.searchParams.get('X-Amz-Signature') !== SIGNATURE) {
        res.writeHead(403, { 'Content-Type': 'application/xml' });
        res.end('<Error><Code>SignatureDoesNotMatch</Code></Error>');
      } else if (url.pathname.endsWith('/missing.pdf')) {
        // S3 echoes request details in its error bodies: none of it may reach a message.
        res.writeHead(404, { 'Content-Type': 'application/xml' });
        res.end(`<Error><Code>NoSuchKey</Code><Message>${url.search}</Message></Error>`);
      } else if (url.pathname.endsWith('/stall.pdf')) {
        res.writeHead(200, { 'Content-Type': 'application/pdf' });
        res.write('%PDF');
      } else {
        res.writeHead(200, { 'Content-Type': 'application/pdf', 'Content-Length': PDF.length });
        res.end(PDF);
      }
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((resolve) =>
    fileHost.listen(0, '127.0.0.1', () => {
      fileHostUrl = `http://127.0.0.1:${(fileHost.address() as AddressInfo).port}`;
      resolve();
    }),
  );
}

async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An S3 store pointed at a port nothing listens on. */
async function unreachableS3Store(): Promise<S3Store> {
  return createS3Store({
    endpoint: `http://127.0.0.1:${await closedPort()}`,
    region: 'us-east-1',
    accessKeyId: S3_KEY_ID,
    secretAccessKey: S3_SECRET,
    forcePathStyle: true,
  });
}

beforeAll(async () => {
  ls = await startLabelStudioTestServer({ legacyToken: LEGACY_KEY });
  await startFileHost();
  s3Server = await startTestS3Server({
    buckets: ['direct', 'pages'],
    accessKeyId: S3_KEY_ID,
    secretAccessKey: S3_SECRET,
  });
  s3Endpoint = s3Server.endpoint;
  s3 = createS3Store({
    endpoint: s3Endpoint,
    region: 'us-east-1',
    accessKeyId: S3_KEY_ID,
    secretAccessKey: S3_SECRET,
    forcePathStyle: true,
  });
});

afterAll(async () => {
  s3.close();
  await s3Server.close();
  fileHost.closeAllConnections();
  await new Promise<void>((resolve) => fileHost.close(() => resolve()));
  await ls.close();
});

beforeEach(() => {
  ls.reset();
  ls.setAuth({ legacyTokensEnabled: true, apiTokensEnabled: true });
  project = ls.createProject({ label_config: CONFIG }).id;
  task = ls.createTasks(project, { tasks: [{ data: { image: 's3://docs/scan.pdf' } }] }).firstId!;
  seen.length = 0;
});

afterEach(() => {
  for (const resolver of resolvers.splice(0)) resolver.close();
  fileHost.closeAllConnections();
  // The resolver must never read a task through LS (that calls the ML backend synchronously).
  expect(ls.counters().trapCalls).toBe(0);
});

const legacyClient = () => createLabelStudioClient({ baseUrl: ls.url, apiKey: LEGACY_KEY });

function resolverWith(overrides: Partial<TaskDataResolverDeps> = {}): TaskDataResolver {
  const resolver = createTaskDataResolver({
    labelStudio: legacyClient(),
    limits: { maxBytes: 1024 * 1024, timeoutMs: 5000, maxRedirects: 5 },
    allowHosts: ['127.0.0.1'],
    log,
    ...overrides,
  });
  resolvers.push(resolver);
  return resolver;
}

/** Awaits a resolve expected to fail with a DataAccessError of `code`. */
async function failure(promise: Promise<unknown>, code: string): Promise<DataAccessError> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof DataAccessError)) throw error;
    expect(error.code, error.message).toBe(code);
    return error;
  }
  throw new Error(`expected a ${code} failure`);
}

const presignTemplate = (extra = '') =>
  `${fileHostUrl}/presigned/{bucket}/{key}?X-Amz-Credential=AKIDEXAMPLE%2F20260101&X-Amz-Signature=${SIGNATURE}${extra}`;

describe('each kind of task data value', () => {
  it('reads an http URL from an allow-listed host, without our credentials', async () => {
    const resolved = await resolverWith().resolve({ value: `${fileHostUrl}/doc.pdf` });
    expect(Buffer.from(resolved.bytes)).toEqual(PDF);
    expect(resolved).toMatchObject({ source: 'http', contentType: 'application/pdf', url: `${fileHostUrl}/doc.pdf` });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers.authorization).toBeUndefined();
  });

  it('reads /data/upload paths, upload/ keys and absolute LS URLs with the legacy token', async () => {
    const upload = ls.putUpload(project, 'scan.pdf', PDF);
    const resolver = resolverWith();
    for (const value of [upload.url, upload.file, `${ls.url}${upload.url}`]) {
      const resolved = await resolver.resolve({ value });
      expect(Buffer.from(resolved.bytes)).toEqual(PDF);
      expect(resolved).toMatchObject({ source: 'label-studio', contentType: 'application/pdf' });
    }
    expect(ls.counters().requests['files.upload']).toBe(3);
    expect(ls.counters().unauthorized).toBe(0);
  });

  it('reads uploads with a personal access token (Bearer), refreshing once after a 401', async () => {
    const upload = ls.putUpload(project, 'scan.pdf', PDF);
    const pat = createLabelStudioClient({ baseUrl: ls.url, apiKey: ls.personalAccessToken });
    expect((await resolverWith({ labelStudio: pat }).resolve({ value: upload.url })).bytes.byteLength).toBe(PDF.length);
    expect(ls.counters().tokenRefreshes).toBe(1);

    // A revoked access token: the first header is refused, the refreshed one works.
    let calls = 0;
    const stale = {
      baseUrl: ls.url,
      authorization: (call: { forceRefresh?: boolean } = {}) => {
        calls += 1;
        return call.forceRefresh
          ? pat.authorization({ forceRefresh: true })
          : Promise.resolve('Bearer revoked.token.x');
      },
    };
    const resolved = await resolverWith({ labelStudio: stale }).resolve({ value: upload.url });
    expect(Buffer.from(resolved.bytes)).toEqual(PDF);
    expect(calls).toBe(2);
    expect(ls.counters().unauthorized).toBe(1);
  });

  it('reads /storage-data/ paths, and explains an X-Accel-Redirect answer without nginx', async () => {
    const upload = ls.putUpload(project, 'scan.pdf', PDF);
    const resolver = resolverWith();
    const value = `/storage-data/uploaded/?filepath=${upload.file}`;
    expect(Buffer.from((await resolver.resolve({ value })).bytes)).toEqual(PDF);
    ls.setFileSettings({ useNginxForUploads: true });
    const error = await failure(resolver.resolve({ value }), 'bad_response');
    expect(error.message).toContain('USE_NGINX_FOR_UPLOADS');
    expect(error.retryable).toBe(false);
  });

  it('reads /data/local-files/?d= paths when LS serves local files, else fails for good with LS reason', async () => {
    ls.putLocalFile('/srv/docs/a.pdf', PDF);
    ls.addLocalFilesStorage(project, '/srv/docs');
    const resolver = resolverWith();
    const refused = await failure(resolver.resolve({ value: '/data/local-files/?d=srv/docs/a.pdf' }), 'http_status');
    expect(refused.message).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/data\/local-files\/\?d=srv\/docs\/a\.pdf: /);
    expect(refused.message).toContain('LOCAL_FILES_SERVING_ENABLED');
    expect(refused).toMatchObject({ status: 403, retryable: false });
    ls.setFileSettings({ localFilesServingEnabled: true });
    const resolved = await resolver.resolve({ value: '/data/local-files/?d=srv/docs/a.pdf' });
    expect(Buffer.from(resolved.bytes)).toEqual(PDF);
    await failure(resolver.resolve({ value: '/data/local-files/?d=srv/docs/gone.pdf' }), 'not_found');
  });

  it('reads data: URIs inline and refuses what is not a file reference', async () => {
    const resolver = resolverWith();
    const inline = await resolver.resolve({ value: `data:application/pdf;base64,${PDF.toString('base64')}` });
    expect(inline).toMatchObject({ source: 'inline', contentType: 'application/pdf', url: 'data:application/pdf,…' });
    expect(Buffer.from(inline.bytes)).toEqual(PDF);
    for (const value of [
      'Acme Corp opened an office',
      'file:///etc/passwd',
      'ftp://files.example/a.pdf',
      '/api/tasks/',
    ]) {
      const error = await failure(resolver.resolve({ value }), 'unsupported_uri');
      expect(error.retryable).toBe(false);
    }
    expect(seen).toHaveLength(0);
  });

  it('classifies LS failures: 500 for an unknown upload is retryable, 404 is not', async () => {
    const resolver = resolverWith();
    const unknown = await failure(resolver.resolve({ value: `/data/upload/${project}/nope.pdf` }), 'http_status');
    expect(unknown).toMatchObject({ status: 500, retryable: true });
    expect(unknown.message).toContain('answers 500 for an upload it does not know');
    ls.setDown(true);
    expect(await failure(resolver.resolve({ value: `/data/upload/${project}/a.pdf` }), 'http_status')).toMatchObject({
      status: 503,
      retryable: true,
    });
    ls.setDown(false);
  });
});

describe('cloud URIs through the presign endpoint', () => {
  it('follows the 303 to the presigned URL without our Authorization', async () => {
    ls.addCloudStorage({ project, scheme: 's3', bucket: 'docs', presign: true, presignUrl: presignTemplate() });
    const resolved = await resolverWith().resolve({ value: 's3://docs/scan.pdf', taskId: task });
    expect(Buffer.from(resolved.bytes)).toEqual(PDF);
    expect(resolved.source).toBe('presign');
    expect(resolved.url).toBe(
      `${fileHostUrl}/presigned/docs/scan.pdf?X-Amz-Credential=[redacted]&X-Amz-Signature=[redacted]`,
    );
    expect(ls.counters().requests['tasks.resolve']).toBe(1);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers.authorization).toBeUndefined();
  });

  it('keeps Authorization when the presigned URL points back at Label Studio', async () => {
    const upload = ls.putUpload(project, 'scan.pdf', PDF);
    ls.addCloudStorage({ project, scheme: 's3', bucket: 'docs', presign: true, presignUrl: `${ls.url}${upload.url}` });
    const resolved = await resolverWith().resolve({ value: 's3://docs/scan.pdf', taskId: task });
    expect(Buffer.from(resolved.bytes)).toEqual(PDF);
    expect(ls.counters()).toMatchObject({ unauthorized: 0, requests: { 'files.upload': 1 } });
  });

  it('reads gs:// through a 303 and azure-blob:// streamed by LS (presign off)', async () => {
    ls.addCloudStorage({ project, scheme: 'gs', bucket: 'gdocs', presign: true, presignUrl: presignTemplate() });
    ls.addCloudStorage({ project, scheme: 'azure-blob', bucket: 'container', presign: false });
    ls.putCloudObject('azure-blob://container/dir/scan.pdf', PDF, 'application/pdf');
    const resolver = resolverWith();
    const gs = await resolver.resolve({ value: 'gs://gdocs/dir/scan.pdf', taskId: task });
    expect(gs).toMatchObject({ source: 'presign', contentType: 'application/pdf' });
    expect(seen.map((request) => request.path.split('?')[0])).toEqual(['/presigned/gdocs/dir/scan.pdf']);
    const azure = await resolver.resolve({ value: 'azure-blob://container/dir/scan.pdf', taskId: task });
    expect(Buffer.from(azure.bytes)).toEqual(PDF);
    expect(azure.source).toBe('presign');
    const missing = await failure(
      resolver.resolve({ value: 'azure-blob://container/dir/gone.pdf', taskId: task }),
      'http_status',
    );
    expect(missing).toMatchObject({ status: 424, retryable: false });
    expect(missing.message).toContain('answered 424: An error occurred (NoSuchKey)');
  });

  it('needs a task id, and names a URI no storage of the project covers', async () => {
    const resolver = resolverWith();
    const noTask = await failure(resolver.resolve({ value: 's3://docs/scan.pdf' }), 'missing_task_id');
    expect(noTask.message).toMatch(/^s3:\/\/docs\/scan\.pdf: .*needs the task id/);
    const noStorage = await failure(resolver.resolve({ value: 's3://docs/scan.pdf', taskId: task }), 'not_found');
    expect(noStorage.message).toMatch(
      /^GET s3:\/\/docs\/scan\.pdf via http:\/\/127\.0\.0\.1:\d+\/tasks\/\d+\/presign\//,
    );
  });
});

describe('S3 directly (s3rver with a custom endpoint and path-style requests)', () => {
  it('puts and gets objects through the facade, and the resolver reads direct buckets with it', async () => {
    await s3.put('direct', 'scans/a b.pdf', PDF, 'application/pdf');
    const object = await s3.get('direct', 'scans/a b.pdf', { maxBytes: 1024 });
    expect(Buffer.from(object.bytes)).toEqual(PDF);
    expect(object.contentType).toBe('application/pdf');

    ls.addCloudStorage({ project, scheme: 's3', bucket: 'docs', presign: true, presignUrl: presignTemplate() });
    const resolver = resolverWith({ s3: { store: s3, directBuckets: ['direct'] } });
    const direct = await resolver.resolve({ value: 's3://direct/scans/a b.pdf' });
    expect(direct).toMatchObject({ source: 's3', url: 's3://direct/scans/a b.pdf', contentType: 'application/pdf' });
    expect(Buffer.from(direct.bytes)).toEqual(PDF);
    // Another bucket still goes through Label Studio.
    expect((await resolver.resolve({ value: 's3://docs/scan.pdf', taskId: task })).source).toBe('presign');
  });

  it('maps missing keys, sizes and an unreachable endpoint to classified errors', async () => {
    await s3.put('direct', 'big.bin', Buffer.alloc(4096), 'application/octet-stream');
    const resolver = resolverWith({ s3: { store: s3, directBuckets: ['*'] } });
    const missing = await failure(resolver.resolve({ value: 's3://direct/nope.pdf' }), 'not_found');
    expect(missing.message).toBe(`GET s3://direct/nope.pdf at ${s3Endpoint}: not found (NoSuchKey)`);
    await failure(resolver.resolve({ value: 's3://direct/big.bin', maxBytes: 1000 }), 'too_large');

    const down = await unreachableS3Store();
    try {
      const unreachable = await failure(down.get('direct', 'a.pdf', { maxBytes: 10 }), 's3_error');
      expect(unreachable.retryable).toBe(true);
      expect(unreachable.message).toContain('ECONNREFUSED');
    } finally {
      down.close();
    }
  });

  it('is wired from the service configuration', async () => {
    await s3.put('pages', 'p1.png', PDF, 'image/png');
    const access = createDataAccess({
      config: {
        dataAccess: { maxBytes: 1024, timeoutMs: 5000, maxRedirects: 5, allowHosts: [] },
        s3: {
          endpoint: s3Endpoint,
          region: 'us-east-1',
          accessKeyId: S3_KEY_ID,
          secretAccessKey: S3_SECRET,
          forcePathStyle: true,
          directBuckets: ['pages'],
        },
      },
      labelStudio: legacyClient(),
      log,
    });
    try {
      expect((await access.resolver.resolve({ value: 's3://pages/p1.png' })).source).toBe('s3');
      await access.s3?.put('pages', 'p2.png', PDF, 'image/png');
      expect((await s3.get('pages', 'p2.png', { maxBytes: 1024 })).bytes.byteLength).toBe(PDF.length);
    } finally {
      access.close();
    }
  });
});

describe('SSRF guard', () => {
  const strict = () => resolverWith({ allowHosts: [] });

  it.each([
    ['loopback by IP', () => `${fileHostUrl}/doc.pdf`, /refused: 127\.0\.0\.1 is a loopback address/],
    [
      'loopback by name',
      () => `${fileHostUrl.replace('127.0.0.1', 'localhost')}/doc.pdf`,
      /refused: localhost resolves to/,
    ],
    ['private', () => 'http://10.0.0.5/a.pdf', /refused: 10\.0\.0\.5 is a private address/],
    ['cloud metadata', () => 'http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is a link-local address/],
    ['IPv4-mapped IPv6', () => 'http://[::ffff:127.0.0.1]:9/a.pdf', /is a loopback address/],
    ['unspecified', () => 'http://0.0.0.0:9/a.pdf', /is an unspecified address/],
  ])('refuses %s without any request', async (_name, url, reason) => {
    const error = await failure(strict().resolve({ value: url() }), 'ssrf_refused');
    expect(error.message).toMatch(reason);
    expect(error.message).toContain('FETCH_ALLOW_HOSTS');
    expect(error.retryable).toBe(false);
    expect(seen).toHaveLength(0);
  });

  it('refuses a redirect from an allowed host to a private one, on every hop', async () => {
    const resolver = resolverWith();
    for (const target of ['http://169.254.169.254/latest/meta-data/', 'http://10.0.0.5/a.pdf']) {
      const error = await failure(
        resolver.resolve({ value: `${fileHostUrl}/redirect?to=${encodeURIComponent(target)}` }),
        'ssrf_refused',
      );
      expect(error.message).toContain(`GET ${target}: refused`);
    }
    expect(seen).toHaveLength(2);
  });

  it('allows the LS host itself although it is loopback, and allow-listed hosts by name', async () => {
    const upload = ls.putUpload(project, 'a.pdf', PDF);
    expect((await strict().resolve({ value: upload.url })).source).toBe('label-studio');
    const byName = resolverWith({ allowHosts: ['localhost'] });
    const resolved = await byName.resolve({ value: `${fileHostUrl.replace('127.0.0.1', 'localhost')}/doc.pdf` });
    expect(Buffer.from(resolved.bytes)).toEqual(PDF);
  });

  it('never sends Authorization to another origin, also not on a cross-origin redirect from LS', async () => {
    const resolver = resolverWith();
    await resolver.resolve({ value: `${fileHostUrl}/redirect?to=${encodeURIComponent(`${fileHostUrl}/doc.pdf`)}` });
    ls.addCloudStorage({ project, scheme: 's3', bucket: 'docs', presign: true, presignUrl: presignTemplate() });
    await resolver.resolve({ value: 's3://docs/scan.pdf', taskId: task });
    expect(seen).toHaveLength(3);
    for (const request of seen) expect(request.headers.authorization).toBeUndefined();
    // A redirect from another host back to LS gets the header again (LS refuses the request otherwise).
    const upload = ls.putUpload(project, 'back.pdf', PDF);
    const back = await resolver.resolve({
      value: `${fileHostUrl}/redirect?status=307&to=${encodeURIComponent(`${ls.url}${upload.url}`)}`,
    });
    expect(Buffer.from(back.bytes)).toEqual(PDF);
    expect(ls.counters().unauthorized).toBe(0);
  });

  it('stops after FETCH_MAX_REDIRECTS', async () => {
    const error = await failure(resolverWith().resolve({ value: `${fileHostUrl}/loop` }), 'too_many_redirects');
    expect(error.message).toContain('more than 5 redirects');
    expect(seen).toHaveLength(6);
  });
});

describe('limits', () => {
  it('refuses a declared Content-Length over the limit', async () => {
    const error = await failure(resolverWith().resolve({ value: `${fileHostUrl}/declared-large` }), 'too_large');
    expect(error.message).toBe(
      `GET ${fileHostUrl}/declared-large: 52428800 bytes exceed the limit of 1048576 bytes (FETCH_MAX_BYTES)`,
    );
    expect(error.retryable).toBe(false);
  });

  it('counts streamed bytes without a Content-Length, and takes a tighter per-call limit', async () => {
    const resolver = resolverWith();
    const error = await failure(
      resolver.resolve({ value: `${fileHostUrl}/stream?bytes=${4 * 1024 * 1024}` }),
      'too_large',
    );
    expect(error.message).toContain('more than the limit of 1048576 bytes (FETCH_MAX_BYTES)');
    const small = await resolver.resolve({ value: `${fileHostUrl}/stream?bytes=${256 * 1024}` });
    expect(small.bytes.byteLength).toBe(256 * 1024);
    const tight = await failure(resolver.resolve({ value: `${fileHostUrl}/doc.pdf`, maxBytes: 10 }), 'too_large');
    expect(tight.message).toMatch(/exceed the limit of 10 bytes$/);
    await failure(
      resolver.resolve({ value: `data:application/pdf;base64,${PDF.toString('base64')}`, maxBytes: 10 }),
      'too_large',
    );
  });

  it('gives up after the time limit with a retryable timeout', async () => {
    const resolver = resolverWith({ limits: { maxBytes: 1024 * 1024, timeoutMs: 300, maxRedirects: 5 } });
    const error = await failure(resolver.resolve({ value: `${fileHostUrl}/stall` }), 'timeout');
    expect(error.message).toBe(`GET ${fileHostUrl}/stall: no complete answer within 300 ms (FETCH_TIMEOUT_MS)`);
    expect(error.retryable).toBe(true);
  });

  it("passes the caller's abort on as it is", async () => {
    const controller = new AbortController();
    const reason = new Error('run cancelled');
    const pending = resolverWith().resolve({ value: `${fileHostUrl}/stall`, signal: controller.signal });
    setTimeout(() => controller.abort(reason), 50);
    await expect(pending).rejects.toBe(reason);
  });
});

describe('no secret in any error or log line', () => {
  it('keeps the LS key, the PAT, presign signatures and the S3 secret out of every failure', async () => {
    logLines.length = 0;
    ls.addCloudStorage({ project, scheme: 's3', bucket: 'docs', presign: true, presignUrl: presignTemplate() });
    const resolver = resolverWith({
      s3: { store: s3, directBuckets: ['direct'] },
      limits: { maxBytes: 1024 * 1024, timeoutMs: 400, maxRedirects: 5 },
    });
    const wrongKey = resolverWith({
      labelStudio: createLabelStudioClient({ baseUrl: ls.url, apiKey: 'ls-wrong-key-SECRET-99' }),
    });
    const down = await unreachableS3Store();
    const failures: Promise<unknown>[] = [
      resolver.resolve({ value: 's3://docs/missing.pdf', taskId: task }),
      resolver.resolve({ value: 's3://docs/stall.pdf', taskId: task }),
      resolver.resolve({ value: `http://10.0.0.5/a.pdf?X-Amz-Signature=${SIGNATURE}&token=${LEGACY_KEY}` }),
      resolver.resolve({ value: `https://user:${SIGNATURE}@files.example/a.pdf` }),
      resolver.resolve({ value: `${fileHostUrl}/presigned/docs/a.pdf?X-Amz-Signature=wrong&sig=${SIGNATURE}` }),
      resolver.resolve({ value: 's3://direct/missing.pdf' }),
      resolver.resolve({ value: `${ls.url}/data/upload/${project}/x.pdf?token=${LEGACY_KEY}` }),
      wrongKey.resolve({ value: `/data/upload/${project}/x.pdf` }),
      down.get('direct', 'a.pdf', { maxBytes: 10 }),
      s3.get('direct', 'missing.pdf', { maxBytes: 10 }),
    ];
    ls.setAuth({ apiTokensEnabled: false });
    const pat = createLabelStudioClient({ baseUrl: ls.url, apiKey: ls.personalAccessToken });
    failures.push(resolverWith({ labelStudio: pat }).resolve({ value: `/data/upload/${project}/x.pdf` }));

    const errors = (await Promise.allSettled(failures)).map((outcome) => {
      expect(outcome.status).toBe('rejected');
      return (outcome as PromiseRejectedResult).reason as unknown;
    });
    down.close();
    const secrets = [LEGACY_KEY, 'ls-wrong-key-SECRET-99', ls.personalAccessToken, SIGNATURE, S3_SECRET];
    const renderings = errors.flatMap((error) => [
      String(error),
      inspect(error, { depth: 10 }),
      error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : '',
    ]);
    expect(logLines.length).toBeGreaterThan(5);
    for (const text of [...renderings, ...logLines]) {
      for (const secret of secrets) expect(text).not.toContain(secret);
      expect(text).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
    }
    expect(errors).toHaveLength(11);
    expect(errors.every((error) => error instanceof DataAccessError)).toBe(true);
  });
});

describe('Label Studio client additions', () => {
  it('gives the Authorization header of the next call: Token, or an exchanged Bearer refreshed on demand', async () => {
    expect(await legacyClient().authorization()).toBe(`Token ${LEGACY_KEY}`);
    const pat = createLabelStudioClient({ baseUrl: ls.url, apiKey: ls.personalAccessToken });
    const first = await pat.authorization();
    expect(first).toMatch(/^Bearer eyJ/);
    expect(await pat.authorization()).toBe(first);
    await pat.authorization({ forceRefresh: true });
    expect(ls.counters().tokenRefreshes).toBe(2);
  });

  it('patches a task’s data wholesale', async () => {
    const patched = await legacyClient().tasks.patch(task, {
      data: { image: 's3://docs/scan.pdf', text: 'extracted' },
    });
    expect(patched.data).toEqual({ image: 's3://docs/scan.pdf', text: 'extracted' });
    expect(ls.getTask(task)?.['data']).toEqual({ image: 's3://docs/scan.pdf', text: 'extracted' });
  });

  it('uploads files without creating tasks and gives their served URLs in order', async () => {
    const client = legacyClient();
    const pages = [Buffer.from('page one'), Buffer.from('page two'), Buffer.from('page three')];
    const uploaded = await client.uploads.create(
      project,
      pages.map((bytes, index) => ({ name: `task-${task}-page ${index + 1}.png`, bytes, contentType: 'image/png' })),
    );
    expect(uploaded.map((upload) => upload.url)).toEqual(
      [1, 2, 3].map((n) =>
        expect.stringMatching(new RegExp(`^/data/upload/${project}/[0-9a-f]{8}-task-${task}-page_${n}\\.png$`)),
      ),
    );
    expect(ls.uploadsOf(project).map((upload) => upload.id)).toEqual(uploaded.map((upload) => upload.id));
    expect(ls.getProject(project)?.task_number).toBe(1);
    const resolver = resolverWith();
    for (const [index, upload] of uploaded.entries()) {
      const resolved = await resolver.resolve({ value: upload.url });
      expect(Buffer.from(resolved.bytes)).toEqual(pages[index]);
      expect(resolved.contentType).toBe('image/png');
    }
    expect(await client.uploads.create(project, [])).toEqual([]);
  });

  it('uploads more files than LS takes in one request in batches, in order', async () => {
    // LS's DATA_UPLOAD_MAX_NUMBER_FILES, lowered so the test stays small; Django fails a request past it whole.
    ls.setFileSettings({ maxUploadFiles: 4 });
    const imports = () => ls.counters().requests['projects.import'] ?? 0;
    const before = imports();
    const pages = Array.from({ length: 10 }, (_, index) => Buffer.from(`page ${index + 1}`));
    const files = pages.map((bytes, index) => ({ name: `p${index + 1}.png`, bytes, contentType: 'image/png' }));

    const client = createLabelStudioClient({ baseUrl: ls.url, apiKey: LEGACY_KEY, uploadMaxFiles: 4 });
    const uploaded = await client.uploads.create(project, files);
    expect(imports() - before).toBe(3);
    expect(uploaded.map((upload) => upload.url)).toEqual(
      files.map((file) => expect.stringMatching(new RegExp(`-${file.name.replace('.', '\\.')}$`))),
    );
    for (const [index, upload] of uploaded.entries()) {
      expect(Buffer.from(ls.uploadBytes(upload.url.replace(/^\/data\//, '')) ?? [])).toEqual(pages[index]);
    }

    // A client told a larger limit than the server's gets the whole request refused.
    const tooMany = createLabelStudioClient({ baseUrl: ls.url, apiKey: LEGACY_KEY, uploadMaxFiles: 5 });
    await expect(tooMany.uploads.create(project, files.slice(0, 5))).rejects.toThrow(/500/);
  });

  it('refuses a file type Label Studio does not accept, with its reason', async () => {
    await expect(
      legacyClient().uploads.create(project, [
        { name: 'a.exe', bytes: Buffer.from('x'), contentType: 'application/x' },
      ]),
    ).rejects.toThrow(/\.exe extension is not supported/);
  });
});
