/** pdfjs text items → TextRuns: geometry, font size, rotation, and what blank items leave behind. */
import { describe, expect, it } from 'vitest';
import { multiplyTransforms, quarterTurn, type TextContentLike, toTextRuns } from './text-runs.ts';

/** A US Letter page at scale 1, no /Rotate: pdfjs's viewport transform. */
const LETTER = [1, 0, 0, -1, 0, 792];
const styles: TextContentLike['styles'] = {
  f1: { ascent: 0.8, descent: -0.2, vertical: false },
  v1: { ascent: 0.8, descent: -0.2, vertical: true },
};
const item = (
  str: string,
  transform: number[],
  width: number,
  extra: Partial<{ height: number; fontName: string; hasEOL: boolean }> = {},
) => ({
  str,
  dir: 'ltr',
  transform,
  width,
  height: extra.height ?? 10,
  fontName: extra.fontName ?? 'f1',
  hasEOL: extra.hasEOL ?? false,
});

describe('toTextRuns', () => {
  it('places a horizontal run from its baseline, ascent and descent', () => {
    const [run] = toTextRuns({ items: [item('Hello', [10, 0, 0, 10, 100, 700], 25)], styles }, LETTER);
    expect(run).toMatchObject({ text: 'Hello', fontSize: 10, fontName: 'f1' });
    // Baseline at 792 - 700 = 92; ascent 8 above, descent 2 below.
    expect(run!.box.x).toBeCloseTo(100);
    expect(run!.box.y).toBeCloseTo(84);
    expect(run!.box.width).toBeCloseTo(25);
    expect(run!.box.height).toBeCloseTo(10);
    expect(run!.rotation).toBeUndefined();
  });

  it('takes the font size from the matrix, whatever the scale of the item', () => {
    const [run] = toTextRuns({ items: [item('Big', [0, 24, -24, 0, 300, 400], 30)], styles }, LETTER);
    expect(run!.fontSize).toBeCloseTo(24);
  });

  it.each([
    { name: 'upright', transform: [10, 0, 0, 10, 100, 700], rotation: undefined },
    {
      name: 'turned a quarter counter-clockwise (reads bottom to top)',
      transform: [0, 10, -10, 0, 100, 700],
      rotation: 270,
    },
    { name: 'upside down', transform: [-10, 0, 0, -10, 100, 700], rotation: 180 },
    { name: 'turned a quarter clockwise (reads top to bottom)', transform: [0, -10, 10, 0, 100, 700], rotation: 90 },
  ])('marks the writing direction: $name', ({ transform, rotation }) => {
    const [run] = toTextRuns({ items: [item('Side', transform, 20)], styles }, LETTER);
    expect(run!.rotation).toBe(rotation);
    expect(run!.box.width).toBeGreaterThan(0);
    expect(run!.box.height).toBeGreaterThan(0);
  });

  const turned = (degrees: number) => {
    const radians = (degrees * Math.PI) / 180;
    return [10 * Math.cos(radians), 10 * Math.sin(radians), -10 * Math.sin(radians), 10 * Math.cos(radians), 100, 700];
  };
  it.each([
    { degrees: 0, rotation: undefined, tiltDeg: undefined },
    { degrees: 0.5, rotation: undefined, tiltDeg: undefined },
    { degrees: 20, rotation: undefined, tiltDeg: -20 },
    { degrees: -7, rotation: undefined, tiltDeg: 7 },
    { degrees: 100, rotation: 270, tiltDeg: -10 },
  ])('keeps what a $degrees° baseline turns beyond its quarter turn as its tilt', ({ degrees, rotation, tiltDeg }) => {
    const [run] = toTextRuns({ items: [item('Stamp', turned(degrees), 30)], styles }, LETTER);
    expect(run!.rotation).toBe(rotation);
    expect(run!.tiltDeg).toBe(tiltDeg);
  });

  it('lays a vertical-writing font top to bottom, its advance from the item height', () => {
    const [run] = toTextRuns(
      { items: [item('縦書き', [10, 0, 0, 10, 300, 700], 0, { height: 30, fontName: 'v1' })], styles },
      LETTER,
    );
    expect(run!.rotation).toBe(90);
    expect(run!.box.height).toBeCloseTo(30);
  });

  it('drops blank items but remembers them as a space or a line end on the run before', () => {
    const runs = toTextRuns(
      {
        items: [
          item('one', [10, 0, 0, 10, 100, 700], 15),
          item(' ', [10, 0, 0, 10, 115, 700], 3),
          item('two', [10, 0, 0, 10, 118, 700], 15),
          item('', [10, 0, 0, 10, 133, 700], 0, { hasEOL: true }),
          item('three', [10, 0, 0, 10, 100, 688], 25, { hasEOL: true }),
          { type: 'beginMarkedContent', id: 'mc0' },
        ],
        styles,
      },
      LETTER,
    );
    expect(runs.map((run) => [run.text, run.spaceAfter, run.eol])).toEqual([
      ['one', true, undefined],
      ['two', undefined, true],
      ['three', undefined, true],
    ]);
  });

  it('trims blanks around an item and takes their share of the advance out of its box', () => {
    const [run] = toTextRuns({ items: [item(' ab ', [10, 0, 0, 10, 100, 700], 40)], styles }, LETTER);
    expect(run).toMatchObject({ text: 'ab', spaceAfter: true });
    expect(run!.box.x).toBeCloseTo(110);
    expect(run!.box.width).toBeCloseTo(20);
  });

  it('estimates the width of an item whose font gives none', () => {
    const [run] = toTextRuns({ items: [item('abcd', [10, 0, 0, 10, 100, 700], 0)], styles }, LETTER);
    expect(run!.box.width).toBeCloseTo(20);
  });

  it('falls back to 0.8/-0.2 of the size without font metrics', () => {
    const [run] = toTextRuns(
      { items: [item('x', [10, 0, 0, 10, 100, 700], 5, { fontName: 'unknown' })], styles },
      LETTER,
    );
    expect(run!.box.y).toBeCloseTo(84);
    expect(run!.box.height).toBeCloseTo(10);
  });

  it('drops items with a degenerate or broken matrix', () => {
    const runs = toTextRuns(
      {
        items: [item('zero', [0, 0, 0, 0, 100, 700], 10), item('nan', [10, 0, 0, 10, Number.NaN, 700], 10)],
        styles,
      },
      LETTER,
    );
    expect(runs).toEqual([]);
  });

  it('applies the viewport of a rotated page, so its text reads upright', () => {
    // pdfjs's viewport transform of a 612x792 page with /Rotate 90 at scale 1.
    const rotated = [0, 1, 1, 0, 0, 0];
    const [run] = toTextRuns({ items: [item('Upright', [0, 10, -10, 0, 500, 100], 35)], styles }, rotated);
    expect(run!.rotation).toBeUndefined();
  });
});

describe('multiplyTransforms', () => {
  it('applies the second matrix first', () => {
    const scale = [2, 0, 0, 2, 0, 0];
    const move = [1, 0, 0, 1, 10, 20];
    expect(multiplyTransforms(scale, move)).toEqual([2, 0, 0, 2, 20, 40]);
    expect(multiplyTransforms(move, scale)).toEqual([2, 0, 0, 2, 10, 20]);
  });
});

describe('quarterTurn', () => {
  it.each([
    [0, 0],
    [Math.PI / 2, 90],
    [Math.PI, 180],
    [-Math.PI / 2, 270],
    [0.2, 0],
    [(3 * Math.PI) / 2 + 0.1, 270],
  ])('%d rad → %d°', (angle, expected) => {
    expect(quarterTurn(angle)).toBe(expected);
  });
});
