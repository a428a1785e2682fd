/**
 * Test helper: writes small, valid PDFs by hand, so extraction tests need no fixture files.
 *
 * Each page lists text lines placed with their baseline's start in **top-left** coordinates (as
 * the extraction reports them) and a size in points; text is set in Helvetica (`font: 'regular'`)
 * or Helvetica-Bold, standard fonts every reader has, with WinAnsi encoding (Latin-1 text only),
 * or in the symbol fonts ZapfDingbats and Wingdings (not embedded; each character of `text` is
 * written as the one-byte code it stands for). A text may sit in a layer (optional content: `on`
 * is shown, `off` hidden, as the document's default configuration says) and in a tagged-PDF
 * marked-content sequence (`/P <</MCID n>> BDC`), the layer's sequence outside the tag's.
 * Pages may also draw filled rectangles (`bars`) and carry a /Rotate. The cross-reference table
 * has exact offsets, so pdfjs and poppler open the files without repairing them.
 */

export interface PdfText {
  x: number;
  /** Baseline, from the top of the page. */
  y: number;
  size: number;
  text: string;
  font?: 'regular' | 'bold' | 'zapf-dingbats' | 'wingdings';
  layer?: 'on' | 'off';
  /** Wraps the text in a tagged-PDF `/P` sequence with this MCID. */
  mcid?: number;
  /** Baseline direction, counter-clockwise from the x axis, in degrees (a diagonal watermark: 45). */
  angleDeg?: number;
}

export interface PdfPage {
  /** @defaultValue 612 (US Letter) */
  width?: number;
  /** @defaultValue 792 */
  height?: number;
  texts: PdfText[];
  /** Filled rectangles, top-left coordinates. */
  bars?: { x: number; y: number; width: number; height: number }[];
  rotate?: 0 | 90 | 180 | 270;
}

const FONT_RESOURCES = { regular: 'F1', bold: 'F2', 'zapf-dingbats': 'F3', wingdings: 'F4' } as const;

const escapeText = (text: string) => text.replace(/[\\()]/g, (char) => `\\${char}`);

function contentStream(page: PdfPage, height: number): string {
  const operations: string[] = [];
  for (const bar of page.bars ?? []) {
    operations.push(`${bar.x} ${height - bar.y - bar.height} ${bar.width} ${bar.height} re f`);
  }
  for (const text of page.texts) {
    const font = FONT_RESOURCES[text.font ?? 'regular'];
    const radians = ((text.angleDeg ?? 0) * Math.PI) / 180;
    const [cos, sin] = [Math.cos(radians), Math.sin(radians)].map((value) => Number(value.toFixed(6)));
    const matrix = `${cos} ${sin} ${-sin!} ${cos} ${text.x} ${height - text.y} Tm`;
    let operation = `BT /${font} ${text.size} Tf ${matrix} (${escapeText(text.text)}) Tj ET`;
    if (text.mcid !== undefined) operation = `/P <</MCID ${text.mcid}>> BDC ${operation} EMC`;
    if (text.layer !== undefined)
      operation = `/OC /${text.layer === 'on' ? 'LayerOn' : 'LayerOff'} BDC ${operation} EMC`;
    operations.push(operation);
  }
  return operations.join('\n');
}

/** A PDF with the given pages (none at all gives a document whose page tree is empty). */
export function minimalPdf(pages: readonly PdfPage[]): Uint8Array {
  const objects: string[] = [];
  const add = (body: string) => {
    objects.push(body);
    return objects.length;
  };
  const catalog = add('');
  const pagesId = add('');
  const regular = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  const bold = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>');
  const dingbats = add('<< /Type /Font /Subtype /Type1 /BaseFont /ZapfDingbats >>');
  const wingdings = add('<< /Type /Font /Subtype /TrueType /BaseFont /Wingdings-Regular >>');
  const layerOn = add('<< /Type /OCG /Name (Shown layer) >>');
  const layerOff = add('<< /Type /OCG /Name (Hidden layer) >>');
  const kids: number[] = [];
  for (const page of pages) {
    const width = page.width ?? 612;
    const height = page.height ?? 792;
    const stream = contentStream(page, height);
    const content = add(`<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}\nendstream`);
    kids.push(
      add(
        `<< /Type /Page /Parent ${pagesId} 0 R /MediaBox [0 0 ${width} ${height}] /Rotate ${page.rotate ?? 0} ` +
          `/Resources << /Font << /F1 ${regular} 0 R /F2 ${bold} 0 R /F3 ${dingbats} 0 R /F4 ${wingdings} 0 R >> ` +
          `/Properties << /LayerOn ${layerOn} 0 R /LayerOff ${layerOff} 0 R >> >> ` +
          `/Contents ${content} 0 R >>`,
      ),
    );
  }
  const hasLayers = pages.some((page) => page.texts.some((text) => text.layer !== undefined));
  const layers = hasLayers
    ? ` /OCProperties << /OCGs [${layerOn} 0 R ${layerOff} 0 R] /D << /OFF [${layerOff} 0 R] >> >>`
    : '';
  objects[catalog - 1] = `<< /Type /Catalog /Pages ${pagesId} 0 R${layers} >>`;
  objects[pagesId - 1] = `<< /Type /Pages /Kids [${kids.map((id) => `${id} 0 R`).join(' ')}] /Count ${kids.length} >>`;
  let pdf = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((body, index) => {
    offsets.push(Buffer.byteLength(pdf, 'latin1'));
    pdf += `${index + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(pdf, 'latin1');
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) pdf += `${String(offset).padStart(10, '0')} 00000 n \n`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(pdf, 'latin1'));
}

/**
 * A two-column US Letter page of running text: a title across the top, then `lines` lines per
 * column (`left-1`, `left-2`, … / `right-1`, …) so a test can check the reading order.
 */
export function twoColumnPage(lines: number): PdfPage {
  const texts: PdfText[] = [{ x: 150, y: 80, size: 20, text: 'A Two Column Title', font: 'bold' }];
  for (let index = 0; index < lines; index++) {
    const y = 130 + index * 12;
    texts.push({ x: 54, y, size: 10, text: `left-${index + 1} words of the left column go here` });
    texts.push({ x: 318, y, size: 10, text: `right-${index + 1} words of the right column go here` });
  }
  return { texts };
}
