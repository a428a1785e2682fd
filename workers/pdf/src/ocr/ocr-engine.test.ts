/**
 * The OCR engine with the real PP-OCRv4 models on onnxruntime (CPU): a page made by hand with known
 * text is rendered and recognised.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPdf } from '../extract/pdfjs.ts';
import { minimalPdf } from '../extract/testing/minimal-pdf.ts';
import { type RenderedPage, renderPage } from '../render/render-page.ts';
import { normaliseForCer } from './char-error-rate.ts';
import { loadOcrEngine, type OcrEngine, ocrModelsDir } from './ocr-engine.ts';

const SCALE = 4;
const PAGE = {
  width: 400,
  height: 200,
  texts: [
    { x: 20, y: 80, size: 12, text: 'Total due: 1,234.56 EUR' },
    { x: 240, y: 80, size: 12, text: 'Paid' },
    { x: 20, y: 160, size: 10, text: 'The quick brown fox jumps over the lazy dog again and again' },
  ],
};

let engine: OcrEngine;
let image: RenderedPage;

beforeAll(async () => {
  engine = await loadOcrEngine({ intraOpThreads: 1 });
  const task = loadPdf(minimalPdf([PAGE]));
  try {
    image = await renderPage(await (await task.promise).getPage(1), { scale: SCALE });
  } finally {
    await task.destroy();
  }
});
afterAll(async () => {
  await engine?.dispose();
});

describe('ocrModelsDir', () => {
  it('finds the installed model files', () => {
    for (const file of ['ch_PP-OCRv4_det_infer.onnx', 'ch_PP-OCRv4_rec_infer.onnx', 'ppocr_keys_v1.txt']) {
      expect(existsSync(path.join(ocrModelsDir(), file))).toBe(true);
    }
  });
});

describe('recognize', () => {
  it('reads the lines in reading order, boxed where the text is', async () => {
    const lines = await engine.recognize(image);
    expect(lines.map((line) => normaliseForCer(line.text))).toEqual([
      'Totaldue:1,234.56EUR',
      'Paid',
      'Thequickbrownfoxjumpsoverthelazydogagainandagain',
    ]);
    expect(lines[2]!.text.split(' ')).toHaveLength(12);
    PAGE.texts.forEach((text, index) => {
      const { box } = lines[index]!;
      // The box starts near the text's origin and spans its baseline, in image pixels.
      expect(box.x).toBeGreaterThan((text.x - 6) * SCALE);
      expect(box.x).toBeLessThan((text.x + 2) * SCALE);
      expect(box.y).toBeLessThan(text.y * SCALE);
      expect(box.y + box.height).toBeGreaterThan(text.y * SCALE);
      expect(box.height).toBeLessThan(2 * text.size * SCALE);
      expect(lines[index]!.confidence).toBeGreaterThan(0.8);
      expect(lines[index]!.confidence).toBeLessThanOrEqual(1);
    });
  });

  it('finds nothing on a blank page', async () => {
    const blank = { width: 300, height: 200, rgba: new Uint8ClampedArray(300 * 200 * 4).fill(255) };
    expect(await engine.recognize(blank)).toEqual([]);
  });

  it('serves concurrent calls', async () => {
    const [first, second] = await Promise.all([engine.recognize(image), engine.recognize(image)]);
    expect(second).toEqual(first);
  });

  it('rejects an aborted call with the signal’s reason', async () => {
    const reason = new Error('page timeout');
    await expect(engine.recognize(image, AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it('refuses pixels that do not match the size', async () => {
    await expect(engine.recognize({ width: 10, height: 10, rgba: new Uint8ClampedArray(12) })).rejects.toThrow(
      'an RGBA image of 10 × 10 needs 400 bytes, got 12',
    );
  });
});

describe('dispose', () => {
  it('stops a call in progress at its next model run, then releases the sessions once', async () => {
    const own = await loadOcrEngine({ intraOpThreads: 1 });
    const running = own.recognize(image);
    const disposing = own.dispose();
    expect(own.dispose()).toBe(disposing);
    await expect(running).rejects.toThrow('the OCR engine was disposed');
    await disposing;
    await expect(own.recognize(image)).rejects.toThrow('the OCR engine was disposed');
  });
});
