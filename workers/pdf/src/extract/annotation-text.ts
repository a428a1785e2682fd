/**
 * Text that annotations show on a page (filled-in form fields, button captions, list boxes,
 * free-text notes) → TextRuns, so a filled form reads like its printout (pdftotext prints
 * annotation appearances too).
 *
 * pdfjs's `getAnnotations()` gives, for text fields and free-text notes whose appearance draws
 * text, that text as `textContent` lines; for text fields without it, the `fieldValue`; for a
 * free-text note without an appearance, its contents (viewers draw those). Other annotations
 * (buttons, stamps) only show their text in their appearance stream, and a choice list shows
 * more there than its chosen values (a list box draws its visible options): the caller
 * passes the strings their `showText` operators draw, read from an operator list that includes
 * annotations (see {@link appearanceTexts}; fetched only when {@link needsAppearanceText}).
 * Hidden and non-viewable annotations, other annotations without an appearance (nothing is
 * drawn), links and popups, check boxes and radio buttons (they draw a symbol), and password
 * fields (they show asterisks, and their value is a secret) are skipped. The text has no glyph
 * positions: each line gets an equal share of the annotation's rectangle, its font size 0.7 of
 * that height.
 */
import { OPS } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { Box } from './document.ts';
import type { TextRun } from './text-runs.ts';

/** The fields of pdfjs annotation data this module reads. */
export interface AnnotationLike {
  id?: unknown;
  rect?: unknown;
  textContent?: unknown;
  fieldType?: unknown;
  fieldValue?: unknown;
  hidden?: unknown;
  noView?: unknown;
  hasAppearance?: unknown;
  password?: unknown;
  subtype?: unknown;
  contentsObj?: unknown;
  checkBox?: unknown;
  radioButton?: unknown;
}

interface ViewportLike {
  /** PDF user space → viewport points. */
  transform: readonly number[];
}

/** Annotation subtypes whose appearance is no text of the page. */
const SKIPPED_SUBTYPES = new Set(['Link', 'Popup']);

/** Only what the page shows: no hidden fields, nothing without an appearance, no password values. */
function isShown(annotation: AnnotationLike): boolean {
  if (annotation.hidden === true || annotation.noView === true || annotation.password === true) return false;
  // A check box or radio button draws a symbol (a ZapfDingbats check mark), not text.
  if (annotation.checkBox === true || annotation.radioButton === true) return false;
  if (typeof annotation.subtype === 'string' && SKIPPED_SUBTYPES.has(annotation.subtype)) return false;
  // A free-text note without an appearance is still drawn by viewers (from its contents).
  return annotation.hasAppearance !== false || annotation.subtype === 'FreeText';
}

/** Some shown annotation draws text that only its appearance stream holds (a list box shows all its options). */
export const needsAppearanceText = (annotations: readonly AnnotationLike[]): boolean =>
  annotations.some(
    (annotation) => isShown(annotation) && (annotationLines(annotation).length === 0 || annotation.fieldType === 'Ch'),
  );

export function annotationRuns(
  annotations: readonly AnnotationLike[],
  viewport: ViewportLike,
  appearance: ReadonlyMap<string, string[]> = new Map(),
): TextRun[] {
  const runs: TextRun[] = [];
  for (const annotation of annotations) {
    if (!isShown(annotation)) continue;
    const drawn = typeof annotation.id === 'string' ? appearance.get(annotation.id) : undefined;
    let lines = annotationLines(annotation);
    if ((lines.length === 0 || annotation.fieldType === 'Ch') && drawn !== undefined && drawn.length > 0) lines = drawn;
    const box = viewportBox(annotation.rect, viewport);
    if (lines.length === 0 || box === undefined) continue;
    const lineHeight = box.height / lines.length;
    lines.forEach((text, index) => {
      runs.push({
        text,
        box: { x: box.x, y: box.y + index * lineHeight, width: box.width, height: lineHeight },
        fontSize: 0.7 * lineHeight,
        fontName: 'annotation',
        eol: true,
      });
    });
  }
  return runs;
}

function annotationLines(annotation: AnnotationLike): string[] {
  const strings = (value: unknown): string[] =>
    (Array.isArray(value) ? value : [value]).filter((entry): entry is string => typeof entry === 'string');
  let texts = strings(annotation.textContent);
  if (texts.length === 0 && annotation.subtype === 'FreeText')
    texts = strings((annotation.contentsObj as { str?: unknown } | undefined)?.str).flatMap((value) =>
      value.split(/\r\n?|\n/),
    );
  if (texts.length === 0 && (annotation.fieldType === 'Tx' || annotation.fieldType === 'Ch'))
    texts = strings(annotation.fieldValue).flatMap((value) => value.split(/\r\n?|\n/));
  return texts.map((text) => text.trim()).filter((text) => text !== '');
}

/** The operator list's part pdfjs marks per annotation: `beginAnnotation` … `endAnnotation`. */
export interface OperatorListLike {
  fnArray: readonly number[];
  argsArray: readonly unknown[];
}

/**
 * For each annotation in the list (by pdfjs id, `beginAnnotation`'s first argument), the non-blank
 * strings its `showText` operators draw, one per operator. A glyph pdfjs marks as a space, or a TJ
 * adjustment wider than 0.2 em, becomes a space.
 */
export function appearanceTexts(operatorList: OperatorListLike): Map<string, string[]> {
  const texts = new Map<string, string[]>();
  let current: string[] | undefined;
  for (let index = 0; index < operatorList.fnArray.length; index++) {
    const op = operatorList.fnArray[index];
    const args = operatorList.argsArray[index];
    if (op === OPS.beginAnnotation) {
      const id = Array.isArray(args) ? args[0] : undefined;
      current = typeof id === 'string' ? [] : undefined;
      if (current !== undefined) texts.set(id as string, current);
    } else if (op === OPS.endAnnotation) {
      current = undefined;
    } else if (current !== undefined && op === OPS.showText && Array.isArray(args) && Array.isArray(args[0])) {
      const text = glyphsText(args[0]).replace(/\s+/g, ' ').trim();
      if (text !== '') current.push(text);
    }
  }
  return texts;
}

function glyphsText(glyphs: readonly unknown[]): string {
  let text = '';
  for (const glyph of glyphs) {
    if (typeof glyph === 'number') {
      if (glyph < -200) text += ' ';
      continue;
    }
    if (typeof glyph !== 'object' || glyph === null) continue;
    const { unicode, isSpace } = glyph as { unicode?: unknown; isSpace?: unknown };
    text += isSpace === true ? ' ' : typeof unicode === 'string' ? unicode : '';
  }
  return text;
}

function viewportBox(rect: unknown, viewport: ViewportLike): Box | undefined {
  if (
    !Array.isArray(rect) ||
    rect.length !== 4 ||
    !rect.every((value) => typeof value === 'number' && Number.isFinite(value))
  )
    return undefined;
  const [a = 1, b = 0, c = 0, d = 1, e = 0, f = 0] = viewport.transform;
  const [rx1, ry1, rx2, ry2] = rect as [number, number, number, number];
  const corners = [
    [rx1, ry1],
    [rx2, ry2],
  ].map(([x = 0, y = 0]) => [a * x + c * y + e, b * x + d * y + f] as const);
  const [[x1, y1], [x2, y2]] = corners as [readonly [number, number], readonly [number, number]];
  const box = { x: Math.min(x1, x2), y: Math.min(y1, y2), width: Math.abs(x2 - x1), height: Math.abs(y2 - y1) };
  return box.width > 0 && box.height > 0 ? box : undefined;
}
