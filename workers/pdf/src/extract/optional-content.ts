/**
 * Text in hidden optional content (PDF layers that are off) is not on the page: drop it.
 *
 * pdfjs's text content does not say which layer a text item is in; with `includeMarkedContent` it
 * only brackets items with the content stream's marked-content sequences (BMC/BDC … EMC), tag and
 * all, but not the layer (`/OC /L1 BDC` comes out as tag `OC`, no group). The operator list of the
 * same page has the same sequences, in the same order, with the layer resolved — plus ones pdfjs
 * adds itself around a form XObject, an image or an annotation whose dictionary names a layer,
 * which the text content does not show. So:
 * 1. walk the operator list: each marked-content start gets its tag and whether it is hidden (its
 *    layer is off, or an enclosing sequence is hidden); starts that may be pdfjs's own (an `OC`
 *    start right before a form, an image or a transparency group) are optional; sequences inside
 *    annotations are left out (text content has no annotations);
 * 2. align the text content's starts with those, in order, tags equal, skipping optional ones only;
 * 3. drop the text items inside hidden sequences.
 * When the alignment does not exist or is not unique, nothing is dropped: keeping hidden text is
 * the lesser harm than dropping visible text. Text of a form XObject hidden by its own dictionary
 * (not by a marked-content sequence around its use) stays, as the text content cannot place it.
 */
import { OPS } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { OperatorListLike } from './pdfjs.ts';

/** Visibility of an optional-content reference as pdfjs resolved it (`OptionalContentConfig.isVisible`). */
export type IsVisible = (group: unknown) => boolean;

/** A marked-content start in the operator list. */
export interface MarkedStart {
  tag: string | undefined;
  /** May be one pdfjs added itself (no counterpart in the text content). */
  optional: boolean;
  /** Its layer is off, or an enclosing sequence's is. */
  hidden: boolean;
}

/** Ops pdfjs puts right after an `OC` start it adds around a form, an image or a group. */
const PDFJS_OC_TARGETS = new Set<number>([
  OPS.paintFormXObjectBegin,
  OPS.beginGroup,
  OPS.paintImageXObject,
  OPS.paintInlineImageXObject,
  OPS.paintImageMaskXObject,
  OPS.paintImageXObjectRepeat,
  OPS.paintImageMaskXObjectRepeat,
  OPS.paintImageMaskXObjectGroup,
  OPS.paintSolidColorImageMask,
]);

const tagOf = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** The operator list's marked-content starts outside annotations, in order (step 1 above). */
export function markedStarts(operatorList: OperatorListLike, isVisible: IsVisible): MarkedStart[] {
  const starts: MarkedStart[] = [];
  const open: boolean[] = [];
  let annotationDepth = 0;
  const { fnArray, argsArray } = operatorList;
  for (let index = 0; index < fnArray.length; index++) {
    const op = fnArray[index];
    if (op === OPS.beginAnnotation) annotationDepth++;
    else if (op === OPS.endAnnotation) annotationDepth = Math.max(0, annotationDepth - 1);
    else if (op === OPS.beginMarkedContent || op === OPS.beginMarkedContentProps) {
      const args = (argsArray[index] ?? []) as unknown[];
      const tag = tagOf(args[0]);
      const layerOff = op === OPS.beginMarkedContentProps && tag === 'OC' && args[1] != null && !isVisible(args[1]);
      const hidden = (open.at(-1) ?? false) || layerOff;
      open.push(hidden);
      const next = fnArray[index + 1];
      // pdfjs wraps annotations in their layer before `beginAnnotation`: not content either.
      if (annotationDepth === 0 && next !== OPS.beginAnnotation) {
        starts.push({ tag, optional: tag === 'OC' && next !== undefined && PDFJS_OC_TARGETS.has(next), hidden });
      }
    } else if (op === OPS.endMarkedContent) open.pop();
  }
  return starts;
}

/**
 * For each text-content start (its tag), the index of its operator-list start (step 2), or
 * undefined when no alignment exists or more than one does.
 */
export function alignStarts(
  starts: readonly MarkedStart[],
  textTags: readonly (string | undefined)[],
): number[] | undefined {
  const skips = starts.length - textTags.length;
  if (skips < 0) return undefined;
  // ways[i][s]: alignments of starts[i..] with textTags[i - s..] when s optional starts were skipped
  // before i (capped at 2: only "none", "one" and "several" matter).
  const ways: Uint8Array[] = Array.from({ length: starts.length + 1 }, () => new Uint8Array(skips + 1));
  ways[starts.length]![skips] = 1;
  for (let i = starts.length - 1; i >= 0; i--) {
    const start = starts[i]!;
    for (let skipped = 0; skipped <= skips; skipped++) {
      const j = i - skipped;
      if (j < 0 || j > textTags.length) continue;
      let count = 0;
      if (j < textTags.length && textTags[j] === start.tag) count += ways[i + 1]![skipped]!;
      if (start.optional && skipped < skips) count += ways[i + 1]![skipped + 1]!;
      ways[i]![skipped] = Math.min(count, 2);
    }
  }
  if (ways[0]![0] !== 1) return undefined;
  const match: number[] = [];
  let skipped = 0;
  for (let i = 0; i < starts.length; i++) {
    const j = i - skipped;
    if (j < textTags.length && textTags[j] === starts[i]!.tag && ways[i + 1]![skipped] === 1) match.push(i);
    else skipped++;
  }
  return match;
}

interface MarkedContentItem {
  type: 'beginMarkedContent' | 'beginMarkedContentProps' | 'endMarkedContent';
  tag?: string | null;
}

const isMarkedContent = (item: unknown): item is MarkedContentItem =>
  typeof item === 'object' &&
  item !== null &&
  typeof (item as { type?: unknown }).type === 'string' &&
  (item as { str?: unknown }).str === undefined;

/**
 * The text-content items (from `getTextContent({ includeMarkedContent: true })`) without those in
 * hidden optional content, and without the marked-content brackets; the items as they are (minus
 * brackets) when the operator list cannot be aligned. `hidden` counts the dropped text items.
 */
export function visibleTextItems(
  items: readonly unknown[],
  operatorList: OperatorListLike,
  isVisible: IsVisible,
): { items: unknown[]; hidden: number; aligned: boolean } {
  const textItems = items.filter((item) => !isMarkedContent(item));
  const starts = markedStarts(operatorList, isVisible);
  if (!starts.some((start) => start.hidden)) return { items: textItems, hidden: 0, aligned: true };
  const textTags = items.flatMap((item) =>
    isMarkedContent(item) && item.type !== 'endMarkedContent' ? [item.tag ?? undefined] : [],
  );
  const match = alignStarts(starts, textTags);
  if (match === undefined) return { items: textItems, hidden: 0, aligned: false };
  const visible: unknown[] = [];
  const open: boolean[] = [];
  let next = 0;
  let hidden = 0;
  for (const item of items) {
    if (isMarkedContent(item)) {
      if (item.type === 'endMarkedContent') open.pop();
      else open.push(starts[match[next++]!]!.hidden);
    } else if (open.at(-1) === true) hidden++;
    else visible.push(item);
  }
  return { items: visible, hidden, aligned: true };
}
