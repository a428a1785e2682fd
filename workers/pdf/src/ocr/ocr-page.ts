/**
 * OCR of one pdfjs page: render it (render-page.ts) and recognise the bitmap with an
 * {@link OcrEngine}; line boxes come back in page points (the extraction's geometry: origin at the
 * top-left of the page as displayed).
 *
 * The default scale, 4 pixels per point (288 dpi), sets 10-point body text 40 pixels tall, so the
 * recogniser's 48-pixel input (text plus the detector's margin) takes it at about 1:1. The
 * character error rate hardly depends on the scale, but word gaps do: the recogniser glues words
 * of upscaled small print. Measured on pdf-parse's test pages (words out of pdftotext's): the
 * tracemonkey paper's page 1 gave 653, 722, 726 of 723 at 2, 3, 4 px/pt; 02-valid.pdf's page 1
 * 636, 736, 754 of 772; a 10-point "Thank you for your business." came out glued below 4.
 * Recognition, the bulk of the time, costs the same at any scale (its input is 48 pixels high);
 * rendering and detection preprocessing grow with the bitmap (about 0.8 s for a Letter page at 4).
 * Pages too large for the render cap are rendered smaller (see `fitRenderScale`), and the boxes are
 * converted with the scale used.
 */
import type { OcrLine } from '../extract/document.ts';
import type { PDFPageProxy } from '../extract/pdfjs.ts';
import { renderPage } from '../render/render-page.ts';
import type { OcrEngine } from './ocr-engine.ts';

export const DEFAULT_OCR_SCALE = 4;

export interface OcrPageOptions {
  /** Pixels per point to render at. @defaultValue {@link DEFAULT_OCR_SCALE} */
  scale?: number;
  signal?: AbortSignal;
}

export async function ocrPage(page: PDFPageProxy, engine: OcrEngine, options: OcrPageOptions = {}): Promise<OcrLine[]> {
  const image = await renderPage(page, {
    scale: options.scale ?? DEFAULT_OCR_SCALE,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const lines = await engine.recognize(image, options.signal);
  const { scale } = image;
  return lines.map((line) => ({
    ...line,
    box: {
      x: line.box.x / scale,
      y: line.box.y / scale,
      width: line.box.width / scale,
      height: line.box.height / scale,
    },
  }));
}
