/**
 * The Label Studio templates the `pdf` pipeline fills, and the pure mapping from an
 * {@link ExtractedDocument} to their prediction results (README "PDF templates" shows each config).
 *
 * - `transcription`: a `<TextArea>` on the document's object gets the text, one entry for the whole
 *   document or one per page (`value.text` is a list).
 * - `layout`: `<RectangleLabels>` on `<Image valueList="$pages">` gets one region per block, in
 *   percent of the page with `item_index` = the 0-based page; when a `<TextArea>` also points at the
 *   image, every region gets its transcription in LS's split-region format: a second result with the
 *   same `id` and geometry whose value holds `text` (docs/label-studio-protocol.md §6.3, §6.4).
 *   Block kinds map to the control's labels by the label's `predicted_values`, then the
 *   `labelAliases` option, then by name (case-insensitive, with the usual synonyms such as
 *   "Section-header" for a heading); kinds that map to no label are left out.
 * - `text`: no regions; the pipeline writes the text into a task data field for an NER run.
 *
 * Pages join with a blank line in LS (a form feed shows as nothing in a text box).
 */
import { findControls } from '@prelabel/shared/label-studio/label-config';
import type { LabelStudioRegion, ParsedLabelConfig } from '@prelabel/shared/label-studio/types';
import { PipelineConfigError } from '@prelabel/shared/pipelines/pipeline';
import type { Block, BlockKind, Box, ExtractedDocument } from './extract/document.ts';

export const BLOCK_KINDS = ['title', 'heading', 'text', 'list', 'table', 'figure', 'header', 'footer'] as const;

/** The layout template's label config as the README documents it (the task's `pdf` holds the URL). */
export const LAYOUT_TEMPLATE = `<View>
  <Image name="page" valueList="$pages"/>
  <RectangleLabels name="region" toName="page">
    <Label value="Title"/><Label value="Text"/><Label value="List"/><Label value="Table"/>
    <Label value="Figure"/><Label value="Header"/><Label value="Footer"/>
  </RectangleLabels>
  <TextArea name="transcription" toName="page" editable="true" perRegion="true"/>
</View>`;

/** The transcription template's label config as the README documents it. */
export const TRANSCRIPTION_TEMPLATE = `<View>
  <PDF name="document" value="$pdf"/>
  <TextArea name="transcription" toName="document" rows="20" editable="true" maxSubmissions="1"/>
</View>`;

/** Label names each kind matches when no `predicted_values` or alias says otherwise, in preference order. */
const KIND_SYNONYMS: Record<BlockKind, readonly string[]> = {
  title: ['title'],
  heading: ['heading', 'section-header', 'section header', 'section_header', 'subtitle', 'title'],
  text: ['text', 'paragraph', 'body'],
  list: ['list', 'list-item', 'list item', 'list_item'],
  table: ['table'],
  figure: ['figure', 'picture', 'image'],
  header: ['header', 'page-header', 'page header', 'page_header'],
  footer: ['footer', 'page-footer', 'page footer', 'page_footer'],
};

const PAGE_SEPARATOR = '\n\n';

export interface TemplateOptions {
  template: 'auto' | 'transcription' | 'layout' | 'text';
  sourceField?: string | undefined;
  transcription: 'document' | 'page';
  pagesField?: string | undefined;
  textField?: string | undefined;
  labelAliases: Partial<Record<BlockKind, string>>;
  fromName?: string | undefined;
}

export type PdfTemplate =
  | { kind: 'transcription'; fromName: string; toName: string; sourceField: string; granularity: 'document' | 'page' }
  | {
      kind: 'layout';
      fromName: string;
      toName: string;
      /** The per-region `<TextArea>` on the same image, when the config has one. */
      textFromName: string | undefined;
      pagesField: string;
      sourceField: string;
      labelOf: ReadonlyMap<BlockKind, string>;
    }
  | { kind: 'text'; textField: string; sourceField: string };

const DEFAULT_SOURCE_FIELD = 'pdf';

