import { describe, expect, it } from 'vitest';
import { ctcClasses, decodeCtc } from './ctc-decode.ts';

describe('ctcClasses', () => {
  it.each([
    ['lines with a final newline', 'a\nb\nc\n', ['', 'a', 'b', 'c', ' ']],
    ['without a final newline', 'a\nb\nc', ['', 'a', 'b', 'c', ' ']],
    ['CRLF', 'a\r\nb\r\n', ['', 'a', 'b', ' ']],
    ['a space in the dictionary stays a character', 'a\n \nb\n', ['', 'a', ' ', 'b', ' ']],
  ])('%s', (_name, text, classes) => {
    expect(ctcClasses(text)).toEqual(classes);
  });
});

describe('decodeCtc', () => {
  const classes = ['', 'a', 'b', ' '];
  /** One row per step: the winning class gets `p`, the rest share what is left. */
  const rows = (steps: [cls: number, p: number][]) =>
    steps.flatMap(([cls, p]) => classes.map((_, k) => (k === cls ? p : (1 - p) / (classes.length - 1))));

  it.each([
    [
      'merges repeats and drops blanks',
      [
        [1, 0.9],
        [1, 0.8],
        [0, 0.99],
        [2, 0.7],
        [3, 0.6],
        [1, 1],
      ],
      'ab a',
      (0.9 + 0.7 + 0.6 + 1) / 4,
    ],
    [
      'a blank separates a doubled letter',
      [
        [1, 0.9],
        [0, 0.9],
        [1, 0.5],
      ],
      'aa',
      0.7,
    ],
    [
      'only blanks: no text, no confidence',
      [
        [0, 0.9],
        [0, 0.8],
      ],
      '',
      0,
    ],
    ['nothing', [], '', 0],
  ] as const)('%s', (_name, steps, text, confidence) => {
    const decoded = decodeCtc(rows(steps as never), 0, steps.length, classes);
    expect(decoded.text).toBe(text);
    expect(decoded.confidence).toBeCloseTo(confidence);
  });

  it('reads a sequence at an offset in a batch', () => {
    const batch = [
      ...rows([[2, 0.9]]),
      ...rows([
        [1, 0.8],
        [2, 0.6],
      ]),
    ];
    expect(decodeCtc(batch, 4, 2, classes)).toEqual({ text: 'ab', confidence: expect.closeTo(0.7) });
  });
});
