/**
 * Overprinted text → drawn once. Some generators fake bold by drawing each glyph two or three
 * times a fraction of a point apart, and pdfjs then returns overlapping items ("T", "T", "Te",
 * "e", …) that would read "TTTeee". pdftotext drops such duplicates; so does this.
 *
 * Runs of one font size on one baseline that overlap by more than 30 % of the narrower one are
 * taken apart into characters (each at its share of the run's advance); a character that repeats
 * one already kept within 30 % of a character's width is dropped. Where anything was dropped, the
 * cluster becomes one run of the kept characters, left to right; elsewhere the runs stay as they
 * were (two different labels printed on one spot are not merged).
 */
import type { Box } from './document.ts';
import type { TextRun } from './text-runs.ts';

const MIN_OVERLAP = 0.3;
const SAME_PLACE = 0.3;

const right = (box: Box) => box.x + box.width;

/** Baselines this many degrees apart are not one baseline. */
const MAX_TILT_DIFFERENCE_DEG = 2;

function overlapsStrongly(a: TextRun, b: TextRun): boolean {
  if ((a.rotation ?? 0) !== (b.rotation ?? 0) || Math.abs(a.fontSize - b.fontSize) > 0.05 * a.fontSize) return false;
  if (Math.abs((a.tiltDeg ?? 0) - (b.tiltDeg ?? 0)) > MAX_TILT_DIFFERENCE_DEG) return false;
  const vertical = Math.min(a.box.y + a.box.height, b.box.y + b.box.height) - Math.max(a.box.y, b.box.y);
  if (vertical < 0.7 * Math.min(a.box.height, b.box.height)) return false;
  const horizontal = Math.min(right(a.box), right(b.box)) - Math.max(a.box.x, b.box.x);
  return horizontal > MIN_OVERLAP * Math.min(a.box.width, b.box.width);
}

export function removeOverprint(runs: readonly TextRun[]): TextRun[] {
  const sorted = [...runs].sort((a, b) => a.box.y - b.box.y || a.box.x - b.box.x);
  // Union-find over strongly overlapping pairs; candidates are runs starting above the first's bottom.
  const parent = sorted.map((_, index) => index);
  const find = (index: number): number => {
    while (parent[index] !== index) {
      parent[index] = parent[parent[index]!]!;
      index = parent[index]!;
    }
    return index;
  };
  let hasOverlap = false;
  for (let i = 0; i < sorted.length; i++) {
    const run = sorted[i]!;
    for (let j = i + 1; j < sorted.length && sorted[j]!.box.y < run.box.y + run.box.height; j++) {
      if (overlapsStrongly(run, sorted[j]!)) {
        parent[find(j)] = find(i);
        hasOverlap = true;
      }
    }
  }
  if (!hasOverlap) return [...runs];
  const clusters = new Map<number, TextRun[]>();
  sorted.forEach((run, index) => {
    const root = find(index);
    const cluster = clusters.get(root);
    if (cluster === undefined) clusters.set(root, [run]);
    else cluster.push(run);
  });
  return [...clusters.values()].flatMap((cluster) => (cluster.length === 1 ? cluster : mergeCluster(cluster)));
}

interface Glyph {
  char: string;
  x: number;
  width: number;
  run: TextRun;
}

function mergeCluster(cluster: readonly TextRun[]): TextRun[] {
  const glyphs: Glyph[] = cluster.flatMap((run) => {
    const chars = [...run.text];
    const width = run.box.width / chars.length;
    return chars.map((char, index) => ({ char, x: run.box.x + index * width, width, run }));
  });
  glyphs.sort((a, b) => a.x - b.x);
  const kept: Glyph[] = [];
  for (const glyph of glyphs) {
    const isRepeat = kept.some(
      (other) =>
        other.char === glyph.char && Math.abs(other.x - glyph.x) < SAME_PLACE * Math.max(other.width, glyph.width),
    );
    if (!isRepeat) kept.push(glyph);
  }
  if (kept.length === glyphs.length) return [...cluster];
  const first = kept[0]!;
  const last = kept[kept.length - 1]!;
  const top = Math.min(...cluster.map((run) => run.box.y));
  const bottom = Math.max(...cluster.map((run) => run.box.y + run.box.height));
  const rightmost = cluster.reduce((best, run) => (right(run.box) > right(best.box) ? run : best));
  return [
    {
      text: kept.map((glyph) => glyph.char).join(''),
      box: { x: first.x, y: top, width: last.x + last.width - first.x, height: bottom - top },
      fontSize: first.run.fontSize,
      fontName: first.run.fontName,
      ...(first.run.rotation === undefined ? {} : { rotation: first.run.rotation }),
      ...(first.run.tiltDeg === undefined ? {} : { tiltDeg: first.run.tiltDeg }),
      ...(rightmost.spaceAfter ? { spaceAfter: true } : {}),
      ...(rightmost.eol ? { eol: true } : {}),
    },
  ];
}
