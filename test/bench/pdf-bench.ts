/**
 * The benchmark's PDF section: pages/s of prelabel's text-layer extraction next to poppler's
 * `pdftotext` on the same files in the same run, and OCR seconds per page.
 *
 *   node test/bench/pdf-bench.ts [--threads N] [--reps N] [--max-files N] [--ocr-pages N]
 *
 * Files: with `../shared/datasets/pdf` present, every PDF there with a text layer that pdftotext
 * opens (pdfjs-corpus files whose SCAN.txt line says `txt>0` and `enc=no`, and the Debian files
 * not protected by a password); otherwise pdf-parse@1.1.1's test PDFs. Files either side fails on
 * are left out of both, so the two sides read the same pages.
 *
 * 1. Text layer: the extraction pool (`--threads`, default 2, as the pdf worker's PDF_THREADS) with
 *    OCR off, the product's default limits, every file through `pool.extract` with `--threads`
 *    files in flight; then `pdftotext -enc UTF-8 FILE -` with as many processes in flight. Each side
 *    runs `--reps` (3) times, alternately, after a warm-up pass of ours (threads started, pdfjs
 *    loaded); the best pass of each gives pages/s (noise on a shared host only adds time). pdftotext
 *    is a process per file, as a shell loop or a Python wrapper would run it; ours is the worker's
 *    path without the download. Ratio = ours ÷ pdftotext (target ≥ 0.5).
 * 2. OCR: `--ocr-pages` (default 6) text-layer pages of pdf-parse's 02-valid.pdf and
 *    05-versions-space.pdf through the same pool with `ocr: "always"` and one thread, after one
 *    warm-up page (the OCR models loaded): seconds per page, including rendering.
 * Prints one JSON line on stdout, progress on stderr; `bench.ts` runs it as a child process.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PdfExtractionError } from '@prelabel/worker-pdf/extract/document';
import { createExtractionPool, type ExtractionPool } from '@prelabel/worker-pdf/extract/extraction-pool';

const DATASETS = fileURLToPath(new URL('../../../shared/datasets/pdf/', import.meta.url));
const PDF_PARSE_DATA = join(createRequire(import.meta.url).resolve('pdf-parse/package.json'), '..', 'test', 'data');
const LIMITS = { maxBytes: 100 * 1024 * 1024, maxPages: 500, pageTimeoutMs: 30_000 };

const { values: args } = parseArgs({
  options: {
    threads: { type: 'string', default: '2' },
    reps: { type: 'string', default: '3' },
    'max-files': { type: 'string', default: '1000' },
    'ocr-pages': { type: 'string', default: '6' },
  },
});
const threads = Number(args.threads);
const reps = Number(args.reps);
const progress = (message: string) => console.error(`  [pdf] ${message}`);

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : name.endsWith('.pdf') ? [path] : [];
  });
}

function candidateFiles(): { files: string[]; source: string } {
  if (!existsSync(DATASETS)) {
    const files = ['01-valid.pdf', '02-valid.pdf', '04-valid.pdf', '05-versions-space.pdf'].map((n) =>
      join(PDF_PARSE_DATA, n),
    );
    return { files, source: 'pdf-parse@1.1.1 test data (../shared/datasets/pdf is absent)' };
  }
  const scan = readFileSync(join(DATASETS, 'pdfjs-corpus', 'SCAN.txt'), 'utf8');
  const corpus = scan
    .split('\n')
    .map((line) => /^\d+ p=(\d+) .*enc=no .*txt=(\d+) (.+)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && Number(m[2]) > 0)
    .map((m) => join(DATASETS, 'pdfjs-corpus', m[3]!))
    // SCAN.txt also lists a few files the corpus copy does not hold.
    .filter((path) => existsSync(path));
  const debian = walk(join(DATASETS, 'debian')).filter((path) => !/-pass-|SetProtection/.test(path));
  return { files: [...corpus, ...debian], source: '../shared/datasets/pdf (pdfjs-corpus with a text layer, debian)' };
}

function pdftotext(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('pdftotext', ['-enc', 'UTF-8', file, '-'], { stdio: ['ignore', 'ignore', 'ignore'] });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

/** Runs `work` over `items` with `width` in flight; resolves to the wall time in ms. */
async function inFlight<T>(items: readonly T[], width: number, work: (item: T) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
  return performance.now() - started;
}

