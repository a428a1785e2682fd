/**
 * An extraction worker thread: runs extractDocument or renderDocumentPages (extract-document.ts)
 * for the pool, one call at a time, and reports progress so the pool can time each page and
 * terminate a thread stuck in one. Every failure goes back as a classified error; page PNGs are
 * transferred, not copied. The OCR engine is loaded on the first page that needs it and kept for
 * the thread's life.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { classifyPdfError, serializePdfError } from './errors.ts';
import { type ExtractionProgress, extractDocument, renderDocumentPages } from './extract-document.ts';
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
  const onProgress = (event: ExtractionProgress) => post({ type: 'progress', id, event });
  try {
    if (message.type === 'extract') {
      const document = await extractDocument(message.bytes, message.options, {
        ocr,
        onProgress,
        onWarning: (warning) => post({ type: 'warning', id, ...warning }),
      });
      post({ type: 'result', id, document });
      return;
    }
    const images = await renderDocumentPages(message.bytes, message.options, { onProgress });
    for (const image of images) {
      // The canvas's PNG lives in native memory, which cannot be transferred: copy it once.
      image.png = new Uint8Array(image.png);
    }
    post(
      { type: 'rendered', id, images },
      images.map((image) => image.png.buffer as ArrayBuffer),
    );
  } catch (error) {
    post({ type: 'error', id, error: serializePdfError(classifyPdfError(error)) });
  }
}

port.on('message', (message: ToWorker) => {
  void run(message);
});
