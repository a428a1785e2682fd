import { describe, expect, it } from 'vitest';
import { ConfigError, loadServiceConfig } from '../config/config.ts';

const minimal = { LABEL_STUDIO_URL: 'http://ls.example:8080/', LABEL_STUDIO_API_KEY: 'secret-token' };

describe('data access configuration', () => {
  it('defaults: 100 MB, 60 s, 5 redirects, nothing allow-listed, no S3', () => {
    const config = loadServiceConfig(minimal);
    expect(config.dataAccess).toEqual({
      maxBytes: 104_857_600,
      timeoutMs: 60_000,
      maxRedirects: 5,
      allowHosts: [],
    });
    expect(config.s3).toBeUndefined();
  });

  it('reads the limits and the allow list', () => {
    const config = loadServiceConfig({
      ...minimal,
      FETCH_MAX_BYTES: '1000',
      FETCH_TIMEOUT_MS: '500',
      FETCH_MAX_REDIRECTS: '0',
      FETCH_ALLOW_HOSTS: ' minio , 10.0.0.0/8,,fd00::/8 ',
    });
    expect(config.dataAccess).toEqual({
      maxBytes: 1000,
      timeoutMs: 500,
      maxRedirects: 0,
      allowHosts: ['minio', '10.0.0.0/8', 'fd00::/8'],
    });
  });

  it('enables S3 with both keys; path style follows the endpoint unless set', () => {
    const keys = { S3_ACCESS_KEY_ID: 'AKIDEXAMPLE', S3_SECRET_ACCESS_KEY: 's3-secret' };
    expect(loadServiceConfig({ ...minimal, ...keys }).s3).toEqual({
      endpoint: undefined,
      region: 'us-east-1',
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 's3-secret',
      forcePathStyle: false,
      directBuckets: [],
    });
    expect(
      loadServiceConfig({
        ...minimal,
        ...keys,
        S3_ENDPOINT: 'http://minio:9000/',
        S3_REGION: 'eu-west-1',
        S3_BUCKETS: 'docs, scans',
      }).s3,
    ).toMatchObject({
      endpoint: 'http://minio:9000',
      region: 'eu-west-1',
      forcePathStyle: true,
      directBuckets: ['docs', 'scans'],
    });
    expect(
      loadServiceConfig({ ...minimal, ...keys, S3_ENDPOINT: 'http://minio:9000', S3_FORCE_PATH_STYLE: 'false' }).s3
        ?.forcePathStyle,
    ).toBe(false);
  });

  it.each([
    [{ FETCH_MAX_BYTES: '0' }, /^invalid configuration: FETCH_MAX_BYTES /],
    [{ FETCH_TIMEOUT_MS: 'soon' }, /^invalid configuration: FETCH_TIMEOUT_MS /],
    [{ FETCH_MAX_REDIRECTS: '-1' }, /^invalid configuration: FETCH_MAX_REDIRECTS /],
    [
      { FETCH_ALLOW_HOSTS: 'minio,10.0.0.0/40' },
      /^invalid configuration: FETCH_ALLOW_HOSTS entry "10.0.0.0\/40" is not a CIDR range/,
    ],
    [{ S3_ENDPOINT: 'minio:9000' }, /^invalid configuration: S3_ENDPOINT must be an http\(s\) URL/],
    [{ S3_FORCE_PATH_STYLE: 'yes' }, /^invalid configuration: S3_FORCE_PATH_STYLE must be true or false/],
    [{ S3_ACCESS_KEY_ID: 'AKID' }, /^invalid configuration: S3_SECRET_ACCESS_KEY is required when the other/],
    [{ S3_SECRET_ACCESS_KEY: 's3-secret' }, /^invalid configuration: S3_ACCESS_KEY_ID is required when the other/],
  ])('rejects %o with one line naming the variable', (env, message) => {
    expect(() => loadServiceConfig({ ...minimal, ...env })).toThrow(ConfigError);
    expect(() => loadServiceConfig({ ...minimal, ...env })).toThrow(message);
  });

  it('never puts the S3 secret in an error', () => {
    expect(() => loadServiceConfig({ ...minimal, S3_SECRET_ACCESS_KEY: 's3-secret-value' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3-secret-value') }),
    );
  });
});
