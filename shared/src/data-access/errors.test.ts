import { describe, expect, it } from 'vitest';
import { DataAccessError, isRetryableStatus, redactUrl } from './errors.ts';

describe('redactUrl', () => {
  it.each<[string, string]>([
    ['https://files.example.com/a.pdf', 'https://files.example.com/a.pdf'],
    ['https://user:secret@files.example.com/a.pdf#page=2', 'https://files.example.com/a.pdf'],
    [
      'https://b.s3.amazonaws.com/k.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20260101&X-Amz-Signature=abc123&X-Amz-Security-Token=tok',
      'https://b.s3.amazonaws.com/k.pdf?X-Amz-Algorithm=[redacted]&X-Amz-Credential=[redacted]&X-Amz-Signature=[redacted]&X-Amz-Security-Token=[redacted]',
    ],
    [
      'https://acct.blob.core.windows.net/c/k.pdf?sv=2022-11-02&sig=SAS%2Bsig&se=2026',
      'https://acct.blob.core.windows.net/c/k.pdf?sv=[redacted]&sig=[redacted]&se=[redacted]',
    ],
    [
      'https://storage.googleapis.com/b/k.pdf?GoogleAccessId=x&Expires=1&Signature=gsig',
      'https://storage.googleapis.com/b/k.pdf?GoogleAccessId=[redacted]&Expires=[redacted]&Signature=[redacted]',
    ],
    ['http://ls:8080/data/local-files/?d=docs/a.pdf', 'http://ls:8080/data/local-files/?d=docs/a.pdf'],
    [
      'http://ls:8080/storage-data/uploaded/?filepath=upload/1/a.pdf&token=t',
      'http://ls:8080/storage-data/uploaded/?filepath=upload/1/a.pdf&token=[redacted]',
    ],
    ['http://ls:8080/tasks/1/presign/?fileuri=czM6Ly9i', 'http://ls:8080/tasks/1/presign/?fileuri=czM6Ly9i'],
    ['s3://bucket/dir/k.pdf', 's3://bucket/dir/k.pdf'],
    ['data:application/pdf;base64,JVBERi0xLjcK', 'data:application/pdf;base64,…'],
    ['not a url', 'not a url'],
  ])('%s', (input, output) => {
    expect(redactUrl(input)).toBe(output);
  });

  it('cuts a long non-URL', () => {
    expect(redactUrl('x'.repeat(500))).toHaveLength(201);
  });
});

describe('DataAccessError', () => {
  it.each<[ConstructorParameters<typeof DataAccessError>[0]['code'], boolean]>([
    ['unsupported_uri', false],
    ['missing_task_id', false],
    ['ssrf_refused', false],
    ['too_large', false],
    ['not_found', false],
    ['too_many_redirects', false],
    ['bad_response', false],
    ['timeout', true],
    ['unreachable', true],
  ])('%s is retryable: %s', (code, retryable) => {
    expect(new DataAccessError({ code, message: 'm' }).retryable).toBe(retryable);
  });

  it('takes an explicit retryable for statuses and S3 errors', () => {
    expect(new DataAccessError({ code: 'http_status', message: 'm', retryable: false, status: 403 }).retryable).toBe(
      false,
    );
  });

  it.each<[number, boolean]>([
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [408, true],
    [425, true],
    [429, true],
    [500, true],
    [503, true],
  ])('status %i is retryable: %s', (status, retryable) => {
    expect(isRetryableStatus(status)).toBe(retryable);
  });
});
