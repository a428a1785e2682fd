import { describe, expect, it } from 'vitest';
import type { Quad } from './geometry.ts';
import {
  cropFrame,
  cropSize,
  detectionSize,
  detectionTensor,
  type RgbaImage,
  recognitionWidth,
  writeRecognitionCrop,
} from './image-tensors.ts';

/** An image whose pixels are `pixel(x, y)` = [r, g, b, a]. */
function image(width: number, height: number, pixel: (x: number, y: number) => number[]): RgbaImage {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rgba.set(pixel(x, y), (y * width + x) * 4);
  return { width, height, rgba };
}

const quad = (x: number, y: number, width: number, height: number): Quad => [
  { x, y },
  { x: x + width, y },
  { x: x + width, y: y + height },
  { x, y: y + height },
];

describe('detectionSize', () => {
  it.each([
    ['small images round to multiples of 32', 100, 50, 960, { width: 96, height: 64 }],
    ['never below 32', 10, 5, 960, { width: 32, height: 32 }],
    ['a Letter page at 3 px/pt, longer side limited', 1836, 2376, 1280, { width: 992, height: 1280 }],
    ['exactly at the limit stays', 960, 640, 960, { width: 960, height: 640 }],
    ['landscape', 2000, 1000, 960, { width: 960, height: 480 }],
  ])('%s', (_name, width, height, limit, size) => {
    expect(detectionSize(width, height, limit)).toEqual(size);
  });
});

describe('recognitionWidth', () => {
  it.each([
    ['keeps the aspect ratio at height 48', 200, 20, 48, 3200, 480],
    ['rounds up', 101, 20, 48, 3200, 243],
    ['squeezes past the maximum', 5000, 10, 48, 3200, 3200],
    ['at least one pixel', 1, 500, 48, 3200, 1],
    ['an empty crop', 10, 0, 48, 3200, 1],
  ])('%s', (_name, width, height, target, max, expected) => {
    expect(recognitionWidth(width, height, target, max)).toBe(expected);
  });
});

describe('cropFrame', () => {
  it('reads a wide quad left to right', () => {
    expect(cropFrame(quad(10, 20, 100, 30))).toEqual({
      origin: { x: 10, y: 20 },
      along: { x: 100, y: 0 },
      across: { x: 0, y: 30 },
    });
    expect(cropSize(quad(10, 20, 100, 30))).toEqual({ length: 100, thickness: 30 });
  });

  it('turns a tall quad a quarter counter-clockwise, as PaddleOCR does', () => {
    expect(cropFrame(quad(10, 20, 30, 100))).toEqual({
      origin: { x: 40, y: 20 },
      along: { x: 0, y: 100 },
      across: { x: -30, y: -0 },
    });
    expect(cropSize(quad(10, 20, 30, 100))).toEqual({ length: 100, thickness: 30 });
  });
});

describe('detectionTensor', () => {
  it('normalises BGR planes with the ImageNet mean and std in PaddleOCR’s order', () => {
    const red = image(4, 4, () => [255, 0, 0, 255]);
    const data = detectionTensor(red, 2, 2);
    expect(data).toHaveLength(12);
    const plane = (c: number) => Array.from(data.subarray(c * 4, c * 4 + 4));
    expect(plane(0)[0]).toBeCloseTo((0 - 0.485) / 0.229, 5); // blue
    expect(plane(1)[0]).toBeCloseTo((0 - 0.456) / 0.224, 5); // green
    expect(plane(2)[0]).toBeCloseTo((1 - 0.406) / 0.225, 5); // red
  });

  it('composites transparent pixels over white', () => {
    const data = detectionTensor(
      image(2, 2, () => [0, 0, 0, 0]),
      2,
      2,
    );
    expect(data[0]).toBeCloseTo((1 - 0.485) / 0.229, 5);
  });

  it('averages when shrinking, so a one-pixel line is not lost', () => {
    // A black column at x = 3 of an 8-wide white image, shrunk to 2 wide: the left half is 1/4 black.
    const data = detectionTensor(
      image(8, 2, (x) => (x === 3 ? [0, 0, 0, 255] : [255, 255, 255, 255])),
      2,
      1,
    );
    const toValue = (normalised: number) => (normalised * 0.229 + 0.485) * 255;
    expect(toValue(data[0]!)).toBeCloseTo(255 * 0.75, 0);
    expect(toValue(data[1]!)).toBeCloseTo(255, 0);
  });
});

describe('writeRecognitionCrop', () => {
  // A horizontal ramp: the value is 10 × x.
  const ramp = image(26, 10, (x) => [10 * x, 10 * x, 10 * x, 255]);

  it('resamples the quad to the given size, normalised to −1..1, and leaves the padding at 0', () => {
    const batch = new Float32Array(2 * 3 * 2 * 8);
    writeRecognitionCrop(ramp, quad(4, 2, 10, 4), batch, 1, 5, 2, 8);
    expect(Array.from(batch.subarray(0, 48))).toEqual(new Array(48).fill(0));
    const values = Array.from(batch.subarray(48, 53), (v) => (v * 0.5 + 0.5) * 255);
    // Output columns cover source x 4–6, 6–8, …; each averages two pixels (values 40 and 50 → 45, …).
    for (const [i, expected] of [45, 65, 85, 105, 125].entries()) expect(values[i]).toBeCloseTo(expected, 3);
    // The padding is exactly zero, as in PaddleOCR.
    expect(Array.from(batch.subarray(53, 56))).toEqual([0, 0, 0]);
  });

  it('reads a tall crop from its top-right corner downwards', () => {
    // The value grows with y: the quarter turn puts the top of the crop at its left.
    const vertical = image(4, 40, (_x, y) => [5 * y, 5 * y, 5 * y, 255]);
    const batch = new Float32Array(3 * 1 * 4);
    writeRecognitionCrop(vertical, quad(0, 0, 4, 40), batch, 0, 4, 1, 4);
    const values = Array.from(batch.subarray(0, 4), (v) => (v * 0.5 + 0.5) * 255);
    expect(values[0]).toBeLessThan(values[1]!);
    expect(values[2]).toBeLessThan(values[3]!);
  });
});
