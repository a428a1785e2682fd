/**
 * The LS test server's file routes (files-api.ts, protocol §5.2) over real HTTP: uploads, the
 * storage-data proxy, local files, storage URI resolution (303 / streamed / 424), task PATCH, file
 * imports with commit_to_project=false and the file-uploads list, plus their admin seeding routes.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LabelStudioTestServer, startLabelStudioTestServer } from './ls-test-server.ts';

const CONFIG = '<View><Image name="image" value="$image"/></View>';
const PDF = new TextEncoder().encode('%PDF-1.7 test bytes');

let ls: LabelStudioTestServer;
let project: number;

beforeAll(async () => {
  ls = await startLabelStudioTestServer();
});

afterAll(async () => {
  await ls.close();
});

beforeEach(() => {
  ls.reset();
  project = ls.createProject({ label_config: CONFIG }).id;
});

const get = (path: string, auth: string | null = `Token ${ls.legacyToken}`) =>
  fetch(`${ls.url}${path}`, { headers: auth === null ? {} : { Authorization: auth }, redirect: 'manual' });

const b64 = (uri: string) => {
  const encoded = Buffer.from(uri).toString('base64url');
  return encodeURIComponent(encoded + '='.repeat((4 - (encoded.length % 4)) % 4));
};

describe('/data/upload/', () => {
  it('serves an upload with the type guessed from its name, to authenticated users only', async () => {
    const upload = ls.putUpload(project, 'my report (final).pdf', PDF);
    expect(upload.file).toMatch(new RegExp(`^upload/${project}/[0-9a-f]{8}-my_report_final.pdf$`));
    expect(upload.url).toBe(`/data/${upload.file}`);

    const served = await get(upload.url);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('application/pdf');
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(PDF);

    expect((await get(upload.url, null)).status).toBe(401);
    expect(ls.counters().requests['files.upload']).toBe(2);
  });

  it('answers 500 for an upload it does not know, as LS does', async () => {
    const missing = await get(`/data/upload/${project}/nope.pdf`);
    expect(missing.status).toBe(500);
    expect(((await missing.json()) as { detail: string }).detail).toContain('has_permission');
  });

  it('accepts a PAT-exchanged Bearer token', async () => {
    const upload = ls.putUpload(project, 'a.png', PDF);
    const refreshed = await fetch(`${ls.url}/api/token/refresh/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refresh: ls.personalAccessToken }),
    });
    const { access } = (await refreshed.json()) as { access: string };
    const served = await get(upload.url, `Bearer ${access}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
  });
});

describe('/storage-data/uploaded/', () => {
  it('serves uploads by filepath; 404 without one, 403 for an unknown path', async () => {
    const upload = ls.putUpload(project, 'a.pdf', PDF);
    const served = await get(`/storage-data/uploaded/?filepath=${encodeURIComponent(upload.file)}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-disposition')).toBe(`inline; filename="${upload.file}"`);
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(PDF);
    expect((await get('/storage-data/uploaded/')).status).toBe(404);
    expect((await get('/storage-data/uploaded/?filepath=upload/1/missing.pdf')).status).toBe(403);
    expect((await get('/storage-data/uploaded/?filepath=avatars/x.png')).status).toBe(403);
  });

  it('answers an empty 200 with X-Accel-Redirect when Django is reached without its nginx', async () => {
    const upload = ls.putUpload(project, 'a.pdf', PDF);
    ls.setFileSettings({ useNginxForUploads: true });
    const served = await get(`/storage-data/uploaded/?filepath=${upload.file}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('x-accel-redirect')).toBe(`/file_download/file/${upload.file}`);
    expect(await served.text()).toBe('');
  });
});

describe('/data/local-files/', () => {
  beforeEach(() => {
    ls.putLocalFile('/srv/docs/scans/a.pdf', PDF);
    ls.addLocalFilesStorage(project, '/srv/docs');
  });

  it('is off unless LOCAL_FILES_SERVING_ENABLED', async () => {
    const refused = await get('/data/local-files/?d=srv/docs/scans/a.pdf');
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('LOCAL_FILES_SERVING_ENABLED');
  });

  it('serves files a Local Files storage covers, after normalising the path', async () => {
    ls.setFileSettings({ localFilesServingEnabled: true });
    const served = await get('/data/local-files/?d=srv/docs/scans/a.pdf');
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('application/pdf');
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(PDF);
    expect((await get('/data/local-files/?d=/srv/docs/other/../scans/a.pdf')).status).toBe(200);
    expect((await get('/data/local-files/?d=srv/docs/scans/missing.pdf')).status).toBe(404);
    expect((await get('/data/local-files/')).status).toBe(403);
    expect((await get('/data/local-files/?d=srv/docs/scans/a.pdf', null)).status).toBe(401);

    ls.putLocalFile('/srv/private/b.pdf', PDF);
    expect((await get('/data/local-files/?d=srv/private/b.pdf')).status).toBe(404);
  });
});

describe('/tasks/{id}/resolve/ and /presign/', () => {
  let task: number;
  beforeEach(() => {
    task = ls.createTasks(project, { tasks: [{ data: { image: 's3://docs/a b.pdf' } }] }).firstId!;
  });

  it('redirects with 303 to the presigned URL of a presign storage', async () => {
    ls.addCloudStorage({
      project,
      scheme: 's3',
      bucket: 'docs',
      presign: true,
      presignTtlMinutes: 15,
      presignUrl: 'http://files.example/{bucket}/{key}?X-Amz-Signature=sig',
    });
    for (const alias of ['resolve', 'presign']) {
      const answer = await get(`/tasks/${task}/${alias}/?fileuri=${b64('s3://docs/a b.pdf')}`);
      expect(answer.status).toBe(303);
      expect(answer.headers.get('location')).toBe('http://files.example/docs/a%20b.pdf?X-Amz-Signature=sig');
      expect(answer.headers.get('cache-control')).toBe('no-store, max-age=900');
    }
    // A raw, unencoded URI still resolves (LS falls back to unquoting).
    const raw = await get(`/tasks/${task}/presign/?fileuri=${encodeURIComponent('s3://docs/a b.pdf')}`);
    expect(raw.status).toBe(303);
    const projectLevel = await get(`/projects/${project}/resolve/?fileuri=${b64('s3://docs/x.pdf')}`);
    expect(projectLevel.headers.get('location')).toBe('http://files.example/docs/x.pdf?X-Amz-Signature=sig');
  });

  it('streams the object itself when presign is off, 424 when the object is missing', async () => {
    ls.addCloudStorage({ project, scheme: 'gs', bucket: 'docs', presign: false });
    ls.putCloudObject('gs://docs/a.pdf', PDF, 'application/pdf');
    const streamed = await get(`/tasks/${task}/resolve/?fileuri=${b64('gs://docs/a.pdf')}`);
    expect(streamed.status).toBe(200);
    expect(new Uint8Array(await streamed.arrayBuffer())).toEqual(PDF);
    const missing = await get(`/tasks/${task}/resolve/?fileuri=${b64('gs://docs/gone.pdf')}`);
    expect(missing.status).toBe(424);
    expect(await missing.json()).toMatchObject({ error: 'Storage stream failed while proxying data' });
  });

  it('answers 400 without fileuri, 404 for an unknown task or a URI no storage covers', async () => {
    ls.addCloudStorage({ project, scheme: 's3', bucket: 'docs', presign: true, presignUrl: 'http://f/{key}' });
    expect((await get(`/tasks/${task}/presign/`)).status).toBe(400);
    expect((await get(`/tasks/999/presign/?fileuri=${b64('s3://docs/a.pdf')}`)).status).toBe(404);
    expect((await get(`/tasks/${task}/presign/?fileuri=${b64('s3://other/a.pdf')}`)).status).toBe(404);
    expect((await get(`/tasks/${task}/presign/?fileuri=${b64('gs://docs/a.pdf')}`)).status).toBe(404);
    expect((await get(`/tasks/${task}/presign/?fileuri=${b64('s3://docs/a.pdf')}`, null)).status).toBe(401);
  });
});

describe('PATCH /api/tasks/{id}/', () => {
  it('replaces data wholesale without calling the ML backend', async () => {
    const task = ls.createTasks(project, { tasks: [{ data: { image: '/data/upload/1/a.png', keep: 1 } }] }).firstId!;
    const patch = (body: unknown) =>
      fetch(`${ls.url}/api/tasks/${task}/`, {
        method: 'PATCH',
        headers: { Authorization: `Token ${ls.legacyToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const answer = await patch({ data: { pages: ['/data/upload/1/p1.png'] } });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ id: task, data: { pages: ['/data/upload/1/p1.png'] } });
    expect(ls.getTask(task)?.['data']).toEqual({ pages: ['/data/upload/1/p1.png'] });
    expect((await patch({ data: ['x'] })).status).toBe(400);
    expect(ls.counters().trapCalls).toBe(0);
    const missing = await fetch(`${ls.url}/api/tasks/999/`, {
      method: 'PATCH',
      headers: { Authorization: `Token ${ls.legacyToken}`, 'Content-Type': 'application/json' },
      body: '{"data": {}}',
    });
    expect(missing.status).toBe(404);
  });
});

describe('POST /api/projects/{id}/import?commit_to_project=false and /file-uploads', () => {
  const importForm = (form: FormData, query = '?commit_to_project=false') =>
    fetch(`${ls.url}/api/projects/${project}/import${query}`, {
      method: 'POST',
      headers: { Authorization: `Token ${ls.legacyToken}` },
      body: form,
    });

  it('stores one file per field, creates no task, and lists them by id', async () => {
    const form = new FormData();
    form.append('file1', new Blob([PDF], { type: 'image/png' }), 'page 1.png');
    form.append('file2', new Blob([new Uint8Array([1, 2, 3])]), 'page-2.png');
    const answer = await importForm(form);
    expect(answer.status).toBe(201);
    const body = (await answer.json()) as { file_upload_ids: number[]; task_count: number };
    expect(body.file_upload_ids).toHaveLength(2);
    expect(ls.getProject(project)?.task_number ?? 0).toBe(0);

    const listed = await get(
      `/api/projects/${project}/file-uploads?ids=${encodeURIComponent(JSON.stringify(body.file_upload_ids))}`,
    );
    const uploads = (await listed.json()) as { id: number; file: string; size: number }[];
    expect(uploads.map((u) => u.id)).toEqual(body.file_upload_ids);
    expect(uploads[0]!.file).toMatch(new RegExp(`^upload/${project}/[0-9a-f]{8}-page_1.png$`));
    expect(uploads[1]!.size).toBe(3);
    const served = await get(`/data/${uploads[0]!.file}`);
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(PDF);
  });

  it('keeps only the last file of a repeated field name, as Django does', async () => {
    const form = new FormData();
    form.append('file', new Blob([PDF]), 'a.png');
    form.append('file', new Blob([PDF]), 'b.png');
    const body = (await (await importForm(form)).json()) as { file_upload_ids: number[] };
    expect(body.file_upload_ids).toHaveLength(1);
    expect(ls.uploadsOf(project).map((u) => u.file.replace(/^.*-/, ''))).toEqual(['b.png']);
  });

  it('refuses unsupported extensions, empty forms and committing imports', async () => {
    const exe = new FormData();
    exe.append('file1', new Blob([PDF]), 'tool.exe');
    const refused = await importForm(exe);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ validation_errors: ['.exe extension is not supported'] });

    const empty = new FormData();
    empty.append('note', 'no files');
    expect((await importForm(empty)).status).toBe(400);

    const png = new FormData();
    png.append('file1', new Blob([PDF]), 'a.png');
    expect((await importForm(png, '')).status).toBe(400);
    expect(ls.uploadsOf(project)).toEqual([]);
  });

  it('fails a request with more file parts than DATA_UPLOAD_MAX_NUMBER_FILES whole (500), storing nothing', async () => {
    const form = (count: number) => {
      const built = new FormData();
      for (let n = 1; n <= count; n++) built.append(`file${n}`, new Blob([PDF]), `p${n}.png`);
      return built;
    };
    const refused = await importForm(form(101));
    expect(refused.status).toBe(500);
    expect(await refused.json()).toMatchObject({
      detail: 'The number of files exceeded settings.DATA_UPLOAD_MAX_NUMBER_FILES.',
    });
    expect(ls.uploadsOf(project)).toEqual([]);
    expect((await importForm(form(100))).status).toBe(201);
    expect(ls.uploadsOf(project)).toHaveLength(100);
  });

  it('answers 500 for ids that are not a JSON list, and lists all with all=true', async () => {
    ls.putUpload(project, 'a.png', PDF);
    expect((await get(`/api/projects/${project}/file-uploads?ids=1,2`)).status).toBe(500);
    const all = (await (await get(`/api/projects/${project}/file-uploads?all=true`)).json()) as unknown[];
    expect(all).toHaveLength(1);
    expect(await (await get(`/api/projects/${project}/file-uploads`)).json()).toEqual([]);
  });
});

describe('admin seeding of files', () => {
  const admin = (path: string, body?: unknown) =>
    fetch(`${ls.url}/__admin${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('seeds uploads, local files, storages and objects, and switches file serving', async () => {
    const base64 = Buffer.from(PDF).toString('base64');
    const upload = (await (await admin(`/projects/${project}/uploads`, { name: 'a.pdf', base64 })).json()) as {
      url: string;
    };
    expect((await get(upload.url)).status).toBe(200);
    expect(((await (await admin(`/projects/${project}/uploads`)).json()) as unknown[]).length).toBe(1);

    expect((await admin('/local-files', { path: '/srv/a.pdf', base64 })).status).toBe(204);
    expect((await admin(`/projects/${project}/local-storages`, { path: '/srv' })).status).toBe(201);
    expect(await (await admin('/files/settings', { localFilesServingEnabled: true })).json()).toEqual({
      localFilesServingEnabled: true,
      useNginxForUploads: false,
      maxUploadFiles: 100,
    });
    expect((await get('/data/local-files/?d=srv/a.pdf')).status).toBe(200);

    const task = ls.createTasks(project, { tasks: [{ data: { image: 'azure-blob://c/a.pdf' } }] }).firstId!;
    expect(
      (await admin(`/projects/${project}/storages`, { scheme: 'azure-blob', bucket: 'c', presign: false })).status,
    ).toBe(201);
    expect((await admin('/cloud-objects', { uri: 'azure-blob://c/a.pdf', base64 })).status).toBe(204);
    expect((await get(`/tasks/${task}/resolve/?fileuri=${b64('azure-blob://c/a.pdf')}`)).status).toBe(200);
    expect((await admin(`/projects/${project}/storages`, { scheme: 's3', bucket: 'b', presign: true })).status).toBe(
      400,
    );
  });
});
