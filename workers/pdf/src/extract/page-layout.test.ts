/** One page's layout from runs: frames for rotated text, tables and figures in the flow. */
import { describe, expect, it } from 'vitest';
import type { Box, Table } from './document.ts';
import { fromFrame, layoutOcrLines, layoutPage, toFrame } from './page-layout.ts';
import type { Rotation, TextRun } from './text-runs.ts';

const run = (text: string, x: number, y: number, width: number, size = 10, rotation?: Rotation): TextRun => ({
  text,
  box: { x, y, width, height: size },
  fontSize: size,
  fontName: 'f1',
  ...(rotation === undefined ? {} : { rotation }),
});
const page = { width: 612, height: 792 };

describe('toFrame / fromFrame', () => {
  const box: Box = { x: 100, y: 200, width: 30, height: 300 };
  it.each([0, 90, 180, 270] as Rotation[])('round-trips a box through the %d° frame', (rotation) => {
    const frame = { rotation, ...page };
    expect(fromFrame(toFrame(box, frame), frame)).toEqual(box);
  });

  it('turns text running down the page into text running across', () => {
    // Lines of top-to-bottom text further left come later.
    const frame = { rotation: 90 as Rotation, ...page };
    const first = toFrame({ x: 300, y: 100, width: 10, height: 200 }, frame);
    const second = toFrame({ x: 288, y: 100, width: 10, height: 200 }, frame);
    expect(first.width).toBe(200);
    expect(second.y).toBeGreaterThan(first.y);
  });
});

describe('layoutPage', () => {
  it('reads sideways text as lines, in its own order, after the (longer) upright text', () => {
    const blocks = layoutPage({
      ...page,
      runs: [
        run('Upright body text, the most of the page', 54, 100, 200),
        // Two lines reading bottom to top, like a spine label: the first one is further left.
        run('first sideways line', 20, 300, 10, 10, 270),
        run('second sideways line', 32, 300, 10, 10, 270),
      ],
    });
    expect(blocks.map((block) => block.text)).toEqual([
      'Upright body text, the most of the page',
      'first sideways line\nsecond sideways line',
    ]);
    // Boxes come back in page coordinates.
    expect(blocks[1]!.box.x).toBeCloseTo(20);
  });

  it('replaces the runs inside a table with one table block', () => {
    const table: Table = {
      box: { x: 50, y: 200, width: 300, height: 40 },
      rows: 2,
      columns: 2,
      source: 'ruling',
      cells: [
        [
          { text: 'Name', box: { x: 50, y: 200, width: 150, height: 20 } },
          { text: 'Age', box: { x: 200, y: 200, width: 150, height: 20 } },
        ],
        [
          { text: 'Ada', box: { x: 50, y: 220, width: 150, height: 20 } },
          { text: '36', box: { x: 200, y: 220, width: 150, height: 20 } },
        ],
      ],
    };
    const blocks = layoutPage({
      ...page,
      runs: [
        run('Before the table.', 54, 150, 100),
        run('Name', 60, 205, 30),
        run('Age', 210, 205, 20),
        run('Ada', 60, 225, 20),
        run('36', 210, 225, 12),
        run('After the table.', 54, 300, 100),
      ],
      tables: [table],
    });
    expect(blocks.map((block) => [block.kind, block.text])).toEqual([
      ['text', 'Before the table.'],
      ['table', 'Name\tAge\nAda\t36'],
      ['text', 'After the table.'],
    ]);
    expect(blocks[1]!.table).toBe(table);
  });

  it('keeps figures of a useful size that no text covers', () => {
    const blocks = layoutPage({
      ...page,
      runs: [run('Text above', 54, 100, 100), run('Text below', 54, 500, 100)],
      figures: [
        { x: 54, y: 150, width: 300, height: 300 },
        // A full-page scan behind the text, and a tiny logo.
        { x: 0, y: 0, width: 612, height: 792 },
        { x: 500, y: 20, width: 10, height: 10 },
      ],
    });
    expect(blocks.map((block) => block.kind)).toEqual(['text', 'figure', 'text']);
  });

  it('gives an empty page no blocks', () => {
    expect(layoutPage({ ...page, runs: [] })).toEqual([]);
  });
});

describe('layoutOcrLines', () => {
  it('lays recognised lines out like text-layer lines', () => {
    const line = (text: string, y: number) => ({ text, box: { x: 54, y, width: 200, height: 12 }, confidence: 0.9 });
    const blocks = layoutOcrLines([line('second line', 114), line('first line', 100), line('   ', 130)]);
    expect(blocks.map((block) => block.text)).toEqual(['first line\nsecond line']);
  });

  it('keeps a paragraph whole although box heights vary, and splits off truly larger print', () => {
    const line = (text: string, y: number, height: number) => ({
      text,
      box: { x: 54, y, width: 300, height },
      confidence: 0.9,
    });
    // Detected heights swing by a quarter with descenders and capitals; the heading is 1.8 × the body.
    const blocks = layoutOcrLines([
      line('A Large Heading', 60, 22),
      line('body with descenders: gypsy', 96, 13),
      line('BODY IN CAPITALS', 111, 10),
      line('body again, plain', 125, 11),
      line('last body line, quite long', 139, 12),
    ]);
    expect(blocks.map((block) => block.text)).toEqual([
      'A Large Heading',
      'body with descenders: gypsy\nBODY IN CAPITALS\nbody again, plain\nlast body line, quite long',
    ]);
    expect(blocks[0]!.fontSize).toBeGreaterThan(1.5 * blocks[1]!.fontSize!);
  });
});
