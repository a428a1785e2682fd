/**
 * Comparing extracted text with poppler's `pdftotext`, for the PDF corpus tests and tools.
 *
 * Tokens: Unicode NFKC (ligatures like "ﬁ" become "fi", full-width forms plain), lower-cased, split
 * on every character that is not a letter, digit or combining mark, so spacing and punctuation
 * differences between two extractors ("Gal∗+ ," vs "Gal∗+,") do not count, while a word split or
 * glued differently does. Invisible format characters (Unicode category Cf: soft hyphens,
 * zero-width spaces, bidi embedding marks, which pdftotext emits as they are in the font's text)
 * are removed first. Hyphenation: both sides rejoin a word hyphenated at a line's end (our
 * blocks do it as pdftotext does), so nothing is normalised for it here.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The PDF datasets folder: `PRELABEL_DATASETS_DIR/pdf` when set, else `../shared/datasets/pdf` from the repo root. */
export function pdfDatasetsDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.PRELABEL_DATASETS_DIR ?? path.resolve(repoRoot, '../shared/datasets');
  return path.join(base, 'pdf');
}

export const PDFTOTEXT = '/usr/bin/pdftotext';
export const hasPdftotext = () => existsSync(PDFTOTEXT);

/** pdf-parse@1.1.1's test PDFs (a devDependency of `test`): the two-column tracemonkey paper and others. */
export const pdfParseData = (name: string) => path.join(repoRoot, 'node_modules/pdf-parse/test/data', name);
export const TRACEMONKEY_PDF = pdfParseData('01-valid.pdf');

export function tokenize(text: string): string[] {
  return (
    text
      .normalize('NFKC')
      // Invisible format characters (soft hyphens, zero-width spaces, bidi marks) are not text.
      .replace(/\p{Cf}/gu, '')
      .toLowerCase()
      .split(/[^\p{L}\p{N}\p{M}]+/u)
      .filter((token) => token !== '')
  );
}

/** Multiset token F1 of `candidate` against `reference` (1 when both have no tokens). */
export function tokenF1(candidate: string, reference: string): number {
  const ours = tokenize(candidate);
  const theirs = tokenize(reference);
  if (ours.length === 0 && theirs.length === 0) return 1;
  if (ours.length === 0 || theirs.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const token of theirs) counts.set(token, (counts.get(token) ?? 0) + 1);
  let common = 0;
  for (const token of ours) {
    const left = counts.get(token) ?? 0;
    if (left > 0) {
      common++;
      counts.set(token, left - 1);
    }
  }
  const precision = common / ours.length;
  const recall = common / theirs.length;
  return common === 0 ? 0 : (2 * precision * recall) / (precision + recall);
}

export interface PdftotextResult {
  code: number;
  text: string;
}

/**
 * `pdftotext -enc UTF-8 [-upw PASSWORD] FILE -` (its exit status and text; a timeout or signal
 * counts as failure).
 */
export function pdftotext(
  file: string,
  options: { password?: string; timeoutMs?: number } = {},
): Promise<PdftotextResult> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const password = options.password === undefined ? [] : ['-upw', options.password];
  return new Promise((resolve) => {
    execFile(
      PDFTOTEXT,
      ['-enc', 'UTF-8', ...password, file, '-'],
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, text: stdout });
      },
    );
  });
}

export interface ScanEntry {
  bytes: number;
  /** undefined where poppler could not open the file (`p=ERR`). */
  pages: number | undefined;
  encrypted: boolean | undefined;
  /** Characters pdftotext extracts from the first pages; 0 = no text layer. */
  textCharacters: number;
}

/** The corpus's SCAN.txt: one line per file, `SIZE p=N form=F enc=E tagged=T txt=N NAME`. */
export function readScan(file: string): Map<string, ScanEntry> {
  const entries = new Map<string, ScanEntry>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^(\d+) p=(\S+) form=\S+ enc=(\S+) tagged=\S+ txt=(\d+) (.+)$/.exec(line.trim());
    if (match === null) continue;
    const [, bytes, pages, encrypted, characters, name] = match;
    entries.set(name!, {
      bytes: Number(bytes),
      pages: pages === 'ERR' ? undefined : Number(pages),
      encrypted: encrypted === 'yes' ? true : encrypted === 'no' ? false : undefined,
      textCharacters: Number(characters),
    });
  }
  return entries;
}

/** The password a forensics sample carries in its name (`a-text-pass-peanuts.pdf` → `peanuts`). */
export const passwordFromName = (file: string) => /-pass-([^/.]+)\.pdf$/.exec(file)?.[1];

/** Length of the longest strictly increasing subsequence (how much of a sequence is in order). */
export function longestIncreasingRun(values: readonly number[]): number {
  const tails: number[] = [];
  for (const value of values) {
    let low = 0;
    let high = tails.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (tails[middle]! < value) low = middle + 1;
      else high = middle;
    }
    tails[low] = value;
  }
  return tails.length;
}

/** p-th percentile (0..100) of the values, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
