/**
 * Ruled tables: grids drawn with lines and rectangles, filled with the page's text runs.
 *
 * Rulings that touch (a horizontal and a vertical within `JOIN_TOLERANCE_PT`) form connected groups,
 * once stubs touching fewer than two perpendicular rulings are pruned (pins of a drawn component,
 * tick marks). A group's vertical positions (plus the horizontals' outer ends) are the column
 * boundaries, its horizontal positions (plus the verticals' outer ends) the row boundaries, nearby
 * ones snapped into one, so frames with missing outer lines or pieces drawn cell by cell still give
 * one grid.
 *
 * A run goes to the cell holding its centre. A run that crosses a column boundary is split at the
 * white space nearest that boundary when a vertical ruling really separates the cells at the run's
 * height (pdfjs joined two cells' text); with no ruling there (a cell spanning columns) or no white
 * space near it (text overflowing a clipped cell) it stays whole in the cell where it starts.
 *
 * A row whose text lines each fill exactly the same set of (two or more) columns with short cell texts
 * is split into one row per text line: a body drawn with side borders only, or zebra fills, puts many
 * table rows between two horizontal rules. Rows or columns left empty at the grid's edges are trimmed.
 * A grid smaller than 2 × 2, with fewer than two (or under a fifth of its) cells holding text — a
 * framed paragraph, a chart's grid lines, a page border — or whose interior boundaries are mostly
 * undrawn (unrelated lines that happen to connect, like a drawing's frame and its title block) is not a
 * table.
 */
import type { Table } from '../extract/document.ts';
import type { TextRun } from '../extract/text-runs.ts';
import { boxOf, cellText, centreX, centreY, groupIntoLines, lineText, maxOf, minOf, wordCount } from './cell-text.ts';
import { isHorizontal, mergeCollinear, type Segment } from './segments.ts';

/** Row or column boundaries closer than this are one boundary. */
const SNAP_PT = 3;
/** A horizontal and a vertical ruling this close (beyond their ends) are connected. */
const JOIN_TOLERANCE_PT = 3;
/** Rulings shorter than this, after merging collinear pieces, are ignored. */
const MIN_RULING_PT = 4;
/** Pair checks allowed while connecting rulings; a page needing more is a drawing, not a table. */
const MAX_PAIR_CHECKS = 1_000_000;
/** A row is split into its text lines only when its cell texts are this short (median word count). */
const MAX_SPLIT_CELL_WORDS = 4;
/** A grid's interior boundaries must be drawn along at least this fraction of their length (median). */
const MIN_DRAWN_BOUNDARY_FRACTION = 0.5;
/** A grid needs text in at least this fraction of its cells. */
const MIN_FILLED_FRACTION = 0.2;

export function findRuledTables(rulings: readonly Segment[], runs: readonly TextRun[]): Table[] {
  const segments = mergeCollinear(rulings, { snapPt: 2, minLengthPt: MIN_RULING_PT });
  const groups = connectedGroups(segments);
  const tables: Table[] = [];
  const used = new Set<TextRun>();
  for (const group of groups) {
    const table = tableFromGroup(group, runs, used);
    if (table === undefined) continue;
    tables.push(table.table);
    for (const run of table.runs) used.add(run);
  }
  return tables;
}

interface Group {
  horizontals: Segment[];
  verticals: Segment[];
}

/**
 * Groups of rulings connected through horizontal–vertical contacts, after pruning rulings that touch
 * fewer than two perpendicular ones (stubs: a component's pins, ticks, a rule ending on a frame), so
 * that a grid's boundaries come from lines that close cells. `[]` past `MAX_PAIR_CHECKS`.
 */
