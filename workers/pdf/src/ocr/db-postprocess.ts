/**
 * DB (Differentiable Binarization) post-processing, after PaddleOCR's `DBPostProcess` with its
 * inference defaults: the detector's text-probability map is thresholded, each 8-connected region
 * becomes the minimum-area rectangle of its pixels, regions whose mean probability inside that
 * rectangle is below `boxThreshold` are dropped, the rest are grown by the DB unclip (the model
 * predicts shrunk text kernels) and scaled to the source image.
 *
 * Rectangles may be rotated, so slightly slanted lines are cut out along their slant; callers that
 * need axis-aligned boxes take the quad's bounds. Curved text (PaddleOCR's `poly` mode) is not
 * supported: the pipeline targets document pages.
 */
import { minAreaRect, type Point, type Quad, type Rect, unclipRect } from './geometry.ts';

export interface DbOptions {
  /** Probability above which a pixel is text. @defaultValue 0.3 */
  threshold?: number;
  /** Least mean probability inside a region's rectangle. @defaultValue 0.6 */
  boxThreshold?: number;
  /** Growth of the shrunk kernel, as DB's area × ratio / perimeter. @defaultValue 1.5 */
  unclipRatio?: number;
  /** Shorter side, in map pixels, below which a region is noise (before unclip; +2 after). @defaultValue 3 */
  minSidePx?: number;
  /** Most regions examined, largest first (a guard against pathological maps). @defaultValue 1000 */
  maxCandidates?: number;
}

export interface TextQuad {
  /** The rectangle in source-image pixels, corners in reading orientation. */
  quad: Quad;
  /** Mean text probability inside the region's rectangle, 0..1. */
  score: number;
}

/**
 * Labels the 8-connected regions of `map > threshold`. Returns per region its pixels' leftmost
 * and rightmost x on each row it spans (enough for the convex hull) and its pixel count.
 */
export function connectedRegions(
  map: ArrayLike<number>,
  width: number,
  height: number,
  threshold: number,
): { rows: Map<number, [number, number]>; pixels: number }[] {
  const labels = new Int32Array(width * height).fill(-1);
  const regions: { rows: Map<number, [number, number]>; pixels: number }[] = [];
  const stack = new Int32Array(width * height);
  for (let start = 0; start < width * height; start++) {
    if (labels[start] !== -1 || !(map[start]! > threshold)) continue;
    const label = regions.length;
    const region = { rows: new Map<number, [number, number]>(), pixels: 0 };
    regions.push(region);
    let top = 0;
    stack[top++] = start;
    labels[start] = label;
    while (top > 0) {
      const index = stack[--top]!;
      const x = index % width;
      const y = (index - x) / width;
      region.pixels++;
      const span = region.rows.get(y);
      if (span === undefined) region.rows.set(y, [x, x]);
      else {
        if (x < span[0]) span[0] = x;
        if (x > span[1]) span[1] = x;
      }
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width || (dx === 0 && dy === 0)) continue;
          const neighbour = ny * width + nx;
          if (labels[neighbour] === -1 && map[neighbour]! > threshold) {
            labels[neighbour] = label;
            stack[top++] = neighbour;
          }
        }
      }
    }
  }
  return regions;
}

/**
 * Mean of `map` over the pixels whose centres lie in the rectangle (its edges included, like
 * OpenCV's `fillPoly` mask in PaddleOCR's `box_score_fast`).
 */
export function meanInsideRect(map: ArrayLike<number>, width: number, height: number, rect: Rect): number {
  const [tl, tr, , bl] = rect.quad;
  const centre = { x: (tr.x + bl.x) / 2, y: (tr.y + bl.y) / 2 };
  const ux = rect.width > 0 ? (tr.x - tl.x) / rect.width : 1;
  const uy = rect.width > 0 ? (tr.y - tl.y) / rect.width : 0;
  const halfU = rect.width / 2 + 0.5;
  const halfV = rect.height / 2 + 0.5;
  const xs = rect.quad.map((p) => p.x);
  const ys = rect.quad.map((p) => p.y);
  const x0 = Math.max(0, Math.floor(Math.min(...xs)));
  const x1 = Math.min(width - 1, Math.ceil(Math.max(...xs)));
  const y0 = Math.max(0, Math.floor(Math.min(...ys)));
  const y1 = Math.min(height - 1, Math.ceil(Math.max(...ys)));
  let sum = 0;
  let count = 0;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const dx = x - centre.x;
      const dy = y - centre.y;
      if (Math.abs(dx * ux + dy * uy) <= halfU && Math.abs(-dx * uy + dy * ux) <= halfV) {
        sum += map[y * width + x]!;
        count++;
      }
    }
  }
  return count === 0 ? 0 : sum / count;
}

/**
 * Text rectangles from a `mapWidth` × `mapHeight` probability map (row-major), scaled to a
 * `sourceWidth` × `sourceHeight` image and clipped to it. Order: as found, top to bottom.
 */
export function findTextQuads(
  map: ArrayLike<number>,
  mapWidth: number,
  mapHeight: number,
  sourceWidth: number,
  sourceHeight: number,
  options: DbOptions = {},
): TextQuad[] {
  const threshold = options.threshold ?? 0.3;
  const boxThreshold = options.boxThreshold ?? 0.6;
  const unclipRatio = options.unclipRatio ?? 1.5;
  const minSidePx = options.minSidePx ?? 3;
  const maxCandidates = options.maxCandidates ?? 1000;

  const regions = connectedRegions(map, mapWidth, mapHeight, threshold);
  const candidates = regions
    .map((region, order) => ({ region, order }))
    .sort((a, b) => b.region.pixels - a.region.pixels)
    .slice(0, maxCandidates)
    .sort((a, b) => a.order - b.order);
  const scaleX = sourceWidth / mapWidth;
  const scaleY = sourceHeight / mapHeight;
  const found: TextQuad[] = [];
  for (const { region } of candidates) {
    const points: Point[] = [];
    for (const [y, [left, right]] of region.rows) {
      points.push({ x: left, y });
      if (right !== left) points.push({ x: right, y });
    }
    const rect = minAreaRect(points);
    if (Math.min(rect.width, rect.height) < minSidePx) continue;
    const score = meanInsideRect(map, mapWidth, mapHeight, rect);
    if (score < boxThreshold) continue;
    const grown = unclipRect(rect, unclipRatio);
    if (Math.min(grown.width, grown.height) < minSidePx + 2) continue;
    const quad = grown.quad.map((p) => ({
      x: Math.min(sourceWidth, Math.max(0, p.x * scaleX)),
      y: Math.min(sourceHeight, Math.max(0, p.y * scaleY)),
    })) as Quad;
    found.push({ quad, score });
  }
  return found;
}
