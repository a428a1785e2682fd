/**
 * One page's layout: its text runs (plus found tables and image boxes) → blocks in reading order,
 * each of kind `text`, `list`, `table` or `figure` (headings, title, header and footer need the
 * whole document and are assigned afterwards by roles.ts). Pure: no pdfjs, no I/O.
 *
 * Runs are grouped by writing direction; each group is turned into its own reading frame (its text
 * running left to right, lines top to bottom), laid out there (lines.ts → blocks.ts →
 * reading-order.ts) and turned back, so a rotated page or a sideways label reads like upright
 * text. The group with the most characters comes first and gets the tables and figures; other
 * directions follow. Runs whose centre lies in a table are replaced by one `table` block.
 * Images become `figure` blocks when they are a meaningful size (at least 2 % of the page, less
 * than 90 %) and not under the text (a scanned page's image behind its text layer is no figure).
 */
import { buildBlocks, type RawBlock } from './blocks.ts';
import type { Block, Box, OcrLine, Table, TextLine } from './document.ts';
import { buildLines } from './lines.ts';
import { orderBlocks } from './reading-order.ts';
import type { Rotation, TextRun } from './text-runs.ts';

export interface PageLayoutInput {
  /** Page size as displayed, in points. */
  width: number;
  height: number;
  runs: readonly TextRun[];
  tables?: readonly Table[];
  /** Boxes of images painted on the page. */
  figures?: readonly Box[];
}

const MIN_FIGURE_AREA = 0.02;
const MAX_FIGURE_AREA = 0.9;
/** Share of a figure's area that text may cover before the image counts as a background. */
const MAX_TEXT_OVER_FIGURE = 0.1;

/** The page's blocks in reading order. */
export function layoutPage(input: PageLayoutInput): Block[] {
  const tables = input.tables ?? [];
  const tableRuns: TextRun[][] = tables.map(() => []);
  const freeRuns: TextRun[] = [];
  for (const run of input.runs) {
    const table = tables.findIndex((each) => containsCentre(each.box, run.box));
    if (table === -1) freeRuns.push(run);
    else tableRuns[table]!.push(run);
  }
  const groups = groupByRotation(freeRuns);
  const rotations = [...groups.keys()].sort((a, b) => characters(groups.get(b)!) - characters(groups.get(a)!));
  const main = rotations[0] ?? 0;
  const blocks: Block[] = [];
  for (const rotation of rotations.length > 0 ? rotations : [main]) {
    const frame = { rotation, width: input.width, height: input.height };
    const runs = (groups.get(rotation) ?? []).map((run) => ({ ...run, box: toFrame(run.box, frame) }));
    const textBlocks: Block[] = buildBlocks(buildLines(runs)).map(toBlock);
    const extras: Block[] = [];
    if (rotation === main) {
      tables.forEach((table, index) => {
        extras.push(tableBlock(table, tableRuns[index]!, frame));
      });
      for (const box of usefulFigures(input.figures ?? [], input, textBlocks, frame)) {
        extras.push({ kind: 'figure', text: '', box: toFrame(box, frame), lines: [] });
      }
    }
    for (const block of orderBlocks([...textBlocks, ...extras])) blocks.push(roundBlock(blockFromFrame(block, frame)));
  }
  return blocks;
}

/** Hundredths of a point are plenty, and keep the JSON short. */
const roundBox = (box: Box): Box => ({
  x: Math.round(box.x * 100) / 100,
  y: Math.round(box.y * 100) / 100,
  width: Math.round(box.width * 100) / 100,
  height: Math.round(box.height * 100) / 100,
});

function roundBlock(block: Block): Block {
  return {
    ...block,
    box: roundBox(block.box),
    lines: block.lines.map((line) => ({ ...line, box: roundBox(line.box) })),
  };
}

/** OCR lines (page points) → blocks in reading order, laid out like text-layer lines. */
/**
 * How far (as a share of the page's median) an OCR line's box height may stray and still count as
 * body text: a detected box is taller when the line has descenders or capitals, by up to a third.
 */
const OCR_SIZE_TOLERANCE = 0.35;

