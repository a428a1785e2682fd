/**
 * Character error rate of OCR output against a reference whose characters have positions (a
 * page's own text layer), for the OCR acceptance measure.
 *
 * Text is compared in a normal form: NFKC (ligatures and full-width forms unfolded) with all
 * whitespace removed, since the recogniser's spacing is not what the measure is about and a text
 * layer's spaces are often implicit gaps. Reading order is taken out of the comparison: each
 * reference character goes to the OCR line whose box contains its centre (the vertically closest
 * when several do), each line's characters are put in reading order, and the errors are the
 * edit distance between each line's text and its characters, plus every reference character no
 * line covers. CER = errors / reference characters; it can exceed 1 when OCR invents text.
 */
import type { Box } from '../extract/document.ts';
import { readingOrder } from './reading-order.ts';

/** Levenshtein distance in code points (insertions, deletions and substitutions cost 1). */
export function editDistance(a: string, b: string): number {
  const source = Array.from(a);
  const target = Array.from(b);
  if (source.length === 0) return target.length;
  if (target.length === 0) return source.length;
  let previous = Array.from({ length: target.length + 1 }, (_, j) => j);
  let current = new Array<number>(target.length + 1);
  for (let i = 1; i <= source.length; i++) {
    current[0] = i;
    for (let j = 1; j <= target.length; j++) {
      const substitution = previous[j - 1]! + (source[i - 1] === target[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    [previous, current] = [current, previous];
  }
  return previous[target.length]!;
}

/** NFKC without whitespace: the form both sides are compared in. */
export function normaliseForCer(text: string): string {
  return text.normalize('NFKC').replace(/\s+/gu, '');
}

/** One reference character (already in normal form) and its box on the page. */
export interface ReferenceChar {
  char: string;
  box: Box;
}

export interface CerLine {
  text: string;
  box: Box;
}

export interface CharacterErrors {
  /** Edit operations over all lines plus uncovered reference characters. */
  errors: number;
  /** Reference characters. */
  referenceChars: number;
  /** Reference characters no OCR line covers (counted in `errors`). */
  uncoveredChars: number;
  /** errors / referenceChars (0 for an empty reference with no OCR text). */
  cer: number;
}

function contains(box: Box, x: number, y: number): boolean {
  return x >= box.x && x <= box.x + box.width && y >= box.y && y <= box.y + box.height;
}

export function characterErrors(reference: readonly ReferenceChar[], lines: readonly CerLine[]): CharacterErrors {
  const assigned = lines.map(() => [] as ReferenceChar[]);
  let uncoveredChars = 0;
  for (const item of reference) {
    const x = item.box.x + item.box.width / 2;
    const y = item.box.y + item.box.height / 2;
    let best = -1;
    let bestDistance = Infinity;
    lines.forEach((line, index) => {
      if (!contains(line.box, x, y)) return;
      const distance = Math.abs(line.box.y + line.box.height / 2 - y);
      if (distance < bestDistance) {
        best = index;
        bestDistance = distance;
      }
    });
    if (best < 0) uncoveredChars++;
    else assigned[best]!.push(item);
  }
  let errors = uncoveredChars;
  lines.forEach((line, index) => {
    const expected = readingOrder(assigned[index]!, (item) => item.box)
      .map((item) => item.char)
      .join('');
    errors += editDistance(normaliseForCer(line.text), expected);
  });
  const referenceChars = reference.length;
  const cer = referenceChars === 0 ? (errors === 0 ? 0 : Infinity) : errors / referenceChars;
  return { errors, referenceChars, uncoveredChars, cer };
}
