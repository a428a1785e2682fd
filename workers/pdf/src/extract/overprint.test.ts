/** Overprinted (fake-bold) glyphs are kept once; other overlaps are left alone. */
import { describe, expect, it } from 'vitest';
import { removeOverprint } from './overprint.ts';
import type { TextRun } from './text-runs.ts';

const run = (text: string, x: number, width: number, extra: Partial<TextRun> = {}): TextRun => ({
  text,
  box: { x, y: 100, width, height: 16 },
  fontSize: 16,
  fontName: 'f1',
  ...extra,
});
const texts = (runs: TextRun[]) => removeOverprint(runs).map((each) => each.text);

describe('removeOverprint', () => {
  it.each([
    {
      name: 'glyphs drawn three times, grouped differently by pdfjs',
      runs: [run('T', 135.6, 10), run('T', 135.8, 10), run('Te', 135.8, 19.3), run('e', 146.3, 9), run('e', 146.2, 9)],
      expected: ['Te'],
    },
    {
      name: 'a word drawn twice, half a point apart',
      runs: [run('test', 100, 30), run('test', 100.5, 30)],
      expected: ['test'],
    },
    { name: 'words side by side', runs: [run('one', 100, 30), run('two', 134, 30)], expected: ['one', 'two'] },
    { name: 'two different labels on one spot', runs: [run('0', 496, 8), run('6', 496, 8)], expected: ['0', '6'] },
    {
      name: 'the same text in another size',
      runs: [run('A', 100, 10), { ...run('A', 100, 10), fontSize: 30 }],
      expected: ['A', 'A'],
    },
    {
      name: 'the same word level and tilted 20° over it (a rotated copy, not fake bold)',
      runs: [run('Rotate', 141.7, 35.4), run('Rotate', 131.1, 35.4, { tiltDeg: -20 })],
      expected: ['Rotate', 'Rotate'],
    },
  ])('$name', ({ runs, expected }) => {
    expect(texts(runs)).toEqual(expected);
  });

  it('keeps the line-end mark of the run reaching furthest right', () => {
    const [merged] = removeOverprint([run('ab', 100, 20), run('ab', 100.4, 20, { eol: true })]);
    expect(merged).toMatchObject({ text: 'ab', eol: true });
  });
});