function connectedGroups(segments: readonly Segment[]): Group[] {
  const horizontals = segments.filter(isHorizontal);
  const verticals = segments.filter((segment) => !isHorizontal(segment)).sort((a, b) => a.x1 - b.x1);
  const count = horizontals.length + verticals.length;
  const neighbours: number[][] = Array.from({ length: count }, () => []);
  let checks = 0;
  for (const [hIndex, h] of horizontals.entries()) {
    for (let v = lowerBound(verticals, h.x1 - JOIN_TOLERANCE_PT); v < verticals.length; v++) {
      const vertical = verticals[v]!;
      if (vertical.x1 > h.x2 + JOIN_TOLERANCE_PT) break;
      if (++checks > MAX_PAIR_CHECKS) return [];
      if (h.y1 < vertical.y1 - JOIN_TOLERANCE_PT || h.y1 > vertical.y2 + JOIN_TOLERANCE_PT) continue;
      neighbours[hIndex]!.push(horizontals.length + v);
      neighbours[horizontals.length + v]!.push(hIndex);
    }
  }
  const alive = new Array<boolean>(count).fill(true);
  const degree = neighbours.map((list) => list.length);
  const doomed = degree.flatMap((d, index) => (d < 2 ? [index] : []));
  while (doomed.length > 0) {
    const index = doomed.pop()!;
    if (!alive[index]) continue;
    alive[index] = false;
    for (const other of neighbours[index]!) {
      if (alive[other] && --degree[other]! < 2) doomed.push(other);
    }
  }
  const groups: Group[] = [];
  const seen = new Array<boolean>(count).fill(false);
  for (let root = 0; root < count; root++) {
    if (!alive[root] || seen[root]) continue;
    const group: Group = { horizontals: [], verticals: [] };
    const pending = [root];
    seen[root] = true;
    while (pending.length > 0) {
      const index = pending.pop()!;
      if (index < horizontals.length) group.horizontals.push(horizontals[index]!);
      else group.verticals.push(verticals[index - horizontals.length]!);
      for (const other of neighbours[index]!) {
        if (alive[other] && !seen[other]) {
          seen[other] = true;
          pending.push(other);
        }
      }
    }
    groups.push(group);
  }
  return groups;
}