/** Block kind → label of a `<RectangleLabels>` control; throws when nothing maps. */
export function mapBlockKinds(
  control: { name: string; labels: readonly string[]; labels_attrs: Record<string, Record<string, string>> },
  aliases: Partial<Record<BlockKind, string>>,
): Map<BlockKind, string> {
  const labelOf = new Map<BlockKind, string>();
  for (const label of control.labels) {
    const predicted = control.labels_attrs[label]?.predicted_values;
    for (const kind of predicted?.split(',') ?? []) {
      const trimmed = kind.trim().toLowerCase() as BlockKind;
      if ((BLOCK_KINDS as readonly string[]).includes(trimmed) && !labelOf.has(trimmed)) labelOf.set(trimmed, label);
    }
  }
  for (const [kind, label] of Object.entries(aliases) as [BlockKind, string][]) {
    if (!control.labels.includes(label)) {
      throw new PipelineConfigError(
        `labelAliases.${kind} is "${label}", which is not a label of <RectangleLabels name="${control.name}"> (labels: ${control.labels.join(', ')})`,
      );
    }
    if (!labelOf.has(kind)) labelOf.set(kind, label);
  }
  const byLowerName = new Map(control.labels.map((label) => [label.toLowerCase(), label]));
  for (const kind of BLOCK_KINDS) {
    if (labelOf.has(kind)) continue;
    const label = KIND_SYNONYMS[kind].map((name) => byLowerName.get(name)).find((found) => found !== undefined);
    if (label !== undefined) labelOf.set(kind, label);
  }
  if (labelOf.size === 0) {
    throw new PipelineConfigError(
      `no label of <RectangleLabels name="${control.name}"> matches a layout region (${BLOCK_KINDS.join(', ')}): name them so, or map them with predicted_values or the labelAliases option (labels: ${control.labels.join(', ') || 'none'})`,
    );
  }
  return labelOf;
}

function chooseLayout(config: ParsedLabelConfig, options: TemplateOptions): PdfTemplate | undefined {
  const candidates = findControls(config, { controlType: 'RectangleLabels', objectType: 'Image' }).filter(
    (binding) => options.fromName === undefined || binding.name === options.fromName,
  );
  if (candidates.length === 0) return undefined;
  const binding = candidates.find((candidate) => candidate.input.valueList !== undefined);
  if (binding === undefined) {
    const first = candidates[0]!;
    throw new PipelineConfigError(
      `<RectangleLabels name="${first.name}"> is on <Image name="${first.objectName}" value="$${first.dataKey}">: the pdf layout template needs a multi-page image, <Image name="${first.objectName}" valueList="$pages">`,
    );
  }
  const textArea = findControls(config, { controlType: 'TextArea', objectType: 'Image' }).find(
    (candidate) => candidate.objectName === binding.objectName,
  );
  return {
    kind: 'layout',
    fromName: binding.name,
    toName: binding.objectName,
    textFromName: textArea?.name,
    pagesField: options.pagesField ?? binding.dataKey,
    sourceField: options.sourceField ?? DEFAULT_SOURCE_FIELD,
    labelOf: mapBlockKinds({ name: binding.name, ...binding.control }, options.labelAliases),
  };
}

function chooseTranscription(config: ParsedLabelConfig, options: TemplateOptions): PdfTemplate | undefined {
  const binding = findControls(config, { controlType: 'TextArea' }).find(
    (candidate) =>
      (options.fromName === undefined || candidate.name === options.fromName) &&
      candidate.input.valueList === undefined,
  );
  if (binding === undefined) return undefined;
  return {
    kind: 'transcription',
    fromName: binding.name,
    toName: binding.objectName,
    sourceField: options.sourceField ?? binding.dataKey,
    granularity: options.transcription,
  };
}

function chooseText(options: TemplateOptions): PdfTemplate | undefined {
  if (options.textField === undefined) return undefined;
  return { kind: 'text', textField: options.textField, sourceField: options.sourceField ?? DEFAULT_SOURCE_FIELD };
}

