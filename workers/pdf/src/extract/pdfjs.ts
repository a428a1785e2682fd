/**
 * pdfjs-dist for Node: one place that knows how to open a document.
 *
 * pdfjs-dist 6 needs Node >= 22.13 and, for rendering and its DOMMatrix/Path2D polyfills,
 * `@napi-rs/canvas` (a dependency of this workspace; pdfjs `require`s it itself). In Node pdfjs runs
 * its "worker" on the calling thread, so this module is meant to be used inside an extraction worker
 * thread (see the extraction pool), never on a service's main event loop. Fonts, CMaps, ICC profiles
 * and the wasm image decoders are read from the installed package's folders, never fetched.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  AnnotationMode,
  getDocument,
  type PDFDocumentLoadingTask,
  type PDFDocumentProxy,
  type PDFPageProxy,
} from 'pdfjs-dist/legacy/build/pdf.mjs';

const packageDir = path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
const folder = (name: string) => `${path.join(packageDir, name)}${path.sep}`;

export interface OpenPdfOptions {
  password?: string | undefined;
}

/**
 * Opens a PDF from its bytes (the array is handed to pdfjs, which may detach it: pass a copy when
 * the caller still needs the bytes). Rejects with pdfjs's own errors (`InvalidPDFException`,
 * `PasswordException`, …); the extraction classifies them.
 */
export function openPdf(bytes: Uint8Array, options: OpenPdfOptions = {}): Promise<PDFDocumentProxy> {
  return loadPdf(bytes, options).promise;
}

/**
 * {@link openPdf}'s loading task: its `promise` is the document, and `destroy()` frees everything
 * pdfjs holds for it (pdfjs 6 documents have no `destroy` of their own).
 */
export function loadPdf(bytes: Uint8Array, options: OpenPdfOptions = {}): PDFDocumentLoadingTask {
  return getDocument({
    data: bytes,
    ...(options.password === undefined ? {} : { password: options.password }),
    standardFontDataUrl: folder('standard_fonts'),
    cMapUrl: folder('cmaps'),
    cMapPacked: true,
    iccUrl: folder('iccs'),
    wasmUrl: folder('wasm'),
    // No system fonts or font-face injection, no console noise from malformed files.
    disableFontFace: true,
    useSystemFonts: false,
    // Font names and glyph maps on the main thread, for symbol-font text (symbol-fonts.ts).
    fontExtraProperties: true,
    stopAtErrors: false,
    verbosity: 0,
  });
}

export type { PDFDocumentLoadingTask, PDFDocumentProxy, PDFPageProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';

/** The parts of a pdfjs operator list the page readers walk (structural, so tests can build their own). */
export interface OperatorListLike {
  fnArray: readonly number[];
  argsArray: readonly unknown[];
}

/**
 * The page's one operator list that rulings, figures, symbol fonts and layers all read: form
 * fields drawn in (ENABLE_FORMS), so their appearances sit between beginAnnotation and
 * endAnnotation for each reader to skip. pdfjs caches it per page; building it decodes the page's
 * images, which is most of its cost.
 */
export const pageOperatorList = (page: PDFPageProxy) =>
  page.getOperatorList({ annotationMode: AnnotationMode.ENABLE_FORMS });