export function layoutOcrLines(lines: readonly OcrLine[]): Block[] {
  const kept = lines.filter((line) => line.text.trim() !== '');
  const heights = kept.map((line) => line.box.height).sort((a, b) => a - b);
  const median = heights[Math.floor(heights.length / 2)] ?? 0;
  const textLines: TextLine[] = kept.map((line) => {
    // Box heights are noisy; lines near the median are one body size, so that size changes split
    // blocks and mark headings only where the print really is larger.
    const height = Math.abs(line.box.height - median) <= OCR_SIZE_TOLERANCE * median ? median : line.box.height;
    // A recognised line's box holds ascenders and descenders: about 1.2 font sizes.
    return { text: line.text.trim(), box: line.box, fontSize: Math.max(1, height / 1.2) };
  });
  return orderBlocks(buildBlocks(textLines).map(toBlock)).map(roundBlock);
}

function toBlock(block: RawBlock): Block {
  return { kind: block.kind, text: block.text, box: block.box, lines: block.lines, fontSize: block.fontSize };
}

function tableBlock(table: Table, runs: readonly TextRun[], frame: Frame): Block {
  const lines = buildLines(runs.map((run) => ({ ...run, rotation: 0 }))).map((line) => ({
    ...line,
    box: toFrame(line.box, frame),
  }));
  return {
    kind: 'table',
    text: table.cells.map((row) => row.map((cell) => cell.text).join('\t')).join('\n'),
    box: toFrame(table.box, frame),
    lines,
    table,
  };
}

function usefulFigures(figures: readonly Box[], page: PageLayoutInput, text: readonly Block[], frame: Frame): Box[] {
  const pageArea = page.width * page.height;
  const textBoxes = text.map((block) => blockFromFrame(block, frame).box);
  return figures.filter((figure) => {
    const area = figure.width * figure.height;
    if (!(area >= MIN_FIGURE_AREA * pageArea && area <= MAX_FIGURE_AREA * pageArea)) return false;
    const covered = textBoxes.reduce((sum, box) => sum + intersectionArea(box, figure), 0);
    return covered <= MAX_TEXT_OVER_FIGURE * area;
  });
}

function groupByRotation(runs: readonly TextRun[]): Map<Rotation, TextRun[]> {
  const groups = new Map<Rotation, TextRun[]>();
  for (const run of runs) {
    const rotation = run.rotation ?? 0;
    const group = groups.get(rotation);
    if (group === undefined) groups.set(rotation, [run]);
    else group.push(run);
  }
  return groups;
}

const characters = (runs: readonly TextRun[]) => runs.reduce((sum, run) => sum + run.text.length, 0);

function containsCentre(outer: Box, inner: Box): boolean {
  const x = inner.x + inner.width / 2;
  const y = inner.y + inner.height / 2;
  return x >= outer.x - 1 && x <= outer.x + outer.width + 1 && y >= outer.y - 1 && y <= outer.y + outer.height + 1;
}

function intersectionArea(a: Box, b: Box): number {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return width > 0 && height > 0 ? width * height : 0;
}

interface Frame {
  rotation: Rotation;
  /** The displayed page's size. */
  width: number;
  height: number;
}

/** Page box → the box in the frame where text of this rotation runs left to right. */
export function toFrame(box: Box, frame: Frame): Box {
  const { x, y, width: w, height: h } = box;
  switch (frame.rotation) {
    case 0:
      return { ...box };
    case 90:
      return { x: y, y: frame.width - (x + w), width: h, height: w };
    case 180:
      return { x: frame.width - (x + w), y: frame.height - (y + h), width: w, height: h };
    case 270:
      return { x: frame.height - (y + h), y: x, width: h, height: w };
  }
}

/** The inverse of {@link toFrame}. */
export function fromFrame(box: Box, frame: Frame): Box {
  const { x, y, width: w, height: h } = box;
  switch (frame.rotation) {
    case 0:
      return { ...box };
    case 90:
      return { x: frame.width - (y + h), y: x, width: h, height: w };
    case 180:
      return { x: frame.width - (x + w), y: frame.height - (y + h), width: w, height: h };
    case 270:
      return { x: y, y: frame.height - (x + w), width: h, height: w };
  }
}

function blockFromFrame(block: Block, frame: Frame): Block {
  if (frame.rotation === 0) return block;
  return {
    ...block,
    box: fromFrame(block.box, frame),
    lines: block.lines.map((line) => ({ ...line, box: fromFrame(line.box, frame) })),
  };
}
