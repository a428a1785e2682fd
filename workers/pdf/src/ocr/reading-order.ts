/**
 * Reading order for recognised lines: top to bottom, and left to right within a row.
 *
 * Boxes are taken by their top edge; a box joins the current row when it overlaps the row's
 * vertical extent by at least `minOverlap` of the smaller of its height and the row's, so a line
 * whose baseline wobbles, or two fragments of one line, stay together while the next line down
 * (which overlaps a little at most) starts a new row. Columns are not detected here: two columns'
 * lines at the same height share a row, left first; block layout is the extraction's job.
 */
import type { Box } from '../extract/document.ts';

/** The items ordered into rows; `box` reads an item's box. */
export function readingOrder<T>(items: readonly T[], box: (item: T) => Box, minOverlap = 0.5): T[] {
  const byTop = [...items].sort((a, b) => box(a).y - box(b).y || box(a).x - box(b).x);
  const rows: { top: number; bottom: number; items: T[] }[] = [];
  for (const item of byTop) {
    const { y, height } = box(item);
    const row = rows.at(-1);
    if (row !== undefined) {
      const overlap = Math.min(row.bottom, y + height) - Math.max(row.top, y);
      const smaller = Math.min(row.bottom - row.top, height);
      if (overlap > 0 && overlap >= minOverlap * smaller) {
        row.items.push(item);
        row.top = Math.min(row.top, y);
        row.bottom = Math.max(row.bottom, y + height);
        continue;
      }
    }
    rows.push({ top: y, bottom: y + height, items: [item] });
  }
  return rows.flatMap((row) => row.items.sort((a, b) => box(a).x - box(b).x));
}