/** First index whose vertical's x is at least `x`. */
function lowerBound(verticals: readonly Segment[], x: number): number {
  let low = 0;
  let high = verticals.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (verticals[middle]!.x1 < x) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Sorted values, those within `SNAP_PT` of a cluster's first value averaged into one. */
function snapBoundaries(values: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const boundaries: number[] = [];
  let cluster: number[] = [];
  for (const value of sorted) {
    if (cluster.length > 0 && value - cluster[0]! > SNAP_PT) {
      boundaries.push(mean(cluster));
      cluster = [];
    }
    cluster.push(value);
  }
  if (cluster.length > 0) boundaries.push(mean(cluster));
  return boundaries;
}

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

/** Index i with boundaries[i] <= value < boundaries[i + 1], clamped to the cells. */
function slotOf(boundaries: readonly number[], value: number): number {
  let slot = 0;
  while (slot < boundaries.length - 2 && value >= boundaries[slot + 1]!) slot++;
  return slot;
}

interface Placed {
  run: TextRun;
  row: number;
  column: number;
}

function tableFromGroup(
  group: Group,
  runs: readonly TextRun[],
  used: ReadonlySet<TextRun>,
): { table: Table; runs: TextRun[] } | undefined {
  const { horizontals, verticals } = group;
  const xs = snapBoundaries([
    ...verticals.map((v) => v.x1),
    minOf(horizontals, (h) => h.x1),
    maxOf(horizontals, (h) => h.x2),
  ]);
  let ys = snapBoundaries([
    ...horizontals.map((h) => h.y1),
    minOf(verticals, (v) => v.y1),
    maxOf(verticals, (v) => v.y2),
  ]);
  if (xs.length < 3 || ys.length < 2) return undefined;
  if (drawnBoundaryFraction(xs, ys, horizontals, verticals) < MIN_DRAWN_BOUNDARY_FRACTION) return undefined;
  const left = xs[0]!;
  const right = xs[xs.length - 1]!;
  const top = ys[0]!;
  const bottom = ys[ys.length - 1]!;
  const inside = runs.filter((run) => {
    if (used.has(run)) return false;
    const x = centreX(run);
    const y = centreY(run);
    return x > left && x < right && y > top && y < bottom;
  });
  if (inside.length === 0) return undefined;

  let placed: Placed[] = [];
  for (const run of inside) {
    for (const piece of splitAcrossRulings(run, xs, verticals)) {
      placed.push({
        run: piece,
        row: slotOf(ys, centreY(piece)),
        column: slotOf(xs, piece.box.x + startSlackPt(piece)),
      });
    }
  }
  ys = splitRowsIntoTextLines(ys, placed);
  placed = placed.map((entry) => ({ ...entry, row: slotOf(ys, centreY(entry.run)) }));
  const grid = trimEmptyEdges(xs, ys, placed);
  const rows = grid.ys.length - 1;
  const columns = grid.xs.length - 1;
  if (rows < 2 || columns < 2) return undefined;

  const cellRuns: TextRun[][][] = Array.from({ length: rows }, () => Array.from({ length: columns }, () => []));
  for (const entry of grid.placed) cellRuns[entry.row]![entry.column]!.push(entry.run);
  const cells = cellRuns.map((row, r) =>
    row.map((runsInCell, c) => ({
      text: cellText(runsInCell),
      box: boxOf(grid.xs[c]!, grid.ys[r]!, grid.xs[c + 1]!, grid.ys[r + 1]!),
    })),
  );
  const filled = cells.flat().filter((cell) => cell.text !== '').length;
  if (filled < 2 || filled < MIN_FILLED_FRACTION * rows * columns) return undefined;
  const box = boxOf(grid.xs[0]!, grid.ys[0]!, grid.xs[columns]!, grid.ys[rows]!);
  return { table: { box, rows, columns, cells, source: 'ruling' }, runs: inside };
}

/**
 * The median, over the grid's interior row and column boundaries, of the fraction of each boundary's
 * length that rulings draw (1 with no interior boundary). In a table most boundaries cross it (cells
 * spanning a few columns interrupt some); where lines of separate tables or of a drawing happen to
 * connect, each boundary crosses only its own small part of the grid.
 */
function drawnBoundaryFraction(
  xs: readonly number[],
  ys: readonly number[],
  horizontals: readonly Segment[],
  verticals: readonly Segment[],
): number {
  const fractions: number[] = [];
  const measure = (lines: readonly Segment[], across: readonly number[], from: number, to: number, isRow: boolean) => {
    for (const at of across.slice(1, -1)) {
      let covered = 0;
      for (const line of lines) {
        if (Math.abs((isRow ? line.y1 : line.x1) - at) > SNAP_PT) continue;
        const start = isRow ? line.x1 : line.y1;
        const end = isRow ? line.x2 : line.y2;
        covered += Math.max(0, Math.min(end, to) - Math.max(start, from));
      }
      fractions.push(covered / (to - from));
    }
  };
  measure(horizontals, ys, xs[0]!, xs[xs.length - 1]!, true);
  measure(verticals, xs, ys[0]!, ys[ys.length - 1]!, false);
  if (fractions.length === 0) return 1;
  fractions.sort((a, b) => a - b);
  return fractions[Math.floor(fractions.length / 2)]!;
}

/** How far into a run its start is read, so a run starting just left of a ruling counts as right of it. */
const startSlackPt = (run: TextRun) => Math.min(SNAP_PT, run.box.width / 2);

/**
 * A run crossing column boundaries, cut at the white space nearest each boundary where a vertical
 * ruling runs at the run's height (see the file header); a run within one column comes back as is.
 */
function splitAcrossRulings(run: TextRun, xs: readonly number[], verticals: readonly Segment[]): TextRun[] {
  const start = run.box.x + startSlackPt(run);
  const end = run.box.x + run.box.width - startSlackPt(run);
  const y = centreY(run);
  const cuts = xs.filter(
    (x) =>
      x > start &&
      x < end &&
      verticals.some(
        (v) => Math.abs(v.x1 - x) <= SNAP_PT && y >= v.y1 - JOIN_TOLERANCE_PT && y <= v.y2 + JOIN_TOLERANCE_PT,
      ),
  );
  if (cuts.length === 0) return [run];
  const { text } = run;
  const charWidth = run.box.width / text.length;
  const window = Math.max(2, Math.ceil(text.length * 0.2));
  const pieces: TextRun[] = [];
  let from = 0;
  for (const cut of cuts) {
    const ideal = Math.round((cut - run.box.x) / charWidth);
    let best: number | undefined;
    for (let i = Math.max(from + 1, ideal - window); i <= Math.min(text.length - 1, ideal + window); i++) {
      if (/\s/.test(text[i]!) && (best === undefined || Math.abs(i - ideal) < Math.abs(best - ideal))) best = i;
    }
    if (best === undefined) continue;
    pieces.push(pieceOf(run, from, best, charWidth));
    from = best + 1;
  }
  pieces.push(pieceOf(run, from, text.length, charWidth));
  return pieces.filter((piece) => piece.text !== '');
}

function pieceOf(run: TextRun, from: number, to: number, charWidth: number): TextRun {
  const raw = run.text.slice(from, to);
  const leading = raw.length - raw.trimStart().length;
  const text = raw.trim();
  return {
    ...run,
    text,
    box: { ...run.box, x: run.box.x + (from + leading) * charWidth, width: text.length * charWidth },
  };
}

/**
 * Row boundaries with extra ones between text lines, in rows whose lines all fill the same two or more
 * columns with short texts (see the file header).
 */
function splitRowsIntoTextLines(ys: readonly number[], placed: readonly Placed[]): number[] {
  const result: number[] = [ys[0]!];
  for (let row = 0; row + 1 < ys.length; row++) {
    const inRow = placed.filter((entry) => entry.row === row);
    const columnOf = new Map(inRow.map((entry) => [entry.run, entry.column]));
    const lines = groupIntoLines(inRow.map((entry) => entry.run));
    if (lines.length >= 2 && isTabularLines(lines, columnOf)) {
      for (let i = 0; i + 1 < lines.length; i++) {
        const above = lines[i]!;
        const below = lines[i + 1]!;
        const aboveBottom = maxOf(above, (run) => run.box.y + run.box.height);
        const belowTop = minOf(below, (run) => run.box.y);
        const lowest = maxOf(above, centreY);
        const highest = minOf(below, centreY);
        result.push(Math.min(Math.max((aboveBottom + belowTop) / 2, lowest), highest));
      }
    }
    result.push(ys[row + 1]!);
  }
  return result;
}

function isTabularLines(lines: readonly TextRun[][], columnOf: ReadonlyMap<TextRun, number>): boolean {
  const signatures = lines.map((line) => [...new Set(line.map((run) => columnOf.get(run)))].sort().join(','));
  const first = signatures[0]!;
  if (first.split(',').length < 2 || signatures.some((signature) => signature !== first)) return false;
  const words: number[] = [];
  for (const line of lines) {
    const byColumn = new Map<number | undefined, TextRun[]>();
    for (const run of line) {
      const column = columnOf.get(run);
      byColumn.set(column, [...(byColumn.get(column) ?? []), run]);
    }
    for (const runsInCell of byColumn.values()) words.push(wordCount(lineText(runsInCell)));
  }
  words.sort((a, b) => a - b);
  return words[Math.floor(words.length / 2)]! <= MAX_SPLIT_CELL_WORDS;
}

/** Drops rows and columns with no text at the grid's outer edges. */
function trimEmptyEdges(
  xs: readonly number[],
  ys: readonly number[],
  placed: readonly Placed[],
): { xs: number[]; ys: number[]; placed: Placed[] } {
  const usedRows = new Set(placed.map((entry) => entry.row));
  const usedColumns = new Set(placed.map((entry) => entry.column));
  const firstRow = minOf(usedRows, (row) => row);
  const lastRow = maxOf(usedRows, (row) => row);
  const firstColumn = minOf(usedColumns, (column) => column);
  const lastColumn = maxOf(usedColumns, (column) => column);
  return {
    xs: xs.slice(firstColumn, lastColumn + 2),
    ys: ys.slice(firstRow, lastRow + 2),
    placed: placed.map((entry) => ({ ...entry, row: entry.row - firstRow, column: entry.column - firstColumn })),
  };
}
