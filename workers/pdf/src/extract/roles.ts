/**
 * Document-level block roles, once every page is laid out: running headers and footers, headings
 * and the title. Pure: pages in, pages with re-labelled and re-ordered blocks out.
 *
 * - Body size: the font size carrying the most characters of the document's text and list blocks.
 * - `header`/`footer`: a block of at most three lines whose centre lies in the top/bottom 8 % of
 *   its page, and whose text either is a page number alone (`12`, `- 12 -`, `Page 3 of 9`, `iv`) or
 *   recurs in that margin on at least one other page once digits are ignored ("Chapter 2 · 17").
 *   Headers go first on their page, footers last.
 * - `heading`: a text block (or a one-line list: "2. Overview") of at most four lines and 300
 *   characters set at least 15 % larger than the body size; `title`: the largest heading on the first page, when at least 25 % larger.
 */
import type { Block, BlockKind } from './document.ts';
import { dominantFontSize } from './lines.ts';

export interface PageBlocks {
  width: number;
  height: number;
  blocks: Block[];
}

const MARGIN = 0.08;
const HEADING_RATIO = 1.15;
const TITLE_RATIO = 1.25;
const PAGE_NUMBER = /^[\s\-–—.|]*(?:page\s*)?(?:\d{1,4}|[ivx]{1,5})(?:\s*(?:of|\/)\s*\d{1,4})?[\s\-–—.|]*$/i;

/** The font size carrying the most characters of the document's running text (0 without any). */
export function bodyFontSize(pages: readonly PageBlocks[]): number {
  return dominantFontSize(
    pages.flatMap((page) =>
      page.blocks
        .filter((block) => block.kind === 'text' || block.kind === 'list')
        .flatMap((block) => block.lines.map((line) => ({ text: line.text, fontSize: line.fontSize }))),
    ),
  );
}

/** Lower-case, digits dropped, white space removed: equal keys are the same running text. */
export const marginKey = (text: string) => text.toLowerCase().replace(/\d+/g, '#').replace(/\s+/g, '');

type Margin = 'top' | 'bottom';

function marginOf(block: Block, page: PageBlocks): Margin | undefined {
  if (block.kind === 'table' || block.kind === 'figure' || block.lines.length > 3 || block.text.trim() === '')
    return undefined;
  const centre = block.box.y + block.box.height / 2;
  if (centre <= MARGIN * page.height) return 'top';
  if (centre >= (1 - MARGIN) * page.height) return 'bottom';
  return undefined;
}

/** Returns the pages with roles assigned and headers/footers moved to the start/end of each page. */
export function assignRoles(pages: readonly PageBlocks[]): PageBlocks[] {
  const body = bodyFontSize(pages);
  const seen = new Map<string, Set<number>>();
  pages.forEach((page, index) => {
    for (const block of page.blocks) {
      const margin = marginOf(block, page);
      if (margin === undefined) continue;
      const key = `${margin}:${marginKey(block.text)}`;
      const pagesWithKey = seen.get(key) ?? new Set<number>();
      pagesWithKey.add(index);
      seen.set(key, pagesWithKey);
    }
  });
  const kindOf = (block: Block, page: PageBlocks): BlockKind => {
    const margin = marginOf(block, page);
    if (margin !== undefined) {
      const repeats = (seen.get(`${margin}:${marginKey(block.text)}`)?.size ?? 0) >= 2;
      if (repeats || PAGE_NUMBER.test(block.text)) return margin === 'top' ? 'header' : 'footer';
    }
    // A numbered heading ("2. Overview") reads as a one-item list until its size says otherwise.
    const isCandidate = block.kind === 'text' || (block.kind === 'list' && block.lines.length === 1);
    if (!isCandidate || body === 0) return block.kind;
    const isHeading =
      (block.fontSize ?? 0) >= HEADING_RATIO * body && block.lines.length <= 4 && block.text.length <= 300;
    return isHeading ? 'heading' : block.kind;
  };
  return pages.map((page, index) => {
    const blocks = page.blocks.map((block) => ({ ...block, kind: kindOf(block, page) }));
    if (index === 0) markTitle(blocks, body);
    return {
      ...page,
      blocks: [
        ...blocks.filter((block) => block.kind === 'header'),
        ...blocks.filter((block) => block.kind !== 'header' && block.kind !== 'footer'),
        ...blocks.filter((block) => block.kind === 'footer'),
      ],
    };
  });
}

function markTitle(blocks: Block[], body: number): void {
  let title: Block | undefined;
  for (const block of blocks) {
    if (block.kind !== 'heading') continue;
    if (title === undefined || (block.fontSize ?? 0) > (title.fontSize ?? 0)) title = block;
  }
  if (title !== undefined && (title.fontSize ?? 0) >= TITLE_RATIO * body) title.kind = 'title';
}

/** A page's text: its blocks' texts in order, blank-line separated (figures have none). */
export const pageText = (blocks: readonly Block[]) =>
  blocks
    .map((block) => block.text)
    .filter((text) => text !== '')
    .join('\n\n');