async function extractPages(pool: ExtractionPool, bytes: Uint8Array, ocr: 'never' | 'always'): Promise<number> {
  const document = await pool.extract(bytes, { ...LIMITS, ocr });
  return document.pageCount;
}

async function main() {
  const { files: candidates, source } = candidateFiles();
  const inputs = candidates.slice(0, Number(args['max-files'])).map((path) => ({
    path,
    name: relative(DATASETS, path),
    bytes: new Uint8Array(readFileSync(path)),
  }));
  progress(`${inputs.length} candidate files from ${source}; threads ${threads}`);

  const pool = createExtractionPool({ size: threads });
  // Warm-up and selection: the files both sides read, with their page counts.
  const pages = new Map<string, number>();
  const outcomes: Record<string, number> = {};
  for (const input of inputs) {
    try {
      pages.set(input.path, await extractPages(pool, input.bytes, 'never'));
      outcomes.ok = (outcomes.ok ?? 0) + 1;
    } catch (error) {
      const code = error instanceof PdfExtractionError ? error.code : 'other';
      outcomes[code] = (outcomes[code] ?? 0) + 1;
    }
  }
  const both: typeof inputs = [];
  for (const input of inputs) if (pages.has(input.path) && (await pdftotext(input.path))) both.push(input);
  const totalPages = both.reduce((sum, input) => sum + pages.get(input.path)!, 0);
  progress(`${both.length} files, ${totalPages} pages readable by both`);

  const oursMs: number[] = [];
  const popplerMs: number[] = [];
  for (let rep = 0; rep < reps; rep += 1) {
    oursMs.push(await inFlight(both, threads, (input) => extractPages(pool, input.bytes, 'never')));
    popplerMs.push(await inFlight(both, threads, (input) => pdftotext(input.path)));
    progress(`pass ${rep + 1}: ours ${Math.round(oursMs.at(-1)!)} ms, pdftotext ${Math.round(popplerMs.at(-1)!)} ms`);
  }
  await pool.close();
  const best = (ms: number[]) => Math.min(...ms);
  const oursPagesPerSec = totalPages / (best(oursMs) / 1000);
  const popplerPagesPerSec = totalPages / (best(popplerMs) / 1000);

  // OCR, one thread, the models loaded by a warm-up page first.
  const ocrPool = createExtractionPool({ size: 1 });
  const short = new Uint8Array(readFileSync(join(PDF_PARSE_DATA, '05-versions-space.pdf')));
  await extractPages(ocrPool, short, 'always');
  const ocrInputs = [join(PDF_PARSE_DATA, '02-valid.pdf'), join(PDF_PARSE_DATA, '05-versions-space.pdf')].map(
    (path) => new Uint8Array(readFileSync(path)),
  );
  let ocrPages = 0;
  const ocrStarted = performance.now();
  for (const bytes of ocrInputs) {
    if (ocrPages >= Number(args['ocr-pages'])) break;
    ocrPages += await extractPages(ocrPool, bytes, 'always');
  }
  const ocrSeconds = (performance.now() - ocrStarted) / 1000;
  await ocrPool.close();

  const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
  console.log(
    JSON.stringify({
      source,
      threads,
      files: both.length,
      pages: totalPages,
      candidates: inputs.length,
      outcomes,
      reps,
      oursMs: oursMs.map((ms) => Math.round(ms)),
      pdftotextMs: popplerMs.map((ms) => Math.round(ms)),
      oursPagesPerSec: round(oursPagesPerSec),
      pdftotextPagesPerSec: round(popplerPagesPerSec),
      ratio: round(oursPagesPerSec / popplerPagesPerSec, 2),
      target: 0.5,
      ocr: { pages: ocrPages, seconds: round(ocrSeconds, 2), secondsPerPage: round(ocrSeconds / ocrPages, 2) },
    }),
  );
}

await main();
