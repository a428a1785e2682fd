/**
 * Label Studio 1.22's file routes in the test server (protocol §5.2), with LS's behaviour kept:
 *
 * - `GET /data/upload/<path>` (data_import/api.py · UploadedFileResponse): the FileUpload named
 *   `upload/<path>`, served with the type guessed from its name; an unknown name is a **500** (LS calls
 *   `has_permission` on None); a FileUpload whose file is gone, 404.
 * - `GET /storage-data/uploaded/?filepath=upload/<project>/<file>` (DownloadStorageData): no
 *   `filepath` → 404; not a known upload → 403; else the file, or with `useNginxForUploads` (LS's
 *   default when Django is reached without its nginx) an empty 200 with `X-Accel-Redirect`.
 * - `GET /data/local-files/?d=<path>` (io_storages/localfiles/views.py · localfiles_data): 403
 *   "Serving local files can be dangerous…" unless `localFilesServingEnabled`; no `d` → 403; the path
 *   is normalised under the document root `/`; 404 unless a Local Files storage of a project covers
 *   the file's directory and the file exists.
 * - `GET /tasks/<id>/resolve/?fileuri=<b64>`, alias `/presign/`, and `/projects/<id>/resolve|presign/`
 *   (io_storages/proxy_api.py): no `fileuri` → 400; unknown task/project → 404; `fileuri` is
 *   urlsafe-base64 decoded, else URL-unquoted (back-compat); no cloud storage of the project with that
 *   scheme and bucket → 404; presign on → **303** to the storage's presigned URL with
 *   `Cache-Control: no-store, max-age=<presign_ttl·60>`; presign off → LS streams the object itself,
 *   or 424 `{"error": "Storage stream failed while proxying data", "detail"}` when it cannot.
 * - `PATCH /api/tasks/<id>/` (TaskAPI, TaskSimpleSerializer, partial): `data` / `meta` replaced
 *   wholesale; answers TaskSimpleSerializer; no ML backend call, no webhook.
 * - `POST /api/projects/<id>/import?commit_to_project=false`, multipart (ImportAPI.sync_import,
 *   uploader.py · create_file_uploads): one file per field name (a repeated name keeps the last),
 *   extensions outside SUPPORTED_EXTENSIONS → 400 "<ext> extension is not supported", no files →
 *   400 "load_tasks: No data found in DATA or in FILES"; more than DATA_UPLOAD_MAX_NUMBER_FILES (100)
 *   file parts → 500 (Django's TooManyFilesSent is not a DRF ParseError); files stored as
 *   `upload/<project>/<8 hex>-<get_valid_name(name)>`; 201 with `file_upload_ids`.
 * - `GET /api/projects/<id>/file-uploads?ids=[…]` (FileUploadListAPI, FileUploadSerializer
 *   `use_url=False`): `[{id, file, size}]` of the project's uploads with those ids (`all=true`: all);
 *   `ids` that is not a JSON list → 500.
 * All need authentication like every LS route (401 otherwise). The test server has one user, who may
 * see every project, so LS's per-project 403s do not arise.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { ApiError, type Reply, type Router } from './http.ts';
import type { LsHandler } from './ls-api.ts';
import { taskSimpleJson } from './serialize.ts';
import { type LsStore, lsTimestamp } from './store.ts';

export type CloudScheme = 's3' | 'gs' | 'azure-blob' | 'azure-spi';

export interface FileSettings {
  /** LS's LOCAL_FILES_SERVING_ENABLED; default false, as in LS. */
  localFilesServingEnabled: boolean;
  /**
   * LS's USE_NGINX_FOR_UPLOADS as seen without its nginx: `/storage-data/` answers an empty 200 with
   * `X-Accel-Redirect`. Default false (LS reached through its nginx, which serves the file).
   */
  useNginxForUploads: boolean;
  /**
   * LS's DATA_UPLOAD_MAX_NUMBER_FILES (core/settings/base.py, env, default 100), which Django's
   * MultiPartParser enforces: a multipart body with more file parts fails whole. Default 100.
   */
  maxUploadFiles: number;
}

