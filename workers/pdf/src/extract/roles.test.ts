/** Document-level roles: headers, footers, headings, the title, and page text. */
import { describe, expect, it } from 'vitest';
import type { Block, BlockKind } from './document.ts';
import { assignRoles, bodyFontSize, marginKey, type PageBlocks, pageText } from './roles.ts';

const block = (text: string, y: number, fontSize = 10, kind: BlockKind = 'text', lineCount = 1): Block => ({
  kind,
  text,
  box: { x: 54, y, width: 300, height: lineCount * 12 },
  fontSize,
  lines: Array.from({ length: lineCount }, (_, index) => ({
    text: index === 0 ? text : 'more body text on the next line',
    box: { x: 54, y: y + index * 12, width: 300, height: 10 },
    fontSize,
  })),
});
const page = (blocks: Block[]): PageBlocks => ({ width: 612, height: 792, blocks });
const kinds = (pages: PageBlocks[]) => assignRoles(pages).map((each) => each.blocks.map((b) => `${b.kind}:${b.text}`));

describe('assignRoles', () => {
  it('finds running headers that repeat modulo digits, and page numbers; headers first, footers last', () => {
    const pages = [1, 2, 3].map((number) =>
      page([
        block('Body text of the page', 100, 10, 'text', 20),
        block(`Journal of Tests, vol. ${number}`, 30),
        block(String(number), 760),
      ]),
    );
    expect(kinds(pages)[1]).toEqual(['header:Journal of Tests, vol. 2', 'text:Body text of the page', 'footer:2']);
  });

  it('does not take text in the margin that appears once for a header', () => {
    const pages = [
      page([block('Body text', 100, 10, 'text', 20), block('A one-off note at the top', 30)]),
      page([block('Body', 100, 10, 'text', 20)]),
    ];
    expect(kinds(pages)[0]).toEqual(['text:Body text', 'text:A one-off note at the top']);
  });

  it.each(['12', '- 12 -', 'Page 3 of 9', 'iv', 'Page 7'])(
    'takes %s alone in the bottom margin for a page number',
    (text) => {
      const [first] = kinds([page([block('Body text', 100, 10, 'text', 20), block(text, 765)])]);
      expect(first).toContain(`footer:${text}`);
    },
  );

  it('takes larger text for headings and the largest on the first page for the title', () => {
    const pages = [
      page([
        block('The Title of the Paper', 60, 20),
        block('1. Introduction', 120, 12, 'list'),
        block('Body text', 140, 10, 'text', 30),
      ]),
      page([
        block('2. Method', 60, 12),
        block('Body text again', 80, 10, 'text', 30),
        block('The Title Again', 500, 20),
      ]),
    ];
    expect(kinds(pages)).toEqual([
      ['title:The Title of the Paper', 'heading:1. Introduction', 'text:Body text'],
      ['heading:2. Method', 'text:Body text again', 'heading:The Title Again'],
    ]);
  });

  it('gives no title when nothing on the first page is much larger than the body', () => {
    const [first] = kinds([page([block('Slightly larger', 60, 11.6), block('Body', 100, 10, 'text', 30)])]);
    expect(first).toEqual(['heading:Slightly larger', 'text:Body']);
  });

  it('leaves long large text as text', () => {
    const [first] = kinds([page([block('Large print body', 60, 14, 'text', 8), block('Body', 300, 10, 'text', 30)])]);
    expect(first![0]).toBe('text:Large print body');
  });
});

describe('bodyFontSize', () => {
  it('is the size carrying the most characters of text and list blocks', () => {
    expect(bodyFontSize([page([block('Title', 60, 20), block('Body', 100, 9, 'text', 10)])])).toBe(9);
    expect(bodyFontSize([page([])])).toBe(0);
  });
});

describe('marginKey', () => {
  it.each([
    ['Chapter 2 · 17', 'chapter#·#'],
    ['chapter 3 ·  104', 'chapter#·#'],
  ])('%s', (text, expected) => {
    expect(marginKey(text)).toBe(expected);
  });
});

describe('pageText', () => {
  it('joins block texts with a blank line and skips figures', () => {
    expect(pageText([block('one', 0), { ...block('', 20), kind: 'figure' }, block('two', 40)])).toBe('one\n\ntwo');
  });
});
