/**
 * Alignment tables: text set in columns without drawn borders, found conservatively.
 *
 * Upright runs are first split at the page's layout gutters (two- or three-column pages, see
 * `splitAtLayoutGutters`) and each part is searched on its own; tables found side by side with the
 * same rows are then joined again (a page-wide table whose column gap lines up with the gutter).
 *
 * In a part, runs are grouped into lines; a line's runs separated by more than `CHUNK_GAP_EM` of the
 * font size are separate chunks. Consecutive lines (no more than `MAX_ROW_GAP_EM` apart, similar font
 * sizes) with two or more chunks form a block while every chunk falls into one column of the block —
 * the union of the chunks' extents, columns kept at least a gutter apart — and no chunk bridges two
 * columns. A block is a table when it has at least three rows and three columns (a leading column of
 * list markers not counted), every column has text in at least two rows, its cells share a left
 * edge, right edge or centre, the columns together are at least 60 % filled, it does not read like
 * prose set in columns (no column whose cells have a median of six or more words, at most one with
 * four or more), and no vertical ruling runs through a column (box edges in a figure whose labels
 * line up). So paragraphs (one chunk per line), two-column page layouts (two columns), lists (a
 * marker and a text) and multi-column articles (prose cells) are not tables. Wrapped cells end a
 * block: a continuation line has a single chunk.
 */
import type { Table } from '../extract/document.ts';
import type { TextRun } from '../extract/text-runs.ts';
import { boxOf, cellText, groupIntoLines, maxOf, minOf, wordCount } from './cell-text.ts';
import { isVertical, type Segment } from './segments.ts';

/** A horizontal gap wider than this many font sizes separates chunks (table cells) on a line. */
const CHUNK_GAP_EM = 0.9;
/** Rows of one table are at most this many font sizes apart, bottom to top. */
const MAX_ROW_GAP_EM = 1.5;
/** Lines whose font sizes differ by more than this factor do not share a table. */
const MAX_FONT_RATIO = 1.6;
const MIN_ROWS = 3;
const MIN_COLUMNS = 3;
const MIN_FILLED_FRACTION = 0.6;
/** A column's cells share a left edge, right edge or centre within this many font sizes. */
const ALIGN_TOLERANCE_EM = 0.3;
/** A strip of the page covered by less than this fraction of the most covered one is empty. */
const EMPTY_COVERAGE_FRACTION = 0.05;
const MIN_LAYOUT_GUTTER_PT = 8;
const MIN_LAYOUT_COLUMN_FRACTION = 0.28;
/** Wider text than this (points; PDF pages are at most 14 400 pt wide) is not split into layout columns. */
const MAX_COVERAGE_EXTENT_PT = 20_000;

const LIST_MARKER = /^(?:[•·▪◦‣∙●○■□\-–—*]|\(?\d{1,3}[.)]|\(?[a-zA-Z][.)]|\(?[ivxIVX]{1,4}[.)])$/;

interface Chunk {
  x0: number;
  x1: number;
  runs: TextRun[];
}

interface Line {
  top: number;
  bottom: number;
  fontSize: number;
  chunks: Chunk[];
}

interface Block {
  lines: Line[];
  /** Column extents, left to right. */
  columns: { x0: number; x1: number }[];
  fontSize: number;
}

export function findAlignmentTables(runs: readonly TextRun[], rulings: readonly Segment[]): Table[] {
  const upright = runs.filter((run) => (run.rotation ?? 0) === 0);
  const verticals = rulings.filter(isVertical);
  const tables: Table[] = [];
  for (const found of splitAtLayoutGutters(upright).map((region) => findInRegion(region, verticals))) {
    for (const table of found) {
      const left = tables.findIndex((candidate) => haveSameRows(candidate, table));
      if (left === -1) tables.push(table);
      else tables[left] = joinSideBySide(tables[left]!, table);
    }
  }
  return tables;
}

/**
 * Whether two tables found on either side of a layout gutter are the halves of one page-wide table
 * whose own column gap happens to line up with the gutter: the same number of rows at the same heights.
 */
function haveSameRows(left: Table, right: Table): boolean {
  if (left.rows !== right.rows || left.box.x + left.box.width > right.box.x) return false;
  return left.cells.every((row, r) => {
    const a = row[0]!.box;
    const b = right.cells[r]![0]!.box;
    const tolerance = Math.min(a.height, b.height) / 2;
    return Math.abs(a.y - b.y) <= tolerance && Math.abs(a.y + a.height - (b.y + b.height)) <= tolerance;
  });
}

function joinSideBySide(left: Table, right: Table): Table {
  const x0 = left.box.x;
  const y0 = Math.min(left.box.y, right.box.y);
  const x1 = right.box.x + right.box.width;
  const y1 = Math.max(left.box.y + left.box.height, right.box.y + right.box.height);
  return {
    box: boxOf(x0, y0, x1, y1),
    rows: left.rows,
    columns: left.columns + right.columns,
    cells: left.cells.map((row, r) => [...row, ...right.cells[r]!]),
    source: 'alignment',
  };
}

