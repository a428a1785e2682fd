import { describe, expect, it } from 'vitest';
import { buildModelVersion, canonicalJson, chunkSizeFor, withoutSecretData } from './pipeline.ts';

describe('buildModelVersion', () => {
  const pipeline = { name: 'pdf', version: '1', secretOptions: ['password'] };

  it('is name, version and a digest of the canonical options', () => {
    expect(buildModelVersion(pipeline, { b: 1, a: 2 })).toMatch(/^pdf-v1-[0-9a-f]{8}$/);
    expect(buildModelVersion(pipeline, { b: 1, a: 2 })).toBe(buildModelVersion(pipeline, { a: 2, b: 1 }));
    expect(buildModelVersion(pipeline, { a: 1 })).not.toBe(buildModelVersion(pipeline, { a: 2 }));
  });

  it('leaves secret options out of the digest', () => {
    expect(buildModelVersion(pipeline, { ocr: 'auto', password: 'hunter2' })).toBe(
      buildModelVersion(pipeline, { ocr: 'auto' }),
    );
    expect(buildModelVersion({ name: 'pdf', version: '1' }, { ocr: 'auto', password: 'x' })).not.toBe(
      buildModelVersion(pipeline, { ocr: 'auto' }),
    );
  });
});

describe('canonicalJson', () => {
  it.each([
    [{ b: [{ d: 1, c: 2 }], a: null }, '{"a":null,"b":[{"c":2,"d":1}]}'],
    [{ a: undefined, b: 'x' }, '{"b":"x"}'],
  ])('%j → %s', (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });
});

describe('chunkSizeFor', () => {
  it.each([
    [undefined, 250, 250],
    [{}, 250, 250],
    [{ maxChunkSize: 4 }, 250, 4],
    [{ maxChunkSize: 4 }, 2, 2],
  ])('pipeline %j, configured %i → %i', (pipeline, configured, expected) => {
    expect(chunkSizeFor(pipeline, configured)).toBe(expected);
  });
});

describe('withoutSecretData', () => {
  const tasks = [{ id: 1, data: { pdf: 'a.pdf', pdf_password: 'x' } }];

  it.each([
    ['no pipeline', undefined, tasks],
    ['a pipeline without secret fields', {}, tasks],
    [
      'a pipeline with secret fields',
      { secretDataFields: () => ['pdf_password'] },
      [{ id: 1, data: { pdf: 'a.pdf' } }],
    ],
  ])('%s', (_name, pipeline, expected) => {
    expect(withoutSecretData(pipeline, {}, tasks)).toStrictEqual(expected);
  });

  it('leaves the input untouched', () => {
    withoutSecretData({ secretDataFields: () => ['pdf_password'] }, {}, tasks);
    expect(tasks[0]!.data.pdf_password).toBe('x');
  });
});
