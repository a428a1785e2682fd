/** Segment normalisation and the merging of collinear pieces. */
import { describe, expect, it } from 'vitest';
import { mergeCollinear, type Segment, toSegment } from './segments.ts';

describe('toSegment', () => {
  it.each([
    { name: 'a horizontal line', points: [10, 5, 90, 5], expected: { x1: 10, y1: 5, x2: 90, y2: 5 } },
    {
      name: 'a horizontal line drawn right to left',
      points: [90, 5, 10, 5],
      expected: { x1: 10, y1: 5, x2: 90, y2: 5 },
    },
    { name: 'a vertical line drawn upwards', points: [7, 80, 7, 20], expected: { x1: 7, y1: 20, x2: 7, y2: 80 } },
    { name: 'a nearly horizontal line', points: [0, 10, 100, 10.4], expected: { x1: 0, y1: 10.2, x2: 100, y2: 10.2 } },
    { name: 'a slanted line', points: [0, 0, 100, 30], expected: undefined },
    { name: 'a dot', points: [5, 5, 5.2, 5.1], expected: undefined },
    { name: 'a line with a non-finite end', points: [0, 0, Number.NaN, 0], expected: undefined },
  ])('$name', ({ points, expected }) => {
    const [xa, ya, xb, yb] = points as [number, number, number, number];
    expect(toSegment(xa, ya, xb, yb)).toEqual(expected);
  });
});

describe('mergeCollinear', () => {
  const h = (y: number, x1: number, x2: number): Segment => ({ x1, y1: y, x2, y2: y });
  const v = (x: number, y1: number, y2: number): Segment => ({ x1: x, y1, x2: x, y2 });
  const options = { snapPt: 1, minLengthPt: 4 };

  it.each([
    { name: 'overlapping pieces', pieces: [h(10, 0, 60), h(10, 40, 100)], expected: [h(10, 0, 100)] },
    {
      name: 'pieces drawn cell by cell',
      pieces: [h(10, 0, 50), h(10, 50, 100), h(10, 100, 150)],
      expected: [h(10, 0, 150)],
    },
    {
      name: 'pieces a hair apart in both axes',
      pieces: [h(10, 0, 50), h(10.5, 50.5, 100.5)],
      expected: [h(10.25, 0, 100.5)],
    },
    {
      name: 'pieces with a real gap',
      pieces: [h(10, 0, 50), h(10, 60, 100)],
      expected: [h(10, 0, 50), h(10, 60, 100)],
    },
    { name: 'parallel lines', pieces: [h(10, 0, 50), h(20, 0, 50)], expected: [h(10, 0, 50), h(20, 0, 50)] },
    { name: 'a duplicate', pieces: [v(5, 0, 100), v(5, 0, 100)], expected: [v(5, 0, 100)] },
    { name: 'short pieces', pieces: [h(10, 0, 3), v(5, 0, 2)], expected: [] },
    {
      name: 'a mix, horizontals first',
      pieces: [v(5, 50, 100), h(10, 0, 50), v(5, 0, 50)],
      expected: [h(10, 0, 50), v(5, 0, 100)],
    },
  ])('$name', ({ pieces, expected }) => {
    expect(mergeCollinear(pieces, options)).toEqual(expected);
  });

  it('does not let a long chain of slightly shifted pieces drift into one band', () => {
    const pieces = Array.from({ length: 5 }, (_, i) => h(10 + 0.8 * i, 0, 100));
    expect(mergeCollinear(pieces, options).length).toBeGreaterThan(1);
  });
});