const DEFAULT_FILE_SETTINGS: FileSettings = {
  localFilesServingEnabled: false,
  useNginxForUploads: false,
  maxUploadFiles: 100,
};

export interface StoredUpload {
  id: number;
  project: number;
  /** The storage name, e.g. `upload/3/ab12cd34-report.pdf`. */
  file: string;
  bytes: Uint8Array;
}

export interface CloudStorageInput {
  project: number;
  scheme: CloudScheme;
  bucket: string;
  /** Redirect (303) to a presigned URL; false: LS streams the object itself. */
  presign: boolean;
  /** Minutes; LS's default 1. */
  presignTtlMinutes?: number;
  /**
   * The presigned URL LS redirects to, with `{scheme}`, `{bucket}` and `{key}` (each key segment
   * URL-encoded) filled in; required when `presign` is on.
   */
  presignUrl?: string;
}

export interface StoredCloudStorage extends CloudStorageInput {
  id: number;
  presignTtlMinutes: number;
}

interface StoredFile {
  bytes: Uint8Array;
  contentType: string | undefined;
}

/** data_import settings.SUPPORTED_EXTENSIONS (LS 1.22). */
const SUPPORTED_EXTENSIONS: ReadonlySet<string> = new Set(
  (
    '.bmp .csv .flac .gif .htm .html .jpg .jpeg .json .m4a .mp3 .ogg .png .svg .tsv .txt .wav .xml .mp4 .webm ' +
    '.webp .pdf .tif .tiff'
  ).split(' '),
);

/** Python's `mimetypes.guess_type` for the names the tests use. */
const MIME_TYPES: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.txt': 'text/plain',
  '.csv': 'text/csv',
  '.json': 'application/json',
  '.html': 'text/html',
  '.xml': 'text/xml',
};

export const guessContentType = (name: string): string =>
  MIME_TYPES[posix.extname(name).toLowerCase()] ?? 'application/octet-stream';

/** Django's `get_valid_filename`: spaces → `_`, then only word characters, `-` and `.` kept. */
export function validFileName(name: string): string {
  const valid = name
    .trim()
    .replaceAll(' ', '_')
    .replace(/[^-\p{L}\p{N}_.]/gu, '');
  if (valid === '' || valid === '.' || valid === '..')
    throw ApiError.validation([`Could not derive file name from '${name}'`]);
  return valid;
}

/** Python's `base64.urlsafe_b64decode(s).decode()`, or undefined where Python raises. */
function decodeFileUri(fileuri: string): string | undefined {
  const cleaned = fileuri.replace(/[^A-Za-z0-9_=-]/g, '');
  if (cleaned.length % 4 !== 0) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(cleaned, 'base64url'));
  } catch {
    return undefined;
  }
}

