/**
 * What both table finders share: the text of a group of runs in reading order — runs → lines (top to
 * bottom, each left to right) → one string, lines joined with '\n', runs on a line with a space where
 * pdfjs saw one or where a visible gap separates them (none inside a word split by a font change) —
 * and small geometry helpers (`minOf`/`maxOf` loop instead of spreading, so a hostile page with
 * hundreds of thousands of runs cannot overflow the call stack).
 */
import type { Box } from '../extract/document.ts';
import type { TextRun } from '../extract/text-runs.ts';

/** A gap wider than this fraction of the font size between two runs on a line is a space. */
const SPACE_GAP_EM = 0.15;

export function minOf<T>(items: Iterable<T>, value: (item: T) => number): number {
  let min = Number.POSITIVE_INFINITY;
  for (const item of items) min = Math.min(min, value(item));
  return min;
}

export function maxOf<T>(items: Iterable<T>, value: (item: T) => number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (const item of items) max = Math.max(max, value(item));
  return max;
}

/** The box with corners (x0, y0) and (x1, y1). */
export const boxOf = (x0: number, y0: number, x1: number, y1: number): Box => ({
  x: x0,
  y: y0,
  width: x1 - x0,
  height: y1 - y0,
});

export const centreX = (run: TextRun): number => run.box.x + run.box.width / 2;
export const centreY = (run: TextRun): number => run.box.y + run.box.height / 2;

/**
 * Groups runs into lines: a run joins the line whose vertical centre is within half the smaller of
 * the two heights of its own. Lines come out top to bottom, runs in each left to right.
 */
export function groupIntoLines(runs: readonly TextRun[]): TextRun[][] {
  const sorted = [...runs].sort((a, b) => centreY(a) - centreY(b));
  const lines: { runs: TextRun[]; centreSum: number; minHeight: number }[] = [];
  for (const run of sorted) {
    const line = lines[lines.length - 1];
    const y = centreY(run);
    if (
      line !== undefined &&
      Math.abs(y - line.centreSum / line.runs.length) <= Math.min(line.minHeight, run.box.height) / 2
    ) {
      line.runs.push(run);
      line.centreSum += y;
      line.minHeight = Math.min(line.minHeight, run.box.height);
    } else {
      lines.push({ runs: [run], centreSum: y, minHeight: run.box.height });
    }
  }
  return lines.map((line) => line.runs.sort((a, b) => a.box.x - b.box.x));
}

/** One line's runs (left to right) as a string. */
export function lineText(line: readonly TextRun[]): string {
  let text = '';
  let previous: TextRun | undefined;
  for (const run of line) {
    if (previous !== undefined) {
      const gap = run.box.x - (previous.box.x + previous.box.width);
      if (previous.spaceAfter === true || gap > SPACE_GAP_EM * Math.max(previous.fontSize, run.fontSize)) text += ' ';
    }
    text += run.text;
    previous = run;
  }
  return text.trim();
}

/** The runs' text in reading order: lines joined with '\n'. */
export function cellText(runs: readonly TextRun[]): string {
  return groupIntoLines(runs)
    .map(lineText)
    .filter((text) => text !== '')
    .join('\n');
}

export const wordCount = (text: string): number => text.split(/\s+/).filter((word) => word !== '').length;
