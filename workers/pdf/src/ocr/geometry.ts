/**
 * Plane geometry for text boxes, in image pixels (x right, y down): convex hull, minimum-area
 * rectangle (OpenCV's `minAreaRect`), the DB "unclip" of a rectangle, and bounds.
 *
 * A {@link Quad} is a rectangle's corners in PaddleOCR's order (`get_mini_boxes`): top-left,
 * top-right, bottom-right, bottom-left, where "left" are the two corners of smaller x and "top"
 * the one of the pair with smaller y. For the near-horizontal lines of a document page this is
 * the reading orientation; a slanted line keeps its slant.
 */
import type { Box } from '../extract/document.ts';

export interface Point {
  x: number;
  y: number;
}

export type Quad = [topLeft: Point, topRight: Point, bottomRight: Point, bottomLeft: Point];

export interface Rect {
  quad: Quad;
  /** Length of the top (and bottom) side. */
  width: number;
  /** Length of the left (and right) side. */
  height: number;
}

const cross = (o: Point, a: Point, b: Point) => (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);

/** Convex hull by the monotone chain, counter-clockwise (in y-up terms), without collinear points. */
export function convexHull(points: readonly Point[]): Point[] {
  const sorted = [...points].sort((a, b) => a.x - b.x || a.y - b.y);
  if (sorted.length <= 2) return sorted;
  const lower: Point[] = [];
  for (const point of sorted) {
    while (lower.length >= 2 && cross(lower.at(-2)!, lower.at(-1)!, point) <= 0) lower.pop();
    lower.push(point);
  }
  const upper: Point[] = [];
  for (let i = sorted.length - 1; i >= 0; i--) {
    const point = sorted[i]!;
    while (upper.length >= 2 && cross(upper.at(-2)!, upper.at(-1)!, point) <= 0) upper.pop();
    upper.push(point);
  }
  lower.pop();
  upper.pop();
  return [...lower, ...upper];
}

/** Orders four corners the way PaddleOCR's `get_mini_boxes` does (see the file comment). */
export function orderCorners(corners: readonly Point[]): Quad {
  const [a, b, c, d] = [...corners].sort((p, q) => p.x - q.x);
  const [topLeft, bottomLeft] = b!.y > a!.y ? [a!, b!] : [b!, a!];
  const [topRight, bottomRight] = d!.y > c!.y ? [c!, d!] : [d!, c!];
  return [topLeft, topRight, bottomRight, bottomLeft];
}

function rectFromCorners(corners: Point[]): Rect {
  const quad = orderCorners(corners);
  const [tl, tr, , bl] = quad;
  return { quad, width: Math.hypot(tr.x - tl.x, tr.y - tl.y), height: Math.hypot(bl.x - tl.x, bl.y - tl.y) };
}

/**
 * The smallest-area rectangle enclosing the points (rotating calipers over the hull's edges: the
 * optimal rectangle has a side on one of them). Degenerate inputs give a rectangle of zero
 * height or width.
 */
export function minAreaRect(points: readonly Point[]): Rect {
  const hull = convexHull(points);
  if (hull.length === 0) throw new RangeError('minAreaRect needs at least one point');
  if (hull.length === 1) {
    const p = hull[0]!;
    return rectFromCorners([p, p, p, p]);
  }
  let best: { area: number; corners: Point[] } | undefined;
  for (let i = 0; i < hull.length; i++) {
    const a = hull[i]!;
    const b = hull[(i + 1) % hull.length]!;
    const length = Math.hypot(b.x - a.x, b.y - a.y);
    if (length === 0) continue;
    const ux = (b.x - a.x) / length;
    const uy = (b.y - a.y) / length;
    let minU = Infinity;
    let maxU = -Infinity;
    let minV = Infinity;
    let maxV = -Infinity;
    for (const p of hull) {
      const u = (p.x - a.x) * ux + (p.y - a.y) * uy;
      const v = -(p.x - a.x) * uy + (p.y - a.y) * ux;
      minU = Math.min(minU, u);
      maxU = Math.max(maxU, u);
      minV = Math.min(minV, v);
      maxV = Math.max(maxV, v);
    }
    const area = (maxU - minU) * (maxV - minV);
    // Ties (a square hull, an axis-aligned box met from two edges) keep the first edge.
    if (best === undefined || area < best.area - 1e-9) {
      const at = (u: number, v: number) => ({ x: a.x + u * ux - v * uy, y: a.y + u * uy + v * ux });
      best = { area, corners: [at(minU, minV), at(maxU, minV), at(maxU, maxV), at(minU, maxV)] };
    }
  }
  return rectFromCorners(best!.corners);
}

/**
 * DB's unclip for a rectangle: PaddleOCR offsets the shrunk text kernel outwards by
 * `distance = area × ratio / perimeter` (pyclipper, round joins) and takes the minimum-area
 * rectangle of the result, which for a rectangle is the rectangle grown by `distance` on every side.
 */
export function unclipRect(rect: Rect, ratio: number): Rect {
  const { width, height, quad } = rect;
  const perimeter = 2 * (width + height);
  if (perimeter === 0) return rect;
  const distance = (width * height * ratio) / perimeter;
  const [tl, tr, br, bl] = quad;
  // Unit vectors along the top side and down the left side (any direction when one is degenerate).
  const ux = width > 0 ? (tr.x - tl.x) / width : 1;
  const uy = width > 0 ? (tr.y - tl.y) / width : 0;
  const vx = height > 0 ? (bl.x - tl.x) / height : -uy;
  const vy = height > 0 ? (bl.y - tl.y) / height : ux;
  const move = (p: Point, su: number, sv: number) => ({
    x: p.x + distance * (su * ux + sv * vx),
    y: p.y + distance * (su * uy + sv * vy),
  });
  return {
    quad: [move(tl, -1, -1), move(tr, 1, -1), move(br, 1, 1), move(bl, -1, 1)],
    width: width + 2 * distance,
    height: height + 2 * distance,
  };
}

/** The axis-aligned bounds of a quad, clipped to `[0, maxX] × [0, maxY]`. */
export function quadBounds(quad: Quad, maxX: number, maxY: number): Box {
  const xs = quad.map((p) => Math.min(maxX, Math.max(0, p.x)));
  const ys = quad.map((p) => Math.min(maxY, Math.max(0, p.y)));
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}
