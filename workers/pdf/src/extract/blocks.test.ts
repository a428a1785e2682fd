/** Lines → blocks: paragraphs, headings apart, columns apart, lists, hyphenation. */
import { describe, expect, it } from 'vitest';
import { buildBlocks, joinLines, typicalLeading } from './blocks.ts';
import type { TextLine } from './document.ts';

/** A line whose box top is `y`, 0.9 of the size tall. */
const line = (text: string, x: number, y: number, width: number, size = 10): TextLine => ({
  text,
  box: { x, y, width, height: 0.9 * size },
  fontSize: size,
});

/** `count` full lines of a paragraph at 12 pt pitch from `y`. */
const paragraph = (x: number, y: number, count: number, width = 240, size = 10) =>
  Array.from({ length: count }, (_, index) =>
    line(`${x}:${y}:line ${index + 1}`, x, y + index * 1.2 * size, width, size),
  );

const shape = (lines: TextLine[]) => buildBlocks(lines).map((block) => [block.kind, block.lines.length]);

describe('buildBlocks', () => {
  it.each([
    { name: 'a paragraph is one block', lines: paragraph(54, 100, 5), expected: [['text', 5]] },
    {
      name: 'extra space between paragraphs splits them',
      lines: [...paragraph(54, 100, 3), ...paragraph(54, 100 + 3 * 12 + 10, 3)],
      expected: [
        ['text', 3],
        ['text', 3],
      ],
    },
    {
      name: 'double-spaced text is still one paragraph',
      lines: Array.from({ length: 4 }, (_, index) => line(`l${index}`, 54, 100 + index * 24, 240)),
      expected: [['text', 4]],
    },
    {
      name: 'a heading in a larger size stays apart from its paragraph',
      lines: [line('Abstract', 54, 86, 50, 12), ...paragraph(54, 100, 3)],
      expected: [
        ['text', 1],
        ['text', 3],
      ],
    },
    {
      name: 'two columns side by side are two blocks',
      lines: [...paragraph(54, 100, 4), ...paragraph(318, 100, 4)],
      expected: [
        ['text', 4],
        ['text', 4],
      ],
    },
    {
      name: 'a full-width line under one column does not join it',
      lines: [...paragraph(54, 100, 3), line('a full width line across both columns', 54, 136, 504)],
      expected: [
        ['text', 3],
        ['text', 1],
      ],
    },
    {
      name: 'a short last line and an indented first line belong to their paragraph',
      lines: [line('  indented start', 66, 100, 228), line('middle', 54, 112, 240), line('end.', 54, 124, 40)],
      expected: [['text', 3]],
    },
    {
      name: 'bulleted items after an introducing line form a list',
      lines: [
        line('Things we need:', 54, 100, 80),
        line('• first item', 54, 112, 60),
        line('• second item', 54, 124, 70),
        line('continued item text', 64, 136, 90),
        line('After the list.', 54, 160, 70),
      ],
      expected: [
        ['text', 1],
        ['list', 3],
        ['text', 1],
      ],
    },
    {
      name: 'list items separated by extra space are one list',
      lines: [line('1. one', 54, 100, 40), line('2. two', 54, 118, 40), line('3. three', 54, 136, 40)],
      expected: [['list', 3]],
    },
    {
      name: 'a year starting a line inside running text is no list',
      lines: [
        line('first full line of a sentence that goes on in', 54, 100, 240),
        line('2009. We went on.', 54, 112, 90),
      ],
      expected: [['text', 2]],
    },
  ])('$name', ({ lines, expected }) => {
    expect(shape(lines)).toEqual(expected);
  });

  it('gives a block its box, dominant font size and joined text', () => {
    const [block] = buildBlocks([line('one', 54, 100, 30), line('two', 54, 112, 40)]);
    expect(block).toMatchObject({
      kind: 'text',
      text: 'one\ntwo',
      fontSize: 10,
      box: { x: 54, y: 100, width: 40, height: 21 },
    });
  });
});

describe('joinLines', () => {
  it.each([
    { lines: ['one', 'two'], expected: 'one\ntwo' },
    { lines: ['more difficult to com-', 'pile than'], expected: 'more difficult to compile than' },
    { lines: ['a mixed-', 'mode run'], expected: 'a mixedmode run' },
    { lines: ['soft\u00ad', 'hyphen'], expected: 'softhyphen' },
    { lines: ['from 1990-', '2000'], expected: 'from 1990-\n2000' },
    { lines: ['ends with a dash -', 'next'], expected: 'ends with a dash -\nnext' },
    { lines: ['last line com-'], expected: 'last line com-' },
  ])('$expected', ({ lines, expected }) => {
    expect(joinLines(lines)).toBe(expected);
  });
});

describe('typicalLeading', () => {
  it('is the median pitch over font size of lines and the line below them', () => {
    expect(typicalLeading(paragraph(54, 100, 6))).toBeCloseTo(1.2);
  });

  it('is 1.2 without any pair of lines', () => {
    expect(typicalLeading([line('alone', 54, 100, 30)])).toBe(1.2);
  });
});