/**
 * The runs split at the page's layout gutters: vertical strips of (almost) no text, at least
 * `MIN_LAYOUT_GUTTER_PT` wide, between two text columns each at least `MIN_LAYOUT_COLUMN_FRACTION`
 * of the text's width. A table's own gutters sit between narrower columns and do not split it.
 */
function splitAtLayoutGutters(runs: readonly TextRun[]): TextRun[][] {
  if (runs.length === 0) return [];
  const left = Math.floor(minOf(runs, (run) => run.box.x));
  const right = Math.ceil(maxOf(runs, (run) => run.box.x + run.box.width));
  const extent = right - left;
  // Text strewn far beyond any page (a hostile or broken file) is searched as one region.
  if (!(extent > 0 && extent <= MAX_COVERAGE_EXTENT_PT)) return [[...runs]];
  // Per 1 pt strip, the summed height of the runs over it (a difference array, then running sums).
  const coverage = new Float64Array(extent + 1);
  for (const run of runs) {
    coverage[Math.floor(run.box.x) - left]! += run.box.height;
    coverage[Math.ceil(run.box.x + run.box.width) - left]! -= run.box.height;
  }
  for (let x = 1; x <= extent; x++) coverage[x]! += coverage[x - 1]!;
  const emptyBelow = EMPTY_COVERAGE_FRACTION * maxOf(coverage, (value) => value);
  const solids: { from: number; to: number }[] = [];
  for (let x = 0; x < extent; x++) {
    if (coverage[x]! <= emptyBelow) continue;
    const last = solids[solids.length - 1];
    if (last !== undefined && x - last.to < MIN_LAYOUT_GUTTER_PT) last.to = x + 1;
    else solids.push({ from: x, to: x + 1 });
  }
  const minColumn = MIN_LAYOUT_COLUMN_FRACTION * extent;
  const cuts: number[] = [];
  for (let i = 1; i < solids.length; i++) {
    const before = solids[i - 1]!;
    const after = solids[i]!;
    if (before.to - before.from >= minColumn && after.to - after.from >= minColumn)
      cuts.push(left + (before.to + after.from) / 2);
  }
  const regions: TextRun[][] = Array.from({ length: cuts.length + 1 }, () => []);
  for (const run of runs) {
    const x = run.box.x + run.box.width / 2;
    regions[cuts.filter((cut) => cut < x).length]!.push(run);
  }
  return regions.filter((region) => region.length > 0);
}

function findInRegion(runs: readonly TextRun[], verticals: readonly Segment[]): Table[] {
  const lines = groupIntoLines(runs).map(toLine);
  const tables: Table[] = [];
  let block: Block | undefined;
  const finish = () => {
    const table = block === undefined ? undefined : toTable(block, verticals);
    if (table !== undefined) tables.push(table);
    block = undefined;
  };
  for (const line of lines) {
    const columns = block === undefined ? undefined : extendColumns(block, line);
    if (block !== undefined && columns !== undefined) {
      block.lines.push(line);
      block.columns = columns;
      continue;
    }
    finish();
    if (line.chunks.length >= 2) {
      block = { lines: [line], columns: line.chunks.map(({ x0, x1 }) => ({ x0, x1 })), fontSize: line.fontSize };
    }
  }
  finish();
  return tables;
}

function toLine(runs: TextRun[]): Line {
  const sizes = runs.map((run) => run.fontSize).sort((a, b) => a - b);
  const fontSize = sizes[Math.floor(sizes.length / 2)]!;
  const chunks: Chunk[] = [];
  for (const run of runs) {
    const last = chunks[chunks.length - 1];
    if (last !== undefined && run.box.x - last.x1 <= CHUNK_GAP_EM * fontSize) {
      last.x1 = Math.max(last.x1, run.box.x + run.box.width);
      last.runs.push(run);
    } else {
      chunks.push({ x0: run.box.x, x1: run.box.x + run.box.width, runs: [run] });
    }
  }
  return {
    top: minOf(runs, (run) => run.box.y),
    bottom: maxOf(runs, (run) => run.box.y + run.box.height),
    fontSize,
    chunks,
  };
}

/** The block's columns with the line's chunks added, or undefined when the line does not continue the block. */
function extendColumns(block: Block, line: Line): Block['columns'] | undefined {
  const previous = block.lines[block.lines.length - 1]!;
  const gap = line.top - previous.bottom;
  const ratio = line.fontSize / block.fontSize;
  if (
    line.chunks.length < 2 ||
    gap > MAX_ROW_GAP_EM * block.fontSize ||
    ratio > MAX_FONT_RATIO ||
    ratio < 1 / MAX_FONT_RATIO
  ) {
    return undefined;
  }
  const gutter = CHUNK_GAP_EM * block.fontSize;
  const columns = block.columns.map((column) => ({ ...column }));
  for (const chunk of line.chunks) {
    const touched = columns.filter((column) => chunk.x0 < column.x1 + gutter && chunk.x1 > column.x0 - gutter);
    if (touched.length > 1) return undefined;
    const column = touched[0];
    if (column === undefined) {
      columns.push({ x0: chunk.x0, x1: chunk.x1 });
    } else {
      column.x0 = Math.min(column.x0, chunk.x0);
      column.x1 = Math.max(column.x1, chunk.x1);
    }
  }
  columns.sort((a, b) => a.x0 - b.x0);
  for (let i = 1; i < columns.length; i++) if (columns[i]!.x0 - columns[i - 1]!.x1 <= gutter) return undefined;
  return columns;
}

