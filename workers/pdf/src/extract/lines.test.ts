/** Runs → lines: what shares a line, where the spaces go, where a line stops. */
import { describe, expect, it } from 'vitest';
import { buildLines, dominantFontSize, toTextLine, unionBox } from './lines.ts';
import type { TextRun } from './text-runs.ts';

/** A run on baseline `y` (its box from y - 0.8·size to y + 0.2·size), `width` wide. */
const run = (text: string, x: number, y: number, width: number, size = 10, extra: Partial<TextRun> = {}): TextRun => ({
  text,
  box: { x, y: y - 0.8 * size, width, height: size },
  fontSize: size,
  fontName: 'f1',
  ...extra,
});

const texts = (runs: TextRun[]) => buildLines(runs).map((line) => line.text);

describe('buildLines', () => {
  it.each([
    {
      name: 'single glyphs that touch form one word',
      runs: [run('W', 100, 100, 9), run('o', 109, 100, 5), run('r', 114, 100, 3.5), run('d', 117.5, 100, 5)],
      expected: ['Word'],
    },
    {
      name: 'a gap wider than 0.15 em is a space',
      runs: [run('two', 100, 100, 15), run('words', 118, 100, 25)],
      expected: ['two words'],
    },
    {
      name: "pdfjs's space mark is kept where there is room for it",
      runs: [run('two', 100, 100, 15, 10, { spaceAfter: true }), run('words', 116, 100, 25)],
      expected: ['two words'],
    },
    {
      name: "pdfjs's space mark between glyphs that touch is not a word break",
      runs: [run('P', 100, 100, 6, 10, { spaceAfter: true }), run('roperty', 106.2, 100, 30)],
      expected: ['Property'],
    },
    {
      name: 'runs come in any order',
      runs: [run('world', 130, 100, 25), run('hello', 100, 100, 25)],
      expected: ['hello world'],
    },
    {
      name: 'a superscript stays on its line, glued to its word',
      runs: [run('Gal', 100, 100, 15), run('*', 115, 97, 3, 6), run(', Eich', 118, 100, 25)],
      expected: ['Gal*, Eich'],
    },
    {
      name: 'the next line down is another line',
      runs: [run('first', 100, 100, 25), run('second', 100, 112, 30)],
      expected: ['first', 'second'],
    },
    {
      name: 'a column gutter splits two lines on one baseline',
      runs: [run('left column text', 54, 100, 200), run('right column text', 318, 100, 200)],
      expected: ['left column text', 'right column text'],
    },
    {
      name: 'a wide justified space (under 1.5 em) does not split a line',
      runs: [run('Categories', 54, 100, 60, 10, { spaceAfter: true }), run('D.3.4', 73 + 60 - 9, 100, 25)],
      expected: ['Categories D.3.4'],
    },
    {
      name: 'after a run pdfjs marked as ending its line, a 1 em gap already splits',
      runs: [run('type-specialized', 54, 100, 240, 10, { eol: true }), run('program,', 304, 100, 40)],
      expected: ['type-specialized', 'program,'],
    },
    {
      name: 'a bullet followed by a tab stop stays with its item',
      runs: [run('•', 72, 100, 4), run('first item', 100, 100, 45)],
      expected: ['• first item'],
    },
    {
      name: 'a hyphen ending a line is no bullet for what follows far to its right',
      runs: [run('-', 290, 100, 3, 10, { eol: true }), run('[14] B. McCloskey.', 317, 100, 90)],
      expected: ['-', '[14] B. McCloskey.'],
    },
    {
      name: 'a run drawn twice in the same place (fake bold) is kept once',
      runs: [run('Bold', 100, 100, 20), run('Bold', 100.3, 100, 20), run('text', 124, 100, 20)],
      expected: ['Bold text'],
    },
    {
      name: 'a small label over a big letter is not part of it',
      runs: [run('A', 35, 240, 100, 150), run('Normal', 64, 242, 41, 12)],
      expected: ['A', 'Normal'],
    },
    {
      name: 'two words set so tight they overlap get a space',
      runs: [run('text75', 195, 100, 27), run('text76', 217, 100, 27)],
      expected: ['text75 text76'],
    },
    {
      name: 'spaces between CJK characters are dropped',
      runs: [run('中 文', 100, 100, 20), run('姓名', 122, 100, 20)],
      expected: ['中文姓名'],
    },
    {
      name: 'a tilted stamp right after a line stays off it',
      runs: [run('Approved by the board', 100, 100, 110), run('PAID', 212, 96, 30, 12, { tiltDeg: -10 })],
      expected: ['PAID', 'Approved by the board'],
    },
  ])('$name', ({ runs, expected }) => {
    expect(texts(runs)).toEqual(expected);
  });

  it('orders lines top to bottom, then left to right', () => {
    const lines = buildLines([run('b', 300, 100, 5), run('c', 100, 130, 5), run('a', 100, 100, 5)]);
    expect(lines.map((line) => line.text)).toEqual(['a', 'b', 'c']);
  });

  it('gives each line the box around its runs and its dominant font size', () => {
    const [line] = buildLines([run('Gal', 100, 100, 15), run('*', 115, 97, 3, 6)]);
    expect(line!.box).toEqual({ x: 100, y: 92, width: 18, height: 10 });
    expect(line!.fontSize).toBe(10);
  });
});

describe('toTextLine', () => {
  it('joins runs left to right whatever their order', () => {
    expect(toTextLine([run('b', 110, 100, 5), run('a', 100, 100, 5)]).text).toBe('a b');
  });
});

describe('dominantFontSize', () => {
  it.each([
    {
      items: [
        { text: 'body text here', fontSize: 9 },
        { text: 'H', fontSize: 18 },
      ],
      expected: 9,
    },
    {
      items: [
        { text: 'ab', fontSize: 9 },
        { text: 'cd', fontSize: 11 },
      ],
      expected: 11,
    },
    { items: [], expected: 0 },
  ])('$expected', ({ items, expected }) => {
    expect(dominantFontSize(items)).toBe(expected);
  });
});

describe('unionBox', () => {
  it('spans every box', () => {
    expect(
      unionBox([
        { x: 10, y: 10, width: 5, height: 5 },
        { x: 0, y: 20, width: 2, height: 2 },
      ]),
    ).toEqual({ x: 0, y: 10, width: 15, height: 12 });
  });
});
