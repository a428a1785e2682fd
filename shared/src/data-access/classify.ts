/**
 * What kind of thing a task's data value is, decided without I/O (protocol §5.1–§5.3):
 *
 * - `label-studio`: a file Label Studio serves to authenticated users: `/data/upload/...` (also
 *   `upload/...` and `/upload/...`, prefixed with `/data` as LS's SDK does), `/data/local-files/?d=...`,
 *   `/storage-data/...`, `/tasks/<id>/resolve|presign/?fileuri=...`, `/projects/<id>/resolve|presign/...`,
 *   joined to the LS base URL; or an absolute URL on the LS origin (scheme, host and port equal).
 * - `http`: any other absolute `http(s)://` URL.
 * - `cloud`: `s3://`, `gs://`, `azure-blob://`, `azure-spi://` `bucket/key` URIs (read through LS's
 *   presign endpoint, or S3 directly).
 * - `data`: a `data:` URI carrying the bytes inline.
 * - `unsupported`: inline text, other schemes (`file:`, `ftp:`), URLs with user info, unknown paths.
 */

export type CloudScheme = 's3' | 'gs' | 'azure-blob' | 'azure-spi';

export type DataValue =
  | { kind: 'label-studio'; url: URL }
  | { kind: 'http'; url: URL }
  | { kind: 'cloud'; uri: string; scheme: CloudScheme; bucket: string; key: string }
  | { kind: 'data'; mediaType: string; isBase64: boolean; payload: string }
  | { kind: 'unsupported'; reason: string };

const LS_FILE_PATHS: readonly RegExp[] = [
  /^\/data\/upload\/./,
  /^\/data\/local-files\/?(\?|$)/,
  /^\/storage-data\/./,
  /^\/(tasks|projects)\/\d+\/(resolve|presign)\/?(\?|$)/,
];

const CLOUD_URI = /^(s3|gs|azure-blob|azure-spi):\/\/([^/?#]+)\/(.+)$/s;

/** Scheme, host and port equal (`URL.origin` normalises default ports and case). */
export const isSameOrigin = (a: URL, b: URL): boolean => a.origin === b.origin;

/** The LS base URL without trailing slashes, as a URL (a sub-path such as `/ls` is kept). */
function labelStudioBase(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

export function classifyDataValue(value: string, labelStudioBaseUrl: string): DataValue {
  const text = value.trim();
  const base = labelStudioBase(labelStudioBaseUrl);
  if (text === '') return { kind: 'unsupported', reason: 'the value is empty' };

  let path: string | undefined;
  if (text.startsWith('upload/')) path = `/data/${text}`;
  else if (text.startsWith('/upload/')) path = `/data${text}`;
  else if (text.startsWith('/') && !text.startsWith('//')) path = text;
  if (path !== undefined) {
    if (!LS_FILE_PATHS.some((pattern) => pattern.test(path))) {
      return {
        kind: 'unsupported',
        reason:
          'a path Label Studio serves no files under (expected /data/upload/..., /data/local-files/?d=..., ' +
          '/storage-data/... or /tasks/<id>/resolve/?fileuri=...)',
      };
    }
    return { kind: 'label-studio', url: new URL(`${base}${path}`) };
  }

  const cloud = CLOUD_URI.exec(text);
  if (cloud !== null) {
    return { kind: 'cloud', uri: text, scheme: cloud[1] as CloudScheme, bucket: cloud[2]!, key: cloud[3]! };
  }
  if (/^(s3|gs|azure-blob|azure-spi):/i.test(text)) {
    return { kind: 'unsupported', reason: 'a cloud storage URI needs a bucket and a key: <scheme>://<bucket>/<key>' };
  }

  const data = /^data:([^,]*),(.*)$/is.exec(text);
  if (data !== null) {
    const params = data[1]!.split(';');
    const isBase64 = params.at(-1)?.toLowerCase() === 'base64';
    const mediaType = (isBase64 ? params.slice(0, -1) : params).join(';') || 'text/plain';
    return { kind: 'data', mediaType, isBase64, payload: data[2]! };
  }

  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return { kind: 'unsupported', reason: 'not a valid URL' };
    }
    if (url.username !== '' || url.password !== '') {
      return { kind: 'unsupported', reason: 'URLs with credentials (user:password@host) are not supported' };
    }
    return isSameOrigin(url, new URL(base)) ? { kind: 'label-studio', url } : { kind: 'http', url };
  }
  if (scheme !== undefined && !/\s/.test(text)) {
    return { kind: 'unsupported', reason: `the ${scheme}: scheme is not supported` };
  }
  return { kind: 'unsupported', reason: 'the value is not a URL or a path Label Studio serves (inline text?)' };
}

/** Python's `base64.urlsafe_b64encode(uri.encode()).decode()`: URL-safe alphabet, with padding. */
export function encodeFileUri(uri: string): string {
  const encoded = Buffer.from(uri, 'utf8').toString('base64url');
  return encoded + '='.repeat((4 - (encoded.length % 4)) % 4);
}

/** `{LS}/tasks/{taskId}/presign/?fileuri=<urlsafe base64 of uri>` (protocol §5.2, §5.3 step 6). */
export function presignUrl(labelStudioBaseUrl: string, taskId: number, uri: string): URL {
  return new URL(
    `${labelStudioBase(labelStudioBaseUrl)}/tasks/${taskId}/presign/?fileuri=${encodeURIComponent(encodeFileUri(uri))}`,
  );
}