/** The template a project's config and the options ask for; throws {@link PipelineConfigError} saying what to change. */
export function chooseTemplate(config: ParsedLabelConfig, options: TemplateOptions): PdfTemplate {
  const wanted = options.template;
  const template =
    wanted === 'layout'
      ? chooseLayout(config, options)
      : wanted === 'transcription'
        ? chooseTranscription(config, options)
        : wanted === 'text'
          ? chooseText(options)
          : (chooseLayout(config, options) ?? chooseTranscription(config, options) ?? chooseText(options));
  if (template !== undefined) return template;
  const named = options.fromName === undefined ? '' : ` named "${options.fromName}"`;
  const needs = {
    layout: `a <RectangleLabels>${named} on an <Image valueList="$pages">`,
    transcription: `a <TextArea>${named}`,
    text: 'the textField option (the task data key to write the text to)',
    auto: `a <RectangleLabels>${named} on an <Image valueList="$pages"> (layout), a <TextArea>${named} (transcription), or the textField option (text for NER)`,
  }[wanted];
  throw new PipelineConfigError(`the pdf pipeline's ${wanted} template needs ${needs}; this label config has none`);
}

/** The document's text as LS shows it: page texts joined with a blank line. */
export function documentText(document: Pick<ExtractedDocument, 'pages'>): string {
  return document.pages
    .map((page) => page.text)
    .filter((text) => text !== '')
    .join(PAGE_SEPARATOR);
}

export function transcriptionResult(
  document: Pick<ExtractedDocument, 'pages'>,
  template: Extract<PdfTemplate, { kind: 'transcription' }>,
  regionId: string,
): LabelStudioRegion[] {
  const text = template.granularity === 'page' ? document.pages.map((page) => page.text) : [documentText(document)];
  if (text.every((entry) => entry === '')) return [];
  return [{ id: regionId, from_name: template.fromName, to_name: template.toName, type: 'textarea', value: { text } }];
}

const round = (value: number) => Math.round(value * 1e4) / 1e4;
const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));

/** A box in page points → LS's percent geometry, clamped inside the page. */
export function percentBox(box: Box, page: { width: number; height: number }) {
  const x = clamp((100 * box.x) / page.width, 0, 100);
  const y = clamp((100 * box.y) / page.height, 0, 100);
  const right = clamp((100 * (box.x + box.width)) / page.width, 0, 100);
  const bottom = clamp((100 * (box.y + box.height)) / page.height, 0, 100);
  return { x: round(x), y: round(y), width: round(right - x), height: round(bottom - y), rotation: 0 };
}

export interface LayoutOutput {
  result: LabelStudioRegion[];
  /** Blocks left out because their kind maps to no label, by kind. */
  unmapped: Partial<Record<BlockKind, number>>;
}

/**
 * Layout regions for a document whose pages were rendered to `images` (pixel sizes, in page order).
 * Region ids are `<idPrefix>p<page>b<n>`; a block with no area is left out.
 */
export function layoutResult(
  document: Pick<ExtractedDocument, 'pages'>,
  template: Extract<PdfTemplate, { kind: 'layout' }>,
  images: readonly { width: number; height: number }[],
  idPrefix: string,
): LayoutOutput {
  const result: LabelStudioRegion[] = [];
  const unmapped: Partial<Record<BlockKind, number>> = {};
  for (const page of document.pages) {
    const image = images[page.index] ?? { width: Math.round(page.width), height: Math.round(page.height) };
    page.blocks.forEach((block: Block, n) => {
      const label = template.labelOf.get(block.kind);
      if (label === undefined) {
        unmapped[block.kind] = (unmapped[block.kind] ?? 0) + 1;
        return;
      }
      const geometry = percentBox(block.box, page);
      if (geometry.width <= 0 || geometry.height <= 0) return;
      const shared = {
        id: `${idPrefix}p${page.index}b${n}`,
        to_name: template.toName,
        item_index: page.index,
        original_width: image.width,
        original_height: image.height,
        image_rotation: 0,
      };
      result.push({
        ...shared,
        from_name: template.fromName,
        type: 'rectanglelabels',
        value: { ...geometry, rectanglelabels: [label] },
      });
      if (template.textFromName !== undefined && block.text !== '') {
        result.push({
          ...shared,
          from_name: template.textFromName,
          type: 'textarea',
          value: { ...geometry, text: [block.text] },
        });
      }
    });
  }
  return { result, unmapped };
}
