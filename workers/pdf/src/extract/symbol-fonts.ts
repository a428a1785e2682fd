/**
 * Text of the symbol fonts that pdfjs leaves as raw character codes: ZapfDingbats (the font of
 * AcroForm check boxes) and Wingdings (the bullets and check boxes of word processors).
 *
 * pdfjs decodes a simple font's text through its glyph names and the Adobe Glyph List; dingbat
 * names (`a20`) and Wingdings' unnamed symbol glyphs are not in it, so it gives the code as a
 * Latin-1 character: a check mark comes out as "4" or "þ", an empty box as "¨", a bullet as "§".
 * Annotators and NER then see letters that are not on the page. This module turns such characters
 * back into the Unicode symbols the page shows:
 * - ZapfDingbats (any font whose name says Dingbats): its built-in encoding, which Unicode's
 *   Dingbats block follows; codes the PDF renamed through /Differences are left alone.
 * - Wingdings (not Wingdings 2/3, whose layouts differ): a table of the glyphs word processors use
 *   as bullets and check boxes. Other Wingdings glyphs keep their code, as pdftotext shows them.
 * A character a ToUnicode map already decoded (anything past U+00FF) is never touched, except the
 * private-use U+F020–U+F0FF that word processors map symbol glyphs to (U+F0A7 for Wingdings' §).
 *
 * The font objects are pdfjs's exported fonts (`page.commonObjs`, loaded with
 * `fontExtraProperties`, after the page's operator list), read structurally.
 */

/** The parts of a pdfjs font object this module reads. */
export interface FontLike {
  name?: unknown;
  /** Code → glyph name overrides from the font's /Encoding /Differences. */
  differences?: unknown;
}

export type SymbolTextDecoder = (text: string) => string;

/**
 * ZapfDingbats' built-in encoding → Unicode (Adobe's zapfdingbats glyph list over the font's
 * encoding; poppler decodes the same). Unicode's Dingbats block was laid out from this font: codes
 * 0x21–0x7E sit at U+2701 onwards, the ornamental brackets 0x80–0x8D at U+2768, 0xA1–0xFE at
 * U+2761 — except the glyphs Unicode already had elsewhere, listed here.
 */
const DINGBATS_ELSEWHERE: ReadonlyMap<number, number> = new Map([
  [0x25, 0x260e], // ☎
  [0x2a, 0x261b], // ☛
  [0x2b, 0x261e], // ☞
  [0x48, 0x2605], // ★
  [0x6c, 0x25cf], // ●
  [0x6e, 0x25a0], // ■
  [0x73, 0x25b2], // ▲
  [0x74, 0x25bc], // ▼
  [0x75, 0x25c6], // ◆
  [0x77, 0x25d7], // ◗
  [0xa8, 0x2663], // ♣
  [0xa9, 0x2666], // ♦
  [0xaa, 0x2665], // ♥
  [0xab, 0x2660], // ♠
  ...Array.from({ length: 10 }, (_, index): [number, number] => [0xac + index, 0x2460 + index]), // ①–⑩
  [0xd5, 0x2192], // →
  [0xd6, 0x2194], // ↔
  [0xd7, 0x2195], // ↕
]);

/** The Unicode symbol ZapfDingbats draws for `code` in its built-in encoding; undefined where it draws none. */
export function zapfDingbatsUnicode(code: number): number | undefined {
  const elsewhere = DINGBATS_ELSEWHERE.get(code);
  if (elsewhere !== undefined) return elsewhere;
  if (code >= 0x21 && code <= 0x7e) return 0x2701 + code - 0x21;
  if (code >= 0x80 && code <= 0x8d) return 0x2768 + code - 0x80;
  if (code >= 0xa1 && code <= 0xfe && code !== 0xf0) return 0x2761 + code - 0xa1;
  return undefined;
}

