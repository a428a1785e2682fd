/**
 * An extraction worker thread: runs extractDocument (extract-document.ts) for the pool, one file
 * at a time, and reports progress so the pool can time each page and terminate a thread stuck in
 * one. Every failure goes back as a classified error; page PNGs are transferred, not copied. The
 * OCR engine is loaded on the first page that needs it and kept for the thread's life.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { classifyPdfError, serializePdfError } from './errors.ts';
import { extractDocument } from './extract-document.ts';
import type { FromWorker, ToWorker, WorkerSetup } from './extraction-protocol.ts';
import { createOcrRecogniser } from './ocr-recogniser.ts';

if (parentPort === null) throw new Error('extraction-worker.ts runs as a worker thread of the extraction pool');
const port = parentPort;
const setup = (workerData ?? {}) as WorkerSetup;
const ocr = createOcrRecogniser({
  intraOpThreads: setup.ocrIntraOpThreads,
  device: setup.ocrDevice,
  onCudaUnavailable: (reason) => post({ type: 'ocr-on-cpu', reason }),
});
const post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

async function run(message: ToWorker): Promise<void> {
  const { id } = message;
  try {
    const document = await extractDocument(message.bytes, message.options, {
      ocr,
      renderPages: message.renderPages,
      onProgress: (event) => post({ type: 'progress', id, event }),
      onWarning: (warning) => post({ type: 'warning', id, ...warning }),
    });
    const transfer: ArrayBuffer[] = [];
    for (const image of document.pageImages ?? []) {
      // The canvas's PNG lives in native memory, which cannot be transferred: copy it once.
      image.png = new Uint8Array(image.png);
      transfer.push(image.png.buffer as ArrayBuffer);
    }
    post({ type: 'result', id, document }, transfer);
  } catch (error) {
    post({ type: 'error', id, error: serializePdfError(classifyPdfError(error)) });
  }
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'extract') void run(message);
});
