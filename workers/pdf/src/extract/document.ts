/**
 * The extracted-document model: what PDF extraction produces and every consumer (the `pdf`
 * pipeline's LS mappings, the CLI's `--json`, the benchmarks) reads.
 *
 * Geometry is in PDF points on the page as displayed: origin at the top-left corner, y growing
 * downwards, the page's /Rotate applied (pdfjs `page.getViewport({ scale: 1 })`). A consumer turns
 * a box into LS percentages with `100 * x / page.width`.
 */

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One line of text: runs on a shared baseline, joined left to right with the spaces between them. */
export interface TextLine {
  text: string;
  box: Box;
  /** Dominant font size of the line, in points. */
  fontSize: number;
}

/**
 * A block's role on the page. `title` is the largest heading of the document's first page,
 * `heading` any other line set larger than the body text; `header`/`footer` are lines repeated
 * in the top/bottom margin (page numbers, running titles); `figure` an image region.
 */
export type BlockKind = 'title' | 'heading' | 'text' | 'list' | 'table' | 'figure' | 'header' | 'footer';

export interface Block {
  kind: BlockKind;
  /**
   * The block's lines joined with '\n', a word hyphenated at a line's end rejoined without its
   * hyphen as pdftotext does (a table's rows, cells separated by '\t'; '' for a figure).
   */
  text: string;
  box: Box;
  lines: TextLine[];
  /** Dominant font size of the block's lines, in points (absent for tables and figures). */
  fontSize?: number;
  /** For a `table` block, its grid. */
  table?: Table;
}

export interface TableCell {
  text: string;
  box: Box;
}

/** A table as a grid: `cells[row][column]`, every row the same length (empty cells are ''). */
export interface Table {
  box: Box;
  rows: number;
  columns: number;
  cells: TableCell[][];
  /** `ruling`: found from drawn lines and rectangles; `alignment`: from column-aligned text. */
  source: 'ruling' | 'alignment';
}

export interface OcrLine {
  text: string;
  box: Box;
  /** Mean per-character probability of the recognised text, 0..1. */
  confidence: number;
}

export interface ExtractedPage {
  /** 0-based page index (LS's `item_index`). */
  index: number;
  width: number;
  height: number;
  /** `text`: from the text layer; `ocr`: recognised from the rendered page; `empty`: neither found text. */
  source: 'text' | 'ocr' | 'empty';
  /** Blocks in reading order (columns left to right, each top to bottom; header first, footer last). */
  blocks: Block[];
  tables: Table[];
  /** The page's text in reading order: blocks separated by a blank line. */
  text: string;
  /** Present when the page went through OCR. */
  ocr?: { lines: OcrLine[]; confidence: number };
  timingsMs: { text: number; tables: number; ocr: number };
}

export interface ExtractedDocument {
  pageCount: number;
  pages: ExtractedPage[];
  /** Every page's text in reading order, pages separated by a form feed ('\f'), like pdftotext. */
  text: string;
  timingsMs: { open: number; pages: number; total: number };
}

export type OcrMode = 'auto' | 'never' | 'always';

export interface ExtractOptions {
  /** Password of an encrypted PDF (user or owner password). */
  password?: string | undefined;
  /** `auto`: OCR pages with no text layer; `never`; `always`: OCR every page. */
  ocr: OcrMode;
  /** Refuse files larger than this. */
  maxBytes: number;
  /** Refuse documents with more pages than this. */
  maxPages: number;
  /** One page's text, tables and OCR must finish within this. */
  pageTimeoutMs: number;
}

/** Limits for a caller that sets none of its own (the CLI's defaults). */
export const DEFAULT_EXTRACT_LIMITS: Pick<ExtractOptions, 'maxBytes' | 'maxPages' | 'pageTimeoutMs'> = {
  maxBytes: 200 * 1024 * 1024,
  maxPages: 2000,
  pageTimeoutMs: 30_000,
};

/**
 * Why a file could not be extracted. Every code is permanent for the file: retrying the same bytes
 * gives the same answer (a timeout may pass on a less loaded machine, but a file that needs more
 * than the limit is treated as hostile).
 */
export type PdfErrorCode =
  | 'not_pdf'
  | 'damaged'
  | 'password_required'
  | 'wrong_password'
  | 'no_pages'
  | 'too_large'
  | 'too_many_pages'
  | 'page_timeout'
  | 'out_of_memory'
  | 'ocr_failed';

export class PdfExtractionError extends Error {
  override name = 'PdfExtractionError';
  readonly code: PdfErrorCode;
  constructor(code: PdfErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
