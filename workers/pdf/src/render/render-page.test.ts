import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPdf, type PDFDocumentLoadingTask, type PDFDocumentProxy } from '../extract/pdfjs.ts';
import { minimalPdf, type PdfPage } from '../extract/testing/minimal-pdf.ts';
import { DEFAULT_MAX_PIXELS, fitRenderScale, renderedSize, renderPage, renderPagePng } from './render-page.ts';

describe('fitRenderScale', () => {
  it.each([
    ['a Letter page at 2 px/pt fits', 612, 792, 2, DEFAULT_MAX_PIXELS, 2],
    ['a page exactly at the cap fits', 100, 100, 1, 10_000, 1],
    ['a poster is scaled down', 2384, 3370, 4, DEFAULT_MAX_PIXELS, undefined],
    ['one pixel too many', 101, 100, 1, 10_000, undefined],
  ])('%s', (_name, width, height, scale, maxPixels, expected) => {
    const fitted = fitRenderScale(width, height, scale, maxPixels);
    if (expected !== undefined) expect(fitted).toBe(expected);
    else {
      expect(fitted).toBeLessThan(scale);
      expect(Math.ceil(width * fitted) * Math.ceil(height * fitted)).toBeLessThanOrEqual(maxPixels);
      // Not much below what fits.
      expect(Math.ceil(width * fitted * 1.01) * Math.ceil(height * fitted * 1.01)).toBeGreaterThan(maxPixels);
    }
  });

  it.each([
    [0, 100],
    [-1, 100],
    [Number.NaN, 100],
    [Number.POSITIVE_INFINITY, 100],
    [1, 0],
  ])('refuses scale %d with maxPixels %d', (scale, maxPixels) => {
    expect(() => fitRenderScale(100, 100, scale, maxPixels)).toThrow(RangeError);
  });
});

describe('renderPage', () => {
  let task: PDFDocumentLoadingTask;
  let pdf: PDFDocumentProxy;

  beforeAll(async () => {
    task = loadPdf(
      minimalPdf([
        { width: 200, height: 100, texts: [{ x: 20, y: 60, size: 24, text: 'Render me' }] },
        { width: 200, height: 100, texts: [], rotate: 90 },
      ]),
    );
    pdf = await task.promise;
  });
  afterAll(async () => {
    await task.destroy();
  });

  const pixel = (rgba: Uint8ClampedArray, width: number, x: number, y: number) =>
    Array.from(rgba.subarray((y * width + x) * 4, (y * width + x) * 4 + 4));

  it('draws the page on white at the requested scale', async () => {
    const page = await pdf.getPage(1);
    const { width, height, rgba, scale } = await renderPage(page, { scale: 2 });
    expect({ width, height, scale }).toEqual({ width: 400, height: 200, scale: 2 });
    expect(rgba).toHaveLength(400 * 200 * 4);
    expect(pixel(rgba, width, 0, 0)).toEqual([255, 255, 255, 255]);
    expect(pixel(rgba, width, 399, 199)).toEqual([255, 255, 255, 255]);
    // The text's baseline is 60 pt from the top: there is ink just above it, none at the bottom.
    let inkAbove = 0;
    let inkBelow = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (rgba[(y * width + x) * 4]! < 128) {
          if (y > 80 && y < 120) inkAbove++;
          if (y > 140) inkBelow++;
        }
      }
    }
    expect(inkAbove).toBeGreaterThan(500);
    expect(inkBelow).toBe(0);
  });

  it('applies the page rotation', async () => {
    const page = await pdf.getPage(2);
    const { width, height } = await renderPage(page, { scale: 1 });
    expect({ width, height }).toEqual({ width: 100, height: 200 });
  });

  it('lowers the scale to stay under the pixel cap and says so', async () => {
    const page = await pdf.getPage(1);
    const rendered = await renderPage(page, { scale: 10, maxPixels: 15_000 });
    expect(rendered.scale).toBeLessThan(1);
    expect(rendered.width * rendered.height).toBeLessThanOrEqual(15_000);
    expect(rendered.width).toBe(Math.ceil(200 * rendered.scale));
  });

  it('encodes a PNG of the same size', async () => {
    const page = await pdf.getPage(1);
    const { png, width, height, scale } = await renderPagePng(page, { scale: 1.5 });
    expect({ width, height, scale }).toEqual({ width: 300, height: 150, scale: 1.5 });
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    // IHDR: width and height, big-endian, at bytes 16–23.
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    expect([view.getUint32(16), view.getUint32(20)]).toEqual([300, 150]);
  });

  it('rejects with the signal’s reason when aborted before or during the render', async () => {
    const page = await pdf.getPage(1);
    const reason = new Error('page timeout');
    await expect(renderPage(page, { scale: 1, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    const controller = new AbortController();
    const rendering = renderPagePng(page, { scale: 4, signal: controller.signal });
    controller.abort(reason);
    await expect(rendering).rejects.toBe(reason);
    // The page still renders afterwards.
    await expect(renderPage(page, { scale: 1 })).resolves.toMatchObject({ width: 200 });
  });
});

describe('renderedSize', () => {
  // Odd page sides, where rounding and the bitmap's ceil part ways, a rotated page, and a capped one.
  const pages: PdfPage[] = [
    { width: 100.2, height: 55.5, texts: [] },
    { width: 100.2, height: 55.5, texts: [], rotate: 90 },
    { width: 333.3, height: 71.7, texts: [] },
  ];
  let task: PDFDocumentLoadingTask;
  let pdf: PDFDocumentProxy;
  beforeAll(async () => {
    task = loadPdf(minimalPdf(pages));
    pdf = await task.promise;
  });
  afterAll(async () => {
    await task.destroy();
  });

  it.each([
    [1, 1.5, undefined],
    [2, 1.5, undefined],
    [3, 0.7, undefined],
    [3, 4, 20_000],
  ])('is the size page %d is rendered at (scale %d, cap %s)', async (number, scale, maxPixels) => {
    const page = await pdf.getPage(number);
    const { width, height } = page.getViewport({ scale: 1 });
    const rendered = await renderPagePng(page, { scale, ...(maxPixels ? { maxPixels } : {}) });
    expect(renderedSize(width, height, scale, maxPixels)).toEqual({
      width: rendered.width,
      height: rendered.height,
      scale: rendered.scale,
    });
  });

  it('differs from rounding where the bitmap takes the partial pixel', () => {
    expect(renderedSize(100.2, 55.5, 1.5)).toMatchObject({ width: 151, height: 84 });
  });
});
