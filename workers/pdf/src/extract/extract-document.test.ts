/**
 * extractDocument on real PDFs: hand-written ones (layout features, limits), pdf-parse's test files
 * (a real two-column paper, a truncated file) and, when the datasets are present, the encrypted
 * forensics samples.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type ExtractOptions, PdfExtractionError } from './document.ts';
import { extractDocument } from './extract-document.ts';
import { minimalPdf, twoColumnPage } from './testing/minimal-pdf.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const pdfParseData = path.join(repoRoot, 'node_modules/pdf-parse/test/data');
const forensics = path.join(
  process.env.PRELABEL_DATASETS_DIR ?? path.resolve(repoRoot, '../shared/datasets'),
  'pdf/debian/forensics-samples-files',
);
const hasForensics = existsSync(forensics);
if (!hasForensics) console.warn(`encrypted-PDF tests skipped: no datasets at ${forensics} (set PRELABEL_DATASETS_DIR)`);

const options: ExtractOptions = { ocr: 'never', maxBytes: 50 * 1024 * 1024, maxPages: 100, pageTimeoutMs: 30_000 };
const read = (file: string) => new Uint8Array(readFileSync(file));

async function failure(promise: Promise<unknown>): Promise<PdfExtractionError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(PdfExtractionError);
  return error as PdfExtractionError;
}

describe('extractDocument on hand-written PDFs', () => {
  it('reads a two-column page: the title, then the left column, then the right', async () => {
    const document = await extractDocument(minimalPdf([twoColumnPage(6)]), options);
    const [page] = document.pages;
    expect(page).toMatchObject({ index: 0, width: 612, height: 792, source: 'text' });
    expect(page!.blocks.map((block) => block.kind)).toEqual(['title', 'text', 'text']);
    const text = page!.text;
    expect(text.indexOf('A Two Column Title')).toBe(0);
    expect(text.indexOf('left-6')).toBeLessThan(text.indexOf('right-1'));
    expect(text.split('\n\n')).toHaveLength(3);
  });

  it('finds headings, lists and page numbers, and joins pages with a form feed', async () => {
    const body = (y: number) => ({
      x: 72,
      y,
      size: 11,
      text: 'Some body text, long enough to be the body of the page.',
    });
    const document = await extractDocument(
      minimalPdf([
        {
          texts: [
            { x: 72, y: 72, size: 16, text: 'Heading One', font: 'bold' },
            body(100),
            body(114),
            { x: 72, y: 140, size: 11, text: '\x95 first item' },
            { x: 72, y: 154, size: 11, text: '\x95 second item' },
            { x: 72, y: 182, size: 11, text: 'After the list, more text.' },
            { x: 300, y: 760, size: 9, text: '1' },
          ],
        },
        { texts: [body(100), { x: 300, y: 760, size: 9, text: '2' }] },
      ]),
      options,
    );
    expect(document.pages[0]!.blocks.map((block) => [block.kind, block.text])).toEqual([
      ['title', 'Heading One'],
      [
        'text',
        'Some body text, long enough to be the body of the page.\nSome body text, long enough to be the body of the page.',
      ],
      ['list', '• first item\n• second item'],
      ['text', 'After the list, more text.'],
      ['footer', '1'],
    ]);
    expect(document.pages[1]!.blocks.at(-1)).toMatchObject({ kind: 'footer', text: '2' });
    expect(document.text.split('\f')).toEqual(document.pages.map((page) => page.text));
    expect(document.pageCount).toBe(2);
    expect(document.timingsMs.total).toBeGreaterThanOrEqual(document.timingsMs.pages);
  });

  it('gives a page without text the source empty (OCR off)', async () => {
    const document = await extractDocument(
      minimalPdf([{ texts: [], bars: [{ x: 100, y: 100, width: 200, height: 50 }] }]),
      options,
    );
    expect(document.pages[0]).toMatchObject({ source: 'empty', blocks: [], text: '' });
  });

  it('measures a rotated page as displayed and reads its text upright', async () => {
    const document = await extractDocument(
      minimalPdf([{ rotate: 90, texts: [{ x: 72, y: 100, size: 12, text: 'Landscape text' }] }]),
      options,
    );
    expect(document.pages[0]).toMatchObject({ width: 792, height: 612, text: 'Landscape text' });
  });

  it.each([
    { name: 'no pages', bytes: () => minimalPdf([]), limits: {}, code: 'no_pages', message: 'the PDF has no pages' },
    {
      name: 'more pages than allowed',
      bytes: () => minimalPdf([twoColumnPage(1), twoColumnPage(1), twoColumnPage(1)]),
      limits: { maxPages: 2 },
      code: 'too_many_pages',
      message: 'the PDF has 3 pages, more than the limit of 2',
    },
    {
      name: 'too many bytes',
      bytes: () => minimalPdf([twoColumnPage(1)]),
      limits: { maxBytes: 100 },
      code: 'too_large',
      message: 'more than the limit of 100 bytes',
    },
    {
      name: 'not a PDF',
      bytes: () => new TextEncoder().encode('<html>hello</html>'),
      limits: {},
      code: 'not_pdf',
      message: 'not a PDF',
    },
    {
      name: 'a truncated PDF',
      bytes: () => read(path.join(pdfParseData, '03-invalid.pdf')),
      limits: {},
      code: 'damaged',
      message: 'damaged',
    },
  ])('fails cleanly on $name', async ({ bytes, limits, code, message }) => {
    const error = await failure(extractDocument(bytes(), { ...options, ...limits }));
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
  });
});

describe('extractDocument on a real paper (tracemonkey, pdf-parse test data)', () => {
  it('finds the title, the section headings and reads page 1 column by column', async () => {
    const document = await extractDocument(read(path.join(pdfParseData, '01-valid.pdf')), options);
    expect(document.pageCount).toBe(14);
    const [first] = document.pages;
    expect(first!.blocks[0]).toMatchObject({
      kind: 'title',
      text: 'Trace-based Just-in-Time Type Specialization for Dynamic\nLanguages',
    });
    expect(first!.blocks.filter((block) => block.kind === 'heading').map((block) => block.text)).toEqual(
      expect.arrayContaining(['Abstract', '1. Introduction']),
    );
    const text = first!.text;
    // Hyphenated words are rejoined as pdftotext does.
    expect(text).toContain('more difficult to compile than statically typed ones');
    // The left column ends (its footnote) before the right column starts.
    expect(text.indexOf('to lists, requires prior specific permission')).toBeLessThan(
      text.indexOf('and is used for the application logic of browser-based productivity'),
    );
    for (const block of first!.blocks) {
      expect(block.box.x).toBeGreaterThanOrEqual(0);
      expect(block.box.x + block.box.width).toBeLessThanOrEqual(first!.width + 1);
    }
  });
});

describe.skipIf(!hasForensics)('extractDocument on encrypted PDFs (forensics samples)', () => {
  const file = path.join(forensics, 'a-text-pass-peanuts.pdf');

  it('opens with the password', async () => {
    const document = await extractDocument(read(file), { ...options, password: 'peanuts' });
    expect(document.text.trim().length).toBeGreaterThan(0);
  });

  it.each([
    { password: undefined, code: 'password_required' },
    { password: 'walnuts', code: 'wrong_password' },
  ])('fails with $code given $password', async ({ password, code }) => {
    const error = await failure(extractDocument(read(file), { ...options, password }));
    expect(error.code).toBe(code);
    expect(error.message).not.toContain('walnuts');
  });
});
