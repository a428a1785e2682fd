/**
 * Ruling lines of a page, from its pdfjs operator list: what table finding uses as cell borders.
 *
 * Input: a pdfjs page and its scale-1 viewport. Output: merged horizontal and vertical `Segment`s in
 * viewport points (see segments.ts), or `[]` when the page draws more than `maxSegments` candidate
 * pieces (a map, a chart, a drawing: no tables are looked for there, and the walk stops early).
 *
 * What counts as a ruling: every axis-aligned straight piece of a stroked path (lines and `re`
 * edges, dashed or not); a filled axis-aligned rectangle no thicker than `maxRuleThicknessPt` (a rule
 * drawn as a thin bar), as its centre line; and the four edges of a larger filled rectangle in a
 * visible non-white colour covering less than half the page (a shaded cell or table row). Curves,
 * slanted lines, clipping paths, image masks and annotation appearances (should a list hold them)
 * are ignored. The current transformation matrix is tracked through save/restore, `cm` and form
 * XObjects, starting from the viewport's transform, so the segments come out in viewport coordinates.
 *
 * The operator list is the page's one list (`pageOperatorList` in extract/pdfjs.ts), which the
 * extraction builds once and the figures, fonts and layers read too: building it decodes the
 * page's images, so on image-heavy pages that, not the walk here, is the cost. The walk skips
 * annotation appearances (between beginAnnotation and endAnnotation): form fields and stamps are
 * not page tables.
 */
import { OPS } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { OperatorListLike } from '../extract/pdfjs.ts';
import { multiplyTransforms } from '../extract/text-runs.ts';
import { mergeCollinear, type Segment, toSegment } from './segments.ts';

export type { Segment } from './segments.ts';

export interface RulingOptions {
  /** More candidate pieces than this and the page is treated as a drawing: `[]`. @defaultValue 20 000 */
  maxSegments?: number;
  /** A filled rectangle at most this thick on its short side is a rule. @defaultValue 3 */
  maxRuleThicknessPt?: number;
  /** Merged rulings shorter than this are dropped. @defaultValue 4 */
  minLengthPt?: number;
  /** Collinear pieces this close (across and along) are one ruling. @defaultValue 1 */
  snapPt?: number;
}

export const DEFAULT_MAX_SEGMENTS = 20_000;

/** The page frame: the viewport transform (PDF user space → viewport points) and the viewport size. */
export interface PageFrame {
  transform: readonly number[];
  width: number;
  height: number;
}

