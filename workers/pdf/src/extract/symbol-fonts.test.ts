/**
 * Symbol-font text: the decoders table-driven, then hand-written PDFs through the real extraction,
 * and every ZapfDingbats code against poppler's pdftotext (Adobe's glyph list) when it is installed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractDocument } from './extract-document.ts';
import { decodeSymbolFonts, type FontLike, symbolTextDecoder, zapfDingbatsUnicode } from './symbol-fonts.ts';
import { minimalPdf, type PdfText } from './testing/minimal-pdf.ts';

const PDFTOTEXT = '/usr/bin/pdftotext';
const hasPdftotext = existsSync(PDFTOTEXT);
if (!hasPdftotext) console.warn('ZapfDingbats check against pdftotext skipped: /usr/bin/pdftotext is missing');

describe('zapfDingbatsUnicode', () => {
  it.each([
    [0x21, 0x2701], // ✁ first of the block
    [0x25, 0x260e], // ☎ elsewhere in Unicode
    [0x34, 0x2714], // ✔ AcroForm check box "4"
    [0x38, 0x2718], // ✘ AcroForm cross "8"
    [0x6c, 0x25cf], // ●
    [0x6f, 0x274f], // ❏
    [0x7e, 0x275e], // ❞
    [0x80, 0x2768], // ❨ ornamental bracket
    [0xa1, 0x2761], // ❡
    [0xac, 0x2460], // ①
    [0xb6, 0x2776], // ❶
    [0xd5, 0x2192], // →
    [0xfe, 0x27be], // ➾
  ])('code %s is U+%s', (code, unicode) => {
    expect(zapfDingbatsUnicode(code)).toBe(unicode);
  });

  it.each([0x20, 0x7f, 0x8e, 0xa0, 0xf0, 0xff])('code %s draws no glyph', (code) => {
    expect(zapfDingbatsUnicode(code)).toBeUndefined();
  });
});

describe('symbolTextDecoder', () => {
  const decode = (font: FontLike, text: string) => symbolTextDecoder(font)?.(text);
  it.each<[string, FontLike, string, string | undefined]>([
    ['ZapfDingbats check box', { name: 'ZapfDingbats' }, '4', '✔'],
    ['a subset Dingbats font', { name: 'ABCDEF+ITCZapfDingbats' }, 'n8', '■✘'],
    ['code 0xB5, which pdfjs gives as μ', { name: 'ZapfDingbats' }, 'μ', '⑩'],
    ['a code renamed by /Differences', { name: 'ZapfDingbats', differences: { 52: 'check' } }, '44', '44'],
    ['text a ToUnicode map decoded', { name: 'ZapfDingbats' }, '✔ ✘', '✔ ✘'],
    ['Wingdings check boxes', { name: 'Wingdings-Regular' }, 'þ¨ý', '☑◻☒'],
    ['Wingdings bullets', { name: 'ABCDEF+Wingdings,Bold' }, '§Øüvlqn', '▪➢✔❖●❑■'],
    ['Wingdings mapped to private use by ToUnicode', { name: 'Wingdings-Regular' }, '\uf0a7\uf0fe', '▪☑'],
    ['private use outside the symbol range', { name: 'Wingdings-Regular' }, '\ue000\uf1a7', '\ue000\uf1a7'],
    ['a Wingdings glyph without a symbol here', { name: 'Wingdings' }, 'K', 'K'],
    ['Wingdings 2 (another layout)', { name: 'Wingdings2' }, 'þ', undefined],
    ['Wingdings 3', { name: 'Wingdings-3' }, 'þ', undefined],
    ['a text font', { name: 'Helvetica' }, '4', undefined],
    ['a font without a name', {}, '4', undefined],
  ])('%s', (_, font, text, expected) => {
    expect(decode(font, text)).toBe(expected);
  });
});

describe('decodeSymbolFonts', () => {
  it('decodes the runs of symbol fonts the store holds and leaves the others', () => {
    const fonts = new Map<string, unknown>([
      ['f1', { name: 'Helvetica' }],
      ['f2', { name: 'ZapfDingbats' }],
    ]);
    const runs = [
      { text: '4 Yes', fontName: 'f1' },
      { text: '4', fontName: 'f2' },
      { text: '4', fontName: 'not-loaded' },
      { text: 'note', fontName: 'annotation' },
    ];
    decodeSymbolFonts(runs, fonts);
    expect(runs.map((run) => run.text)).toEqual(['4 Yes', '✔', '4', 'note']);
  });
});

describe('extraction of symbol-font text', () => {
  const options = { ocr: 'never', maxBytes: 1 << 20, maxPages: 10, pageTimeoutMs: 30_000 } as const;

  it('reads form check boxes and Word bullets as the symbols the page shows', async () => {
    const texts: PdfText[] = [
      { x: 72, y: 100, size: 12, text: '4', font: 'zapf-dingbats' },
      { x: 90, y: 100, size: 12, text: 'Accepted' },
      { x: 72, y: 130, size: 12, text: 'þ', font: 'wingdings' },
      { x: 90, y: 130, size: 12, text: 'Insured' },
      { x: 72, y: 160, size: 12, text: '¨', font: 'wingdings' },
      { x: 90, y: 160, size: 12, text: 'Declined' },
    ];
    const document = await extractDocument(minimalPdf([{ texts }]), options);
    expect(document.text).toContain('✔');
    expect(document.text).toContain('☑');
    expect(document.text).toContain('◻');
    expect(document.text).not.toMatch(/[4þ¨]/);
  });

  it("finds a list whose bullets are Word's Wingdings glyphs", async () => {
    const texts: PdfText[] = [
      { x: 72, y: 100, size: 11, text: 'Before the list, a line of body text.' },
      { x: 72, y: 128, size: 11, text: '§', font: 'wingdings' },
      { x: 90, y: 128, size: 11, text: 'first point' },
      { x: 72, y: 142, size: 11, text: '§', font: 'wingdings' },
      { x: 90, y: 142, size: 11, text: 'second point' },
    ];
    const document = await extractDocument(minimalPdf([{ texts }]), options);
    expect(document.pages[0]!.blocks.map((block) => [block.kind, block.text])).toContainEqual([
      'list',
      '▪ first point\n▪ second point',
    ]);
  });

  it.skipIf(!hasPdftotext)('decodes every ZapfDingbats code as poppler does', async () => {
    const codes = Array.from({ length: 0xfe - 0x21 + 1 }, (_, index) => 0x21 + index);
    const texts: PdfText[] = codes.map((code, index) => ({
      x: 72 + (index % 8) * 60,
      y: 40 + Math.floor(index / 8) * 24,
      size: 12,
      text: String.fromCharCode(code),
      font: 'zapf-dingbats',
    }));
    const bytes = minimalPdf([{ width: 612, height: 792, texts }]);
    const folder = mkdtempSync(path.join(tmpdir(), 'prelabel-dingbats-'));
    try {
      const file = path.join(folder, 'dingbats.pdf');
      writeFileSync(file, bytes);
      const symbols = (text: string) => [...text].filter((character) => character.codePointAt(0)! > 0xff).sort();
      const theirs = symbols(execFileSync(PDFTOTEXT, ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }));
      const ours = symbols((await extractDocument(bytes, options)).text);
      expect(theirs.length).toBeGreaterThan(150);
      // Poppler's encoding lacks the ornamental brackets 0x80–0x8D (U+2768–U+2775); the font draws
      // them. pdfjs drops code 0xAD (a soft hyphen in Latin-1), so its ② cannot come back.
      expect(ours.filter((symbol) => symbol < '\u2768' || symbol > '\u2775')).toEqual(
        theirs.filter((symbol) => symbol !== '②'),
      );
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
