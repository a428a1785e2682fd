/**
 * The extraction pool with real worker threads: results, classified failures, thread reuse and
 * replacement after a page timeout, memory limits, abort, page images and close.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ExtractOptions, PdfExtractionError } from './document.ts';
import { createExtractionPool, type ExtractionPool } from './extraction-pool.ts';
import { minimalPdf, type PdfText, twoColumnPage } from './testing/minimal-pdf.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const pdfParseData = path.join(repoRoot, 'node_modules/pdf-parse/test/data');
const options: ExtractOptions = { ocr: 'never', maxBytes: 50 * 1024 * 1024, maxPages: 50, pageTimeoutMs: 30_000 };
const small = minimalPdf([twoColumnPage(3)]);
/** One page of 40 000 words: far more than 50 ms of work for any machine. */
const heavy = minimalPdf([
  {
    texts: Array.from(
      { length: 40_000 },
      (_, index): PdfText => ({
        x: 10 + (index % 50) * 11,
        y: 20 + (Math.floor(index / 50) % 70) * 10,
        size: 8,
        text: `w${index}`,
      }),
    ),
  },
]);

let unhandled = 0;
const countUnhandled = () => {
  unhandled++;
};
process.on('unhandledRejection', countUnhandled);
afterAll(() => {
  process.off('unhandledRejection', countUnhandled);
});

let pool: ExtractionPool;
beforeEach(() => {
  pool = createExtractionPool({ size: 2, timeoutSlackMs: 500 });
});
afterEach(async () => {
  await pool.close();
  expect(unhandled).toBe(0);
});

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (error instanceof PdfExtractionError ? error.code : `unclassified: ${String(error)}`),
  );

describe('createExtractionPool', () => {
  it('extracts several files at once and keeps the caller’s bytes intact', async () => {
    const tracemonkey = new Uint8Array(readFileSync(path.join(pdfParseData, '01-valid.pdf')));
    const [paper, page] = await Promise.all([pool.extract(tracemonkey, options), pool.extract(small, options)]);
    expect(paper.pageCount).toBe(14);
    expect(paper.pages[0]!.blocks[0]!.kind).toBe('title');
    expect(page.text).toContain('right-3');
    expect(tracemonkey.byteLength).toBeGreaterThan(0);
    expect(new TextDecoder().decode(tracemonkey.subarray(0, 5))).toBe('%PDF-');
  });

  it('rejects each bad file with its classified error and goes on with the next', async () => {
    const results = await Promise.all([
      codeOf(pool.extract(new TextEncoder().encode('not a pdf at all'), options)),
      codeOf(pool.extract(new Uint8Array(readFileSync(path.join(pdfParseData, '03-invalid.pdf'))), options)),
      codeOf(pool.extract(minimalPdf([]), options)),
      codeOf(pool.extract(small, { ...options, maxPages: 0 })),
      codeOf(pool.extract(small, options)),
    ]);
    expect(results).toEqual(['not_pdf', 'damaged', 'no_pages', 'too_many_pages', 'resolved']);
  });

  it('terminates a thread that runs past the page timeout and serves the next file with a new one', async () => {
    const error = await pool.extract(heavy, { ...options, pageTimeoutMs: 50 }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(PdfExtractionError);
    // Opening or page 1, depending on how busy the machine is.
    expect(error).toMatchObject({
      code: 'page_timeout',
      message: expect.stringMatching(/took longer than the limit of 50 ms$/),
    });
    expect((await pool.extract(small, options)).text).toContain('left-1');
  });

  it('rejects with out_of_memory when a thread exceeds its heap limit', async () => {
    const tiny = createExtractionPool({ size: 1, maxOldGenerationSizeMb: 12 });
    try {
      expect(await codeOf(tiny.extract(heavy, options))).toBe('out_of_memory');
    } finally {
      await tiny.close();
    }
  });

  it("rejects with the signal's reason when the caller aborts, waiting or running", async () => {
    const one = createExtractionPool({ size: 1 });
    try {
      const controller = new AbortController();
      const running = one.extract(heavy, options, controller.signal);
      const waiting = one.extract(small, options, controller.signal);
      const reason = new Error('job cancelled');
      setTimeout(() => controller.abort(reason), 100);
      await expect(running).rejects.toBe(reason);
      await expect(waiting).rejects.toBe(reason);
      await expect(one.extract(small, options, AbortSignal.abort(reason))).rejects.toBe(reason);
      expect((await one.extract(small, options)).pageCount).toBe(1);
    } finally {
      await one.close();
    }
  });

  it('renders the pages asked for as PNGs, in the order asked, with the extraction’s limits', async () => {
    const bytes = minimalPdf([twoColumnPage(2), twoColumnPage(1), { texts: [] }]);
    const images = await pool.render(bytes, { ...options, scale: 0.5, pages: [2, 0] });
    expect(images.map((image) => [image.index, image.width, image.height])).toEqual([
      [2, 306, 396],
      [0, 306, 396],
    ]);
    expect([...images[0]!.png.subarray(1, 4)]).toEqual([0x50, 0x4e, 0x47]);
    await expect(pool.render(bytes, { ...options, maxPages: 2, scale: 0.5, pages: [0] })).rejects.toMatchObject({
      code: 'too_many_pages',
    });
  });

  it('OCRs a page in its thread when asked, loading the OCR engine there', async () => {
    const document = await pool.extract(
      minimalPdf([{ texts: [{ x: 72, y: 120, size: 28, text: 'Recognise this line' }] }]),
      { ...options, ocr: 'always' },
    );
    const [page] = document.pages;
    expect(page!.source).toBe('ocr');
    expect(page!.text.toLowerCase().replace(/\s+/g, '')).toContain('recognisethisline');
    expect(page!.ocr!.confidence).toBeGreaterThan(0.5);
    expect(page!.ocr!.lines[0]!.box.y).toBeGreaterThan(80);
  });

  it('rejects waiting and running calls on close, and any call after it', async () => {
    const one = createExtractionPool({ size: 1 });
    const running = one.extract(heavy, options).catch((error: unknown) => error);
    const waiting = one.extract(small, options).catch((error: unknown) => error);
    await one.close();
    expect(await running).toMatchObject({ message: 'the extraction pool was closed' });
    expect(await waiting).toMatchObject({ message: 'the extraction pool was closed' });
    await expect(one.extract(small, options)).rejects.toThrow('the extraction pool is closed');
    await one.close();
  });

  it('refuses a pool without threads', () => {
    expect(() => createExtractionPool({ size: 0 })).toThrow('extraction pool size must be a positive integer');
  });
});
