/**
 * Text runs → lines: runs sharing a baseline, left to right, joined with the spaces between them.
 *
 * Pure geometry on runs already in a left-to-right, top-to-bottom frame (rotated runs are turned
 * into this frame by the page layout first). A run joins a line when its vertical extent overlaps
 * the line's main run by at least half of the smaller height (so super- and subscripts stay on
 * their line, the next line down does not) and it starts at most `maxGapEm` font sizes to the right
 * of the line's end, or `eolGapEm` after a run pdfjs marked as ending its line (the content stream
 * went on elsewhere: a column's line stopping just short of the next column). A wider gap ends the
 * line there: what is on the far side of a column gutter or between table cells becomes its own
 * line, so blocks and columns can be found from lines. A list marker (`•`, `1.`, `(iv)`) alone at
 * a line's start may be followed by a wider gap.
 *
 * Runs whose baselines turn apart (`tiltDeg`, by more than 3°) are never on one line: a tilted
 * stamp or label overlapping level text stays apart from it.
 *
 * A space goes between two runs when the gap is wider than `spaceGapEm` of the font size, or
 * `markedSpaceGapEm` where pdfjs saw one (`spaceAfter`; pdfjs also guesses spaces between glyphs
 * that touch); runs that touch (single glyphs, kerned pieces) are glued, so words are not split. A
 * space between two CJK characters is dropped. Text drawn twice at the same place (fake bold) is
 * kept once (overprint.ts, and a repeated run on a line).
 */
import type { Box, TextLine } from './document.ts';
import { isListMarker } from './list-markers.ts';
import { removeOverprint } from './overprint.ts';
import type { TextRun } from './text-runs.ts';

export interface LineOptions {
  /** A gap wider than this many font sizes ends the line. @defaultValue 1.5 */
  maxGapEm: number;
  /** After a run pdfjs marked as ending its line, this gap already does. @defaultValue 0.5 */
  eolGapEm: number;
  /** A gap wider than this many font sizes is a space. @defaultValue 0.15 */
  spaceGapEm: number;
  /** Where pdfjs saw a space after a run, a gap wider than this is one. @defaultValue 0.08 */
  markedSpaceGapEm: number;
}

export const DEFAULT_LINE_OPTIONS: LineOptions = {
  maxGapEm: 1.5,
  eolGapEm: 0.5,
  spaceGapEm: 0.15,
  markedSpaceGapEm: 0.08,
};

/** A single space between two CJK characters: Chinese and Japanese do not space words. */
const CJK = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}';
const CJK_SPACE = new RegExp(`(?<=[${CJK}]) (?=[${CJK}])`, 'gu');

/** How far after a lone list marker the item's text may start, in font sizes. */
const MARKER_GAP_EM = 5;
/** Runs overlapping this much of the smaller height are on the same line. */
const MIN_VERTICAL_OVERLAP = 0.5;
/** Runs overlapping by more than this many font sizes are separate words. */
const OVERLAP_SPACE_EM = 0.3;
/** Two runs with the same text overlapping this much of their width are one drawn twice. */
const DUPLICATE_OVERLAP = 0.7;
/** A run whose baseline turns more than this from the line's (in degrees) is not on that line. */
const MAX_TILT_DIFFERENCE_DEG = 3;

interface OpenLine {
  runs: TextRun[];
  /** The run with the largest font: the line's reference height. */
  main: TextRun;
  /** The run reaching furthest right. */
  last: TextRun;
  right: number;
}

const bottom = (box: Box) => box.y + box.height;
const right = (box: Box) => box.x + box.width;

function verticalOverlap(a: Box, b: Box): number {
  const overlap = Math.min(bottom(a), bottom(b)) - Math.max(a.y, b.y);
  const smaller = Math.min(a.height, b.height);
  return smaller > 0 ? overlap / smaller : 0;
}

function isDuplicate(run: TextRun, other: TextRun): boolean {
  if (run.text !== other.text) return false;
  const overlap = Math.min(right(run.box), right(other.box)) - Math.max(run.box.x, other.box.x);
  return (
    overlap >= DUPLICATE_OVERLAP * Math.max(run.box.width, other.box.width, 1e-6) &&
    verticalOverlap(run.box, other.box) >= DUPLICATE_OVERLAP
  );
}

