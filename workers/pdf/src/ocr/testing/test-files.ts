/**
 * Test support: where the OCR tests find real PDFs. pdf-parse@1.1.1's test PDFs (a devDependency
 * of the `test` workspace, so always installed) and the shared datasets, `PRELABEL_DATASETS_DIR/pdf`
 * when set, else `../shared/datasets/pdf` from the repository root (absent on some machines: tests
 * that need it skip and say so).
 */
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../../../../..');

export function pdfDatasetsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.PRELABEL_DATASETS_DIR ?? path.resolve(repoRoot, '../shared/datasets'), 'pdf');
}

export const pdfParseData = (name: string) => path.join(repoRoot, 'node_modules/pdf-parse/test/data', name);
