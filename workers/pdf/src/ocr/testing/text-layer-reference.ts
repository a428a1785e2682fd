/**
 * Test support: a page's own text layer as positioned reference characters for the OCR measure
 * (char-error-rate.ts). Each pdfjs text item's string is put in CER normal form and its
 * characters spread evenly along the item's advance; a character's box is centred 0.3 font
 * heights above the baseline (mid x-height, where OCR line boxes surely are) and is one font
 * height tall. Coordinates are page points, top-left origin, the page's /Rotate applied.
 */
import type { PDFPageProxy } from '../../extract/pdfjs.ts';
import { normaliseForCer, type ReferenceChar } from '../char-error-rate.ts';

export async function textLayerReference(page: PDFPageProxy): Promise<ReferenceChar[]> {
  const viewport = page.getViewport({ scale: 1 });
  const content = await page.getTextContent();
  const chars: ReferenceChar[] = [];
  for (const item of content.items) {
    if (!('str' in item)) continue;
    const glyphs = Array.from(normaliseForCer(item.str));
    if (glyphs.length === 0) continue;
    const [a, b, c, d, e, f] = item.transform as number[];
    // The advance runs along the text matrix's x axis; "up" along its y axis.
    const advanceLength = Math.hypot(a!, b!) || 1;
    const ax = a! / advanceLength;
    const ay = b! / advanceLength;
    const upLength = Math.hypot(c!, d!) || 1;
    const fontHeight = item.height || upLength;
    const ux = c! / upLength;
    const uy = d! / upLength;
    const step = item.width / glyphs.length;
    glyphs.forEach((char, i) => {
      const along = step * (i + 0.5);
      const [x, y] = viewport.convertToViewportPoint(
        e! + ax * along + ux * 0.3 * fontHeight,
        f! + ay * along + uy * 0.3 * fontHeight,
      ) as [number, number];
      const width = Math.max(step, 0.1);
      chars.push({ char, box: { x: x - width / 2, y: y - fontHeight / 2, width, height: fontHeight } });
    });
  }
  return chars;
}
