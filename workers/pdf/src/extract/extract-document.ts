/**
 * Extraction of one PDF with pdfjs, on the calling thread: bytes → ExtractedDocument.
 *
 * Meant to run inside an extraction worker thread (extraction-pool.ts), where a hostile file can be
 * killed; tests and tools may call it directly. Steps: size and `%PDF-` checks, open (with the
 * password), page-count limits, then per page: one operator list gives the rulings, the image
 * boxes, the fonts that decode symbol-font text (symbol-fonts.ts) and the layers that hide text
 * (optional-content.ts) → text runs (content and annotations) → tables (rulings + alignment) →
 * OCR decision (with a `context.ocr`; without one, every page keeps its text layer, `empty` when
 * it has none) → layout (or the OCR lines' layout); finally document-level roles (headings, title,
 * headers, footers) and the texts. `renderDocumentPages` opens a PDF the same way and renders chosen
 * pages to PNG (the layout template's page images, asked for a batch at a time so that a long
 * document's images never all sit in memory). Every failure is a PdfExtractionError
 * (errors.ts); a page that runs past `pageTimeoutMs` fails the document with `page_timeout` (a
 * page stuck in synchronous code can only be stopped by the pool terminating the thread, which it
 * does from the progress events this function reports).
 */
import { performance } from 'node:perf_hooks';
import { AnnotationMode } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { renderPagePng } from '../render/render-page.ts';
import { rulingsFromOperatorList } from '../tables/rulings.ts';
import { findTables } from '../tables/tables.ts';
import { annotationRuns, appearanceTexts, needsAppearanceText } from './annotation-text.ts';
import {
  type Block,
  type Box,
  type ExtractedDocument,
  type ExtractedPage,
  type ExtractOptions,
  type OcrLine,
  PdfExtractionError,
  type Table,
} from './document.ts';
import { checkPdfBytes, classifyPdfError } from './errors.ts';
import { imageBoxes } from './figures.ts';
import { coverage, needsOcr, textLayerStats } from './ocr-decision.ts';
import { type IsVisible, visibleTextItems } from './optional-content.ts';
import { layoutOcrLines, layoutPage } from './page-layout.ts';
import { loadPdf, type OperatorListLike, type PDFDocumentProxy, type PDFPageProxy, pageOperatorList } from './pdfjs.ts';
import { assignRoles, pageText } from './roles.ts';
import { decodeSymbolFonts } from './symbol-fonts.ts';
import { toTextRuns } from './text-runs.ts';

/** Recognises one rendered page; boxes in page points as displayed. */
export interface PageRecogniser {
  recognise(page: PDFPageProxy, signal: AbortSignal): Promise<OcrLine[]>;
}

export interface PageImage {
  index: number;
  png: Uint8Array;
  width: number;
  height: number;
}

export type ExtractionProgress =
  | { type: 'opened'; pageCount: number }
  | { type: 'page-start'; index: number }
  | { type: 'page-done'; index: number };

export interface ExtractContext {
  /** OCR for pages that need it; without one such pages come out `empty`. */
  ocr?: PageRecogniser | undefined;
  onProgress?: ((event: ExtractionProgress) => void) | undefined;
  /** Notes that do not fail the document (a page's tables could not be read). */
  onWarning?: ((warning: { pageIndex: number; message: string }) => void) | undefined;
  signal?: AbortSignal | undefined;
}

/** What opening a PDF needs: its password and the limits checked before any page is read. */
export type OpenOptions = Pick<ExtractOptions, 'password' | 'maxBytes' | 'maxPages' | 'pageTimeoutMs'>;

/**
 * Checks and opens the PDF, then runs `use` on it, the document freed afterwards whatever
 * happened; `opened` is reported with the page count. Failures are classified.
 */
async function withOpenDocument<T>(
  bytes: Uint8Array,
  options: OpenOptions,
  context: Pick<ExtractContext, 'onProgress' | 'signal'>,
  use: (document: PDFDocumentProxy) => Promise<T>,
): Promise<T> {
  checkPdfBytes(bytes, options.maxBytes);
  context.signal?.throwIfAborted();
  const task = loadPdf(bytes, { password: options.password });
  const document = await withTimeout(task.promise, options.pageTimeoutMs, 'opening the PDF').catch(
    async (error: unknown) => {
      await task.destroy().catch(() => undefined);
      throw classifyPdfError(error);
    },
  );
  try {
    const pageCount = document.numPages;
    if (pageCount === 0) throw new PdfExtractionError('no_pages', 'the PDF has no pages');
    if (pageCount > options.maxPages)
      throw new PdfExtractionError(
        'too_many_pages',
        `the PDF has ${pageCount} pages, more than the limit of ${options.maxPages}`,
      );
    context.onProgress?.({ type: 'opened', pageCount });
    return await use(document);
  } finally {
    // The document's memory goes back whatever happened; a failing teardown changes nothing for the caller.
    await task.destroy().catch(() => undefined);
  }
}

