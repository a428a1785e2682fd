/**
 * Turning what goes wrong with a file into a PdfExtractionError with a stable code and a message
 * a user can act on. Messages name the problem and the limit, never the password.
 */
import { type PdfErrorCode, PdfExtractionError } from './document.ts';

/** How far into the file the `%PDF-` signature may start (PDF readers tolerate leading junk). */
export const HEADER_SEARCH_BYTES = 1024;

const SIGNATURE = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-

/**
 * Throws `too_large` or `not_pdf` before pdfjs sees the bytes: a PDF starts with `%PDF-` within
 * its first 1024 bytes, or at least looks like a PDF that lost that line.
 */
export function checkPdfBytes(bytes: Uint8Array, maxBytes: number): void {
  if (bytes.byteLength > maxBytes)
    throw new PdfExtractionError(
      'too_large',
      `the PDF is ${formatBytes(bytes.byteLength)}, more than the limit of ${formatBytes(maxBytes)}`,
    );
  if (!hasPdfSignature(bytes) && !looksLikeHeaderlessPdf(bytes))
    throw new PdfExtractionError(
      'not_pdf',
      bytes.byteLength === 0
        ? 'the file is empty, not a PDF'
        : `the file is not a PDF: no "%PDF-" signature in its first ${HEADER_SEARCH_BYTES} bytes`,
    );
}

export function hasPdfSignature(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.byteLength, HEADER_SEARCH_BYTES) - SIGNATURE.length;
  for (let start = 0; start <= end; start++) {
    if (SIGNATURE.every((byte, offset) => bytes[start + offset] === byte)) return true;
  }
  return false;
}

/**
 * A PDF that lost its header line but keeps its body and trailer (readers open those): an
 * `N G obj` near the start and `startxref` near the end. An HTML page or an image has neither.
 */
export function looksLikeHeaderlessPdf(bytes: Uint8Array): boolean {
  const latin1 = (start: number, end: number) =>
    Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
  const head = latin1(0, Math.min(bytes.byteLength, HEADER_SEARCH_BYTES));
  const tail = latin1(Math.max(0, bytes.byteLength - HEADER_SEARCH_BYTES), bytes.byteLength);
  return /(?:^|\s)\d+\s+\d+\s+obj\b/.test(head) && /startxref\s+\d+/.test(tail);
}

export const passwordRequiredMessage =
  'the PDF is encrypted: give its password (run option "password" or task data field "pdf_password")';
export const wrongPasswordMessage =
  'the PDF is encrypted and the password given does not open it (run option "password" or task data field "pdf_password")';

/** pdfjs's errors (and anything else thrown while reading a file) → a classified error. */
export function classifyPdfError(error: unknown): PdfExtractionError {
  if (error instanceof PdfExtractionError) return error;
  const { name, message, code } = describe(error);
  if (name === 'PasswordException') {
    // pdfjs PasswordResponses: 1 NEED_PASSWORD, 2 INCORRECT_PASSWORD.
    return code === 2
      ? new PdfExtractionError('wrong_password', wrongPasswordMessage)
      : new PdfExtractionError('password_required', passwordRequiredMessage);
  }
  // The signature was checked before pdfjs saw the bytes: a file pdfjs finds no PDF structure in is
  // a PDF that is truncated or broken.
  if (name === 'InvalidPDFException')
    return new PdfExtractionError('damaged', `the PDF is damaged: ${clean(message) || 'no readable PDF structure'}`);
  if (error instanceof RangeError && /allocation|memory|array length/i.test(message))
    return new PdfExtractionError('out_of_memory', `the PDF needs more memory than allowed: ${clean(message)}`);
  return new PdfExtractionError('damaged', `the PDF is damaged: ${clean(message) || 'pdfjs could not read it'}`);
}

/** The error as it crosses a worker-thread boundary. */
export interface SerializedPdfError {
  code: PdfErrorCode;
  message: string;
}

export const serializePdfError = (error: PdfExtractionError): SerializedPdfError => ({
  code: error.code,
  message: error.message,
});

export const deserializePdfError = (error: SerializedPdfError) => new PdfExtractionError(error.code, error.message);

function describe(error: unknown): { name: string; message: string; code: unknown } {
  if (typeof error === 'object' && error !== null) {
    const record = error as { name?: unknown; message?: unknown; code?: unknown };
    return {
      name: typeof record.name === 'string' ? record.name : '',
      message: typeof record.message === 'string' ? record.message : '',
      code: record.code,
    };
  }
  return { name: '', message: String(error), code: undefined };
}

/** One line, bounded: pdfjs messages can carry object dumps. */
const clean = (message: string) => message.replace(/\s+/g, ' ').trim().slice(0, 200);

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}
