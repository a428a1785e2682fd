/**
 * OCR device selection: asked for CUDA where it cannot load (every machine the tests run on has
 * onnxruntime-node's CPU build), the engine runs on CPU, says why once, and still reads; the
 * extraction pool logs that once however many threads find it out. On a machine where CUDA
 * loads, the engine runs there and nothing is said.
 *
 * In a file of its own: the CUDA session must be this process's first, as in a worker started
 * with PDF_OCR_DEVICE=cuda, so onnxruntime's own error line stays quiet.
 */
import { describe, expect, it } from 'vitest';
import { createExtractionPool } from '../extract/extraction-pool.ts';
import { loadPdf } from '../extract/pdfjs.ts';
import { minimalPdf } from '../extract/testing/minimal-pdf.ts';
import { renderPage } from '../render/render-page.ts';
import { normaliseForCer } from './char-error-rate.ts';
import { loadOcrEngine } from './ocr-engine.ts';

const PAGE = { width: 300, height: 100, texts: [{ x: 20, y: 60, size: 14, text: 'Invoice 2041' }] };
/** Whether CUDA loaded on this machine (the first test finds out; the tests run in order). */
let cudaLoads = false;

describe('OCR on CUDA', () => {
  it('falls back to CPU with one reason when CUDA cannot load, and still reads', async () => {
    const reasons: string[] = [];
    const engine = await loadOcrEngine({
      device: 'cuda',
      intraOpThreads: 1,
      onCudaUnavailable: (reason) => reasons.push(reason),
    });
    try {
      cudaLoads = engine.device === 'cuda';
      if (cudaLoads) expect(reasons).toEqual([]);
      else expect(reasons).toEqual([expect.stringMatching(/cuda/i)]);
      const task = loadPdf(minimalPdf([PAGE]));
      try {
        const image = await renderPage(await (await task.promise).getPage(1), { scale: 4 });
        const lines = await engine.recognize(image);
        expect(lines.map((line) => normaliseForCer(line.text))).toEqual(['Invoice2041']);
      } finally {
        await task.destroy();
      }
    } finally {
      await engine.dispose();
    }
  });

  it('runs on CPU without a word when asked to', async () => {
    const reasons: string[] = [];
    const engine = await loadOcrEngine({
      device: 'cpu',
      intraOpThreads: 1,
      onCudaUnavailable: (reason) => reasons.push(reason),
    });
    expect(engine.device).toBe('cpu');
    expect(reasons).toEqual([]);
    await engine.dispose();
  });

  it('has the extraction pool say it once for all its threads', async () => {
    const warnings: [object, string][] = [];
    const pool = createExtractionPool({
      size: 2,
      ocrDevice: 'cuda',
      ocrIntraOpThreads: 1,
      log: { warn: (fields, message) => warnings.push([fields, message]) },
    });
    try {
      const options = { ocr: 'always', maxBytes: 1 << 20, maxPages: 5, pageTimeoutMs: 60_000 } as const;
      const documents = await Promise.all([
        pool.extract(minimalPdf([PAGE]), options),
        pool.extract(minimalPdf([PAGE]), options),
      ]);
      for (const document of documents) {
        expect(document.pages[0]!.source).toBe('ocr');
        expect(normaliseForCer(document.text)).toBe('Invoice2041');
      }
      // A GPU machine says nothing; elsewhere both threads fall back and one line says so.
      expect(warnings).toEqual(
        cudaLoads
          ? []
          : [
              [
                { device: 'cpu', err: expect.stringMatching(/cuda/i) },
                'CUDA execution provider unavailable, running OCR on CPU',
              ],
            ],
      );
    } finally {
      await pool.close();
    }
  }, 60_000);
});
