/**
 * Lines → blocks: paragraphs and list runs, still in reading-frame coordinates and not yet ordered.
 *
 * Lines are taken top to bottom. A line continues the block whose last line is just above it when
 *   - the line pitch fits: within 1.3× the block's own pitch, or for a one-line block within 1.3×
 *     the page's typical leading (so double-spaced text still forms paragraphs);
 *   - the font size is the block's (±15 %): a heading does not run into its paragraph;
 *   - it lies under the block: it overlaps the block's width by half of the narrower and sticks out
 *     on either side by at most max(3 em, a quarter of the block's width), so a full-width line does
 *     not join one column's paragraph;
 *   - list structure agrees: a line starting with a marker starts a list unless it merely continues
 *     a full line of running text that ended no sentence ("… in\n2009. We …"); inside a list, a
 *     line at the markers' indent starts the next item and an indented one continues the item;
 *     anything else ends the list.
 * Lists split by extra space between items are merged back when they line up.
 *
 * A block's text is its lines joined with '\n', except that a word hyphenated at a line's end is
 * rejoined without its hyphen, as pdftotext does.
 */
import type { Box, TextLine } from './document.ts';
import { dominantFontSize, unionBox } from './lines.ts';
import { startsWithListMarker } from './list-markers.ts';

export interface RawBlock {
  kind: 'text' | 'list';
  text: string;
  box: Box;
  lines: TextLine[];
  fontSize: number;
}

const PITCH_TOLERANCE = 1.3;
const FONT_SIZE_TOLERANCE = 0.15;
const DEFAULT_LEADING = 1.2;

const bottom = (box: Box) => box.y + box.height;
const right = (box: Box) => box.x + box.width;
const horizontalOverlap = (a: Box, b: Box) => Math.min(right(a), right(b)) - Math.max(a.x, b.x);

interface OpenBlock {
  lines: TextLine[];
  box: Box;
  fontSize: number;
  isList: boolean;
  /** Left edge of the list's markers. */
  markerX: number;
  pitches: number[];
  /** Median of `pitches`. */
  pitch: number | undefined;
}

/**
 * The page's typical line pitch as a multiple of the font size: the median, over lines, of the
 * distance to the nearest line below that overlaps it and has its font size.
 */
export function typicalLeading(lines: readonly TextLine[]): number {
  const ratios: number[] = [];
  const sorted = [...lines].sort((a, b) => a.box.y - b.box.y);
  for (let index = 0; index < sorted.length; index++) {
    const line = sorted[index]!;
    for (let next = index + 1; next < sorted.length; next++) {
      const below = sorted[next]!;
      const pitch = below.box.y - line.box.y;
      if (pitch > 3 * line.fontSize) break;
      if (pitch < 0.5 * line.fontSize) continue;
      if (horizontalOverlap(line.box, below.box) <= 0) continue;
      if (Math.abs(below.fontSize - line.fontSize) > FONT_SIZE_TOLERANCE * line.fontSize) continue;
      ratios.push(pitch / line.fontSize);
      break;
    }
  }
  if (ratios.length === 0) return DEFAULT_LEADING;
  ratios.sort((a, b) => a - b);
  return ratios[Math.floor(ratios.length / 2)]!;
}

/** Groups lines into blocks (in the order their first lines appear top to bottom). */
export function buildBlocks(lines: readonly TextLine[]): RawBlock[] {
  const sorted = [...lines].sort((a, b) => a.box.y - b.box.y || a.box.x - b.box.x);
  const leading = typicalLeading(sorted);
  const blocks: OpenBlock[] = [];
  // Blocks whose last line is too far above to take more lines: lines come top to bottom.
  let active: OpenBlock[] = [];
  for (const line of sorted) {
    active = active.filter((block) => {
      const last = block.lines[block.lines.length - 1]!;
      return (
        line.box.y - last.box.y <=
        2 * PITCH_TOLERANCE * leading * Math.max(last.fontSize, line.fontSize, block.pitch ?? 0)
      );
    });
    let best: { block: OpenBlock; pitch: number } | undefined;
    for (const block of active) {
      const pitch = acceptsPitch(block, line, leading);
      if (pitch === undefined || !acceptsLine(block, line)) continue;
      if (best === undefined || pitch < best.pitch) best = { block, pitch };
    }
    if (best === undefined) {
      const block = openBlock(line);
      blocks.push(block);
      active.push(block);
      continue;
    }
    const block = best.block;
    block.pitches.push(best.pitch);
    block.pitch = median(block.pitches);
    block.lines.push(line);
    block.box = unionBox([block.box, line.box]);
    block.fontSize = dominantFontSize(block.lines.map((each) => ({ text: each.text, fontSize: each.fontSize })));
  }
  return mergeLists(blocks).map(toRawBlock);
}

