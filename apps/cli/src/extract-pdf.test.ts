/** `prelabel extract pdf`, spawned as a user runs it. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/cli.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const tracemonkey = path.join(repoRoot, 'node_modules/pdf-parse/test/data/01-valid.pdf');
const env = { PATH: process.env.PATH ?? '' };
let folder: string;
let notPdf: string;

beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'prelabel-extract-'));
  notPdf = path.join(folder, 'notes.pdf');
  await writeFile(notPdf, 'just some text, saved with the wrong extension\n');
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('prelabel extract pdf', () => {
  it('prints the text in reading order, pages separated by a form feed', async () => {
    const result = await runCli(['extract', 'pdf', '--ocr', 'never', tracemonkey], env);
    expect(result.code).toBe(0);
    const pages = result.stdout.split('\f');
    expect(pages).toHaveLength(14);
    expect(pages[0]!.startsWith('Trace-based Just-in-Time Type Specialization for Dynamic\nLanguages')).toBe(true);
  });

  it('prints the structure with --json', async () => {
    const result = await runCli(['extract', 'pdf', '--json', '--ocr', 'never', '--max-pages', '20', tracemonkey], env);
    expect(result.code).toBe(0);
    const document = JSON.parse(result.stdout) as {
      pageCount: number;
      pages: { blocks: { kind: string }[]; tables: unknown[]; timingsMs: object }[];
      timingsMs: { total: number };
    };
    expect(document.pageCount).toBe(14);
    expect(document.pages[0]!.blocks[0]!.kind).toBe('title');
    expect(document.pages.some((page) => page.tables.length > 0)).toBe(true);
    expect(document.timingsMs.total).toBeGreaterThan(0);
  });

  it.each([
    { name: 'a file that is not a PDF', file: () => notPdf, args: [], code: 'not_pdf' },
    { name: 'a missing file', file: () => path.join(folder, 'missing.pdf'), args: [], code: 'unreadable_file' },
    { name: 'a PDF over the page limit', file: () => tracemonkey, args: ['--max-pages', '3'], code: 'too_many_pages' },
  ])('exits 2 with a one-line JSON error on stderr for $name', async ({ file, args, code }) => {
    const result = await runCli(['extract', 'pdf', ...args, file()], env);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    const parsed = JSON.parse(lines[0]!) as { error: { code: string; message: string } };
    expect(parsed.error.code).toBe(code);
    expect(parsed.error.message.length).toBeGreaterThan(0);
  });
});
