/**
 * Hidden layers: the operator-list walk and the alignment table-driven on hand-made operator
 * lists, then hand-written PDFs through the real extraction, checked against pdftotext when it is
 * installed (poppler leaves hidden layers out too).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OPS } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, it } from 'vitest';
import { extractDocument } from './extract-document.ts';
import { alignStarts, type MarkedStart, markedStarts, visibleTextItems } from './optional-content.ts';
import type { OperatorListLike } from './pdfjs.ts';
import { minimalPdf, type PdfText } from './testing/minimal-pdf.ts';

const PDFTOTEXT = '/usr/bin/pdftotext';
const hasPdftotext = existsSync(PDFTOTEXT);
if (!hasPdftotext) console.warn('hidden-layer check against pdftotext skipped: /usr/bin/pdftotext is missing');

const OFF = { type: 'OCG', id: 'off' };
const ON = { type: 'OCG', id: 'on' };
const isVisible = (group: unknown) => (group as { id?: string }).id !== 'off';

type Op = [number, unknown[]?];
const list = (...ops: Op[]): OperatorListLike => ({
  fnArray: ops.map(([fn]) => fn),
  argsArray: ops.map(([, args]) => args ?? null),
});
const oc = (group: unknown): Op => [OPS.beginMarkedContentProps, ['OC', group]];
const tagged = (tag: string): Op => [OPS.beginMarkedContentProps, [tag, 0]];
const end: Op = [OPS.endMarkedContent];
const text: Op = [OPS.showText, [[]]];

describe('markedStarts', () => {
  it.each<[string, OperatorListLike, MarkedStart[]]>([
    [
      'a hidden layer, a tag, a shown layer holding a hidden one',
      list(oc(OFF), text, end, tagged('P'), text, end, oc(ON), text, oc(OFF), text, end, end),
      [
        { tag: 'OC', optional: false, hidden: true },
        { tag: 'P', optional: false, hidden: false },
        { tag: 'OC', optional: false, hidden: false },
        { tag: 'OC', optional: false, hidden: true },
      ],
    ],
    [
      'a tag inside a hidden layer is hidden',
      list(oc(OFF), tagged('Span'), text, end, end),
      [
        { tag: 'OC', optional: false, hidden: true },
        { tag: 'Span', optional: false, hidden: true },
      ],
    ],
    [
      'a layer right before a form or an image may be pdfjs’s own',
      list(
        oc(OFF),
        [OPS.paintFormXObjectBegin],
        text,
        [OPS.paintFormXObjectEnd],
        end,
        oc(ON),
        [OPS.paintImageXObject],
        end,
      ),
      [
        { tag: 'OC', optional: true, hidden: true },
        { tag: 'OC', optional: true, hidden: false },
      ],
    ],
    [
      'annotations are not content',
      list(
        [OPS.beginAnnotation],
        tagged('Tx'),
        text,
        end,
        [OPS.endAnnotation],
        oc(OFF),
        [OPS.beginAnnotation],
        [OPS.endAnnotation],
        end,
        [OPS.beginMarkedContent, ['Artifact']],
        end,
      ),
      [{ tag: 'Artifact', optional: false, hidden: false }],
    ],
  ])('%s', (_, operatorList, expected) => {
    expect(markedStarts(operatorList, isVisible)).toEqual(expected);
  });
});

describe('alignStarts', () => {
  const start = (tag: string, optional = false): MarkedStart => ({ tag, optional, hidden: false });
  it.each<[string, MarkedStart[], (string | undefined)[], number[] | undefined]>([
    ['the same starts', [start('OC'), start('P')], ['OC', 'P'], [0, 1]],
    ['pdfjs’s own start skipped', [start('P'), start('OC', true), start('Span')], ['P', 'Span'], [0, 2]],
    ['an optional start that is in the text', [start('OC', true), start('P')], ['OC', 'P'], [0, 1]],
    [
      'a form’s layer skipped, the layer inside it kept',
      [start('OC', true), start('P'), start('OC')],
      ['P', 'OC'],
      [1, 2],
    ],
    ['two optional layers, one in the text: ambiguous', [start('OC', true), start('OC', true)], ['OC'], undefined],
    ['a required start missing from the text', [start('OC'), start('P')], ['P'], undefined],
    ['more starts in the text than drawn', [start('P')], ['P', 'P'], undefined],
    ['tags that differ', [start('P')], ['Span'], undefined],
    ['nothing at all', [], [], []],
  ])('%s', (_, starts, textTags, expected) => {
    expect(alignStarts(starts, textTags)).toEqual(expected);
  });
});

describe('visibleTextItems', () => {
  const item = (str: string) => ({ str });
  const begin = (tag: string) => ({ type: 'beginMarkedContentProps', tag });
  const close = { type: 'endMarkedContent' };

  it('drops the items of hidden sequences and the brackets', () => {
    const operatorList = list(oc(OFF), text, end, tagged('P'), text, end, oc(ON), text, oc(OFF), text, end, end);
    const items = [
      begin('OC'),
      item('hidden'),
      close,
      begin('P'),
      item('tagged'),
      close,
      begin('OC'),
      item('shown'),
      begin('OC'),
      item('nested hidden'),
      close,
      close,
      item('after'),
    ];
    expect(visibleTextItems(items, operatorList, isVisible)).toEqual({
      items: [item('tagged'), item('shown'), item('after')],
      hidden: 2,
      aligned: true,
    });
  });

  it('keeps every item when the sequences do not line up', () => {
    const operatorList = list(oc(OFF), text, end);
    const items = [begin('P'), item('text'), close];
    expect(visibleTextItems(items, operatorList, isVisible)).toEqual({
      items: [item('text')],
      hidden: 0,
      aligned: false,
    });
  });
});

describe('extraction of a PDF with layers', () => {
  const options = { ocr: 'never', maxBytes: 1 << 20, maxPages: 10, pageTimeoutMs: 30_000 } as const;
  const texts: PdfText[] = [
    { x: 72, y: 100, size: 12, text: 'Always printed' },
    { x: 72, y: 130, size: 12, text: 'Draft watermark', layer: 'off' },
    { x: 72, y: 160, size: 12, text: 'Shown layer words', layer: 'on' },
    { x: 72, y: 190, size: 12, text: 'Tagged paragraph', mcid: 0 },
    { x: 72, y: 220, size: 12, text: 'Hidden tagged words', layer: 'off', mcid: 1 },
    { x: 72, y: 250, size: 12, text: 'Closing line', mcid: 2 },
  ];

  it('leaves out the text of hidden layers and keeps the rest', async () => {
    const document = await extractDocument(minimalPdf([{ texts }]), options);
    for (const shown of ['Always printed', 'Shown layer words', 'Tagged paragraph', 'Closing line']) {
      expect(document.text).toContain(shown);
    }
    expect(document.text).not.toContain('Draft');
    expect(document.text).not.toContain('Hidden');
  });

  it.skipIf(!hasPdftotext)('reads the same words as pdftotext', async () => {
    const bytes = minimalPdf([{ texts }]);
    const folder = mkdtempSync(path.join(tmpdir(), 'prelabel-layers-'));
    try {
      const file = path.join(folder, 'layers.pdf');
      writeFileSync(file, bytes);
      const words = (value: string) => value.split(/\s+/).filter(Boolean).sort();
      const theirs = execFileSync(PDFTOTEXT, ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
      expect(words((await extractDocument(bytes, options)).text)).toEqual(words(theirs));
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
