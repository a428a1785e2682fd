import { describe, expect, it } from 'vitest';
import { isLastPage } from './client.ts';

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
