/**
 * Messages between the extraction pool (main thread) and an extraction worker thread: a call
 * extracts a document or renders some of its pages. Everything crosses as a structured clone;
 * page PNGs are transferred.
 */
import type { OcrDevice } from '../ocr/ocr-engine.ts';
import type { ExtractedDocument, ExtractOptions } from './document.ts';
import type { SerializedPdfError } from './errors.ts';
import type { ExtractionProgress, OpenOptions, PageImage } from './extract-document.ts';

export interface WorkerSetup {
  /** onnxruntime threads per OCR operator in this thread. */
  ocrIntraOpThreads?: number | undefined;
  /** Where this thread runs OCR; CUDA falls back to CPU. */
  ocrDevice?: OcrDevice | undefined;
}

export type ToWorker =
  | { type: 'extract'; id: number; bytes: Uint8Array; options: ExtractOptions }
  | { type: 'render'; id: number; bytes: Uint8Array; options: RenderOptions };

/** Which pages to render to PNG, at how many pixels per point. */
export type RenderOptions = OpenOptions & { scale: number; pages: readonly number[] };

export type FromWorker =
  | { type: 'progress'; id: number; event: ExtractionProgress }
  | { type: 'warning'; id: number; pageIndex: number; message: string }
  | { type: 'result'; id: number; document: ExtractedDocument }
  | { type: 'rendered'; id: number; images: PageImage[] }
  | { type: 'error'; id: number; error: SerializedPdfError }
  /** The thread's OCR was asked to run on CUDA, which could not load: it runs on CPU. */
  | { type: 'ocr-on-cpu'; reason: string };