/** Runs `work` for each page index in turn, each within the page timeout and reported as progress. */
async function eachPage<T>(
  indices: readonly number[],
  options: Pick<ExtractOptions, 'pageTimeoutMs'>,
  context: Pick<ExtractContext, 'onProgress' | 'signal'>,
  work: (index: number, signal: AbortSignal) => Promise<T>,
): Promise<T[]> {
  const results: T[] = [];
  for (const index of indices) {
    context.signal?.throwIfAborted();
    context.onProgress?.({ type: 'page-start', index });
    const controller = new AbortController();
    const result = await withTimeout(
      work(index, controller.signal),
      options.pageTimeoutMs,
      `page ${index + 1}`,
      controller,
    ).catch((error: unknown) => {
      throw classifyPdfError(error);
    });
    results.push(result);
    context.onProgress?.({ type: 'page-done', index });
  }
  return results;
}

export async function extractDocument(
  bytes: Uint8Array,
  options: ExtractOptions,
  context: ExtractContext = {},
): Promise<ExtractedDocument> {
  const started = performance.now();
  return withOpenDocument(bytes, options, context, async (document) => {
    const opened = performance.now();
    const pageCount = document.numPages;
    const layers = await documentLayers(document, context);
    const indices = Array.from({ length: pageCount }, (_, index) => index);
    const extracted = await eachPage(indices, options, context, (index, signal) =>
      extractPage(document, index, layers, options, context, signal),
    );
    const pagesDone = performance.now();
    const roled = assignRoles(extracted);
    const pages = extracted.map((page, index) => {
      const blocks = roled[index]!.blocks;
      return { ...page, blocks, text: pageText(blocks) };
    });
    return {
      pageCount,
      pages,
      text: pages.map((page) => page.text).join('\f'),
      timingsMs: {
        open: round(opened - started),
        pages: round(pagesDone - opened),
        total: round(performance.now() - started),
      },
    };
  });
}

/**
 * Renders the given pages (0-based indices; the caller knows the page count from the extraction)
 * to PNG at `scale` pixels per point (lowered for a page past the render cap, see
 * render-page.ts). Opens the PDF as extractDocument does; each page has `pageTimeoutMs`.
 */
export async function renderDocumentPages(
  bytes: Uint8Array,
  options: OpenOptions & { scale: number; pages: readonly number[] },
  context: Pick<ExtractContext, 'onProgress' | 'signal'> = {},
): Promise<PageImage[]> {
  return withOpenDocument(bytes, options, context, (document) =>
    eachPage(options.pages, options, context, async (index, signal) => {
      const page = await document.getPage(index + 1);
      const rendered = await renderPagePng(page, { scale: options.scale, signal });
      page.cleanup();
      return { index, png: rendered.png, width: rendered.width, height: rendered.height };
    }),
  );
}

/** Empty: what the page readers see when the page's operator list could not be built. */
const NO_OPERATORS: OperatorListLike = { fnArray: [], argsArray: [] };

/** The visibility of the document's layers (optional content), or undefined when it has none. */
async function documentLayers(document: PDFDocumentProxy, context: ExtractContext): Promise<IsVisible | undefined> {
  try {
    const config = await document.getOptionalContentConfig();
    if (config.getOrder() === null) return undefined;
    return (group) => config.isVisible(group as Parameters<typeof config.isVisible>[0]);
  } catch (error) {
    context.onWarning?.({ pageIndex: 0, message: `layers ignored: ${classifyPdfError(error).message}` });
    return undefined;
  }
}