/** Groups runs into lines, each left to right; lines come sorted top to bottom, then left to right. */
export function buildLines(runs: readonly TextRun[], options: LineOptions = DEFAULT_LINE_OPTIONS): TextLine[] {
  const sorted = removeOverprint(runs).sort((a, b) => a.box.x - b.box.x || a.box.y - b.box.y);
  const open: OpenLine[] = [];
  const done: OpenLine[] = [];
  let largestFontSize = 0;
  for (const run of sorted) {
    largestFontSize = Math.max(largestFontSize, run.fontSize);
    // Runs come left to right: a line ending far to the left of this run can take no more.
    for (let index = open.length - 1; index >= 0; index--) {
      const line = open[index]!;
      if (run.box.x - line.right > MARKER_GAP_EM * largestFontSize) {
        done.push(line);
        open.splice(index, 1);
      }
    }
    let best: { line: OpenLine; overlap: number; gap: number } | undefined;
    let isDuplicateRun = false;
    for (const line of open) {
      const overlap = verticalOverlap(run.box, line.main.box);
      if (overlap < MIN_VERTICAL_OVERLAP) continue;
      if (Math.abs((run.tiltDeg ?? 0) - (line.main.tiltDeg ?? 0)) > MAX_TILT_DIFFERENCE_DEG) continue;
      if (line.runs.slice(-4).some((other) => isDuplicate(run, other))) {
        isDuplicateRun = true;
        break;
      }
      const gap = run.box.x - line.right;
      const fontSize = Math.max(run.fontSize, line.main.fontSize);
      const maxGapEm = isLoneMarker(line) ? MARKER_GAP_EM : line.last.eol ? options.eolGapEm : options.maxGapEm;
      const maxGap = maxGapEm * fontSize;
      // Glyphs overlapping the line's end a little (kerning, odd widths) still belong to it; a
      // run starting well inside the line's last run is something else drawn over it (a label on
      // a big letter, two digits printed on one spot).
      const overlapLimit = Math.max(
        0.5 * Math.min(run.box.width, line.last.box.width),
        OVERLAP_SPACE_EM * Math.min(run.fontSize, line.last.fontSize),
      );
      if (gap > maxGap || gap < -overlapLimit) continue;
      if (best === undefined || overlap > best.overlap + 0.1 || (overlap > best.overlap - 0.1 && gap < best.gap)) {
        best = { line, overlap, gap };
      }
    }
    if (isDuplicateRun) continue;
    if (best === undefined) {
      open.push({ runs: [run], main: run, last: run, right: right(run.box) });
      continue;
    }
    const line = best.line;
    line.runs.push(run);
    if (right(run.box) > line.right) {
      line.right = right(run.box);
      line.last = run;
    }
    if (run.fontSize > line.main.fontSize) line.main = run;
  }
  done.push(...open);
  return done.map((line) => toTextLine(line.runs, options)).sort((a, b) => a.box.y - b.box.y || a.box.x - b.box.x);
}

/** The line so far is only a list marker that pdfjs did not see end its line (a hyphen at a line's end is no bullet). */
function isLoneMarker(line: OpenLine): boolean {
  return line.runs.length === 1 && line.last.eol !== true && isListMarker(line.last.text);
}

/** Joins a line's runs (any order) left to right. */
export function toTextLine(runs: readonly TextRun[], options: LineOptions = DEFAULT_LINE_OPTIONS): TextLine {
  const ordered = [...runs].sort((a, b) => a.box.x - b.box.x);
  let text = '';
  let previous: TextRun | undefined;
  for (const run of ordered) {
    if (previous !== undefined) {
      const gap = run.box.x - right(previous.box);
      const fontSize = Math.min(previous.fontSize, run.fontSize);
      // pdfjs's own space guess between two items is kept only where there is some room for it.
      const hasSpace =
        (previous.spaceAfter === true
          ? gap > options.markedSpaceGapEm * fontSize
          : gap > options.spaceGapEm * fontSize) ||
        // Two items overlapping by more than kerning does are two words set too tight.
        gap < -OVERLAP_SPACE_EM * fontSize;
      if (hasSpace) text += ' ';
    }
    text += run.text;
    previous = run;
  }
  text = text.replace(CJK_SPACE, '');
  return { text, box: unionBox(ordered.map((run) => run.box)), fontSize: dominantFontSize(ordered) };
}

/** The font size carrying the most characters (ties: the larger size). */
export function dominantFontSize(items: readonly { text: string; fontSize: number }[]): number {
  const weights = new Map<number, number>();
  for (const item of items) {
    const size = Math.round(item.fontSize * 10) / 10;
    weights.set(size, (weights.get(size) ?? 0) + item.text.length);
  }
  let best = 0;
  let bestWeight = -1;
  for (const [size, weight] of weights) {
    if (weight > bestWeight || (weight === bestWeight && size > best)) {
      best = size;
      bestWeight = weight;
    }
  }
  return best;
}

export function unionBox(boxes: readonly Box[]): Box {
  if (boxes.length === 0) return { x: 0, y: 0, width: 0, height: 0 };
  let x1 = Number.POSITIVE_INFINITY;
  let y1 = Number.POSITIVE_INFINITY;
  let x2 = Number.NEGATIVE_INFINITY;
  let y2 = Number.NEGATIVE_INFINITY;
  for (const box of boxes) {
    x1 = Math.min(x1, box.x);
    y1 = Math.min(y1, box.y);
    x2 = Math.max(x2, right(box));
    y2 = Math.max(y2, bottom(box));
  }
  return { x: x1, y: y1, width: x2 - x1, height: y2 - y1 };
}
