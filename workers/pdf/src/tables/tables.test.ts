/**
 * findTables on synthetic pages: rulings and text runs built by hand (10 pt text, 5 pt per
 * character), no PDF. Ruled grids (whole, drawn in pieces, open frames, spanning headers, side
 * borders only, wrapped and overflowing cells) and alignment tables are found with the right shape
 * and texts; framed paragraphs, stubs, charts, paragraphs, two- and three-column text and lists are not.
 */
import { describe, expect, it } from 'vitest';
import type { Table } from '../extract/document.ts';
import type { TextRun } from '../extract/text-runs.ts';
import type { Segment } from './segments.ts';
import { findTables, MAX_RULINGS } from './tables.ts';

const SIZE = 10;
const CHAR_WIDTH = SIZE / 2;
const PAGE = { width: 600, height: 800 };

function run(text: string, x: number, y: number, size = SIZE): TextRun {
  return { text, box: { x, y, width: text.length * (size / 2), height: size }, fontSize: size, fontName: 'f1' };
}

/** A run whose right edge is at `right`. */
const runEndingAt = (text: string, right: number, y: number) => run(text, right - text.length * CHAR_WIDTH, y);

/** One run per word, with ordinary word spaces, as pdfjs gives justified or kerned text. */
function words(text: string, x: number, y: number): TextRun[] {
  const runs: TextRun[] = [];
  let at = x;
  for (const word of text.split(' ')) {
    runs.push(run(word, at, y));
    at += (word.length + 1) * CHAR_WIDTH;
  }
  return runs;
}

const h = (y: number, x1: number, x2: number): Segment => ({ x1, y1: y, x2, y2: y });
const v = (x: number, y1: number, y2: number): Segment => ({ x1: x, y1, x2: x, y2 });

/** Every row and column line of a full grid. */
const gridLines = (xs: number[], ys: number[]): Segment[] => [
  ...ys.map((y) => h(y, xs[0]!, xs[xs.length - 1]!)),
  ...xs.map((x) => v(x, ys[0]!, ys[ys.length - 1]!)),
];

/** The same grid drawn cell by cell as rectangles (each edge drawn twice, as generators do). */
const cellRectangles = (xs: number[], ys: number[]): Segment[] =>
  ys.slice(0, -1).flatMap((y0, r) =>
    xs.slice(0, -1).flatMap((x0, c) => {
      const x1 = xs[c + 1]!;
      const y1 = ys[r + 1]!;
      return [h(y0, x0, x1), h(y1, x0, x1), v(x0, y0, y1), v(x1, y0, y1)];
    }),
  );

/** Text in the cells of a grid: `texts[row][column]`, left-aligned 3 pt in, vertically centred. */
const cellRuns = (xs: number[], ys: number[], texts: string[][]): TextRun[] =>
  texts.flatMap((row, r) =>
    row.flatMap((text, c) => (text === '' ? [] : [run(text, xs[c]! + 3, (ys[r]! + ys[r + 1]!) / 2 - SIZE / 2)])),
  );

const textsOf = (table: Table) => table.cells.map((row) => row.map((cell) => cell.text));

const XS = [50, 150, 250, 350];
const YS = [100, 120, 140, 160];
const FRUIT = [
  ['Fruit', 'Colour', 'Price'],
  ['Apple', 'red', '1.20'],
  ['Banana', 'yellow', '0.50'],
];

