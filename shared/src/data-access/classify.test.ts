import { describe, expect, it } from 'vitest';
import { classifyDataValue, encodeFileUri, isSameOrigin, presignUrl } from './classify.ts';

const LS = 'http://ls.example:8080/';

describe('classifyDataValue', () => {
  it.each<[string, string, string]>([
    [
      'an upload path',
      '/data/upload/3/ab12cd34-report.pdf',
      'http://ls.example:8080/data/upload/3/ab12cd34-report.pdf',
    ],
    [
      'an upload key without the slash',
      'upload/3/ab12cd34-report.pdf',
      'http://ls.example:8080/data/upload/3/ab12cd34-report.pdf',
    ],
    ['an /upload path (SDK rule)', '/upload/3/x.pdf', 'http://ls.example:8080/data/upload/3/x.pdf'],
    [
      'the storage proxy for uploads',
      '/storage-data/uploaded/?filepath=upload/3/x.pdf',
      'http://ls.example:8080/storage-data/uploaded/?filepath=upload/3/x.pdf',
    ],
    [
      'a local file',
      '/data/local-files/?d=docs/scans/a.pdf',
      'http://ls.example:8080/data/local-files/?d=docs/scans/a.pdf',
    ],
    [
      'a resolved storage URL',
      '/tasks/12/resolve/?fileuri=czM6Ly9iL2sucGRm',
      'http://ls.example:8080/tasks/12/resolve/?fileuri=czM6Ly9iL2sucGRm',
    ],
    [
      'a project-level presign URL',
      '/projects/4/presign/?fileuri=x',
      'http://ls.example:8080/projects/4/presign/?fileuri=x',
    ],
    [
      'an absolute URL on the LS origin',
      'http://ls.example:8080/data/upload/1/a.pdf',
      'http://ls.example:8080/data/upload/1/a.pdf',
    ],
    ['surrounding whitespace', '  /data/upload/1/a.pdf\n', 'http://ls.example:8080/data/upload/1/a.pdf'],
  ])('%s → label-studio', (_name, value, url) => {
    const classified = classifyDataValue(value, LS);
    expect(classified.kind).toBe('label-studio');
    expect(classified.kind === 'label-studio' && classified.url.href).toBe(url);
  });

  it('keeps a sub-path of the LS base URL', () => {
    const classified = classifyDataValue('/data/upload/1/a.pdf', 'https://example.org/labelstudio/');
    expect(classified.kind === 'label-studio' && classified.url.href).toBe(
      'https://example.org/labelstudio/data/upload/1/a.pdf',
    );
  });

  it.each<[string, string]>([
    ['another host', 'https://files.example.com/a.pdf'],
    ['the LS host on another port', 'http://ls.example:9000/data/upload/1/a.pdf'],
    ['the LS host over https', 'https://ls.example:8080/data/upload/1/a.pdf'],
    ['a private address (the guard decides later)', 'http://10.0.0.5/a.pdf'],
  ])('%s → http', (_name, value) => {
    expect(classifyDataValue(value, LS).kind).toBe('http');
  });

  it.each<[string, string, string, string]>([
    ['s3://docs/scans/a b.pdf', 's3', 'docs', 'scans/a b.pdf'],
    ['gs://bucket/k.pdf', 'gs', 'bucket', 'k.pdf'],
    ['azure-blob://container/dir/k.pdf', 'azure-blob', 'container', 'dir/k.pdf'],
    ['azure-spi://container/k.pdf', 'azure-spi', 'container', 'k.pdf'],
  ])('%s → cloud', (value, scheme, bucket, key) => {
    expect(classifyDataValue(value, LS)).toEqual({ kind: 'cloud', uri: value, scheme, bucket, key });
  });

  it('reads data URIs', () => {
    expect(classifyDataValue('data:application/pdf;base64,JVBERi0=', LS)).toEqual({
      kind: 'data',
      mediaType: 'application/pdf',
      isBase64: true,
      payload: 'JVBERi0=',
    });
    expect(classifyDataValue('data:,hello%20there', LS)).toMatchObject({ mediaType: 'text/plain', isBase64: false });
  });

  it.each<[string, string, RegExp]>([
    ['inline text', 'Acme Corp opened an office in Paris', /not a URL or a path Label Studio serves/],
    ['inline text with a colon', 'Note: the scan is attached', /not a URL/],
    ['an empty value', '   ', /empty/],
    ['a file URL', 'file:///etc/passwd', /the file: scheme is not supported/],
    ['an ftp URL', 'ftp://files.example.com/a.pdf', /the ftp: scheme is not supported/],
    ['credentials in the URL', 'https://user:pw@files.example.com/a.pdf', /credentials/],
    ['a bucket without a key', 's3://docs', /needs a bucket and a key/],
    ['an unknown LS path', '/api/projects/1/', /serves no files under/],
    ['a protocol-relative URL', '//files.example.com/a.pdf', /not a URL/],
    ['an unparsable URL', 'http://exa mple.com/a.pdf', /not a valid URL/],
  ])('%s → unsupported', (_name, value, reason) => {
    const classified = classifyDataValue(value, LS);
    expect(classified.kind).toBe('unsupported');
    expect(classified.kind === 'unsupported' && classified.reason).toMatch(reason);
  });
});

describe('presign URLs', () => {
  it.each<[string, string]>([
    ['s3://b/k.pdf', 'czM6Ly9iL2sucGRm'],
    ['s3://b/a.pdf', 'czM6Ly9iL2EucGRm'],
    ['gs://b/ü?.pdf', 'Z3M6Ly9iL8O8Py5wZGY='],
  ])('encodes %s as Python urlsafe_b64encode does (padding kept)', (uri, encoded) => {
    expect(encodeFileUri(uri)).toBe(encoded);
    expect(Buffer.from(encoded, 'base64url').toString('utf8')).toBe(uri);
  });

  it('builds the task presign URL with the padding escaped', () => {
    expect(presignUrl('http://ls:8080/', 7, 'gs://b/ü?.pdf').href).toBe(
      'http://ls:8080/tasks/7/presign/?fileuri=Z3M6Ly9iL8O8Py5wZGY%3D',
    );
  });

  it('compares origins by scheme, host and port', () => {
    expect(isSameOrigin(new URL('http://LS:80/a'), new URL('http://ls/b'))).toBe(true);
    expect(isSameOrigin(new URL('http://ls:8080/a'), new URL('http://ls:8081/a'))).toBe(false);
    expect(isSameOrigin(new URL('https://ls/a'), new URL('http://ls/a'))).toBe(false);
  });
});