/** Wingdings code → Unicode for its bullet, box and check glyphs. */
const WINGDINGS: ReadonlyMap<number, number> = new Map([
  [0x4a, 0x263a], // J ☺
  [0x4c, 0x2639], // L ☹
  [0x6c, 0x25cf], // l ● bullet
  [0x6d, 0x274d], // m ❍
  [0x6e, 0x25a0], // n ■ bullet
  [0x6f, 0x25a1], // o □ check box
  [0x71, 0x2751], // q ❑ bullet / check box
  [0x72, 0x2752], // r ❒
  [0x75, 0x25c6], // u ◆ bullet
  [0x76, 0x2756], // v ❖ bullet
  [0x77, 0x2b25], // w ⬥
  [0x78, 0x2327], // x ⌧
  [0xa1, 0x25cb], // ¡ ○
  [0xa7, 0x25aa], // § ▪ bullet
  [0xa8, 0x25fb], // ¨ ◻ empty check box
  [0xd8, 0x27a2], // Ø ➢ arrow bullet
  [0xfb, 0x2717], // û ✗
  [0xfc, 0x2714], // ü ✔ check bullet
  [0xfd, 0x2612], // ý ☒ crossed box
  [0xfe, 0x2611], // þ ☑ checked box
]);

/** A font name without its subset tag (`ABCDEF+`). */
const baseName = (name: string) => name.replace(/^[A-Z]{6}\+/, '');

/** The decoder for a font's text, or undefined when the font is not a symbol font this module knows. */
export function symbolTextDecoder(font: FontLike): SymbolTextDecoder | undefined {
  if (typeof font.name !== 'string') return undefined;
  const name = baseName(font.name);
  if (/dingbats/i.test(name)) {
    // A code the PDF renamed through /Differences no longer draws the built-in glyph.
    const renamed = typeof font.differences === 'object' && font.differences !== null ? font.differences : {};
    return (text) => mapCodes(text, (code) => (code in renamed ? undefined : zapfDingbatsUnicode(code)));
  }
  if (/wingdings(?!\s*-?\s*[23])/i.test(name)) return (text) => mapCodes(text, (code) => WINGDINGS.get(code));
  return undefined;
}

/**
 * pdfjs normalises one Latin-1 character of undecoded text (µ U+00B5 → μ U+03BC); the code behind
 * it is still 0xB5. (It drops 0xAD, the soft hyphen, altogether: that glyph cannot come back.)
 */
const PDFJS_NORMALISED: ReadonlyMap<number, number> = new Map([[0x3bc, 0xb5]]);

/**
 * The font code a character of symbol-font text stands for: itself below U+0100, or — where the
 * PDF's ToUnicode map gives the symbol encoding's private-use form, as word processors write
 * it — U+F020–U+F0FF less 0xF000.
 */
function symbolCode(codePoint: number): number {
  if (codePoint >= 0xf020 && codePoint <= 0xf0ff) return codePoint - 0xf000;
  return PDFJS_NORMALISED.get(codePoint) ?? codePoint;
}

/** Replaces each character that stands for a font code `symbolFor` knows; the rest stays. */
function mapCodes(text: string, symbolFor: (code: number) => number | undefined): string {
  let out = '';
  for (const character of text) {
    const code = symbolCode(character.codePointAt(0)!);
    const symbol = code > 0x20 && code <= 0xff ? symbolFor(code) : undefined;
    out += symbol === undefined ? character : String.fromCodePoint(symbol);
  }
  return out;
}

/** The page's loaded fonts, as pdfjs keeps them for the main thread. */
export interface FontStore {
  has(id: string): boolean;
  get(id: string): unknown;
}

/**
 * Decodes the symbol-font text of `runs` in place (their `fontName` is pdfjs's font id). Fonts the
 * store does not hold (the page's operator list was not built) are left as they are.
 */
export function decodeSymbolFonts(runs: { text: string; fontName: string }[], fonts: FontStore): void {
  const decoders = new Map<string, SymbolTextDecoder | undefined>();
  for (const run of runs) {
    if (!decoders.has(run.fontName)) {
      const font = fonts.has(run.fontName) ? fonts.get(run.fontName) : undefined;
      decoders.set(
        run.fontName,
        typeof font === 'object' && font !== null ? symbolTextDecoder(font as FontLike) : undefined,
      );
    }
    const decode = decoders.get(run.fontName);
    if (decode !== undefined) run.text = decode(run.text);
  }
}
