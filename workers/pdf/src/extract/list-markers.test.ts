/** Which line starts are list markers. */
import { describe, expect, it } from 'vitest';
import { isListMarker, startsWithListMarker } from './list-markers.ts';

describe('startsWithListMarker', () => {
  it.each([
    ['• item', true],
    ['◦ item', true],
    ['‣ item', true],
    ['- item', true],
    ['* item', true],
    ['– item', true],
    ['▪ item', true], // Word's Wingdings bullets, decoded (symbol-fonts.ts)
    ['❖ item', true],
    ['➢ item', true],
    ['1. item', true],
    ['12) item', true],
    ['(3) item', true],
    ['a) item', true],
    ['(b) item', true],
    ['iv. item', true],
    ['(iv) item', true],
    ['IV) item', true],
    ['J. Smith wrote', false],
    ['1.2 Section', false],
    ['-5 degrees', false],
    ['•', false],
    ['plain text', false],
    ['2009.', false],
  ])('%s → %s', (text, expected) => {
    expect(startsWithListMarker(text)).toBe(expected);
  });
});

describe('isListMarker', () => {
  it.each([
    ['•', true],
    [' 3. ', true],
    ['(ii)', true],
    ['• item', false],
    ['word', false],
  ])('%s → %s', (text, expected) => {
    expect(isListMarker(text)).toBe(expected);
  });
});
