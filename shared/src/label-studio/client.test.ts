import { describe, expect, it } from 'vitest';
import { isLastPage, uploadBatches } from './client.ts';

describe('isLastPage', () => {
  it.each<[string, { tasks: unknown[]; total?: unknown }, number, boolean]>([
    ['empty page', { tasks: [], total: 10 }, 100, true],
    ['holds every remaining task', { tasks: [1, 2, 3], total: 3 }, 100, true],
    ['short page but LS counts more (page size capped)', { tasks: [1, 2, 3], total: 9 }, 100, false],
    ['full page with more to come', { tasks: [1, 2], total: 5 }, 2, false],
    ['no total: a short page is the last', { tasks: [1] }, 2, true],
    ['no total: a full page is not', { tasks: [1, 2] }, 2, false],
  ])('%s', (_name, page, pageSize, expected) => {
    expect(isLastPage(page, pageSize)).toBe(expected);
  });
});

describe('uploadBatches', () => {
  const files = (...sizes: number[]) =>
    sizes.map((size, index) => ({ name: `f${index}`, bytes: new Uint8Array(size) }));
  const shape = (batches: { name: string }[][]) => batches.map((batch) => batch.map((file) => file.name).join(','));

  it.each<[string, number[], number, number, string[]]>([
    ['nothing to upload', [], 3, 100, []],
    ['fits in one request', [1, 1, 1], 3, 100, ['f0,f1,f2']],
    ['split by count, order kept', [1, 1, 1, 1, 1, 1, 1], 3, 100, ['f0,f1,f2', 'f3,f4,f5', 'f6']],
    ['split by bytes', [40, 40, 40], 10, 100, ['f0,f1', 'f2']],
    ['exactly the byte budget stays together', [50, 50], 10, 100, ['f0,f1']],
    ['a file over the byte budget goes alone', [10, 500, 10], 10, 100, ['f0', 'f1', 'f2']],
    ['one file per request', [1, 1], 1, 100, ['f0', 'f1']],
  ])('%s', (_name, sizes, maxFiles, maxBytes, expected) => {
    expect(shape(uploadBatches(files(...sizes), maxFiles, maxBytes))).toEqual(expected);
  });
});