function openBlock(line: TextLine): OpenBlock {
  return {
    lines: [line],
    box: { ...line.box },
    fontSize: line.fontSize,
    isList: startsWithListMarker(line.text),
    markerX: line.box.x,
    pitches: [],
    pitch: undefined,
  };
}

/** The pitch from the block's last line to this line when it is close enough below, else undefined. */
function acceptsPitch(block: OpenBlock, line: TextLine, leading: number): number | undefined {
  const last = block.lines[block.lines.length - 1]!;
  const pitch = line.box.y - last.box.y;
  // The next line down, not one on the same row.
  if (pitch < 0.5 * Math.min(last.box.height, line.box.height)) return undefined;
  const maxPitch =
    block.pitch === undefined
      ? PITCH_TOLERANCE * leading * Math.max(last.fontSize, line.fontSize)
      : PITCH_TOLERANCE * block.pitch + 0.5;
  return pitch <= maxPitch ? pitch : undefined;
}

function acceptsLine(block: OpenBlock, line: TextLine): boolean {
  if (Math.abs(line.fontSize - block.fontSize) > FONT_SIZE_TOLERANCE * Math.max(line.fontSize, block.fontSize))
    return false;
  const overlap = horizontalOverlap(block.box, line.box);
  if (overlap < 0.5 * Math.min(block.box.width, line.box.width)) return false;
  const maxOverhang = Math.max(3 * block.fontSize, 0.25 * block.box.width);
  if (block.box.x - line.box.x > maxOverhang || right(line.box) - right(block.box) > maxOverhang) return false;
  const em = block.fontSize;
  if (block.isList) {
    if (startsWithListMarker(line.text)) return Math.abs(line.box.x - block.markerX) <= em;
    return line.box.x > block.markerX + 0.5 * em;
  }
  if (!startsWithListMarker(line.text)) return true;
  // A marker-like start right after a full line of running text that did not end a sentence or
  // announce a list is the sentence going on ("… in\n2009. We …").
  const last = block.lines[block.lines.length - 1]!;
  return (
    block.lines.length >= 2 &&
    right(last.box) >= right(block.box) - 2 * em &&
    !/[.:;!?]$/.test(last.text) &&
    !startsWithListMarker(last.text)
  );
}

/** Joins list blocks that continue each other across extra space between items. */
function mergeLists(blocks: OpenBlock[]): OpenBlock[] {
  const merged: OpenBlock[] = [];
  for (const block of blocks) {
    const previous = block.isList
      ? merged.findLast(
          (other) =>
            other.isList &&
            Math.abs(other.markerX - block.markerX) <= other.fontSize &&
            Math.abs(other.fontSize - block.fontSize) <= FONT_SIZE_TOLERANCE * other.fontSize &&
            block.box.y >= bottom(other.box) &&
            block.box.y - bottom(other.box) <= 1.5 * other.fontSize,
        )
      : undefined;
    // Only when nothing else sits between them.
    if (
      previous === undefined ||
      merged.some(
        (other) =>
          other !== previous &&
          other.box.y >= bottom(previous.box) - 0.5 &&
          other.box.y < block.box.y &&
          horizontalOverlap(other.box, block.box) > 0,
      )
    ) {
      merged.push(block);
      continue;
    }
    previous.lines.push(...block.lines);
    previous.box = unionBox([previous.box, block.box]);
  }
  return merged;
}

function toRawBlock(block: OpenBlock): RawBlock {
  return {
    kind: block.isList ? 'list' : 'text',
    text: joinLines(block.lines.map((line) => line.text)),
    box: block.box,
    lines: block.lines,
    fontSize: block.fontSize,
  };
}

const HYPHENATED = /\p{L}[-\u00ad\u2010]$/u;

/** Lines joined with '\n'; a line ending in a hyphen after a letter runs on into the next one without it. */
export function joinLines(lines: readonly string[]): string {
  let text = '';
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const next = lines[index + 1];
    if (next !== undefined && HYPHENATED.test(line) && /^\p{L}/u.test(next)) {
      text += line.slice(0, -1);
      continue;
    }
    text += next === undefined ? line : `${line}\n`;
  }
  return text;
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
