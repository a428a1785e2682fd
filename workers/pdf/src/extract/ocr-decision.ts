/**
 * Whether a page goes through OCR.
 *
 * `always` OCRs every page and `never` none. `auto` OCRs a page without a usable text layer:
 * - fewer than 10 readable characters (letters and digits outside the private-use area) — an
 *   image-only scan, or a page whose text is all dingbats or unmapped glyphs; or
 * - fewer than half of its non-space characters readable — text in fonts without a Unicode
 *   mapping, which extracts as garbage; or
 * - images covering at least half the page and fewer than 100 readable characters — a scan with a
 *   stamp, a page number or a few words of real text on top.
 * Text drawn invisibly (the OCR layer of a searchable scan) is usable text: the page is not OCRed
 * again.
 */
import type { OcrMode } from './document.ts';

export interface TextLayerStats {
  /** Non-space characters in the page's text runs. */
  characters: number;
  /** Of those, letters and digits outside the private-use area. */
  readableCharacters: number;
  /** Share of the page's area covered by images, 0..1. */
  imageCoverage: number;
}

const MIN_READABLE = 10;
const MIN_READABLE_SHARE = 0.5;
const SCAN_COVERAGE = 0.5;
const SCAN_MAX_READABLE = 100;

export function textLayerStats(texts: readonly string[], imageCoverage: number): TextLayerStats {
  let characters = 0;
  let readableCharacters = 0;
  for (const text of texts) {
    for (const char of text) {
      if (/\s/u.test(char)) continue;
      characters++;
      if (/[\p{L}\p{N}]/u.test(char) && !/\p{Co}/u.test(char)) readableCharacters++;
    }
  }
  return { characters, readableCharacters, imageCoverage };
}

export function needsOcr(mode: OcrMode, stats: TextLayerStats): boolean {
  if (mode !== 'auto') return mode === 'always';
  if (stats.readableCharacters < MIN_READABLE) return true;
  if (stats.readableCharacters < MIN_READABLE_SHARE * stats.characters) return true;
  return stats.imageCoverage >= SCAN_COVERAGE && stats.readableCharacters < SCAN_MAX_READABLE;
}

/** Share of a `width` × `height` page covered by the union of the boxes (on a coarse grid). */
export function coverage(
  boxes: readonly { x: number; y: number; width: number; height: number }[],
  width: number,
  height: number,
): number {
  if (boxes.length === 0 || !(width > 0 && height > 0)) return 0;
  const cells = 64;
  let covered = 0;
  for (let row = 0; row < cells; row++) {
    const y = ((row + 0.5) * height) / cells;
    for (let column = 0; column < cells; column++) {
      const x = ((column + 0.5) * width) / cells;
      if (boxes.some((box) => x >= box.x && x <= box.x + box.width && y >= box.y && y <= box.y + box.height)) covered++;
    }
  }
  return covered / (cells * cells);
}
