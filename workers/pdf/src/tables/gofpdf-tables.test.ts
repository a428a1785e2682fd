/**
 * Acceptance (issue 5, tables): the gofpdf example PDFs that draw tables come out as grids with the
 * right rows, columns and cell texts, through the real path: pdfjs text runs and operator list →
 * rulingsFromOperatorList → findTables. The expected values were read off the PDFs (pdftotext -layout and the
 * rendered pages). The files live beside the repository in `../shared/datasets/pdf/debian/
 * golang-github-jung-kurt-gofpdf-dev/` (or under `$PRELABEL_DATASETS_DIR/pdf/…`); without them the
 * suite is skipped, saying so.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Table } from '../extract/document.ts';
import { loadPdf, type PDFDocumentLoadingTask, pageOperatorList } from '../extract/pdfjs.ts';
import { toTextRuns } from '../extract/text-runs.ts';
import { rulingsFromOperatorList } from './rulings.ts';
import { isHorizontal } from './segments.ts';
import { findTables } from './tables.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const datasetsDir = process.env.PRELABEL_DATASETS_DIR ?? path.resolve(repoRoot, '../shared/datasets');
const GOFPDF_DIR = path.join(datasetsDir, 'pdf/debian/golang-github-jung-kurt-gofpdf-dev');
const hasData = existsSync(GOFPDF_DIR);
if (!hasData) console.warn(`gofpdf table tests skipped: ${GOFPDF_DIR} is absent`);

interface PageTables {
  tables: Table[];
  horizontals: number;
  verticals: number;
}

const tasks: PDFDocumentLoadingTask[] = [];

/** Every page's tables, found the way the extraction finds them. */
async function tablesOf(file: string): Promise<PageTables[]> {
  const task = loadPdf(new Uint8Array(readFileSync(path.join(GOFPDF_DIR, file))));
  tasks.push(task);
  const document = await task.promise;
  const pages: PageTables[] = [];
  for (let number = 1; number <= document.numPages; number++) {
    const page = await document.getPage(number);
    const viewport = page.getViewport({ scale: 1 });
    const runs = toTextRuns(await page.getTextContent(), viewport.transform);
    const rulings = rulingsFromOperatorList(await pageOperatorList(page), viewport);
    pages.push({
      tables: findTables({ width: viewport.width, height: viewport.height, runs, rulings }),
      horizontals: rulings.filter(isHorizontal).length,
      verticals: rulings.filter((segment) => !isHorizontal(segment)).length,
    });
  }
  return pages;
}

const texts = (table: Table) => table.cells.map((row) => row.map((cell) => cell.text));
const shape = (page: PageTables) => page.tables.map((table) => `${table.rows}x${table.columns}`);

