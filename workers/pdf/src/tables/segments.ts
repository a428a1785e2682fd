/**
 * Ruling segments: the horizontal and vertical lines a page draws, as table finding sees them.
 *
 * A `Segment` is in viewport points (origin top-left, y down; see extract/document.ts), normalised so
 * that x1 <= x2 and y1 <= y2, and is exactly horizontal (y1 === y2) or exactly vertical (x1 === x2).
 * `toSegment` turns two points into one (or nothing when the line is slanted or a dot);
 * `mergeCollinear` joins pieces of one rule (a table drawn cell by cell, a dashed line's parts, the
 * coinciding edges of neighbouring cell rectangles) and drops what stays shorter than a minimum.
 */

export interface Segment {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export const isHorizontal = (segment: Segment): boolean => segment.y1 === segment.y2 && segment.x1 !== segment.x2;

export const isVertical = (segment: Segment): boolean => segment.x1 === segment.x2 && segment.y1 !== segment.y2;

export const segmentLength = (segment: Segment): number => segment.x2 - segment.x1 + (segment.y2 - segment.y1);

/**
 * The axis-aligned segment from (xa, ya) to (xb, yb), or undefined when it leans more than
 * `slantTolerancePt` off both axes, is shorter than that along its axis, or has non-finite ends.
 */
export function toSegment(xa: number, ya: number, xb: number, yb: number, slantTolerancePt = 0.5): Segment | undefined {
  if (![xa, ya, xb, yb].every(Number.isFinite)) return undefined;
  const dx = Math.abs(xb - xa);
  const dy = Math.abs(yb - ya);
  if (dy <= slantTolerancePt && dx > slantTolerancePt) {
    const y = (ya + yb) / 2;
    return { x1: Math.min(xa, xb), y1: y, x2: Math.max(xa, xb), y2: y };
  }
  if (dx <= slantTolerancePt && dy > slantTolerancePt) {
    const x = (xa + xb) / 2;
    return { x1: x, y1: Math.min(ya, yb), x2: x, y2: Math.max(ya, yb) };
  }
  return undefined;
}

export interface MergeOptions {
  /** Pieces whose cross-axis positions differ by at most this, and whose gap along the axis is at most this, join. */
  snapPt: number;
  /** Merged segments shorter than this are dropped. */
  minLengthPt: number;
}

/** Joins collinear overlapping or touching pieces; returns horizontals then verticals, each sorted. */
export function mergeCollinear(segments: readonly Segment[], options: MergeOptions): Segment[] {
  const horizontals: Line[] = [];
  const verticals: Line[] = [];
  for (const segment of segments) {
    if (isHorizontal(segment)) horizontals.push({ at: segment.y1, from: segment.x1, to: segment.x2 });
    else if (isVertical(segment)) verticals.push({ at: segment.x1, from: segment.y1, to: segment.y2 });
  }
  return [
    ...mergeLines(horizontals, options).map((line) => ({ x1: line.from, y1: line.at, x2: line.to, y2: line.at })),
    ...mergeLines(verticals, options).map((line) => ({ x1: line.at, y1: line.from, x2: line.at, y2: line.to })),
  ];
}

/** A segment in its own axis: `at` across, `from..to` along. */
interface Line {
  at: number;
  from: number;
  to: number;
}

function mergeLines(lines: Line[], { snapPt, minLengthPt }: MergeOptions): Line[] {
  lines.sort((a, b) => a.at - b.at || a.from - b.from);
  const merged: Line[] = [];
  let start = 0;
  while (start < lines.length) {
    // One band of nearly equal `at` values, measured from its first member so that it cannot drift.
    let end = start + 1;
    while (end < lines.length && lines[end]!.at - lines[start]!.at <= snapPt) end++;
    const band = lines.slice(start, end).sort((a, b) => a.from - b.from);
    let current: { from: number; to: number; weightedAt: number; length: number } | undefined;
    const flush = () => {
      if (current === undefined || current.to - current.from < minLengthPt) return;
      const at = current.length > 0 ? current.weightedAt / current.length : band[0]!.at;
      merged.push({ at, from: current.from, to: current.to });
    };
    for (const line of band) {
      const length = line.to - line.from;
      if (current !== undefined && line.from <= current.to + snapPt) {
        current.to = Math.max(current.to, line.to);
        current.weightedAt += line.at * length;
        current.length += length;
      } else {
        flush();
        current = { from: line.from, to: line.to, weightedAt: line.at * length, length };
      }
    }
    flush();
    start = end;
  }
  return merged.sort((a, b) => a.at - b.at || a.from - b.from);
}
