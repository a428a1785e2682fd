import { describe, expect, it } from 'vitest';
import { ConfigError, loadClientConfig, loadServiceConfig } from './config.ts';

const minimal = { LABEL_STUDIO_URL: 'http://ls.example:8080/', LABEL_STUDIO_API_KEY: 'secret-token' };

describe('loadServiceConfig', () => {
  it('fills defaults and trims the LS URL', () => {
    const config = loadServiceConfig(minimal);
    expect(config.labelStudio).toEqual({
      url: 'http://ls.example:8080',
      apiKey: 'secret-token',
      timeoutMs: 30_000,
      writesPerSec: 20,
      uploadMaxFiles: 100,
    });
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.gateway.port).toBe(9090);
    expect(config.logLevel).toBe('info');
  });

  it('coerces numbers', () => {
    expect(loadServiceConfig({ ...minimal, PORT: '8000', CHUNK_SIZE: '50' })).toMatchObject({
      gateway: { port: 8000 },
      scan: { chunkSize: 50 },
    });
  });

  it.each([
    [{ LABEL_STUDIO_API_KEY: 'k' }, /^invalid configuration: LABEL_STUDIO_URL is required$/],
    [{ LABEL_STUDIO_URL: 'http://ls' }, /^invalid configuration: LABEL_STUDIO_API_KEY is required/],
    [{ ...minimal, LABEL_STUDIO_URL: 'ftp://ls' }, /^invalid configuration: LABEL_STUDIO_URL must be an http\(s\) URL/],
    [{ ...minimal, PORT: 'eighty' }, /^invalid configuration: PORT /],
    [{ ...minimal, PORT: '70000' }, /^invalid configuration: PORT /],
    [{ ...minimal, REDIS_URL: 'localhost:6379' }, /^invalid configuration: REDIS_URL must be a redis:\/\//],
    [{ ...minimal, LOG_LEVEL: 'loud' }, /^invalid configuration: LOG_LEVEL /],
    [{ ...minimal, CHUNK_SIZE: '0' }, /^invalid configuration: CHUNK_SIZE /],
    [{ ...minimal, PDF_PAGE_IMAGES: 'ftp' }, /^invalid configuration: PDF_PAGE_IMAGES /],
    [{ ...minimal, PDF_PAGE_IMAGES: 's3' }, /PDF_PAGE_IMAGES=s3 needs PDF_PAGE_IMAGE_BUCKET and the S3_ACCESS_KEY_ID/],
  ])('rejects %o with one line naming the variable', (env, message) => {
    expect(() => loadServiceConfig(env)).toThrow(ConfigError);
    expect(() => loadServiceConfig(env)).toThrow(message);
  });

  it('configures the pdf pipeline', () => {
    expect(loadServiceConfig(minimal).pdf).toMatchObject({
      maxPages: 500,
      pageTimeoutMs: 30_000,
      pageImages: { store: 'label-studio' },
    });
    expect(loadServiceConfig(minimal).pdf.threads).toBeGreaterThanOrEqual(1);
    expect(
      loadServiceConfig({
        ...minimal,
        PDF_THREADS: '2',
        PDF_PAGE_IMAGES: 's3',
        PDF_PAGE_IMAGE_BUCKET: 'pages',
        S3_ACCESS_KEY_ID: 'id',
        S3_SECRET_ACCESS_KEY: 'secret',
      }).pdf,
    ).toMatchObject({ threads: 2, pageImages: { store: 's3', bucket: 'pages', prefix: 'prelabel/pages/' } });
  });

  it('treats empty strings as unset', () => {
    expect(() => loadServiceConfig({ ...minimal, LABEL_STUDIO_API_KEY: '' })).toThrow(
      /LABEL_STUDIO_API_KEY is required/,
    );
    expect(loadServiceConfig({ ...minimal, PORT: '' }).gateway.port).toBe(9090);
  });

  it('never puts the key in the error message', () => {
    try {
      loadServiceConfig({ ...minimal, LABEL_STUDIO_URL: 'nope' });
    } catch (error) {
      expect(String(error)).not.toContain('secret-token');
    }
  });
});

describe('loadClientConfig', () => {
  it('defaults to the local gateway', () => {
    expect(loadClientConfig({}).gatewayUrl).toBe('http://127.0.0.1:9090');
  });
});