async function extractPage(
  document: PDFDocumentProxy,
  index: number,
  layers: IsVisible | undefined,
  options: ExtractOptions,
  context: ExtractContext,
  signal: AbortSignal,
): Promise<ExtractedPage> {
  const page = await document.getPage(index + 1);
  const viewport = page.getViewport({ scale: 1 });
  const { width, height } = viewport;
  let mark = performance.now();
  // One operator list per page: the rulings, the image boxes, the fonts that decode symbol-font
  // text and the layers of hidden text all come from it.
  const operatorList = await pageOperatorList(page).catch((error: unknown) => {
    context.onWarning?.({
      pageIndex: index,
      message: `symbol fonts, hidden layers, tables and figures skipped: ${classifyPdfError(error).message}`,
    });
    return undefined;
  });
  const content = await page.getTextContent({ includeMarkedContent: layers !== undefined });
  let items = content.items as readonly unknown[];
  if (layers !== undefined) {
    const visible = visibleTextItems(items, operatorList ?? NO_OPERATORS, layers);
    if (!visible.aligned) {
      context.onWarning?.({
        pageIndex: index,
        message: 'text in hidden layers kept: the marked content of the text and of the drawing did not line up',
      });
    }
    items = visible.items;
  }
  const runs = toTextRuns({ items, styles: content.styles }, viewport.transform);
  if (operatorList !== undefined) decodeSymbolFonts(runs, page.commonObjs);
  try {
    const annotations = await page.getAnnotations({ intent: 'display' });
    // Button captions and list boxes are only in the appearance streams: read them when there are some.
    const appearance = needsAppearanceText(annotations)
      ? appearanceTexts(await page.getOperatorList({ annotationMode: AnnotationMode.ENABLE }))
      : undefined;
    runs.push(...annotationRuns(annotations, viewport, appearance));
  } catch (error) {
    context.onWarning?.({ pageIndex: index, message: `annotation text skipped: ${classifyPdfError(error).message}` });
  }
  const textMs = performance.now() - mark;

  mark = performance.now();
  let tables: Table[] = [];
  let figures: Box[] = [];
  if (operatorList !== undefined) {
    try {
      const rulings = rulingsFromOperatorList(operatorList, viewport);
      figures = imageBoxes(operatorList, viewport);
      tables = findTables({ width, height, runs, rulings });
    } catch (error) {
      context.onWarning?.({
        pageIndex: index,
        message: `tables and figures skipped: ${classifyPdfError(error).message}`,
      });
    }
  }
  const tablesMs = performance.now() - mark;

  mark = performance.now();
  const stats = textLayerStats(
    runs.map((run) => run.text),
    coverage(figures, width, height),
  );
  let ocr: ExtractedPage['ocr'];
  let blocks: Block[] | undefined;
  if (context.ocr && needsOcr(options.ocr, stats)) {
    const lines = await context.ocr.recognise(page, signal).catch((error: unknown) => {
      if (error instanceof PdfExtractionError || signal.aborted) throw error;
      throw new PdfExtractionError('ocr_failed', `OCR of page ${index + 1} failed: ${(error as Error).message}`);
    });
    if (lines.length > 0) {
      ocr = { lines, confidence: meanConfidence(lines) };
      blocks = layoutOcrLines(lines);
      tables = [];
    }
  }
  const ocrMs = performance.now() - mark;
  blocks ??= layoutPage({ width, height, runs, tables, figures });

  page.cleanup();
  const source: ExtractedPage['source'] = ocr ? 'ocr' : runs.length > 0 ? 'text' : 'empty';
  return {
    index,
    width,
    height,
    source,
    blocks,
    tables,
    text: pageText(blocks),
    ...(ocr ? { ocr } : {}),
    timingsMs: { text: round(textMs), tables: round(tablesMs), ocr: round(ocrMs) },
  };
}

function meanConfidence(lines: readonly OcrLine[]): number {
  let weighted = 0;
  let characters = 0;
  for (const line of lines) {
    weighted += line.confidence * line.text.length;
    characters += line.text.length;
  }
  return characters > 0 ? weighted / characters : 0;
}

/** Rejects with `page_timeout` after `timeoutMs` (aborting `controller` so OCR and rendering stop). */
function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string, controller?: AbortController): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new PdfExtractionError('page_timeout', `${what} took longer than the limit of ${timeoutMs} ms`);
      controller?.abort(error);
      reject(error);
    }, timeoutMs);
  });
  // The losing promise must not surface as an unhandled rejection later.
  work.catch(() => undefined);
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

const round = (ms: number) => Math.round(ms * 10) / 10;
