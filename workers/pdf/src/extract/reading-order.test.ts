/** Reading order: full-width parts first, then columns left to right, each top to bottom. */
import { describe, expect, it } from 'vitest';
import type { Box } from './document.ts';
import { findGutters, orderBlocks } from './reading-order.ts';

const block = (name: string, x: number, y: number, width: number, height: number): { name: string; box: Box } => ({
  name,
  box: { x, y, width, height },
});
const order = (blocks: { name: string; box: Box }[]) => orderBlocks(blocks).map((each) => each.name);

// A US Letter two-column paper: columns 54..294 and 318..558.
const L = (name: string, y: number, height: number) => block(name, 54, y, 240, height);
const R = (name: string, y: number, height: number) => block(name, 318, y, 240, height);
const FULL = (name: string, y: number, height: number) => block(name, 54, y, 504, height);

describe('orderBlocks', () => {
  it.each([
    {
      name: 'a single column reads top to bottom',
      blocks: [L('c', 300, 50), L('a', 100, 50), L('b', 200, 50)],
      expected: ['a', 'b', 'c'],
    },
    {
      name: 'title and authors across the top, then the left column, then the right',
      blocks: [
        R('right-1', 200, 300),
        L('left-2', 420, 250),
        FULL('title', 60, 30),
        L('left-1', 200, 200),
        block('authors', 150, 110, 300, 40),
        R('right-2', 520, 150),
      ],
      expected: ['title', 'authors', 'left-1', 'left-2', 'right-1', 'right-2'],
    },
    {
      name: 'gaps that happen to line up in both columns do not cut the columns into bands',
      blocks: [L('left-1', 100, 100), R('right-1', 100, 130), L('left-2', 240, 200), R('right-2', 240, 200)],
      expected: ['left-1', 'left-2', 'right-1', 'right-2'],
    },
    {
      name: 'a heading alone at the top of the left column reads first',
      blocks: [block('Abstract', 54, 80, 50, 12), L('abstract', 100, 200), R('right', 90, 300)],
      expected: ['Abstract', 'abstract', 'right'],
    },
    {
      name: 'a full-width figure caption between two-column parts',
      blocks: [L('l1', 100, 200), R('r1', 100, 200), FULL('caption', 320, 30), L('l2', 370, 200), R('r2', 370, 200)],
      expected: ['l1', 'r1', 'caption', 'l2', 'r2'],
    },
    {
      name: 'three columns, left to right',
      blocks: [block('c3', 400, 100, 150, 400), block('c1', 40, 100, 150, 400), block('c2', 220, 100, 150, 400)],
      expected: ['c1', 'c2', 'c3'],
    },
    {
      name: 'the left column ending higher than the right still reads first',
      blocks: [L('left', 100, 300), R('right-1', 100, 200), R('right-2', 450, 200)],
      expected: ['left', 'right-1', 'right-2'],
    },
    {
      name: 'blocks on one row of a single column read left to right',
      blocks: [block('b', 200, 100, 50, 12), block('a', 54, 100, 50, 12), FULL('text', 130, 100)],
      expected: ['a', 'b', 'text'],
    },
  ])('$name', ({ blocks, expected }) => {
    expect(order(blocks)).toEqual(expected);
  });

  it('returns the same objects, and copes with nothing', () => {
    const only = L('only', 100, 10);
    expect(orderBlocks([only])[0]).toBe(only);
    expect(orderBlocks([])).toEqual([]);
  });
});

describe('findGutters', () => {
  it.each([
    { name: 'two columns', blocks: [L('a', 0, 10), R('b', 0, 10)], expected: [{ x1: 294, x2: 318 }] },
    { name: 'too narrow a gap', blocks: [block('a', 0, 0, 100, 10), block('b', 105, 0, 100, 10)], expected: [] },
    { name: 'overlapping blocks', blocks: [block('a', 0, 0, 100, 10), block('b', 50, 20, 100, 10)], expected: [] },
  ])('$name', ({ blocks, expected }) => {
    expect(findGutters(blocks, 8)).toEqual(expected);
  });
});
