/** When a page goes through OCR. */
import { describe, expect, it } from 'vitest';
import { coverage, needsOcr, textLayerStats } from './ocr-decision.ts';

describe('needsOcr', () => {
  const stats = (readableCharacters: number, characters = readableCharacters, imageCoverage = 0) => ({
    characters,
    readableCharacters,
    imageCoverage,
  });
  it.each([
    { name: 'never, even a scan', mode: 'never' as const, stats: stats(0, 0, 1), expected: false },
    { name: 'always, even a text page', mode: 'always' as const, stats: stats(5000), expected: true },
    { name: 'auto: no text at all', mode: 'auto' as const, stats: stats(0), expected: true },
    { name: 'auto: a handful of characters', mode: 'auto' as const, stats: stats(6), expected: true },
    { name: 'auto: a page of text', mode: 'auto' as const, stats: stats(2000), expected: false },
    { name: 'auto: mostly unmapped glyphs', mode: 'auto' as const, stats: stats(300, 1000), expected: true },
    {
      name: 'auto: a scan with a page number on it',
      mode: 'auto' as const,
      stats: stats(20, 20, 0.95),
      expected: true,
    },
    {
      name: 'auto: a scan with its invisible text layer',
      mode: 'auto' as const,
      stats: stats(3000, 3000, 1),
      expected: false,
    },
    {
      name: 'auto: a short text page with a small photo',
      mode: 'auto' as const,
      stats: stats(60, 60, 0.2),
      expected: false,
    },
  ])('$name', ({ mode, stats: page, expected }) => {
    expect(needsOcr(mode, page)).toBe(expected);
  });
});

describe('textLayerStats', () => {
  it('counts non-space characters and the readable ones among them', () => {
    expect(textLayerStats(['ab 1', '\ue000\ue001', '•'], 0.5)).toEqual({
      characters: 6,
      readableCharacters: 3,
      imageCoverage: 0.5,
    });
  });
});

describe('coverage', () => {
  it.each([
    { boxes: [], expected: 0 },
    { boxes: [{ x: 0, y: 0, width: 100, height: 100 }], expected: 1 },
    { boxes: [{ x: 0, y: 0, width: 50, height: 100 }], expected: 0.5 },
    {
      boxes: [
        { x: 0, y: 0, width: 50, height: 100 },
        { x: 0, y: 0, width: 50, height: 100 },
      ],
      expected: 0.5,
    },
  ])('$expected', ({ boxes, expected }) => {
    expect(coverage(boxes, 100, 100)).toBeCloseTo(expected, 2);
  });
});
