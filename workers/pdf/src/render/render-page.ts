/**
 * Page rendering: one pdfjs page drawn with `@napi-rs/canvas` on a white background, returned as
 * raw RGBA pixels (for OCR) or as PNG bytes (for page images stored for annotators).
 *
 * Pixels per point are `scale` (1 = 72 dpi, 2 = 144 dpi) on the page as displayed (its /Rotate
 * applied, origin top-left), except that a page whose bitmap would exceed `maxPixels` is rendered
 * at the largest smaller scale that fits: the scale actually used is returned, and every consumer
 * converts pixels to points with it. The canvas is released as soon as its pixels are read.
 * `signal` cancels the pdfjs render task; the promise then rejects with the signal's reason.
 */
import { type Canvas, createCanvas } from '@napi-rs/canvas';
import type { PDFPageProxy } from '../extract/pdfjs.ts';

type RenderParameters = Parameters<PDFPageProxy['render']>[0];

/** 25 megapixels: a 100 MB RGBA bitmap, an A4 page at about 600 dpi. */
export const DEFAULT_MAX_PIXELS = 25_000_000;

export interface RenderOptions {
  /** Pixels per PDF point. */
  scale: number;
  /** Largest bitmap, in pixels; the scale is lowered to fit. @defaultValue {@link DEFAULT_MAX_PIXELS} */
  maxPixels?: number;
  signal?: AbortSignal;
}

export interface RenderedPage {
  width: number;
  height: number;
  /** Row-major RGBA, 4 bytes per pixel, opaque. */
  rgba: Uint8ClampedArray;
  /** Pixels per point actually used (below the requested scale when the page was capped). */
  scale: number;
}

export interface RenderedPng {
  png: Uint8Array;
  width: number;
  height: number;
  /** Pixels per point actually used (below the requested scale when the page was capped). */
  scale: number;
}

/**
 * The scale to render a `widthPt` × `heightPt` page at: `scale`, lowered so that the bitmap has
 * at most `maxPixels` pixels. Bitmap sides are `ceil(side × scale)`, at least 1 pixel.
 */
export function fitRenderScale(widthPt: number, heightPt: number, scale: number, maxPixels: number): number {
  if (!(scale > 0) || !Number.isFinite(scale))
    throw new RangeError(`render scale must be a positive number, got ${scale}`);
  if (!(maxPixels >= 1)) throw new RangeError(`maxPixels must be at least 1, got ${maxPixels}`);
  const pixels = (s: number) => Math.max(1, Math.ceil(widthPt * s)) * Math.max(1, Math.ceil(heightPt * s));
  if (pixels(scale) <= maxPixels) return scale;
  // sqrt gives the continuous answer; the ceil of each side can still push it over by a row or a
  // column, so step down until it fits.
  let fitted = scale * Math.sqrt(maxPixels / pixels(scale));
  while (pixels(fitted) > maxPixels && fitted > 0) fitted *= 0.999;
  return fitted;
}

/**
 * The bitmap a `widthPt` × `heightPt` page (as displayed) is rendered to at `scale`: the scale
 * actually used ({@link fitRenderScale}) and the sides, `ceil(side × scale)`, at least 1 pixel.
 * Pure, so a page's image size is known without rendering it.
 */
export function renderedSize(
  widthPt: number,
  heightPt: number,
  scale: number,
  maxPixels: number = DEFAULT_MAX_PIXELS,
): { width: number; height: number; scale: number } {
  const fitted = fitRenderScale(widthPt, heightPt, scale, maxPixels);
  return {
    width: Math.max(1, Math.ceil(widthPt * fitted)),
    height: Math.max(1, Math.ceil(heightPt * fitted)),
    scale: fitted,
  };
}

async function drawPage(page: PDFPageProxy, options: RenderOptions): Promise<{ canvas: Canvas; scale: number }> {
  options.signal?.throwIfAborted();
  const unscaled = page.getViewport({ scale: 1 });
  const { width, height, scale } = renderedSize(unscaled.width, unscaled.height, options.scale, options.maxPixels);
  const viewport = page.getViewport({ scale });
  const canvas = createCanvas(width, height);
  const context = canvas.getContext('2d');
  // pdfjs paints its background over the viewport only; the canvas's rounded-up edge stays white too.
  context.fillStyle = 'rgb(255,255,255)';
  context.fillRect(0, 0, canvas.width, canvas.height);
  const task = page.render({
    // pdfjs types the DOM canvas; @napi-rs/canvas implements the part pdfjs uses in Node.
    canvas: canvas as unknown as RenderParameters['canvas'],
    canvasContext: context as unknown as RenderParameters['canvasContext'],
    viewport,
    background: 'rgb(255,255,255)',
  });
  const cancel = () => task.cancel();
  options.signal?.addEventListener('abort', cancel, { once: true });
  try {
    await task.promise;
  } catch (error) {
    releaseCanvas(canvas);
    options.signal?.throwIfAborted();
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', cancel);
  }
  return { canvas, scale };
}

/** Drops the canvas's backing store now rather than at the next garbage collection. */
function releaseCanvas(canvas: Canvas): void {
  canvas.width = 0;
  canvas.height = 0;
}

/** Renders the page to RGBA pixels on white. */
export async function renderPage(page: PDFPageProxy, options: RenderOptions): Promise<RenderedPage> {
  const { canvas, scale } = await drawPage(page, options);
  try {
    const { width, height } = canvas;
    const rgba = canvas.getContext('2d').getImageData(0, 0, width, height).data as Uint8ClampedArray;
    return { width, height, rgba, scale };
  } finally {
    releaseCanvas(canvas);
  }
}

/** Renders the page to a PNG (8-bit RGBA) on white. */
export async function renderPagePng(page: PDFPageProxy, options: RenderOptions): Promise<RenderedPng> {
  const { canvas, scale } = await drawPage(page, options);
  try {
    const { width, height } = canvas;
    const png = await canvas.encode('png');
    return { png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength), width, height, scale };
  } finally {
    releaseCanvas(canvas);
  }
}
