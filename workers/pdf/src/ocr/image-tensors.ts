/**
 * Image → model-input tensors, following PaddleOCR's inference preprocessing:
 *
 * - detection (`DetResizeForTest`, limit type `max`, then `NormalizeImage`): the image is resized
 *   so that its longer side is at most `maxSidePx`, each side rounded to a multiple of 32 (at least
 *   32), and normalised per channel with the ImageNet mean/std on values/255;
 * - recognition (`resize_norm_img`): a text line is cut out along its rectangle, resized to the
 *   model's height keeping its aspect ratio, normalised to (v/255 − 0.5)/0.5 and right-padded with
 *   zeros to the batch width.
 *
 * Channel order is BGR, as PaddleOCR feeds its models (OpenCV images); the ImageNet mean/std are
 * applied in that order, as PaddleOCR does. Tensors are float32 NCHW. Input images are RGBA rows;
 * non-opaque pixels are composited over white. Sampling is bilinear with pixel centres at +0.5
 * (OpenCV's convention), clamped at the edges, and averaged over a k × k grid per output pixel when
 * shrinking by more than 1:1 so that thin strokes survive downscaling.
 */
import type { Point, Quad } from './geometry.ts';

export interface RgbaImage {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

const DET_MEAN = [0.485, 0.456, 0.406];
const DET_STD = [0.229, 0.224, 0.225];
/** BGR channel c reads RGBA byte offset BGR_OFFSET[c]. */
const BGR_OFFSET = [2, 1, 0];

/** The detector's input size for an image: longer side ≤ `maxSidePx`, both sides multiples of 32. */
export function detectionSize(width: number, height: number, maxSidePx: number): { width: number; height: number } {
  const longer = Math.max(width, height);
  const ratio = longer > maxSidePx ? maxSidePx / longer : 1;
  const round32 = (side: number) => Math.max(32, Math.round(Math.trunc(side * ratio) / 32) * 32);
  return { width: round32(width), height: round32(height) };
}

/**
 * The width a text crop of `cropWidth` × `cropHeight` gets at the model's `height`, keeping its
 * aspect ratio, at least 1 and at most `maxWidth` (a longer line is squeezed).
 */
export function recognitionWidth(cropWidth: number, cropHeight: number, height: number, maxWidth: number): number {
  if (cropHeight <= 0) return 1;
  return Math.max(1, Math.min(maxWidth, Math.ceil((height * cropWidth) / cropHeight)));
}

/** One channel of a pixel, composited over white by its alpha. */
function channelOverWhite(rgba: Uint8ClampedArray, index: number, offset: number): number {
  const alpha = rgba[index + 3]!;
  const value = rgba[index + offset]!;
  return alpha === 255 ? value : 255 - ((255 - value) * alpha) / 255;
}

/**
 * Adds the pixel value at a real position to `sums` (B, G, R): bilinear, clamped to the image,
 * composited over white.
 */
function addSample(image: RgbaImage, x: number, y: number, sums: Float64Array): void {
  const { width, height, rgba } = image;
  const fx = Math.min(width - 1, Math.max(0, x - 0.5));
  const fy = Math.min(height - 1, Math.max(0, y - 0.5));
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const x1 = Math.min(width - 1, x0 + 1);
  const y1 = Math.min(height - 1, y0 + 1);
  const ax = fx - x0;
  const ay = fy - y0;
  const i00 = (y0 * width + x0) * 4;
  const i01 = (y0 * width + x1) * 4;
  const i10 = (y1 * width + x0) * 4;
  const i11 = (y1 * width + x1) * 4;
  const w00 = (1 - ax) * (1 - ay);
  const w01 = ax * (1 - ay);
  const w10 = (1 - ax) * ay;
  const w11 = ax * ay;
  for (let channel = 0; channel < 3; channel++) {
    const offset = BGR_OFFSET[channel]!;
    sums[channel] =
      sums[channel]! +
      w00 * channelOverWhite(rgba, i00, offset) +
      w01 * channelOverWhite(rgba, i01, offset) +
      w10 * channelOverWhite(rgba, i10, offset) +
      w11 * channelOverWhite(rgba, i11, offset);
  }
}

/**
 * Maps the output grid `outWidth` × `outHeight` onto the parallelogram `origin + u·uAxis + v·vAxis`
 * (u, v in 0..1) and writes per output pixel and BGR channel `normalise(channel, value 0..255)` to
 * `target` at `offset + channel·planeStride + row·rowStride + column`.
 */
function resample(
  image: RgbaImage,
  origin: Point,
  uAxis: Point,
  vAxis: Point,
  outWidth: number,
  outHeight: number,
  target: Float32Array,
  layout: { offset: number; planeStride: number; rowStride: number },
  normalise: (channel: number, value: number) => number,
): void {
  // Source pixels per output pixel along each axis decide the supersampling grid.
  const stepsU = Math.max(1, Math.ceil(Math.hypot(uAxis.x, uAxis.y) / outWidth));
  const stepsV = Math.max(1, Math.ceil(Math.hypot(vAxis.x, vAxis.y) / outHeight));
  const samples = stepsU * stepsV;
  const sums = new Float64Array(3);
  for (let row = 0; row < outHeight; row++) {
    for (let column = 0; column < outWidth; column++) {
      sums.fill(0);
      for (let sv = 0; sv < stepsV; sv++) {
        const v = (row + (sv + 0.5) / stepsV) / outHeight;
        for (let su = 0; su < stepsU; su++) {
          const u = (column + (su + 0.5) / stepsU) / outWidth;
          addSample(image, origin.x + u * uAxis.x + v * vAxis.x, origin.y + u * uAxis.y + v * vAxis.y, sums);
        }
      }
      const at = layout.offset + row * layout.rowStride + column;
      for (let channel = 0; channel < 3; channel++) {
        target[at + channel * layout.planeStride] = normalise(channel, sums[channel]! / samples);
      }
    }
  }
}

/** The detector's input: the image resized to `width` × `height`, ImageNet-normalised, [1, 3, h, w]. */
export function detectionTensor(image: RgbaImage, width: number, height: number): Float32Array {
  const data = new Float32Array(3 * width * height);
  resample(
    image,
    { x: 0, y: 0 },
    { x: image.width, y: 0 },
    { x: 0, y: image.height },
    width,
    height,
    data,
    { offset: 0, planeStride: width * height, rowStride: width },
    (channel, value) => (value / 255 - DET_MEAN[channel]!) / DET_STD[channel]!,
  );
  return data;
}

/**
 * How a text quad is read: its origin and axes along and across the text. A crop at least 1.5×
 * taller than wide is taken as vertical text and turned a quarter counter-clockwise, as PaddleOCR's
 * `get_rotate_crop_image` does.
 */
export function cropFrame(quad: Quad): { origin: Point; along: Point; across: Point } {
  const [tl, tr, br, bl] = quad;
  const top = { x: tr.x - tl.x, y: tr.y - tl.y };
  const left = { x: bl.x - tl.x, y: bl.y - tl.y };
  const width = Math.max(Math.hypot(top.x, top.y), Math.hypot(br.x - bl.x, br.y - bl.y));
  const height = Math.max(Math.hypot(left.x, left.y), Math.hypot(br.x - tr.x, br.y - tr.y));
  if (height >= 1.5 * width) {
    return { origin: tr, along: { x: br.x - tr.x, y: br.y - tr.y }, across: { x: -top.x, y: -top.y } };
  }
  return { origin: tl, along: top, across: left };
}

/** Length of the crop along the text and across it, in source pixels. */
export function cropSize(quad: Quad): { length: number; thickness: number } {
  const { along, across } = cropFrame(quad);
  return { length: Math.hypot(along.x, along.y), thickness: Math.hypot(across.x, across.y) };
}

/**
 * Writes one text crop into slot `index` of a recognition batch [n, 3, height, batchWidth]:
 * resampled to `width` × `height` (width ≤ batchWidth), normalised to −1..1, the rest left 0.
 */
export function writeRecognitionCrop(
  image: RgbaImage,
  quad: Quad,
  batch: Float32Array,
  index: number,
  width: number,
  height: number,
  batchWidth: number,
): void {
  const { origin, along, across } = cropFrame(quad);
  resample(
    image,
    origin,
    along,
    across,
    width,
    height,
    batch,
    { offset: index * 3 * height * batchWidth, planeStride: height * batchWidth, rowStride: batchWidth },
    (_channel, value) => (value / 255 - 0.5) / 0.5,
  );
}
