/**
 * Image boxes of a page from its pdfjs operator list: where `figure` blocks may go, and how much of
 * the page is image (a scan) for the OCR decision.
 *
 * An image is painted into the unit square of the current transformation matrix; the matrix is
 * tracked through save/restore, `cm`, form XObjects and transparency groups, starting from the
 * viewport's transform, so boxes come out in viewport points. Boxes are clipped to the page and
 * the same box painted twice is kept once. The extraction passes the page's one operator list
 * (extract-document.ts), which the rulings and the text's fonts and layers read too.
 */
import { OPS } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { Box } from './document.ts';
import type { OperatorListLike } from './pdfjs.ts';
import { multiplyTransforms } from './text-runs.ts';

const IMAGE_OPS = new Set<number>([
  OPS.paintImageXObject,
  OPS.paintInlineImageXObject,
  OPS.paintImageMaskXObject,
  OPS.paintImageXObjectRepeat,
]);

/** Boxes (viewport points) of the images the operator list paints. */
export function imageBoxes(
  operatorList: OperatorListLike,
  viewport: { transform: readonly number[]; width: number; height: number },
): Box[] {
  let matrix: readonly number[] = viewport.transform;
  const stack: (readonly number[])[] = [];
  const boxes: Box[] = [];
  const seen = new Set<string>();
  for (let index = 0; index < operatorList.fnArray.length; index++) {
    const op = operatorList.fnArray[index];
    const args = operatorList.argsArray[index];
    switch (op) {
      case OPS.save:
        stack.push(matrix);
        break;
      case OPS.restore:
        matrix = stack.pop() ?? matrix;
        break;
      case OPS.transform:
        if (isMatrix(args)) matrix = multiplyTransforms(matrix, args);
        break;
      case OPS.paintFormXObjectBegin: {
        stack.push(matrix);
        const formMatrix = Array.isArray(args) ? args[0] : undefined;
        if (isMatrix(formMatrix)) matrix = multiplyTransforms(matrix, formMatrix);
        break;
      }
      case OPS.beginGroup: {
        stack.push(matrix);
        const group = Array.isArray(args) ? (args[0] as { matrix?: unknown } | undefined) : undefined;
        if (isMatrix(group?.matrix)) matrix = multiplyTransforms(matrix, group.matrix);
        break;
      }
      case OPS.paintFormXObjectEnd:
      case OPS.endGroup:
        matrix = stack.pop() ?? matrix;
        break;
      default:
        if (op !== undefined && IMAGE_OPS.has(op)) {
          const box = clip(unitSquareBox(matrix), viewport);
          const key = box && [box.x, box.y, box.width, box.height].map((value) => value.toFixed(1)).join(',');
          if (box !== undefined && key !== undefined && !seen.has(key)) {
            seen.add(key);
            boxes.push(box);
          }
        }
    }
  }
  return boxes;
}

function isMatrix(value: unknown): value is number[] {
  return (
    (Array.isArray(value) || ArrayBuffer.isView(value)) &&
    (value as ArrayLike<unknown>).length === 6 &&
    Array.from(value as ArrayLike<unknown>).every((entry) => typeof entry === 'number' && Number.isFinite(entry))
  );
}

function unitSquareBox(matrix: readonly number[]): Box {
  const [a = 1, b = 0, c = 0, d = 1, e = 0, f = 0] = matrix;
  const xs = [e, a + e, c + e, a + c + e];
  const ys = [f, b + f, d + f, b + d + f];
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}

function clip(box: Box, page: { width: number; height: number }): Box | undefined {
  const x1 = Math.max(0, box.x);
  const y1 = Math.max(0, box.y);
  const x2 = Math.min(page.width, box.x + box.width);
  const y2 = Math.min(page.height, box.y + box.height);
  return x2 > x1 && y2 > y1 ? { x: x1, y: y1, width: x2 - x1, height: y2 - y1 } : undefined;
}
