/**
 * The OCR behind extraction: a PageRecogniser that loads the OCR engine (ocr/ocr-engine.ts) the
 * first time a page needs it and then reuses it, so a thread that never meets a scan never loads
 * the models. One per extraction thread; `dispose()` releases the engine's sessions.
 */
import { loadOcrEngine, type OcrDevice, type OcrEngine, type OcrEngineOptions } from '../ocr/ocr-engine.ts';
import { ocrPage } from '../ocr/ocr-page.ts';
import type { PageRecogniser } from './extract-document.ts';

export interface OcrRecogniserOptions {
  /** onnxruntime threads inside one operator; default: onnxruntime's (one per core). */
  intraOpThreads?: number | undefined;
  /** Where the OCR models run; CUDA falls back to CPU. @defaultValue 'cpu' */
  device?: OcrDevice | undefined;
  /** Told once why CUDA could not load, when `device` is 'cuda' and the engine runs on CPU. */
  onCudaUnavailable?: ((reason: string) => void) | undefined;
}

function engineOptions(options: OcrRecogniserOptions): OcrEngineOptions {
  return {
    ...(options.intraOpThreads === undefined ? {} : { intraOpThreads: options.intraOpThreads }),
    ...(options.device === undefined ? {} : { device: options.device }),
    ...(options.onCudaUnavailable === undefined ? {} : { onCudaUnavailable: options.onCudaUnavailable }),
  };
}

export function createOcrRecogniser(options: OcrRecogniserOptions = {}): PageRecogniser & { dispose(): Promise<void> } {
  let engine: Promise<OcrEngine> | undefined;
  return {
    async recognise(page, signal) {
      engine ??= loadOcrEngine(engineOptions(options));
      return ocrPage(page, await engine, { signal });
    },
    async dispose() {
      if (engine === undefined) return;
      const loading = engine;
      engine = undefined;
      // An engine that failed to load holds nothing to release.
      const loaded = await loading.catch(() => undefined);
      await loaded?.dispose();
    },
  };
}
