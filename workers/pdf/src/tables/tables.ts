/**
 * Table finding for one page: a pure function of the page's text runs and ruling segments.
 *
 * Input: the page size and, in viewport points (origin top-left, y down), its `TextRun`s
 * (extract/text-runs.ts) and its rulings (`rulingsFromOperatorList` in rulings.ts). Output: the page's tables
 * as cell grids (extract/document.ts `Table`), top to bottom: first the ruled ones (ruled-tables.ts),
 * then alignment tables (alignment-tables.ts) among the runs no ruled table holds. Blank runs, runs
 * whose centre is off the page (or not a number) and rulings wholly off the page are ignored. A page
 * with more than `MAX_RULINGS` rulings gets no ruled tables (a drawing, not a table; connecting them
 * is not worth the cost). Nothing here throws on odd input: degenerate geometry finds no table.
 */
import type { Table } from '../extract/document.ts';
import type { TextRun } from '../extract/text-runs.ts';
import { findAlignmentTables } from './alignment-tables.ts';
import { centreX, centreY } from './cell-text.ts';
import { findRuledTables } from './ruled-tables.ts';
import type { Segment } from './segments.ts';

export const MAX_RULINGS = 20_000;

export interface FindTablesInput {
  /** Page width in points. */
  width: number;
  /** Page height in points. */
  height: number;
  runs: readonly TextRun[];
  rulings: readonly Segment[];
}

export function findTables(input: FindTablesInput): Table[] {
  const runs = input.runs.filter((run) => {
    const x = centreX(run);
    const y = centreY(run);
    return (
      run.text.trim() !== '' &&
      run.box.width > 0 &&
      run.box.height > 0 &&
      x >= 0 &&
      x <= input.width &&
      y >= 0 &&
      y <= input.height
    );
  });
  const rulings = input.rulings.filter(
    (segment) => segment.x2 >= 0 && segment.x1 <= input.width && segment.y2 >= 0 && segment.y1 <= input.height,
  );
  const ruled = rulings.length <= MAX_RULINGS ? findRuledTables(rulings, runs) : [];
  const free = runs.filter((run) => !ruled.some((table) => holds(table, run)));
  const tables = [...ruled, ...findAlignmentTables(free, rulings)];
  return tables.sort((a, b) => a.box.y - b.box.y || a.box.x - b.box.x);
}

const holds = (table: Table, run: TextRun): boolean => {
  const x = centreX(run);
  const y = centreY(run);
  return (
    x >= table.box.x && x <= table.box.x + table.box.width && y >= table.box.y && y <= table.box.y + table.box.height
  );
};
