import { parseLabelConfig } from '@prelabel/shared/label-studio/label-config';
import { PipelineConfigError } from '@prelabel/shared/pipelines/pipeline';
import { describe, expect, it } from 'vitest';
import type { Block, ExtractedPage } from './extract/document.ts';
import {
  chooseTemplate,
  documentText,
  LAYOUT_TEMPLATE,
  layoutResult,
  mapBlockKinds,
  type PdfTemplate,
  percentBox,
  type TemplateOptions,
  TRANSCRIPTION_TEMPLATE,
  transcriptionResult,
} from './ls-templates.ts';

const LAYOUT_CONFIG = LAYOUT_TEMPLATE;
const TRANSCRIPTION_CONFIG = TRANSCRIPTION_TEMPLATE;

const defaults: TemplateOptions = { template: 'auto', transcription: 'document', labelAliases: {} };

const block = (kind: Block['kind'], text: string, x: number, y: number, width = 100, height = 20): Block => ({
  kind,
  text,
  box: { x, y, width, height },
  lines: [],
});

const page = (index: number, blocks: Block[], text = blocks.map((b) => b.text).join('\n\n')): ExtractedPage => ({
  index,
  width: 200,
  height: 400,
  source: 'text',
  blocks,
  tables: [],
  text,
  timingsMs: { text: 0, tables: 0, ocr: 0 },
});

describe('chooseTemplate', () => {
  it.each([
    ['a RectangleLabels on a multi-page Image → layout', LAYOUT_CONFIG, {}, 'layout'],
    ['a TextArea on a PDF → transcription', TRANSCRIPTION_CONFIG, {}, 'transcription'],
    [
      'textField without a fitting control → text',
      '<View><Text name="text" value="$text"/><Labels name="l" toName="text"><Label value="PER"/></Labels></View>',
      { textField: 'text' },
      'text',
    ],
    [
      'template "transcription" wins over layout',
      LAYOUT_CONFIG.replace('</View>', '<PDF name="doc" value="$pdf"/><TextArea name="whole" toName="doc"/></View>'),
      { template: 'transcription' },
      'transcription',
    ],
    ['a per-region TextArea is not a transcription', LAYOUT_CONFIG, { template: 'auto' }, 'layout'],
  ] as const)('%s', (_name, xml, options, kind) => {
    expect(chooseTemplate(parseLabelConfig(xml), { ...defaults, ...options }).kind).toBe(kind);
  });

  it('reads the PDF from the transcription object and the pages list from the image', () => {
    expect(chooseTemplate(parseLabelConfig(TRANSCRIPTION_CONFIG), defaults)).toMatchObject({
      fromName: 'transcription',
      toName: 'document',
      sourceField: 'pdf',
    });
    expect(chooseTemplate(parseLabelConfig(LAYOUT_CONFIG), defaults)).toMatchObject({
      fromName: 'region',
      toName: 'page',
      textFromName: 'transcription',
      pagesField: 'pages',
      sourceField: 'pdf',
    });
  });

  it.each([
    [
      'no fitting control',
      '<View><Text name="t" value="$t"/><Choices name="c" toName="t"><Choice value="A"/></Choices></View>',
      {},
      /needs a <RectangleLabels> on an <Image valueList="\$pages"> \(layout\), a <TextArea> \(transcription\), or the textField option/,
    ],
    [
      'a single-image layout',
      '<View><Image name="img" value="$image"/><RectangleLabels name="r" toName="img"><Label value="Text"/></RectangleLabels></View>',
      {},
      /needs a multi-page image, <Image name="img" valueList="\$pages">/,
    ],
    [
      'labels that match no region kind',
      '<View><Image name="p" valueList="$pages"/><RectangleLabels name="r" toName="p"><Label value="Cat"/></RectangleLabels></View>',
      {},
      /no label of <RectangleLabels name="r"> matches a layout region/,
    ],
    ['template text without textField', TRANSCRIPTION_CONFIG, { template: 'text' }, /needs the textField option/],
  ] as const)('refuses %s with a reason', (_name, xml, options, message) => {
    const attempt = () => chooseTemplate(parseLabelConfig(xml), { ...defaults, ...options });
    expect(attempt).toThrow(PipelineConfigError);
    expect(attempt).toThrow(message);
  });
});

describe('mapBlockKinds', () => {
  const control = (labels: string[], attrs: Record<string, Record<string, string>> = {}) => ({
    name: 'region',
    labels,
    labels_attrs: attrs,
  });

  it.each([
    [
      'equal names',
      ['Title', 'Text', 'Table'],
      {},
      {},
      { title: 'Title', heading: 'Title', text: 'Text', table: 'Table' },
    ],
    [
      'DocLayNet-style synonyms',
      ['Section-header', 'Page-header', 'Page-footer', 'Picture', 'List-item', 'Paragraph'],
      {},
      {},
      {
        heading: 'Section-header',
        header: 'Page-header',
        footer: 'Page-footer',
        figure: 'Picture',
        list: 'List-item',
        text: 'Paragraph',
      },
    ],
    [
      'predicted_values first',
      ['Body', 'Caption'],
      { Body: { predicted_values: 'text, list' } },
      {},
      { text: 'Body', list: 'Body' },
    ],
    ['aliases', ['Body', 'Title'], {}, { text: 'Body' }, { text: 'Body', title: 'Title', heading: 'Title' }],
  ] as const)('maps by %s', (_name, labels, attrs, aliases, expected) => {
    expect(Object.fromEntries(mapBlockKinds(control([...labels], attrs), aliases))).toStrictEqual(expected);
  });

  it('refuses an alias to a label the control lacks', () => {
    expect(() => mapBlockKinds(control(['Text']), { table: 'Tabelle' })).toThrow(
      'labelAliases.table is "Tabelle", which is not a label of <RectangleLabels name="region"> (labels: Text)',
    );
  });
});

