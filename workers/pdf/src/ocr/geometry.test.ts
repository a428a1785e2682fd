import { describe, expect, it } from 'vitest';
import { convexHull, minAreaRect, orderCorners, type Point, quadBounds, unclipRect } from './geometry.ts';

const p = (x: number, y: number): Point => ({ x, y });
const rounded = (points: readonly Point[]) =>
  points.map(({ x, y }) => [Math.round(x * 1000) / 1000, Math.round(y * 1000) / 1000]);

describe('convexHull', () => {
  it.each([
    ['nothing', [], []],
    ['one point', [p(1, 1)], [[1, 1]]],
    [
      'a square with an inner point',
      [p(0, 0), p(2, 0), p(1, 1), p(2, 2), p(0, 2)],
      [
        [0, 0],
        [2, 0],
        [2, 2],
        [0, 2],
      ],
    ],
    [
      'collinear points keep the ends',
      [p(0, 0), p(1, 0), p(2, 0), p(3, 0)],
      [
        [0, 0],
        [3, 0],
      ],
    ],
    [
      'duplicates',
      [p(0, 0), p(0, 0), p(1, 1), p(1, 0)],
      [
        [0, 0],
        [1, 0],
        [1, 1],
      ],
    ],
  ] as const)('%s', (_name, points, hull) => {
    expect(rounded(convexHull(points))).toEqual(hull);
  });
});

describe('orderCorners', () => {
  it.each([
    [
      'axis-aligned, any input order',
      [p(10, 5), p(0, 0), p(0, 5), p(10, 0)],
      [
        [0, 0],
        [10, 0],
        [10, 5],
        [0, 5],
      ],
    ],
    [
      'slanted down to the right',
      [p(0, 0), p(100, 10), p(99, 20), p(-1, 10)],
      [
        [0, 0],
        [100, 10],
        [99, 20],
        [-1, 10],
      ],
    ],
    [
      'slanted up to the right',
      [p(0, 10), p(100, 0), p(101, 10), p(1, 20)],
      [
        [0, 10],
        [100, 0],
        [101, 10],
        [1, 20],
      ],
    ],
  ] as const)('%s', (_name, corners, quad) => {
    expect(rounded(orderCorners(corners))).toEqual(quad);
  });
});

describe('minAreaRect', () => {
  it('fits an axis-aligned block of pixel centres', () => {
    const points = [p(2, 3), p(12, 3), p(12, 7), p(2, 7), p(5, 5)];
    const rect = minAreaRect(points);
    expect(rounded(rect.quad)).toEqual([
      [2, 3],
      [12, 3],
      [12, 7],
      [2, 7],
    ]);
    expect(rect.width).toBeCloseTo(10);
    expect(rect.height).toBeCloseTo(4);
  });

  it('follows a slanted rectangle', () => {
    // A 100 × 10 rectangle turned by 5°.
    const angle = (5 * Math.PI) / 180;
    const corner = (u: number, v: number) =>
      p(u * Math.cos(angle) - v * Math.sin(angle), u * Math.sin(angle) + v * Math.cos(angle));
    const points = [corner(0, 0), corner(100, 0), corner(100, 10), corner(0, 10), corner(50, 5), corner(20, 2)];
    const rect = minAreaRect(points);
    expect(rect.width).toBeCloseTo(100);
    expect(rect.height).toBeCloseTo(10);
    expect(rounded(rect.quad)).toEqual(rounded([corner(0, 0), corner(100, 0), corner(100, 10), corner(0, 10)]));
  });

  it('gives a zero-height rectangle for points on one row', () => {
    const rect = minAreaRect([p(0, 4), p(9, 4), p(5, 4)]);
    expect(rect.width).toBeCloseTo(9);
    expect(rect.height).toBeCloseTo(0);
  });

  it('gives an empty rectangle for one point and refuses none', () => {
    expect(minAreaRect([p(3, 3)])).toMatchObject({ width: 0, height: 0 });
    expect(() => minAreaRect([])).toThrow(RangeError);
  });
});

describe('unclipRect', () => {
  it.each([
    // distance = w·h·ratio / (2(w+h))
    ['a text line', 100, 10, 1.5, (100 * 10 * 1.5) / 220],
    ['a square', 10, 10, 1.5, (10 * 10 * 1.5) / 40],
    ['ratio 2', 40, 8, 2, (40 * 8 * 2) / 96],
  ])('%s grows by area × ratio / perimeter on every side', (_name, width, height, ratio, distance) => {
    const rect = minAreaRect([p(0, 0), p(width, 0), p(width, height), p(0, height)]);
    const grown = unclipRect(rect, ratio);
    expect(grown.width).toBeCloseTo(width + 2 * distance);
    expect(grown.height).toBeCloseTo(height + 2 * distance);
    expect(rounded(grown.quad)).toEqual(
      rounded([
        p(-distance, -distance),
        p(width + distance, -distance),
        p(width + distance, height + distance),
        p(-distance, height + distance),
      ]),
    );
  });

  it('grows a slanted rectangle along its own axes', () => {
    const rect = minAreaRect([p(0, 0), p(80, 60), p(74, 68), p(-6, 8)]);
    const grown = unclipRect(rect, 1.5);
    const distance = (rect.width * rect.height * 1.5) / (2 * (rect.width + rect.height));
    expect(grown.width).toBeCloseTo(rect.width + 2 * distance);
    const [tl] = grown.quad;
    // The top-left corner moved back along the top side and up across it.
    expect(tl.x).toBeCloseTo(0 - 0.8 * distance + 0.6 * distance);
    expect(tl.y).toBeCloseTo(0 - 0.6 * distance - 0.8 * distance);
  });

  it('leaves a point alone', () => {
    const rect = minAreaRect([p(1, 1)]);
    expect(unclipRect(rect, 1.5)).toEqual(rect);
  });
});

describe('quadBounds', () => {
  it.each([
    ['inside', [p(1, 2), p(11, 2), p(11, 6), p(1, 6)], { x: 1, y: 2, width: 10, height: 4 }],
    ['clipped to the image', [p(-3, -1), p(50, -1), p(50, 9), p(-3, 9)], { x: 0, y: 0, width: 40, height: 9 }],
    ['slanted', [p(0, 0), p(10, 2), p(9, 6), p(-1, 4)], { x: 0, y: 0, width: 10, height: 6 }],
  ] as const)('%s', (_name, quad, box) => {
    expect(quadBounds(quad as never, 40, 30)).toEqual(box);
  });
});