/** The page's rulings (see the file header): one walk over its operator list. */
export function rulingsFromOperatorList(
  operatorList: OperatorListLike,
  frame: PageFrame,
  options: RulingOptions = {},
): Segment[] {
  const maxSegments = options.maxSegments ?? DEFAULT_MAX_SEGMENTS;
  const maxRuleThicknessPt = options.maxRuleThicknessPt ?? 3;
  const maxFillArea = (frame.width * frame.height) / 2;
  const pieces: Segment[] = [];
  const add = (segment: Segment | undefined): boolean => {
    if (segment !== undefined) pieces.push(segment);
    return pieces.length <= maxSegments;
  };

  let state: GraphicsState = { ctm: [...frame.transform], fillVisible: true, fillAlpha: 1 };
  const stack: GraphicsState[] = [];
  let annotationDepth = 0;
  const { fnArray, argsArray } = operatorList;
  for (let index = 0; index < fnArray.length; index++) {
    const fn = fnArray[index];
    const args = argsArray[index];
    if (fn === OPS.beginAnnotation) annotationDepth++;
    else if (fn === OPS.endAnnotation) annotationDepth = Math.max(0, annotationDepth - 1);
    if (annotationDepth > 0) continue;
    switch (fn) {
      case OPS.save:
        stack.push({ ...state });
        break;
      case OPS.restore:
        state = stack.pop() ?? state;
        break;
      case OPS.transform:
        if (isMatrix(args)) state.ctm = multiplyTransforms(state.ctm, Array.from(args));
        break;
      case OPS.paintFormXObjectBegin: {
        stack.push({ ...state });
        const matrix = Array.isArray(args) ? args[0] : undefined;
        if (isMatrix(matrix)) state.ctm = multiplyTransforms(state.ctm, Array.from(matrix));
        break;
      }
      case OPS.paintFormXObjectEnd:
        state = stack.pop() ?? state;
        break;
      case OPS.setFillRGBColor:
        state.fillVisible = Array.isArray(args) && args[0] !== '#ffffff';
        break;
      case OPS.setFillColorN:
        state.fillVisible = true;
        break;
      case OPS.setFillTransparent:
        state.fillVisible = false;
        break;
      case OPS.setGState:
        state.fillAlpha = fillAlphaOf(args) ?? state.fillAlpha;
        break;
      case OPS.constructPath: {
        if (!Array.isArray(args)) break;
        const [paintOp, data] = args as [unknown, unknown];
        const buffer = Array.isArray(data) ? data[0] : undefined;
        if (typeof paintOp !== 'number' || !isNumberArray(buffer)) break;
        const subpaths = toSubpaths(buffer, state.ctm);
        if (STROKE_OPS.has(paintOp)) {
          for (const subpath of subpaths) {
            for (const [a, b] of straightEdges(subpath)) if (!add(toSegment(a[0], a[1], b[0], b[1]))) return [];
          }
        } else if (FILL_OPS.has(paintOp) && state.fillVisible && state.fillAlpha > 0) {
          for (const subpath of subpaths) {
            const rect = asRectangle(subpath);
            if (rect === undefined) continue;
            for (const segment of rectangleRulings(rect, maxRuleThicknessPt, maxFillArea)) {
              if (!add(segment)) return [];
            }
          }
        }
        break;
      }
    }
  }
  return mergeCollinear(pieces, { snapPt: options.snapPt ?? 1, minLengthPt: options.minLengthPt ?? 4 });
}

interface GraphicsState {
  ctm: number[];
  fillVisible: boolean;
  fillAlpha: number;
}

const STROKE_OPS = new Set<number>([
  OPS.stroke,
  OPS.closeStroke,
  OPS.fillStroke,
  OPS.eoFillStroke,
  OPS.closeFillStroke,
  OPS.closeEOFillStroke,
]);
const FILL_OPS = new Set<number>([OPS.fill, OPS.eoFill]);

/** pdfjs's path opcodes inside a `constructPath` buffer (its internal `DrawOPS`, not exported). */
const DRAW_MOVE_TO = 0;
const DRAW_LINE_TO = 1;
const DRAW_CURVE_TO = 2;
const DRAW_QUADRATIC_CURVE_TO = 3;
const DRAW_CLOSE_PATH = 4;

type Point = readonly [number, number];

/** One subpath in viewport points; `straight[i]` says whether the edge from point i to i+1 is a line. */
interface Subpath {
  points: Point[];
  straight: boolean[];
  closed: boolean;
}

function toSubpaths(buffer: ArrayLike<number>, ctm: readonly number[]): Subpath[] {
  const [a = 1, b = 0, c = 0, d = 1, e = 0, f = 0] = ctm;
  const map = (x: number, y: number): Point => [a * x + c * y + e, b * x + d * y + f];
  const subpaths: Subpath[] = [];
  let current: Subpath | undefined;
  const extend = (point: Point, straight: boolean) => {
    if (current === undefined) {
      current = { points: [point], straight: [], closed: false };
      subpaths.push(current);
      return;
    }
    current.points.push(point);
    current.straight.push(straight);
  };
  for (let i = 0; i < buffer.length; ) {
    const op = buffer[i++];
    if (op === DRAW_MOVE_TO) {
      current = undefined;
      extend(map(buffer[i]!, buffer[i + 1]!), true);
      i += 2;
    } else if (op === DRAW_LINE_TO) {
      extend(map(buffer[i]!, buffer[i + 1]!), true);
      i += 2;
    } else if (op === DRAW_CURVE_TO) {
      extend(map(buffer[i + 4]!, buffer[i + 5]!), false);
      i += 6;
    } else if (op === DRAW_QUADRATIC_CURVE_TO) {
      extend(map(buffer[i + 2]!, buffer[i + 3]!), false);
      i += 4;
    } else if (op === DRAW_CLOSE_PATH) {
      if (current !== undefined) {
        current.closed = true;
        // A path continuing after a close starts again from the subpath's first point.
        const start = current.points[0]!;
        current = undefined;
        if (i < buffer.length && buffer[i] !== DRAW_MOVE_TO) extend(start, true);
      }
    } else {
      break;
    }
  }
  return subpaths;
}