describe('percentBox', () => {
  it.each([
    ['inside', { x: 20, y: 40, width: 100, height: 20 }, { x: 10, y: 10, width: 50, height: 5, rotation: 0 }],
    [
      'clamped at the edges',
      { x: -10, y: 390, width: 300, height: 30 },
      { x: 0, y: 97.5, width: 100, height: 2.5, rotation: 0 },
    ],
    ['rounded', { x: 1, y: 1, width: 1, height: 1 }, { x: 0.5, y: 0.25, width: 0.5, height: 0.25, rotation: 0 }],
  ])('%s', (_name, box, expected) => {
    expect(percentBox(box, { width: 200, height: 400 })).toStrictEqual(expected);
  });
});

describe('results', () => {
  const document = {
    pages: [
      page(0, [block('title', 'A title', 10, 10), block('text', 'Body text', 10, 50), block('figure', '', 10, 100)]),
      page(1, [block('footer', '2', 90, 380, 20, 10), block('table', 'a\tb', 0, 0, 0, 10)]),
    ],
  };

  it('joins pages with a blank line, skipping empty pages', () => {
    expect(documentText({ pages: [page(0, [], 'one'), page(1, [], ''), page(2, [], 'three')] })).toBe('one\n\nthree');
  });

  it.each([
    ['document', [`A title\n\nBody text\n\n\n\n2\n\na\tb`]],
    ['page', ['A title\n\nBody text\n\n', '2\n\na\tb']],
  ] as const)('transcribes per %s', (granularity, text) => {
    const template = chooseTemplate(parseLabelConfig(TRANSCRIPTION_CONFIG), {
      ...defaults,
      transcription: granularity,
    });
    expect(
      transcriptionResult(document, template as Extract<PdfTemplate, { kind: 'transcription' }>, '7'),
    ).toStrictEqual([{ id: '7', from_name: 'transcription', to_name: 'document', type: 'textarea', value: { text } }]);
  });

  it('lays out split regions with item_index, percent geometry and mapped labels', () => {
    const template = chooseTemplate(parseLabelConfig(LAYOUT_CONFIG), defaults) as Extract<
      PdfTemplate,
      { kind: 'layout' }
    >;
    const { result, unmapped } = layoutResult(
      document,
      template,
      [
        { width: 300, height: 600 },
        { width: 300, height: 600 },
      ],
      '7-',
    );
    expect(unmapped).toStrictEqual({});
    const shared = { to_name: 'page', original_width: 300, original_height: 600, image_rotation: 0 };
    expect(result).toStrictEqual([
      {
        ...shared,
        id: '7-p0b0',
        item_index: 0,
        from_name: 'region',
        type: 'rectanglelabels',
        value: { x: 5, y: 2.5, width: 50, height: 5, rotation: 0, rectanglelabels: ['Title'] },
      },
      {
        ...shared,
        id: '7-p0b0',
        item_index: 0,
        from_name: 'transcription',
        type: 'textarea',
        value: { x: 5, y: 2.5, width: 50, height: 5, rotation: 0, text: ['A title'] },
      },
      {
        ...shared,
        id: '7-p0b1',
        item_index: 0,
        from_name: 'region',
        type: 'rectanglelabels',
        value: { x: 5, y: 12.5, width: 50, height: 5, rotation: 0, rectanglelabels: ['Text'] },
      },
      {
        ...shared,
        id: '7-p0b1',
        item_index: 0,
        from_name: 'transcription',
        type: 'textarea',
        value: { x: 5, y: 12.5, width: 50, height: 5, rotation: 0, text: ['Body text'] },
      },
      // A figure has no text: a region without a transcription.
      {
        ...shared,
        id: '7-p0b2',
        item_index: 0,
        from_name: 'region',
        type: 'rectanglelabels',
        value: { x: 5, y: 25, width: 50, height: 5, rotation: 0, rectanglelabels: ['Figure'] },
      },
      {
        ...shared,
        id: '7-p1b0',
        item_index: 1,
        from_name: 'region',
        type: 'rectanglelabels',
        value: { x: 45, y: 95, width: 10, height: 2.5, rotation: 0, rectanglelabels: ['Footer'] },
      },
      {
        ...shared,
        id: '7-p1b0',
        item_index: 1,
        from_name: 'transcription',
        type: 'textarea',
        value: { x: 45, y: 95, width: 10, height: 2.5, rotation: 0, text: ['2'] },
      },
      // The zero-width table block is left out.
    ]);
  });

  it('counts blocks whose kind maps to no label', () => {
    const template = chooseTemplate(
      parseLabelConfig(
        '<View><Image name="p" valueList="$pages"/><RectangleLabels name="r" toName="p"><Label value="Text"/></RectangleLabels></View>',
      ),
      defaults,
    ) as Extract<PdfTemplate, { kind: 'layout' }>;
    const { result, unmapped } = layoutResult(document, template, [], '');
    expect(result.map((region) => region.id)).toStrictEqual(['p0b1']);
    expect(unmapped).toStrictEqual({ title: 1, figure: 1, footer: 1, table: 1 });
  });
});
