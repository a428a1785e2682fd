/**
 * OCR of whole pdfjs pages with the real models: boxes come back in page points, and an image-only
 * page (a scan of text from the pdf.js corpus, when the shared datasets are present) is read.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPdf, type PDFPageProxy } from '../extract/pdfjs.ts';
import { minimalPdf } from '../extract/testing/minimal-pdf.ts';
import { normaliseForCer } from './char-error-rate.ts';
import { loadOcrEngine, type OcrEngine } from './ocr-engine.ts';
import { ocrPage } from './ocr-page.ts';
import { pdfDatasetsDir } from './testing/test-files.ts';

/** pdf.js's issue7200.pdf: one page, an 80 dpi 4-bit image of Lorem ipsum paragraphs, no text layer. */
const SCAN = path.join(pdfDatasetsDir(), 'pdfjs-corpus/issue7200.pdf');
const hasScan = existsSync(SCAN);
if (!hasScan) console.warn(`OCR scan test skipped: ${SCAN} is absent (set PRELABEL_DATASETS_DIR)`);

let engine: OcrEngine;
beforeAll(async () => {
  engine = await loadOcrEngine({ intraOpThreads: 1 });
});
afterAll(async () => {
  await engine?.dispose();
});

/** Opens the first page of a PDF (a copy of the bytes: pdfjs detaches what it is given). */
async function withPage<T>(bytes: Uint8Array, use: (page: PDFPageProxy) => Promise<T>): Promise<T> {
  const task = loadPdf(bytes.slice());
  try {
    return await use(await (await task.promise).getPage(1));
  } finally {
    await task.destroy();
  }
}

describe('ocrPage', () => {
  const bytes = minimalPdf([
    { width: 300, height: 120, texts: [{ x: 30, y: 70, size: 14, text: 'Quarterly report' }] },
  ]);

  it.each([
    ['the default scale', undefined],
    ['scale 2', 2],
  ])('gives boxes in page points at %s', async (_name, scale) => {
    const lines = await withPage(bytes, (page) => ocrPage(page, engine, scale === undefined ? {} : { scale }));
    expect(lines.map((line) => normaliseForCer(line.text))).toEqual(['Quarterlyreport']);
    const { box } = lines[0]!;
    expect(box.x).toBeGreaterThan(24);
    expect(box.x).toBeLessThan(32);
    expect(box.y).toBeLessThan(70);
    expect(box.y + box.height).toBeGreaterThan(70);
    expect(box.height).toBeGreaterThan(10);
    expect(box.height).toBeLessThan(28);
    expect(box.x + box.width).toBeLessThan(300);
  });

  it('rejects with the signal’s reason', async () => {
    const reason = new Error('page timeout');
    await expect(withPage(bytes, (page) => ocrPage(page, engine, { signal: AbortSignal.abort(reason) }))).rejects.toBe(
      reason,
    );
  });

  it.skipIf(!hasScan)('reads a scanned page of text', async () => {
    const started = performance.now();
    const lines = await withPage(new Uint8Array(readFileSync(SCAN)), (page) => ocrPage(page, engine));
    const text = lines.map((line) => line.text).join('\n');
    console.log(
      `OCR of ${path.basename(SCAN)}: ${lines.length} lines in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    // 28 lines in five paragraphs; the image is 80 dpi, so a word or two may come out wrong.
    expect(lines.length).toBeGreaterThanOrEqual(25);
    for (const phrase of [
      'Lorem ipsum dolor sit amet',
      'Duis autem vel eum iriure dolor in hendrerit',
      'Ut wisi enim ad minim veniam',
      'Nam liber tempor cum soluta nobis eleifend',
    ]) {
      expect(normaliseForCer(text)).toContain(normaliseForCer(phrase));
    }
    expect(lines[0]!.text).toMatch(/^Lorem ipsum/);
    // Inside the A4 page, in points.
    for (const { box } of lines) {
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(596);
      expect(box.y + box.height).toBeLessThanOrEqual(843);
    }
  });
});
