/**
 * The extraction pool: PDF extraction off the main event loop, in `node:worker_threads` threads
 * running extraction-worker.ts, so one hostile file cannot stall a service.
 *
 * - Up to `size` threads, started on demand and reused between files; calls beyond that wait in
 *   order. An idle thread does not keep the process alive.
 * - Each call is watched from this thread: the opening and every page get `pageTimeoutMs` plus a
 *   little slack (the thread reports each page's start and end). A thread that runs past it —
 *   even stuck in synchronous code — is terminated and replaced, and the call rejects with
 *   `page_timeout`. A call whose signal aborts rejects with the signal's reason, its thread
 *   terminated the same way if it was running.
 * - A thread that runs out of its `resourceLimits` heap rejects its call with `out_of_memory`; any
 *   other death of a thread rejects only the call it was running (`damaged`).
 * - `extract` gives the document's structure; `render` gives PNGs of some of its pages (the layout
 *   template asks for a batch at a time), opening the PDF the same way, with the same limits.
 * - Results come back as structured clones; page PNGs are transferred. The input bytes are copied
 *   into the thread, so the caller's array stays usable.
 * - OCR runs on CPU, or with `ocrDevice: 'cuda'` on the CUDA execution provider; a thread where
 *   that cannot load runs OCR on CPU, and the pool logs it once.
 * - `close()` rejects waiting and running calls and terminates every thread; it is idempotent.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { OcrDevice } from '../ocr/ocr-engine.ts';
import { type ExtractedDocument, type ExtractOptions, PdfExtractionError } from './document.ts';
import { deserializePdfError } from './errors.ts';
import type { PageImage } from './extract-document.ts';
import type { FromWorker, RenderOptions, ToWorker, WorkerSetup } from './extraction-protocol.ts';

export interface PoolLogger {
  warn(object: object, message: string): void;
}

export interface ExtractionPoolOptions {
  /** Threads at most. */
  size: number;
  /** Heap limit of each thread (V8 old generation), in MiB. @defaultValue 2048 */
  maxOldGenerationSizeMb?: number | undefined;
  /** onnxruntime threads per OCR operator in each thread. @defaultValue cores / size, at least 1 */
  ocrIntraOpThreads?: number | undefined;
  /**
   * Where the threads run OCR. With 'cuda', a thread whose CUDA provider cannot load runs OCR on
   * CPU; the pool logs that once. @defaultValue 'cpu'
   */
  ocrDevice?: OcrDevice | undefined;
  /** Slack added to `pageTimeoutMs` before a silent thread is terminated. @defaultValue 2000 */
  timeoutSlackMs?: number | undefined;
  log?: PoolLogger | undefined;
}

export type { RenderOptions } from './extraction-protocol.ts';

export interface ExtractionPool {
  extract(bytes: Uint8Array, options: ExtractOptions, signal?: AbortSignal): Promise<ExtractedDocument>;
  /** PNGs of the pages `options.pages` (0-based, within the document), in that order. */
  render(bytes: Uint8Array, options: RenderOptions, signal?: AbortSignal): Promise<PageImage[]>;
  close(): Promise<void>;
}

export const DEFAULT_MAX_OLD_GENERATION_SIZE_MB = 2048;
const DEFAULT_TIMEOUT_SLACK_MS = 2000;
const WORKER_URL = new URL('./extraction-worker.ts', import.meta.url);

type Request = { type: 'extract'; options: ExtractOptions } | { type: 'render'; options: RenderOptions };

interface Call {
  id: number;
  bytes: Uint8Array;
  request: Request;
  signal: AbortSignal | undefined;
  resolve(result: ExtractedDocument | PageImage[]): void;
  reject(error: unknown): void;
  onAbort: () => void;
  /** What the thread is doing, for the timeout message. */
  stage: string;
}

type Outcome = { result: ExtractedDocument | PageImage[] } | { error: unknown };

interface Slot {
  worker: Worker;
  call: Call | undefined;
  timer: NodeJS.Timeout | undefined;
}

/** The message for a call: only the options the thread reads (no functions, nothing extra). */
function toWorker({ id, bytes, request }: Call): ToWorker {
  const { password, maxBytes, maxPages, pageTimeoutMs } = request.options;
  const open = { password, maxBytes, maxPages, pageTimeoutMs };
  return request.type === 'extract'
    ? { type: 'extract', id, bytes, options: { ...open, ocr: request.options.ocr } }
    : { type: 'render', id, bytes, options: { ...open, scale: request.options.scale, pages: request.options.pages } };
}

