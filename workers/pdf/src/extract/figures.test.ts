/** Image boxes from an operator list: the matrix stack, forms and groups. */
import { OPS } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, it } from 'vitest';
import { imageBoxes } from './figures.ts';

const viewport = { transform: [1, 0, 0, -1, 0, 792], width: 612, height: 792 };

describe('imageBoxes', () => {
  it('places an image by the matrix in force when it is painted', () => {
    const boxes = imageBoxes(
      {
        fnArray: [OPS.save, OPS.transform, OPS.paintImageXObject, OPS.restore, OPS.paintImageXObject],
        argsArray: [null, [200, 0, 0, 100, 50, 600], ['img1'], null, ['img2']],
      },
      viewport,
    );
    // The first fills 50..250 × (792-700)..(792-600); the second, after restore, is a 1-point square.
    expect(boxes).toEqual([
      { x: 50, y: 92, width: 200, height: 100 },
      { x: 0, y: 791, width: 1, height: 1 },
    ]);
  });

  it('follows form XObject and group matrices, and drops what lies off the page or repeats', () => {
    const boxes = imageBoxes(
      {
        fnArray: [
          OPS.paintFormXObjectBegin,
          OPS.transform,
          OPS.paintImageXObject,
          OPS.paintImageXObject,
          OPS.paintFormXObjectEnd,
          OPS.beginGroup,
          OPS.paintInlineImageXObject,
          OPS.endGroup,
          OPS.transform,
          OPS.paintImageMaskXObject,
        ],
        argsArray: [
          [
            [1, 0, 0, 1, 100, 100],
            [0, 0, 10, 10],
          ],
          [50, 0, 0, 50, 0, 0],
          ['a'],
          ['a'],
          null,
          [{ matrix: [10, 0, 0, 10, 300, 300] }],
          [{}],
          null,
          [10, 0, 0, 10, -500, -500],
          [{}],
        ],
      },
      viewport,
    );
    expect(boxes).toEqual([
      { x: 100, y: 642, width: 50, height: 50 },
      { x: 300, y: 482, width: 10, height: 10 },
    ]);
  });
});
