import { describe, expect, it } from 'vitest';
import type { Box } from '../extract/document.ts';
import { readingOrder } from './reading-order.ts';

type Item = { name: string; box: Box };
const item = (name: string, x: number, y: number, width = 50, height = 10): Item => ({
  name,
  box: { x, y, width, height },
});
const order = (items: Item[]) => readingOrder(items, (i) => i.box).map((i) => i.name);

describe('readingOrder', () => {
  it.each([
    ['top to bottom', [item('second', 0, 20), item('first', 0, 0)], ['first', 'second']],
    ['left to right within a row', [item('right', 100, 0), item('left', 0, 1)], ['left', 'right']],
    [
      'a fragment slightly higher still reads after the one to its left',
      [item('b', 100, -3), item('a', 0, 0)],
      ['a', 'b'],
    ],
    [
      'lines overlapping less than half their height are separate rows',
      [item('upper-right', 100, 0), item('lower-left', 0, 6)],
      ['upper-right', 'lower-left'],
    ],
    [
      'two columns at the same height share rows, left first',
      [item('L1', 0, 0), item('L2', 0, 14), item('R1', 300, 1), item('R2', 300, 15)],
      ['L1', 'R1', 'L2', 'R2'],
    ],
    [
      'a small word beside a tall heading joins its row',
      [item('heading', 0, 0, 200, 30), item('page 3', 400, 12, 40, 8)],
      ['heading', 'page 3'],
    ],
    ['nothing', [], []],
  ])('%s', (_name, items, names) => {
    expect(order(items)).toEqual(names);
  });
});
