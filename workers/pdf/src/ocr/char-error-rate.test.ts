import { describe, expect, it } from 'vitest';
import { type CerLine, characterErrors, editDistance, normaliseForCer, type ReferenceChar } from './char-error-rate.ts';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
    ['flaw', 'lawn', 2],
    ['same', 'same', 0],
    ['abc', 'acb', 2],
    // Code points, not UTF-16 units.
    ['𝔸b', 'Ab', 1],
  ])('%s → %s: %d', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

describe('normaliseForCer', () => {
  it.each([
    ['drops all whitespace', ' a b\tc\n d ', 'abcd'],
    ['unfolds ligatures', 'ﬁne ﬂow', 'fineflow'],
    ['folds full-width forms', 'ＡＢＣ１', 'ABC1'],
    ['keeps accents composed', 'Özcan', 'Özcan'],
  ])('%s', (_name, text, normal) => {
    expect(normaliseForCer(text)).toBe(normal);
  });
});

/** Reference characters of `text` laid out on one line: 6 wide, 10 tall, from (x, y). */
function laidOut(text: string, x: number, y: number): ReferenceChar[] {
  return Array.from(text).map((char, i) => ({ char, box: { x: x + 6 * i, y, width: 6, height: 10 } }));
}
const line = (text: string, x: number, y: number, length: number): CerLine => ({
  text,
  box: { x: x - 2, y: y - 3, width: 6 * length + 4, height: 16 },
});

describe('characterErrors', () => {
  const reference = [...laidOut('Hello', 0, 0), ...laidOut('world', 0, 20)];

  it.each([
    ['perfect', [line('Hello', 0, 0, 5), line('world', 0, 20, 5)], 0, 0],
    ['spaces do not count', [line('He llo', 0, 0, 5), line(' world ', 0, 20, 5)], 0, 0],
    ['one substitution', [line('Hallo', 0, 0, 5), line('world', 0, 20, 5)], 1, 0],
    ['lines in any order', [line('world', 0, 20, 5), line('Hello', 0, 0, 5)], 0, 0],
    ['a missed line is all errors', [line('Hello', 0, 0, 5)], 5, 5],
    ['invented text counts', [line('Hello', 0, 0, 5), line('world', 0, 20, 5), line('noise', 0, 60, 5)], 5, 0],
    ['no OCR at all', [], 10, 10],
  ])('%s', (_name, lines, errors, uncovered) => {
    const result = characterErrors(reference, lines);
    expect(result).toMatchObject({ errors, referenceChars: 10, uncoveredChars: uncovered });
    expect(result.cer).toBeCloseTo(errors / 10);
  });

  it('puts two columns’ characters in each line’s own reading order', () => {
    const twoColumns = [...laidOut('left', 0, 0), ...laidOut('right', 200, 0)];
    const result = characterErrors(twoColumns, [line('left', 0, 0, 4), line('right', 200, 0, 5)]);
    expect(result.errors).toBe(0);
  });

  it('a box spanning two lines is compared with both, top first', () => {
    const merged: CerLine = { text: 'Helloworld', box: { x: -2, y: -3, width: 40, height: 36 } };
    expect(characterErrors(reference, [merged]).errors).toBe(0);
  });

  it('an empty reference with no text is a CER of 0; with text, unbounded', () => {
    expect(characterErrors([], []).cer).toBe(0);
    expect(characterErrors([], [line('x', 0, 0, 1)]).cer).toBe(Infinity);
  });
});
