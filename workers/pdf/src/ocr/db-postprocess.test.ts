import { describe, expect, it } from 'vitest';
import { connectedRegions, findTextQuads, meanInsideRect } from './db-postprocess.ts';
import { minAreaRect, quadBounds } from './geometry.ts';

/** A probability map of `width` × `height` with filled rectangles of given values. */
function map(width: number, height: number, fills: [x: number, y: number, w: number, h: number, value: number][]) {
  const data = new Float32Array(width * height);
  for (const [x0, y0, w, h, value] of fills) {
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) data[y * width + x] = value;
  }
  return data;
}

/** Draws an ASCII picture ('#' = 1) as a map. */
function picture(rows: string[]) {
  const width = rows[0]!.length;
  return { data: Float32Array.from(rows.join('').split(''), (c) => (c === '#' ? 1 : 0)), width, height: rows.length };
}

describe('connectedRegions', () => {
  it('joins diagonal neighbours and records each row’s extent', () => {
    const { data, width, height } = picture(['#...##', '.#...#', '......', '###...']);
    const regions = connectedRegions(data, width, height, 0.5);
    expect(regions.map((r) => r.pixels)).toEqual([2, 3, 3]);
    expect([...regions[0]!.rows]).toEqual([
      [0, [0, 0]],
      [1, [1, 1]],
    ]);
    expect([...regions[1]!.rows].sort()).toEqual([
      [0, [4, 5]],
      [1, [5, 5]],
    ]);
    expect([...regions[2]!.rows]).toEqual([[3, [0, 2]]]);
  });

  it('needs strictly more than the threshold', () => {
    expect(connectedRegions(Float64Array.of(0.3, 0.31), 2, 1, 0.3).map((r) => r.pixels)).toEqual([1]);
  });
});

describe('meanInsideRect', () => {
  it('averages the pixels whose centres the rectangle covers, edges included', () => {
    const data = map(10, 10, [[2, 2, 4, 3, 1]]);
    // Pixel centres 2..5 × 2..4: all ones.
    expect(
      meanInsideRect(
        data,
        10,
        10,
        minAreaRect([
          { x: 2, y: 2 },
          { x: 5, y: 4 },
          { x: 2, y: 4 },
          { x: 5, y: 2 },
        ]),
      ),
    ).toBe(1);
    // One more column on each side: 12 of 24 pixels are text.
    expect(
      meanInsideRect(
        data,
        10,
        10,
        minAreaRect([
          { x: 1, y: 2 },
          { x: 6, y: 4 },
          { x: 1, y: 4 },
          { x: 6, y: 2 },
        ]),
      ),
    ).toBeCloseTo(12 / 18);
  });
});

describe('findTextQuads', () => {
  it('grows a text kernel by the unclip distance and scales it to the source image', () => {
    // A kernel whose pixel centres span 10..49 × 20..27: a 39 × 7 rectangle.
    const data = map(64, 64, [[10, 20, 40, 8, 0.9]]);
    const [found, ...rest] = findTextQuads(data, 64, 64, 128, 256);
    expect(rest).toEqual([]);
    const distance = (39 * 7 * 1.5) / (2 * (39 + 7));
    const box = quadBounds(found!.quad, 128, 256);
    expect(box.x).toBeCloseTo((10 - distance) * 2);
    expect(box.y).toBeCloseTo((20 - distance) * 4);
    expect(box.width).toBeCloseTo((39 + 2 * distance) * 2);
    expect(box.height).toBeCloseTo((7 + 2 * distance) * 4);
    expect(found!.score).toBeCloseTo(0.9);
  });

  it.each([
    ['below the pixel threshold', [[10, 10, 30, 8, 0.25]], {}, 0],
    ['mean probability under the box threshold', [[10, 10, 30, 8, 0.5]], {}, 0],
    ['a lower box threshold keeps it', [[10, 10, 30, 8, 0.5]], { boxThreshold: 0.4 }, 1],
    ['a speck thinner than the minimum side', [[10, 10, 30, 2, 0.9]], {}, 0],
    [
      'two lines apart',
      [
        [4, 4, 40, 6, 0.9],
        [4, 20, 30, 6, 0.8],
      ],
      {},
      2,
    ],
    [
      'two lines touching merge',
      [
        [4, 4, 40, 6, 0.9],
        [4, 10, 30, 6, 0.8],
      ],
      {},
      1,
    ],
  ] as const)('%s', (_name, fills, options, count) => {
    expect(findTextQuads(map(64, 64, fills as never), 64, 64, 64, 64, options)).toHaveLength(count);
  });

  it('keeps the largest regions when there are more than maxCandidates', () => {
    const data = map(64, 64, [
      [2, 2, 10, 5, 0.9],
      [2, 20, 40, 5, 0.9],
      [2, 40, 20, 5, 0.9],
    ]);
    const found = findTextQuads(data, 64, 64, 64, 64, { maxCandidates: 2 });
    expect(found.map((q) => Math.round(quadBounds(q.quad, 64, 64).y))).toEqual([
      Math.round(20 - (39 * 4 * 1.5) / 86),
      Math.round(40 - (19 * 4 * 1.5) / 46),
    ]);
  });

  it('follows a slanted line', () => {
    // A band 6 pixels thick rising 1 pixel every 10.
    const width = 120;
    const data = new Float32Array(width * 40);
    for (let x = 10; x < 110; x++) {
      const top = 25 - Math.floor(x / 10);
      for (let y = top; y < top + 6; y++) data[y * width + x] = 0.9;
    }
    const [found] = findTextQuads(data, width, 40, width, 40);
    const [tl, tr, , bl] = found!.quad;
    expect((tr.y - tl.y) / (tr.x - tl.x)).toBeCloseTo(-0.1, 1);
    // Cut along the slant, the line is the band's thickness plus the unclip margin (about 6 + 2 × 4),
    // where an upright box around it would be 10 pixels taller.
    const thickness = Math.hypot(bl.x - tl.x, bl.y - tl.y);
    expect(thickness).toBeGreaterThan(12);
    expect(thickness).toBeLessThan(16);
    expect(quadBounds(found!.quad, width, 40).height).toBeGreaterThan(thickness + 8);
  });

  it('clips quads to the source image', () => {
    const [found] = findTextQuads(map(32, 32, [[0, 0, 32, 6, 0.9]]), 32, 32, 32, 32);
    for (const corner of found!.quad) {
      expect(corner.x).toBeGreaterThanOrEqual(0);
      expect(corner.x).toBeLessThanOrEqual(32);
      expect(corner.y).toBeGreaterThanOrEqual(0);
    }
  });
});
