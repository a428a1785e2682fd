/**
 * `prelabel extract pdf FILE [--json] [--ocr auto|never|always] [--password P] [--max-pages N]
 * [--page-timeout-ms N] [--max-bytes N]`: the pdf pipeline's extraction on a local file, in an
 * extraction thread as a worker runs it (workers/pdf/src/extract/extraction-pool.ts).
 *
 * Prints the text in reading order, pages separated by a form feed ('\f'), or with `json` the
 * ExtractedDocument (pages, blocks, tables, timings) as one line of JSON. A file it cannot read —
 * missing, not a PDF, encrypted without the right password, damaged, over a limit — prints one
 * line `{"error":{"code","message"}}` on **stderr** (stdout carries only results) and returns exit
 * status 2; `code` is a PdfExtractionError code or `unreadable_file`.
 */
import { readFile } from 'node:fs/promises';
import { type ExtractOptions, type OcrMode, PdfExtractionError } from '@prelabel/worker-pdf/extract/document';
import { createExtractionPool } from '@prelabel/worker-pdf/extract/extraction-pool';

export interface ExtractPdfOptions {
  file: string;
  json: boolean;
  ocr: OcrMode;
  password?: string | undefined;
  maxBytes: number;
  maxPages: number;
  pageTimeoutMs: number;
}

export interface ExtractPdfOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processOutput: ExtractPdfOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Runs the command; returns the exit status (0, or 2 for a file it cannot read). */
export async function runExtractPdf(
  options: ExtractPdfOptions,
  output: ExtractPdfOutput = processOutput,
): Promise<number> {
  const fail = (code: string, message: string) => {
    output.stderr(`${JSON.stringify({ error: { code, message } })}\n`);
    return 2;
  };
  let bytes: Uint8Array;
  try {
    bytes = await readFile(options.file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    return fail('unreadable_file', `cannot read ${options.file}: ${reason}`);
  }
  const pool = createExtractionPool({ size: 1 });
  try {
    const extractOptions: ExtractOptions = {
      ocr: options.ocr,
      password: options.password,
      maxBytes: options.maxBytes,
      maxPages: options.maxPages,
      pageTimeoutMs: options.pageTimeoutMs,
    };
    const document = await pool.extract(bytes, extractOptions);
    if (options.json) output.stdout(`${JSON.stringify(document)}\n`);
    else output.stdout(document.text.endsWith('\n') ? document.text : `${document.text}\n`);
    return 0;
  } catch (error) {
    if (error instanceof PdfExtractionError) return fail(error.code, error.message);
    throw error;
  } finally {
    await pool.close();
  }
}