function* straightEdges(subpath: Subpath): Generator<[Point, Point]> {
  const { points, straight } = subpath;
  for (let i = 0; i + 1 < points.length; i++) if (straight[i]) yield [points[i]!, points[i + 1]!];
  if (subpath.closed && points.length > 2) yield [points[points.length - 1]!, points[0]!];
}

interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The axis-aligned rectangle a closed four-corner subpath outlines (a fifth point back at the start is allowed). */
function asRectangle(subpath: Subpath): Rect | undefined {
  let points = subpath.points;
  if (subpath.straight.some((isStraight) => !isStraight)) return undefined;
  const first = points[0];
  const last = points[points.length - 1];
  if (points.length === 5 && first !== undefined && last !== undefined && near(first, last))
    points = points.slice(0, 4);
  if (points.length !== 4) return undefined;
  for (let i = 0; i < 4; i++) {
    const p = points[i]!;
    const q = points[(i + 1) % 4]!;
    if (toSegment(p[0], p[1], q[0], q[1]) === undefined) return undefined;
  }
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
}

const near = (p: Point, q: Point) => Math.abs(p[0] - q[0]) <= 0.5 && Math.abs(p[1] - q[1]) <= 0.5;

function rectangleRulings(rect: Rect, maxRuleThicknessPt: number, maxFillArea: number): Segment[] {
  const width = rect.x1 - rect.x0;
  const height = rect.y1 - rect.y0;
  if (Math.min(width, height) <= maxRuleThicknessPt) {
    const segment =
      width >= height
        ? toSegment(rect.x0, (rect.y0 + rect.y1) / 2, rect.x1, (rect.y0 + rect.y1) / 2)
        : toSegment((rect.x0 + rect.x1) / 2, rect.y0, (rect.x0 + rect.x1) / 2, rect.y1);
    return segment === undefined ? [] : [segment];
  }
  if (width * height > maxFillArea) return [];
  return [
    { x1: rect.x0, y1: rect.y0, x2: rect.x1, y2: rect.y0 },
    { x1: rect.x0, y1: rect.y1, x2: rect.x1, y2: rect.y1 },
    { x1: rect.x0, y1: rect.y0, x2: rect.x0, y2: rect.y1 },
    { x1: rect.x1, y1: rect.y0, x2: rect.x1, y2: rect.y1 },
  ];
}

const isNumberArray = (value: unknown): value is ArrayLike<number> =>
  (Array.isArray(value) || ArrayBuffer.isView(value)) && !(value instanceof DataView);

const isMatrix = (value: unknown): value is ArrayLike<number> =>
  isNumberArray(value) && value.length === 6 && Array.from(value).every(Number.isFinite);

/** The `ca` (non-stroking alpha) entry of a `setGState` op's `[[key, value], …]`, if it sets one. */
function fillAlphaOf(args: unknown): number | undefined {
  const entries = Array.isArray(args) ? args[0] : undefined;
  if (!Array.isArray(entries)) return undefined;
  let alpha: number | undefined;
  for (const entry of entries) {
    if (Array.isArray(entry) && entry[0] === 'ca' && typeof entry[1] === 'number') alpha = entry[1];
  }
  return alpha;
}