function unquote(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

const CLOUD_URI = /^(s3|gs|azure-blob|azure-spi):\/\/([^/]+)\/(.*)$/s;

export class FileStore {
  settings: FileSettings = { ...DEFAULT_FILE_SETTINGS };
  readonly uploads = new Map<string, StoredUpload>();
  readonly localFiles = new Map<string, StoredFile>();
  readonly localStorages: { id: number; project: number; path: string }[] = [];
  readonly cloudStorages: StoredCloudStorage[] = [];
  readonly cloudObjects = new Map<string, StoredFile>();
  private nextUploadId = 1;
  private nextStorageId = 1;

  reset(): void {
    this.settings = { ...DEFAULT_FILE_SETTINGS };
    this.uploads.clear();
    this.localFiles.clear();
    this.localStorages.length = 0;
    this.cloudStorages.length = 0;
    this.cloudObjects.clear();
    this.nextUploadId = 1;
    this.nextStorageId = 1;
  }

  /** A FileUpload as `create_file_upload` makes it: `upload/<project>/<8 hex>-<valid name>`. */
  putUpload(project: number, name: string, bytes: Uint8Array): StoredUpload {
    const file = `upload/${project}/${validFileName(`${randomBytes(4).toString('hex')}-${posix.basename(name)}`)}`;
    const upload: StoredUpload = { id: this.nextUploadId, project, file, bytes };
    this.nextUploadId += 1;
    this.uploads.set(file, upload);
    return upload;
  }

  uploadsOf(project: number): StoredUpload[] {
    return [...this.uploads.values()].filter((upload) => upload.project === project).sort((a, b) => a.id - b.id);
  }

  /** A file under LS's document root (`/`), e.g. `/srv/docs/a.pdf`. */
  putLocalFile(path: string, bytes: Uint8Array, contentType?: string): void {
    this.localFiles.set(posix.normalize(`/${path}`), { bytes, contentType });
  }

  addLocalFilesStorage(project: number, path: string): { id: number } {
    const storage = { id: this.nextStorageId, project, path: posix.normalize(`/${path}`).replace(/\/+$/, '') };
    this.nextStorageId += 1;
    this.localStorages.push(storage);
    return { id: storage.id };
  }

  addCloudStorage(input: CloudStorageInput): { id: number } {
    if (input.presign && input.presignUrl === undefined) {
      throw ApiError.validation({ presignUrl: ['A storage with presign on needs a presignUrl template.'] });
    }
    const storage: StoredCloudStorage = {
      ...input,
      id: this.nextStorageId,
      presignTtlMinutes: input.presignTtlMinutes ?? 1,
    };
    this.nextStorageId += 1;
    this.cloudStorages.push(storage);
    return { id: storage.id };
  }

  /** An object of a cloud bucket, streamed by LS when the storage has presign off. */
  putCloudObject(uri: string, bytes: Uint8Array, contentType?: string): void {
    if (!CLOUD_URI.test(uri)) throw ApiError.validation({ uri: ['Expected <scheme>://<bucket>/<key>.'] });
    this.cloudObjects.set(uri, { bytes, contentType });
  }
}

const fileReply = (bytes: Uint8Array, contentType: string, headers: Record<string, string> = {}): Reply => ({
  status: 200,
  raw: { contentType, bytes },
  headers: { 'Accept-Ranges': 'bytes', ...headers },
});

export function addFileRoutes(
  router: Router<LsHandler>,
  deps: { store: LsStore; files: FileStore },
): Router<LsHandler> {
  const { store, files } = deps;

  const serveUpload: LsHandler = ({ rest }) => {
    const upload = files.uploads.get(`upload/${rest ?? ''}`);
    // UploadedFileResponse calls `.has_permission` on the missing row: AttributeError → 500.
    if (upload === undefined) throw new ApiError(500, "'NoneType' object has no attribute 'has_permission'");
    return fileReply(upload.bytes, guessContentType(upload.file));
  };

  const serveStorageData: LsHandler = ({ query }) => {
    const raw = query.get('filepath');
    if (raw === null) return { status: 404 };
    const filepath = unquote(raw);
    const upload = filepath.startsWith('upload') ? files.uploads.get(filepath) : undefined;
    if (upload === undefined) return { status: 403 };
    const disposition = { 'Content-Disposition': `inline; filename="${filepath}"` };
    if (files.settings.useNginxForUploads) {
      return { status: 200, headers: { ...disposition, 'X-Accel-Redirect': `/file_download/file/${filepath}` } };
    }
    return fileReply(upload.bytes, guessContentType(filepath), disposition);
  };

  const serveLocalFile: LsHandler = ({ query }) => {
    if (!files.settings.localFilesServingEnabled) {
      return {
        status: 403,
        raw: {
          contentType: 'text/html; charset=utf-8',
          text:
            "Serving local files can be dangerous, so it's disabled by default. You can enable it with " +
            'LOCAL_FILES_SERVING_ENABLED environment variable, please check docs: ' +
            'https://labelstud.io/guide/storage.html#Local-storage',
        },
      };
    }
    const d = query.get('d');
    if (d === null || d === '') return { status: 403 };
    const fullPath = posix.normalize(`/${posix.normalize(d).replace(/^\/+/, '')}`);
    const directory = posix.dirname(fullPath);
    const covered = files.localStorages.some(
      (storage) => directory === storage.path || directory.startsWith(`${storage.path}/`) || storage.path === '',
    );
    const file = files.localFiles.get(fullPath);
    if (!covered || file === undefined) return { status: 404 };
    return fileReply(file.bytes, file.contentType ?? guessContentType(fullPath));
  };

  const resolveStorageUri = (project: number, fileuriParam: string): Reply => {
    const uri = decodeFileUri(fileuriParam) ?? unquote(fileuriParam);
    const match = CLOUD_URI.exec(uri);
    const storage =
      match === null
        ? undefined
        : files.cloudStorages.find((s) => s.project === project && s.scheme === match[1] && s.bucket === match[2]);
    if (match === null || storage === undefined) return { status: 404 };
    const key = match[3]!;
    if (storage.presign) {
      const location = storage
        .presignUrl!.replaceAll('{scheme}', storage.scheme)
        .replaceAll('{bucket}', storage.bucket)
        .replaceAll('{key}', key.split('/').map(encodeURIComponent).join('/'));
      return {
        status: 303,
        headers: { Location: location, 'Cache-Control': `no-store, max-age=${storage.presignTtlMinutes * 60}` },
      };
    }
    const object = files.cloudObjects.get(uri);
    if (object === undefined) {
      return {
        status: 424,
        body: {
          error: 'Storage stream failed while proxying data',
          detail:
            'An error occurred (NoSuchKey) when calling the GetObject operation: The specified key does not exist.',
        },
      };
    }
    return fileReply(object.bytes, object.contentType ?? 'application/octet-stream', {
      'Cache-Control': 'private, max-age=86400, must-revalidate',
      ETag: '"11"',
    });
  };

  const resolveForTask: LsHandler = ({ ids, query }) => {
    const fileuri = query.get('fileuri');
    if (fileuri === null) return { status: 400 };
    const task = store.tasks.get(ids[0]!);
    if (task === undefined) return { status: 404 };
    return resolveStorageUri(task.project, fileuri);
  };

  const resolveForProject: LsHandler = ({ ids, query }) => {
    const fileuri = query.get('fileuri');
    if (fileuri === null) return { status: 400 };
    if (!store.projects.has(ids[0]!)) return { status: 404 };
    return resolveStorageUri(ids[0]!, fileuri);
  };

  const patchTask: LsHandler = ({ ids, body }) => {
    const task = store.tasks.get(ids[0]!);
    if (task === undefined) throw ApiError.notFound();
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      const got = Array.isArray(body) ? 'list' : typeof body;
      throw ApiError.validation({ non_field_errors: [`Invalid data. Expected a dictionary, but got ${got}.`] });
    }
    const patch = body as Record<string, unknown>;
    const errors: Record<string, string[]> = {};
    for (const field of ['data', 'meta'] as const) {
      const value = patch[field];
      if (value === undefined) continue;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        const got = Array.isArray(value) ? 'list' : value === null ? 'NoneType' : typeof value;
        errors[field] = [`Expected a dictionary of items but got type "${got}".`];
      }
    }
    if (Object.keys(errors).length > 0) throw ApiError.validation(errors);
    if (patch['data'] !== undefined) task.data = patch['data'] as Record<string, unknown>;
    if (patch['meta'] !== undefined) task.meta = patch['meta'] as Record<string, unknown>;
    task.updated_at = lsTimestamp(Date.now());
    return { status: 200, body: taskSimpleJson(task) };
  };

  const importFiles: LsHandler = async ({ ids, query, multipart }) => {
    const project = store.projects.get(ids[0]!);
    if (project === undefined) throw ApiError.notFound();
    const commit = query.get('commit_to_project');
    if (commit === null || !['false', '0', 'no', 'off'].includes(commit.toLowerCase())) {
      throw new ApiError(400, 'ls-test-server emulates only file imports with commit_to_project=false');
    }
    if (multipart === undefined) throw ApiError.validation(['load_tasks: No data found in DATA or in FILES']);
    const form = await new Request('http://ls-test-server/', {
      method: 'POST',
      headers: { 'content-type': multipart.contentType },
      body: new Uint8Array(multipart.raw),
    })
      .formData()
      .catch(() => {
        throw new ApiError(400, 'Multipart form parse error - Invalid boundary in multipart: None');
      });
    // Django's MultiValueDict.items(): one entry per field name, the last file given under it.
    const byField = new Map<string, File>();
    let fileParts = 0;
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') continue;
      // MultiPartParser counts every file part as it parses and raises TooManyFilesSent past the
      // limit; that is not a DRF ParseError, so LS's exception handler answers it as a 500.
      if (++fileParts > files.settings.maxUploadFiles)
        throw new ApiError(500, 'The number of files exceeded settings.DATA_UPLOAD_MAX_NUMBER_FILES.');
      byField.set(field, value);
    }
    if (byField.size === 0) throw ApiError.validation(['load_tasks: No data found in DATA or in FILES']);
    for (const file of byField.values()) {
      const extension = posix.extname(file.name).toLowerCase();
      if (!SUPPORTED_EXTENSIONS.has(extension)) throw ApiError.validation([`${extension} extension is not supported`]);
    }
    const created: StoredUpload[] = [];
    for (const file of byField.values()) {
      created.push(files.putUpload(project.id, file.name, new Uint8Array(await file.arrayBuffer())));
    }
    return {
      status: 201,
      body: {
        task_count: created.length,
        annotation_count: null,
        prediction_count: null,
        duration: 0.01,
        file_upload_ids: created.map((upload) => upload.id),
        could_be_tasks_list: false,
        found_formats: [...new Set(created.map((upload) => posix.extname(upload.file)))],
        data_columns: [],
      },
    };
  };

  const listFileUploads: LsHandler = ({ ids, query }) => {
    const project = store.projects.get(ids[0]!);
    if (project === undefined) throw ApiError.notFound();
    let uploads = files.uploadsOf(project.id);
    if (!['true', '1', 'yes', 'on'].includes((query.get('all') ?? '').toLowerCase())) {
      let wanted: unknown;
      try {
        wanted = JSON.parse(query.get('ids') ?? '[]');
      } catch {
        throw new ApiError(500, 'Expecting value: line 1 column 1 (char 0)');
      }
      if (!Array.isArray(wanted)) throw new ApiError(500, `'${typeof wanted}' object is not iterable`);
      const idSet = new Set(wanted.map(Number));
      uploads = uploads.filter((upload) => idSet.has(upload.id));
    }
    return {
      status: 200,
      body: uploads.map((upload) => ({ id: upload.id, file: upload.file, size: upload.bytes.byteLength })),
    };
  };

  return router
    .add('GET', '/data/upload/*', 'files.upload', serveUpload)
    .add('GET', '/storage-data/uploaded', 'files.storage-data', serveStorageData)
    .add('GET', '/data/local-files', 'files.local-files', serveLocalFile)
    .add('GET', '/tasks/:id/resolve', 'tasks.resolve', resolveForTask)
    .add('GET', '/tasks/:id/presign', 'tasks.resolve', resolveForTask)
    .add('GET', '/projects/:id/resolve', 'projects.resolve', resolveForProject)
    .add('GET', '/projects/:id/presign', 'projects.resolve', resolveForProject)
    .add('PATCH', '/api/tasks/:id', 'tasks.patch', patchTask)
    .add('POST', '/api/projects/:id/import', 'projects.import', importFiles)
    .add('GET', '/api/projects/:id/file-uploads', 'projects.file-uploads', listFileUploads);
}