function toTable(block: Block, verticals: readonly Segment[]): Table | undefined {
  const { lines, columns } = block;
  if (lines.length < MIN_ROWS) return undefined;
  const cellRuns: TextRun[][][] = lines.map((line) => {
    const row: TextRun[][] = columns.map(() => []);
    for (const chunk of line.chunks) {
      const index = columns.findIndex((column) => chunk.x0 >= column.x0 - 0.5 && chunk.x1 <= column.x1 + 0.5);
      row[index]?.push(...chunk.runs);
    }
    return row;
  });
  const texts = cellRuns.map((row) => row.map(cellText));
  const isMarkerColumn = texts.every((row) => row[0] === '' || LIST_MARKER.test(row[0]!));
  if (columns.length - (isMarkerColumn ? 1 : 0) < MIN_COLUMNS) return undefined;
  let filled = 0;
  let proseColumns = 0;
  for (let c = 0; c < columns.length; c++) {
    const cellsInColumn = texts.map((row) => row[c]!).filter((text) => text !== '');
    if (cellsInColumn.length < 2) return undefined;
    if (
      !isAligned(
        cellRuns.flatMap((row) => (row[c]!.length > 0 ? [row[c]!] : [])),
        block.fontSize,
      )
    )
      return undefined;
    filled += cellsInColumn.length;
    const words = cellsInColumn.map(wordCount).sort((a, b) => a - b);
    const medianWords = words[Math.floor(words.length / 2)]!;
    if (medianWords >= 6) return undefined;
    if (medianWords >= 4) proseColumns++;
  }
  if (proseColumns > 1 || filled < MIN_FILLED_FRACTION * lines.length * columns.length) return undefined;
  if (isCrossedByVerticals(block, verticals)) return undefined;

  // Rows meet halfway between neighbouring lines; columns halfway across each gutter.
  const ys = [lines[0]!.top];
  for (let i = 1; i < lines.length; i++) ys.push((lines[i - 1]!.bottom + lines[i]!.top) / 2);
  ys.push(lines[lines.length - 1]!.bottom);
  const xs = [columns[0]!.x0];
  for (let i = 1; i < columns.length; i++) xs.push((columns[i - 1]!.x1 + columns[i]!.x0) / 2);
  xs.push(columns[columns.length - 1]!.x1);
  const cells = texts.map((row, r) =>
    row.map((text, c) => ({ text, box: boxOf(xs[c]!, ys[r]!, xs[c + 1]!, ys[r + 1]!) })),
  );
  return {
    box: boxOf(xs[0]!, ys[0]!, xs[columns.length]!, ys[lines.length]!),
    rows: lines.length,
    columns: columns.length,
    cells,
    source: 'alignment',
  };
}

/**
 * Whether all but one (at least three quarters; both of two) of a column's cells share a left edge,
 * a right edge or a centre.
 */
function isAligned(cells: readonly TextRun[][], fontSize: number): boolean {
  const tolerance = ALIGN_TOLERANCE_EM * fontSize;
  const extents = cells.map((runs) => {
    const x0 = minOf(runs, (run) => run.box.x);
    const x1 = maxOf(runs, (run) => run.box.x + run.box.width);
    return { x0, x1, centre: (x0 + x1) / 2 };
  });
  const needed = extents.length <= 2 ? extents.length : Math.min(extents.length - 1, Math.ceil(0.75 * extents.length));
  return (['x0', 'x1', 'centre'] as const).some((edge) => {
    const values = extents.map((extent) => extent[edge]).sort((a, b) => a - b);
    const median = values[Math.floor(values.length / 2)]!;
    return values.filter((value) => Math.abs(value - median) <= tolerance).length >= needed;
  });
}

/**
 * Whether a vertical ruling runs through one of the block's columns (not a gutter) for at least a
 * line's height: the edges of boxes in a figure whose labels happen to line up, not a table.
 */
function isCrossedByVerticals(block: Block, verticals: readonly Segment[]): boolean {
  const top = block.lines[0]!.top;
  const bottom = block.lines[block.lines.length - 1]!.bottom;
  const minOverlap = Math.min(block.fontSize, bottom - top);
  return verticals.some(
    (vertical) =>
      Math.min(vertical.y2, bottom) - Math.max(vertical.y1, top) >= minOverlap &&
      block.columns.some((column) => vertical.x1 > column.x0 + 1 && vertical.x1 < column.x1 - 1),
  );
}
