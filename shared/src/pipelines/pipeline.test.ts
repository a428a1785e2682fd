import { describe, expect, it } from 'vitest';
import { buildModelVersion, canonicalJson, chunkSizeFor } from './pipeline.ts';

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