describe('findTables: ruled tables', () => {
  const cases: { name: string; rulings: Segment[]; runs: TextRun[]; expected: string[][] }[] = [
    { name: 'a full grid', rulings: gridLines(XS, YS), runs: cellRuns(XS, YS, FRUIT), expected: FRUIT },
    {
      name: 'a grid drawn cell by cell as rectangles',
      rulings: cellRectangles(XS, YS),
      runs: cellRuns(XS, YS, FRUIT),
      expected: FRUIT,
    },
    {
      name: 'lines broken into pieces with small gaps and a little off-axis jitter',
      rulings: [
        h(100, 50, 200),
        h(100.4, 201, 350),
        h(120, 50, 120),
        h(120.3, 121.5, 350),
        h(140, 50, 350),
        h(160, 50, 350),
        v(50, 100, 130),
        v(50, 131, 160),
        ...XS.slice(1).map((x) => v(x, 100, 160)),
      ],
      runs: cellRuns(XS, YS, FRUIT),
      expected: FRUIT,
    },
    {
      name: 'an open grid with no outer frame',
      rulings: [h(120, 50, 350), h(140, 50, 350), v(150, 100, 160), v(250, 100, 160)],
      runs: cellRuns(XS, YS, FRUIT),
      expected: FRUIT,
    },
    {
      name: 'a header spanning two columns (no vertical line through it)',
      rulings: [...YS.map((y) => h(y, 50, 350)), v(50, 100, 160), v(150, 100, 160), v(250, 120, 160), v(350, 100, 160)],
      runs: [
        run('Item', 53, 105),
        run('Price in euro and cents', 155, 105),
        ...cellRuns(XS, YS, [[], ['Apple', 'red', '1.20'], ['Banana', 'yellow', '0.50']]),
      ],
      expected: [
        ['Item', 'Price in euro and cents', ''],
        ['Apple', 'red', '1.20'],
        ['Banana', 'yellow', '0.50'],
      ],
    },
    {
      name: 'a body with side borders only: one row per text line',
      rulings: [h(100, 50, 350), h(120, 50, 350), h(200, 50, 350), ...XS.map((x) => v(x, 100, 200))],
      runs: [
        ...cellRuns(XS, [100, 120], [FRUIT[0]!]),
        ...['Apple red 1.20', 'Banana yellow 0.50', 'Cherry dark 3.10', 'Damson blue 2.25'].flatMap((line, i) =>
          line.split(' ').map((text, c) => run(text, XS[c]! + 3, 124 + 18 * i)),
        ),
      ],
      expected: [
        ['Fruit', 'Colour', 'Price'],
        ['Apple', 'red', '1.20'],
        ['Banana', 'yellow', '0.50'],
        ['Cherry', 'dark', '3.10'],
        ['Damson', 'blue', '2.25'],
      ],
    },
    {
      name: 'a cell wrapped over two lines stays one cell',
      rulings: gridLines(XS, [100, 120, 150, 170]),
      runs: [
        ...cellRuns(XS, [100, 120], [FRUIT[0]!]),
        run('Apple', 53, 124),
        run('red', 153, 124),
        run('1.20 per', 253, 124),
        run('kilogram', 253, 136),
        ...cellRuns(XS, [150, 170], [FRUIT[2]!]),
      ],
      expected: [FRUIT[0]!, ['Apple', 'red', '1.20 per\nkilogram'], FRUIT[2]!],
    },
    {
      name: 'one run holding two cells is cut at the space on the ruling',
      rulings: gridLines([50, 150, 250], [100, 120, 140]),
      runs: [run('Fruit', 53, 105), run('Colour', 153, 105), run('aaaaaaaaaaaaaaaaaaa bbbb', 55, 125)],
      expected: [
        ['Fruit', 'Colour'],
        ['aaaaaaaaaaaaaaaaaaa', 'bbbb'],
      ],
    },
    {
      name: 'text overflowing a clipped cell stays whole where it starts',
      rulings: gridLines([50, 150, 250], [100, 120, 140]),
      runs: [
        run('1:A', 53, 105),
        run('1:B', 153, 105),
        run('2:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 53, 125),
        run('2:B', 153, 125),
      ],
      expected: [
        ['1:A', '1:B'],
        ['2:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', '2:B'],
      ],
    },
    {
      name: 'empty rows and columns at the edges are trimmed',
      rulings: gridLines([20, ...XS], [80, ...YS, 180]),
      runs: cellRuns(XS, YS, FRUIT),
      expected: FRUIT,
    },
  ];

  it.each(cases)('$name', ({ rulings, runs, expected }) => {
    const tables = findTables({ ...PAGE, runs, rulings });
    expect(tables).toHaveLength(1);
    const [table] = tables as [Table];
    expect(table.source).toBe('ruling');
    expect(table.rows).toBe(expected.length);
    expect(table.columns).toBe(expected[0]!.length);
    expect(textsOf(table)).toEqual(expected);
  });

  it('gives the cells and the table their boxes', () => {
    const [table] = findTables({ ...PAGE, runs: cellRuns(XS, YS, FRUIT), rulings: gridLines(XS, YS) }) as [Table];
    expect(table.box).toEqual({ x: 50, y: 100, width: 300, height: 60 });
    expect(table.cells[1]![2]!.box).toEqual({ x: 250, y: 120, width: 100, height: 20 });
  });

  const notTables: { name: string; rulings: Segment[]; runs: TextRun[] }[] = [
    {
      name: 'a framed paragraph',
      rulings: gridLines([50, 350], [100, 160]),
      runs: [
        ...words('A note set in a box, as documents do', 55, 105),
        ...words('for warnings and asides; it is not', 55, 120),
        ...words('a table even though lines frame it.', 55, 135),
      ],
    },
    {
      name: 'a framed box with a title bar',
      rulings: gridLines([50, 350], [100, 120, 160]),
      runs: [run('Note', 55, 105), ...words('Some text below the title bar.', 55, 130)],
    },
    {
      name: 'a drawn component: a box with pins',
      rulings: [...gridLines([100, 140], [100, 150]), h(110, 140, 160), h(130, 140, 160), v(120, 80, 100)],
      runs: [run('PWR', 102, 102), run('GND', 102, 135), run('+5V', 125, 118), run('1', 122, 85), run('2', 150, 100)],
    },
    {
      name: 'a chart grid with one label',
      rulings: gridLines(
        Array.from({ length: 10 }, (_, i) => 50 + 30 * i),
        Array.from({ length: 10 }, (_, i) => 100 + 30 * i),
      ),
      runs: [run('Sales', 60, 110)],
    },
    {
      name: 'a grid with no text',
      rulings: gridLines(XS, YS),
      runs: [],
    },
  ];

  it.each(notTables)('finds no table in $name', ({ rulings, runs }) => {
    expect(findTables({ ...PAGE, runs, rulings })).toEqual([]);
  });

  it('skips ruled tables on a page with more rulings than it looks at, without failing', () => {
    const hatching = Array.from({ length: MAX_RULINGS + 1 }, (_, i) => h(10 + (i % 700), 10, 20 + (i % 400)));
    const tables = findTables({ ...PAGE, runs: cellRuns(XS, YS, FRUIT), rulings: [...gridLines(XS, YS), ...hatching] });
    // The text still lines up in columns, so only the alignment path can find it.
    expect(tables.map((table) => table.source)).toEqual(['alignment']);
  });

  it('ignores rulings wholly off the page and blank runs', () => {
    const offPage = gridLines([700, 800, 900], [100, 120, 140]);
    const tables = findTables({
      ...PAGE,
      runs: [...cellRuns(XS, YS, FRUIT), run('   ', 60, 125)],
      rulings: [...gridLines(XS, YS), ...offPage],
    });
    expect(tables.map(textsOf)).toEqual([FRUIT]);
  });
});

describe('findTables: alignment tables', () => {
  const ROW_YS = [100, 114, 128, 142];
  const PRICES = [
    ['Fruit', 'Colour', 'Price'],
    ['Apple', 'red', '1.20'],
    ['Banana', 'yellow', '0.50'],
    ['Cherry', 'dark red', '13.10'],
  ];
  /** Left-aligned first two columns, right-aligned numbers ending at x = 300. */
  const alignedRuns = (rowYs: number[], x0 = 50) =>
    PRICES.flatMap((row, r) => [
      run(row[0]!, x0, rowYs[r]!),
      run(row[1]!, x0 + 100, rowYs[r]!),
      runEndingAt(row[2]!, x0 + 250, rowYs[r]!),
    ]);

  it('finds text aligned in three columns over four rows', () => {
    const tables = findTables({ ...PAGE, runs: alignedRuns(ROW_YS), rulings: [] });
    expect(tables).toHaveLength(1);
    const [table] = tables as [Table];
    expect(table.source).toBe('alignment');
    expect([table.rows, table.columns]).toEqual([4, 3]);
    expect(textsOf(table)).toEqual(PRICES);
    expect(table.box.x).toBe(50);
    expect(table.box.x + table.box.width).toBe(300);
  });

  it('finds a table in the left column of a two-column page, leaving the right column out', () => {
    const prose = 'Prose fills the column from edge to edge in many words';
    const rightColumn = Array.from({ length: 12 }, (_, i) => words(prose, 330, 60 + 14 * i)).flat();
    const leftProse = [60, 74, 160, 174, 188, 202].flatMap((y) => words(prose, 25, y));
    const tables = findTables({
      ...PAGE,
      runs: [...leftProse, ...alignedRuns([100, 114, 128, 142], 30), ...rightColumn],
      rulings: [],
    });
    expect(tables.map(textsOf)).toEqual([PRICES]);
  });

  it('joins the halves of a page-wide table whose column gap lines up with the page gutter', () => {
    const prose = 'Prose fills the column from edge to edge in many words';
    const columns = Array.from({ length: 12 }, (_, i) => [
      ...words(prose, 30, 300 + 14 * i),
      ...words(prose, 330, 300 + 14 * i),
    ]).flat();
    const header = ['Loops', 'Trees', 'Traces', 'Aborts', 'Flushes', 'Speedup'];
    const body = [
      ['25', '27', '29', '3', '0', '2.20x'],
      ['5', '8', '8', '2', '0', '2.86x'],
      ['10', '25', '100', '10', '1', '1.18x'],
    ];
    const xs = [30, 100, 170, 340, 410, 480];
    const table = [header, ...body].flatMap((row, r) => row.map((text, c) => run(text, xs[c]!, 100 + 14 * r)));
    const tables = findTables({ ...PAGE, runs: [...table, ...columns], rulings: [] });
    expect(tables.map(textsOf)).toEqual([[header, ...body]]);
  });

  it('does not take box labels in a figure for a table', () => {
    const box = gridLines([160, 260], [95, 150]);
    expect(findTables({ ...PAGE, runs: alignedRuns(ROW_YS), rulings: box })).toEqual([]);
  });

  it('keeps a table with vertical rules in its gutters', () => {
    const separators = [v(115, 95, 155), v(230, 95, 155)];
    const tables = findTables({ ...PAGE, runs: alignedRuns(ROW_YS), rulings: separators });
    expect(tables.map(textsOf)).toEqual([PRICES]);
  });

  it('does not end the table at a ruled table elsewhere on the page', () => {
    const tables = findTables({
      ...PAGE,
      runs: [...cellRuns(XS, [400, 420, 440, 460], FRUIT), ...alignedRuns(ROW_YS)],
      rulings: gridLines(XS, [400, 420, 440, 460]),
    });
    expect(tables.map((table) => table.source)).toEqual(['alignment', 'ruling']);
  });

  const lorem = [
    'Lorem ipsum dolor sit amet, consectetur adipiscing',
    'elit, sed do eiusmod tempor incididunt ut labore et',
    'dolore magna aliqua. Ut enim ad minim veniam, quis',
    'nostrud exercitation ullamco laboris nisi ut aliquip',
    'ex ea commodo consequat. Duis aute irure dolor in',
    'reprehenderit in voluptate velit esse cillum dolore',
  ];

  const notTables: { name: string; runs: TextRun[] }[] = [
    { name: 'a paragraph', runs: lorem.flatMap((line, i) => words(line, 50, 100 + 14 * i)) },
    {
      name: 'two-column text',
      runs: lorem.flatMap((line, i) => [...words(line, 40, 100 + 14 * i), ...words(line, 320, 100 + 14 * i)]),
    },
    {
      name: 'three-column text',
      runs: lorem.flatMap((line, i) => {
        const half = line.slice(0, 30);
        return [...words(half, 20, 100 + 14 * i), ...words(half, 200, 100 + 14 * i), ...words(half, 380, 100 + 14 * i)];
      }),
    },
    {
      name: 'a numbered list with terms and descriptions',
      runs: [
        ['1.', 'Apples', 'grow on trees'],
        ['2.', 'Melons', 'grow on vines'],
        ['3.', 'Carrots', 'grow underground'],
        ['4.', 'Rice', 'grows in paddies'],
      ].flatMap(([marker, term, description], i) => [
        run(marker!, 50, 100 + 14 * i),
        run(term!, 70, 100 + 14 * i),
        run(description!, 150, 100 + 14 * i),
      ]),
    },
    {
      name: 'a bulleted list',
      runs: lorem.flatMap((line, i) => [run('•', 50, 100 + 14 * i), ...words(line, 65, 100 + 14 * i)]),
    },
    {
      name: 'two aligned rows only',
      runs: PRICES.slice(0, 2).flatMap((row, r) => row.map((text, c) => run(text, 50 + 100 * c, 100 + 14 * r))),
    },
    {
      name: 'columns whose cells do not line up',
      // Each row shifted on its own: neither the starts, the ends nor the centres of a column line up.
      runs: PRICES.flatMap((row, r) =>
        row.map((text, c) => run(text, 50 + 100 * c + [0, 12, 24, 6][r]!, 100 + 14 * r)),
      ),
    },
    {
      name: 'rows far apart (separate lines of a layout, not a table)',
      runs: PRICES.flatMap((row, r) => row.map((text, c) => run(text, 50 + 100 * c, 100 + 60 * r))),
    },
  ];

  it.each(notTables)('finds no table in $name', ({ runs }) => {
    expect(findTables({ ...PAGE, runs, rulings: [] })).toEqual([]);
  });

  it('returns nothing for an empty page', () => {
    expect(findTables({ ...PAGE, runs: [], rulings: [] })).toEqual([]);
  });
});
