/**
 * Reading order of a page's blocks, multi-column aware, in a top-to-bottom, left-to-right frame.
 *
 * 1. Bands: blocks are cut into horizontal bands wherever no block spans the y between them.
 * 2. Gutters: in each band, the x-ranges no block covers that are at least `minGutterWidth` wide
 *    and lie between blocks are column gutters.
 * 3. Sections: consecutive bands whose blocks do not cross each other's gutters are one section (a
 *    multi-column stretch of the page); a block crossing a gutter (a full-width title, abstract or
 *    figure caption) starts a new section. Sections are read top to bottom.
 * 4. Inside a section, blocks are dealt to the columns between its gutters by their centre and read
 *    column by column, left to right; each column is ordered the same way again (a two-column
 *    table inside one column of a paper), and a single column is read top to bottom.
 *
 * This reads a two-column paper as pdftotext does: the full-width title and authors first, then
 * the left column top to bottom, then the right one.
 */
import type { Box } from './document.ts';

export interface ReadingOrderOptions {
  /** Narrowest white strip between blocks that separates columns, in points. @defaultValue 8 */
  minGutterWidth: number;
}

export const DEFAULT_READING_ORDER_OPTIONS: ReadingOrderOptions = { minGutterWidth: 8 };

interface Gutter {
  x1: number;
  x2: number;
}

interface Section<T> {
  blocks: T[];
  gutters: Gutter[];
}

const bottom = (box: Box) => box.y + box.height;
const right = (box: Box) => box.x + box.width;
const centreX = (box: Box) => box.x + box.width / 2;

/** Orders the blocks for reading; returns a new array holding the same objects. */
export function orderBlocks<T extends { box: Box }>(
  blocks: readonly T[],
  options: ReadingOrderOptions = DEFAULT_READING_ORDER_OPTIONS,
): T[] {
  if (blocks.length <= 1) return [...blocks];
  const sections: Section<T>[] = [];
  for (const band of toBands(blocks)) {
    const gutters = findGutters(band, options.minGutterWidth);
    const current = sections[sections.length - 1];
    if (current !== undefined) {
      if (current.gutters.length > 0 && !band.some((block) => crossesAny(block.box, current.gutters))) {
        current.blocks.push(...band);
        continue;
      }
      if (current.gutters.length === 0 && !current.blocks.some((block) => crossesAny(block.box, gutters))) {
        current.blocks.push(...band);
        current.gutters = gutters;
        continue;
      }
    }
    sections.push({ blocks: [...band], gutters });
  }
  return sections.flatMap((section) => orderSection(section, options));
}

function orderSection<T extends { box: Box }>(section: Section<T>, options: ReadingOrderOptions): T[] {
  if (section.gutters.length === 0) return topToBottom(section.blocks);
  const columns: T[][] = Array.from({ length: section.gutters.length + 1 }, () => []);
  for (const block of section.blocks) {
    const centre = centreX(block.box);
    let column = 0;
    while (column < section.gutters.length && centre > middle(section.gutters[column]!)) column++;
    columns[column]!.push(block);
  }
  return columns.flatMap((column) =>
    column.length < section.blocks.length ? orderBlocks(column, options) : topToBottom(column),
  );
}

/** Top to bottom; blocks on the same row (overlapping in y) left to right. */
function topToBottom<T extends { box: Box }>(blocks: readonly T[]): T[] {
  const sorted = [...blocks].sort((a, b) => a.box.y - b.box.y || a.box.x - b.box.x);
  const rows: T[][] = [];
  let rowBottom = Number.NEGATIVE_INFINITY;
  for (const block of sorted) {
    const row = rows[rows.length - 1];
    const middle = block.box.y + block.box.height / 2;
    if (row !== undefined && middle < rowBottom) {
      row.push(block);
      rowBottom = Math.max(rowBottom, bottom(block.box));
    } else {
      rows.push([block]);
      rowBottom = bottom(block.box);
    }
  }
  return rows.flatMap((row) => row.sort((a, b) => a.box.x - b.box.x));
}

/** Maximal runs of blocks, top to bottom, that overlap vertically (touching is not overlapping). */
function toBands<T extends { box: Box }>(blocks: readonly T[]): T[][] {
  const sorted = [...blocks].sort((a, b) => a.box.y - b.box.y);
  const bands: T[][] = [];
  let bandBottom = Number.NEGATIVE_INFINITY;
  for (const block of sorted) {
    const band = bands[bands.length - 1];
    if (band !== undefined && block.box.y < bandBottom - 0.5) {
      band.push(block);
      bandBottom = Math.max(bandBottom, bottom(block.box));
    } else {
      bands.push([block]);
      bandBottom = bottom(block.box);
    }
  }
  return bands;
}

/** White x-ranges between the band's blocks, at least `minWidth` wide, left to right. */
export function findGutters(blocks: readonly { box: Box }[], minWidth: number): Gutter[] {
  const spans = blocks.map((block) => ({ x1: block.box.x, x2: right(block.box) })).sort((a, b) => a.x1 - b.x1);
  const gutters: Gutter[] = [];
  let reach = Number.NEGATIVE_INFINITY;
  for (const span of spans) {
    if (reach !== Number.NEGATIVE_INFINITY && span.x1 - reach >= minWidth) gutters.push({ x1: reach, x2: span.x1 });
    reach = Math.max(reach, span.x2);
  }
  return gutters;
}

const middle = (gutter: Gutter) => (gutter.x1 + gutter.x2) / 2;

/** The box spans a gutter's middle with more than a point on each side. */
function crossesAny(box: Box, gutters: readonly Gutter[]): boolean {
  return gutters.some((gutter) => box.x < middle(gutter) - 1 && right(box) > middle(gutter) + 1);
}
