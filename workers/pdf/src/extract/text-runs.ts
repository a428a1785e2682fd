/**
 * pdfjs text items → TextRuns: one run per non-empty `getTextContent()` item, positioned on the page
 * as displayed (viewport points, origin top-left, y down; see document.ts).
 *
 * The item's matrix times the viewport's gives the run's baseline origin, its direction and its font
 * size (the length of the matrix's y column). The box spans the advance along the direction and
 * ascent..descent across it (from `styles[fontName]` when pdfjs knows them, else 0.8/-0.2 of the
 * size), and is the axis-aligned box around that rectangle. `rotation` is the direction rounded to a
 * quarter turn, so rotated pages and sideways text can be laid out in their own reading frame;
 * what is left over is the run's tilt.
 * Vertical-writing fonts advance top to bottom (pdfjs gives their advance as the item's height).
 * Whitespace-only items are dropped; what they meant survives as `spaceAfter`/`eol` on the run
 * before.
 */
import type { Box } from './document.ts';

/** A quarter-turn text direction on the displayed page: 0 left→right, 90 top→bottom, 180, 270 bottom→top. */
export type Rotation = 0 | 90 | 180 | 270;

export interface TextRun {
  text: string;
  /** Viewport points, origin top-left. */
  box: Box;
  /** Font size in points (the height of the text matrix's y column). */
  fontSize: number;
  /** pdfjs's loaded-font id (`g_d0_f1`): equal names are the same font. */
  fontName: string;
  /** Writing direction on the displayed page; absent means 0. */
  rotation?: Rotation;
  /**
   * How far the baseline turns away from `rotation`, in degrees (−45..45, clockwise on the
   * displayed page); absent under 1°. A tilted run (a stamp, a label along a slanted line, a
   * diagonal watermark) is not on the same line as level text, whatever its box overlaps.
   */
  tiltDeg?: number;
  /** pdfjs saw white space right after this run (a space item or trailing blank). */
  spaceAfter?: boolean;
  /** pdfjs marked a line break after this run. */
  eol?: boolean;
}

/** The parts of pdfjs's TextContent this module reads (structural, so tests can pass plain objects). */
export interface TextContentLike {
  items: readonly unknown[];
  styles: Readonly<Record<string, { ascent?: number; descent?: number; vertical?: boolean }>>;
}

interface TextItemLike {
  str: string;
  transform: number[];
  width: number;
  height: number;
  fontName: string;
  hasEOL: boolean;
}

const isTextItem = (item: unknown): item is TextItemLike =>
  typeof item === 'object' && item !== null && typeof (item as { str?: unknown }).str === 'string';

/** [a, b, c, d, e, f] × [a, b, c, d, e, f]: `m1` applied after `m2` (pdfjs `Util.transform`). */
export function multiplyTransforms(m1: readonly number[], m2: readonly number[]): number[] {
  const [a1 = 1, b1 = 0, c1 = 0, d1 = 1, e1 = 0, f1 = 0] = m1;
  const [a2 = 1, b2 = 0, c2 = 0, d2 = 1, e2 = 0, f2 = 0] = m2;
  return [
    a1 * a2 + c1 * b2,
    b1 * a2 + d1 * b2,
    a1 * c2 + c1 * d2,
    b1 * c2 + d1 * d2,
    a1 * e2 + c1 * f2 + e1,
    b1 * e2 + d1 * f2 + f1,
  ];
}

/** The angle's difference from its nearest quarter turn, in degrees (−45..45). */
export const tiltDegrees = (angleRad: number): number => {
  const quarter = Math.PI / 2;
  return ((angleRad - Math.round(angleRad / quarter) * quarter) * 180) / Math.PI;
};

export const quarterTurn = (angleRad: number): Rotation => {
  const quarters = Math.round(angleRad / (Math.PI / 2));
  return ((((quarters % 4) + 4) % 4) * 90) as Rotation;
};

/**
 * Turns a page's text content into runs. `viewportTransform` is `page.getViewport({ scale: 1 }).transform`.
 * Items with a degenerate matrix (zero size) or non-finite numbers are dropped.
 */
export function toTextRuns(content: TextContentLike, viewportTransform: readonly number[]): TextRun[] {
  const runs: TextRun[] = [];
  let previous: TextRun | undefined;
  for (const item of content.items) {
    if (!isTextItem(item)) continue;
    if (item.str.trim() === '') {
      // A blank item is pdfjs's record of a space or a line break between two real ones.
      if (previous !== undefined) {
        if (item.str.length > 0) previous.spaceAfter = true;
        if (item.hasEOL) previous.eol = true;
      }
      continue;
    }
    const run = toTextRun(item, content.styles[item.fontName], viewportTransform);
    if (run === undefined) continue;
    if (previous !== undefined && /^\s/.test(item.str)) previous.spaceAfter = true;
    runs.push(run);
    previous = run;
  }
  return runs;
}

function toTextRun(
  item: TextItemLike,
  style: { ascent?: number; descent?: number; vertical?: boolean } | undefined,
  viewportTransform: readonly number[],
): TextRun | undefined {
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0] = multiplyTransforms(viewportTransform, item.transform);
  const fontSize = Math.hypot(c, d);
  if (!(fontSize > 0) || ![a, b, e, f].every(Number.isFinite)) return undefined;
  const isVertical = style?.vertical === true;
  const angle = Math.atan2(b, a) + (isVertical ? Math.PI / 2 : 0);
  const text = item.str.trim();
  // pdfjs gives the advance in page units (scale 1); a font without widths gives 0: estimate it.
  const fullAdvance = Math.abs(isVertical ? item.height : item.width) || item.str.length * fontSize * 0.5;
  // Leading and trailing blanks take their share of the advance out of the box.
  const charAdvance = fullAdvance / item.str.length;
  const leading = item.str.length - item.str.trimStart().length;
  const start = leading * charAdvance;
  const end = start + text.length * charAdvance;
  const { ascent, descent } = fontMetrics(style);
  // Along the writing direction u, and "up" v (towards the ascenders), in y-down coordinates.
  const ux = Math.cos(angle);
  const uy = Math.sin(angle);
  const vx = uy;
  const vy = -ux;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const along of [start, end]) {
    for (const across of [descent * fontSize, ascent * fontSize]) {
      xs.push(e + ux * along + vx * across);
      ys.push(f + uy * along + vy * across);
    }
  }
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  const run: TextRun = {
    text,
    box: { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y },
    fontSize,
    fontName: item.fontName,
  };
  const rotation = quarterTurn(angle);
  if (rotation !== 0) run.rotation = rotation;
  const tiltDeg = tiltDegrees(angle);
  if (Math.abs(tiltDeg) >= 1) run.tiltDeg = Math.round(tiltDeg * 10) / 10;
  if (/\s$/.test(item.str)) run.spaceAfter = true;
  if (item.hasEOL) run.eol = true;
  return run;
}

/** Ascent and descent as fractions of the font size; pdfjs's own fallbacks when the font has none. */
function fontMetrics(style: { ascent?: number; descent?: number } | undefined): { ascent: number; descent: number } {
  const descent = style?.descent !== undefined && style.descent < 0 && style.descent > -1 ? style.descent : -0.2;
  const ascent = style?.ascent !== undefined && style.ascent > 0 && style.ascent <= 1.5 ? style.ascent : 1 + descent;
  return { ascent, descent };
}