export function createExtractionPool(options: ExtractionPoolOptions): ExtractionPool {
  if (!Number.isInteger(options.size) || options.size < 1)
    throw new RangeError(`extraction pool size must be a positive integer, got ${options.size}`);
  const maxOldGenerationSizeMb = options.maxOldGenerationSizeMb ?? DEFAULT_MAX_OLD_GENERATION_SIZE_MB;
  const setup: WorkerSetup = {
    ocrIntraOpThreads: options.ocrIntraOpThreads ?? Math.max(1, Math.floor(availableParallelism() / options.size)),
    ocrDevice: options.ocrDevice,
  };
  let toldOcrOnCpu = false;
  const slackMs = options.timeoutSlackMs ?? DEFAULT_TIMEOUT_SLACK_MS;
  const slots = new Set<Slot>();
  const waiting: Call[] = [];
  let nextId = 1;
  let closed = false;

  function settle(call: Call, outcome: Outcome) {
    call.signal?.removeEventListener('abort', call.onAbort);
    if ('result' in outcome) call.resolve(outcome.result);
    else call.reject(outcome.error);
  }

  function startSlot(): Slot {
    const worker = new Worker(WORKER_URL, { workerData: setup, resourceLimits: { maxOldGenerationSizeMb } });
    const slot: Slot = { worker, call: undefined, timer: undefined };
    slots.add(slot);
    worker.on('message', (message: FromWorker) => onMessage(slot, message));
    worker.on('error', (error: Error & { code?: string }) => {
      // The thread is gone: no new call may land on it before its 'exit'.
      slots.delete(slot);
      const failed =
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new PdfExtractionError(
              'out_of_memory',
              `extracting the PDF needed more than the ${maxOldGenerationSizeMb} MiB heap limit`,
            )
          : new PdfExtractionError(
              'damaged',
              `the extraction thread failed on this PDF: ${error.message || error.name || String(error)}`,
            );
      finishCall(slot, { error: failed });
    });
    worker.on('exit', (code) => {
      slots.delete(slot);
      clearTimeout(slot.timer);
      finishCall(slot, {
        error: new PdfExtractionError(
          'damaged',
          `the extraction thread stopped (exit code ${code}) while reading this PDF`,
        ),
      });
      dispatch();
    });
    return slot;
  }

  /** Ends the slot's call (if any) with the outcome; the slot becomes idle. */
  function finishCall(slot: Slot, outcome: Outcome) {
    const call = slot.call;
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.call = undefined;
    slot.worker.unref();
    if (call !== undefined) settle(call, outcome);
  }

  /** Terminates the slot's thread (a new one is started when needed) and ends its call with `error`. */
  function kill(slot: Slot, error: unknown) {
    slots.delete(slot);
    finishCall(slot, { error });
    slot.worker.terminate().catch((failure: unknown) => {
      options.log?.warn({ err: failure }, 'extraction thread did not terminate cleanly');
    });
    dispatch();
  }

  function watch(slot: Slot, call: Call, stage: string) {
    call.stage = stage;
    clearTimeout(slot.timer);
    const limitMs = call.request.options.pageTimeoutMs;
    slot.timer = setTimeout(() => {
      kill(slot, new PdfExtractionError('page_timeout', `${call.stage} took longer than the limit of ${limitMs} ms`));
    }, limitMs + slackMs);
  }

  function onMessage(slot: Slot, message: FromWorker) {
    if (message.type === 'ocr-on-cpu') {
      // Every thread finds out for itself; one line says it.
      if (!toldOcrOnCpu)
        options.log?.warn(
          { err: message.reason, device: 'cpu' },
          'CUDA execution provider unavailable, running OCR on CPU',
        );
      toldOcrOnCpu = true;
      return;
    }
    const call = slot.call;
    if (call === undefined || message.id !== call.id) return;
    switch (message.type) {
      case 'progress':
        if (message.event.type === 'page-start') watch(slot, call, `page ${message.event.index + 1}`);
        else if (message.event.type === 'page-done') watch(slot, call, 'finishing the document');
        return;
      case 'warning':
        options.log?.warn({ pageIndex: message.pageIndex, reason: message.message }, 'pdf page partly extracted');
        return;
      case 'result':
        finishCall(slot, { result: message.document });
        dispatch();
        return;
      case 'rendered':
        finishCall(slot, { result: message.images });
        dispatch();
        return;
      case 'error': {
        const error = deserializePdfError(message.error);
        // pdfjs may still be busy with the page that timed out inside the thread: start afresh.
        if (error.code === 'page_timeout') kill(slot, error);
        else {
          finishCall(slot, { error });
          dispatch();
        }
        return;
      }
    }
  }

  function dispatch() {
    while (!closed && waiting.length > 0) {
      let slot = [...slots].find((candidate) => candidate.call === undefined);
      if (slot === undefined) {
        if (slots.size >= options.size) return;
        slot = startSlot();
      }
      const call = waiting.shift()!;
      slot.call = call;
      slot.worker.ref();
      watch(slot, call, 'opening the PDF');
      slot.worker.postMessage(toWorker(call));
    }
  }

  function submit(bytes: Uint8Array, request: Request, signal: AbortSignal | undefined): Promise<unknown> {
    if (closed) return Promise.reject(new Error('the extraction pool is closed'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const call: Call = {
        id: nextId++,
        bytes,
        request,
        signal,
        resolve,
        reject,
        stage: 'waiting',
        onAbort: () => {
          const queued = waiting.indexOf(call);
          if (queued !== -1) {
            waiting.splice(queued, 1);
            settle(call, { error: signal!.reason });
            return;
          }
          const slot = [...slots].find((candidate) => candidate.call === call);
          if (slot !== undefined) kill(slot, signal!.reason);
        },
      };
      signal?.addEventListener('abort', call.onAbort, { once: true });
      waiting.push(call);
      dispatch();
    });
  }

  return {
    extract: (bytes, options, signal) =>
      submit(bytes, { type: 'extract', options }, signal) as Promise<ExtractedDocument>,
    render: (bytes, options, signal) => submit(bytes, { type: 'render', options }, signal) as Promise<PageImage[]>,
    async close() {
      if (closed) return;
      closed = true;
      const error = new Error('the extraction pool was closed');
      for (const call of waiting.splice(0)) settle(call, { error });
      const running = [...slots];
      slots.clear();
      for (const slot of running) finishCall(slot, { error });
      await Promise.all(running.map((slot) => slot.worker.terminate().catch(() => undefined)));
    },
  };
}
