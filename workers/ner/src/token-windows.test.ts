import { describe, expect, it } from 'vitest';
import { planWindows } from './token-windows.ts';

describe('planWindows', () => {
  it.each([
    { length: 0, size: 4, stride: 1, windows: [] },
    { length: 3, size: 4, stride: 1, windows: [[0, 3, 0, 3]] },
    { length: 4, size: 4, stride: 2, windows: [[0, 4, 0, 4]] },
    {
      length: 10,
      size: 4,
      stride: 2,
      windows: [
        [0, 4, 0, 3],
        [2, 6, 3, 5],
        [4, 8, 5, 7],
        [6, 10, 7, 10],
      ],
    },
    {
      length: 9,
      size: 4,
      stride: 0,
      windows: [
        [0, 4, 0, 4],
        [4, 8, 4, 8],
        [8, 9, 8, 9],
      ],
    },
    {
      length: 7,
      size: 5,
      stride: 1,
      windows: [
        [0, 5, 0, 4],
        [4, 7, 4, 7],
      ],
    },
  ])('$length tokens, windows of $size, stride $stride', ({ length, size, stride, windows }) => {
    expect(planWindows(length, size, stride).map((w) => [w.start, w.end, w.ownStart, w.ownEnd])).toEqual(windows);
  });

  it('owns every token exactly once, inside its window, over many shapes', () => {
    for (let length = 0; length < 60; length++) {
      for (let size = 1; size < 12; size++) {
        for (let stride = 0; stride * 2 <= size; stride++) {
          const windows = planWindows(length, size, stride);
          let next = 0;
          for (const window of windows) {
            expect(window.ownStart).toBe(next);
            expect(window.start).toBeLessThanOrEqual(window.ownStart);
            expect(window.ownEnd).toBeLessThanOrEqual(window.end);
            expect(window.end - window.start).toBeLessThanOrEqual(size);
            next = window.ownEnd;
          }
          expect(next).toBe(length);
        }
      }
    }
  });

  it.each([
    { size: 0, stride: 0, message: 'window size 0 must be a positive integer' },
    { size: 8, stride: 5, message: 'stride 5 must be an integer in [0, 4] for windows of 8 tokens' },
    { size: 8, stride: -1, message: /^stride -1/ },
  ])('refuses size $size stride $stride', ({ size, stride, message }) => {
    expect(() => planWindows(10, size, stride)).toThrow(message);
  });
});
