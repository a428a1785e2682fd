/**
 * Real Label Studio payloads from `../shared/fixtures/label-studio/` (beside the checkout, not part
 * of the project). Tests that need them skip with this message when the folder is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = fileURLToPath(new URL('../../../shared/fixtures/label-studio/', import.meta.url));
export const hasFixtures = existsSync(FIXTURES_DIR);
export const NO_FIXTURES = `Label Studio fixtures not found at ${FIXTURES_DIR} (the reference folder beside the checkout)`;

export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(`${FIXTURES_DIR}${name}`, 'utf8')) as T;
}