describe.skipIf(!hasData)('gofpdf tables', () => {
  afterAll(async () => {
    await Promise.all(tasks.map((task) => task.destroy()));
  });

  describe('Fpdf_CellFormat_tables.pdf: simple, better and fancy tables of 15 countries', () => {
    let pages: PageTables[];
    beforeAll(async () => {
      pages = await tablesOf('Fpdf_CellFormat_tables.pdf');
    });

    it('finds one 16 × 4 ruled table per page', () => {
      expect(pages.map(shape)).toEqual([['16x4'], ['16x4'], ['16x4']]);
      expect(pages.flatMap((page) => page.tables.map((table) => table.source))).toEqual(['ruling', 'ruling', 'ruling']);
    });

    it('reads the simple table, every cell bordered, with plain numbers', () => {
      const cells = texts(pages[0]!.tables[0]!);
      expect(cells[0]).toEqual(['Country', 'Capital', 'Area (sq km)', 'Pop. (thousands)']);
      expect(cells[1]).toEqual(['Austria', 'Vienna', '83859', '8075']);
      expect(cells[9]).toEqual(['Italy', 'Roma', '301316', '57563']);
      expect(cells[15]).toEqual(['United Kingdom', 'London', '243820', '58862']);
      expect(pages[0]!.horizontals).toBe(17);
      expect(pages[0]!.verticals).toBe(5);
    });

    it('reads the better table, its body drawn with side borders only, one row per line', () => {
      const cells = texts(pages[1]!.tables[0]!);
      expect(cells[0]).toEqual(['Country', 'Capital', 'Area (sq km)', 'Pop. (thousands)']);
      expect(cells[1]).toEqual(['Austria', 'Vienna', '83,859', '8,075']);
      expect(cells[10]).toEqual(['Luxembourg', 'Luxembourg', '2,586', '424']);
      expect(cells[15]).toEqual(['United Kingdom', 'London', '243,820', '58,862']);
    });

    it('reads the fancy table: filled header, zebra-filled body with side borders', () => {
      const cells = texts(pages[2]!.tables[0]!);
      expect(cells[0]).toEqual(['Country', 'Capital', 'Area (sq km)', 'Pop. (thousands)']);
      expect(cells[3]).toEqual(['Denmark', 'Copenhagen', '43,094', '5,295']);
      expect(cells[14]).toEqual(['Sweden', 'Stockholm', '410,934', '8,839']);
      expect(cells.map((row) => row[0])).toContain('Netherlands');
    });
  });

  it('Fpdf_SplitLines_tables.pdf: a 3 × 3 table of wrapped, vertically centred paragraphs', async () => {
    const [page] = await tablesOf('Fpdf_SplitLines_tables.pdf');
    expect(shape(page!)).toEqual(['3x3']);
    const cells = texts(page!.tables[0]!);
    expect(cells[0]).toEqual(['Column A', 'Column B', 'Column C']);
    expect(cells.slice(1).map((row) => row.map((text) => text.split('\n').length))).toEqual([
      [6, 11, 16],
      [21, 6, 11],
    ]);
    for (const text of cells.slice(1).flat())
      expect(text.startsWith('Lorem ipsum dolor sit\namet, consectetur\n')).toBe(true);
    expect(cells[1]![0]!.endsWith('\ndolore magna aliqua.')).toBe(true);
    expect(cells[2]![0]!.endsWith('\nest laborum.')).toBe(true);
  });

  /** Row n of these tables holds "n:" and n letters A in every column (`maxLetters` caps one column). */
  const expectNumberedRows = (table: Table, firstRow: number, maxLetters: (column: number, row: number) => number) => {
    table.cells.forEach((row, r) => {
      const n = firstRow + r;
      expect(row.map((cell) => cell.text.replaceAll('\n', ''))).toEqual(
        row.map((_, column) => `${n}:${'A'.repeat(maxLetters(column, n))}`),
      );
    });
  };

  it('Fpdf_WrappedTableCells.pdf: rows of growing text, wrapped inside their cells', async () => {
    const pages = await tablesOf('Fpdf_WrappedTableCells.pdf');
    expect(pages.map(shape)).toEqual([['22x3'], ['8x3']]);
    expectNumberedRows(pages[0]!.tables[0]!, 1, (_, n) => n);
    expectNumberedRows(pages[1]!.tables[0]!, 23, (_, n) => n);
    expect(texts(pages[0]!.tables[0]!)[8]).toEqual(['9:AAAAAAAAA', '9:AAAAAAAAA', '9:AAAAAAAA\nA']);
    expect(texts(pages[1]!.tables[0]!)[0]![0]).toBe('23:AAAAAAAAAAAAAAAAAA\nAAAAA');
  });

  it('Fpdf_ClippedTableCells.pdf: rows of growing text overflowing their clipped cells', async () => {
    const pages = await tablesOf('Fpdf_ClippedTableCells.pdf');
    expect(pages.map(shape)).toEqual([['42x3'], ['8x3']]);
    // The generator itself cuts the second column's text at 48 letters and the third's at 12.
    const letters = (column: number, n: number) => Math.min(n, [n, 48, 12][column]!);
    expectNumberedRows(pages[0]!.tables[0]!, 1, letters);
    expectNumberedRows(pages[1]!.tables[0]!, 43, letters);
  });

  it('finds no table in the other gofpdf examples', async () => {
    const tableFiles = new Set([
      'Fpdf_CellFormat_tables.pdf',
      'Fpdf_SplitLines_tables.pdf',
      'Fpdf_WrappedTableCells.pdf',
      'Fpdf_ClippedTableCells.pdf',
    ]);
    // Fpdf_SetProtection.pdf is encrypted: opening it needs a password, which is the extraction's concern.
    const others = readdirSync(GOFPDF_DIR).filter(
      (file) => file.endsWith('.pdf') && !tableFiles.has(file) && file !== 'Fpdf_SetProtection.pdf',
    );
    expect(others.length).toBeGreaterThan(40);
    const found: string[] = [];
    for (const file of others) {
      const pages = await tablesOf(file);
      pages.forEach((page, index) => {
        if (page.tables.length > 0) found.push(`${file} page ${index + 1}: ${shape(page).join(', ')}`);
      });
    }
    expect(found).toEqual([]);
  });
});
