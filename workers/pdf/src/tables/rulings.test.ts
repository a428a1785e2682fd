/**
 * rulingsFromOperatorList on hand-built pdfjs operator lists (the shapes pdfjs 6 produces:
 * `constructPath` with the painting op, a path buffer of its internal draw opcodes and a bbox). The
 * page is 600 × 800 pt, its viewport flipping PDF's y-up space to y-down.
 */
import { OPS } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, it } from 'vitest';
import { rulingsFromOperatorList } from './rulings.ts';
import type { Segment } from './segments.ts';

const FRAME = { transform: [1, 0, 0, -1, 0, 800], width: 600, height: 800 };

type Op = [number, unknown];

/** pdfjs's draw opcodes inside a path buffer. */
const moveTo = (x: number, y: number) => [0, x, y];
const lineTo = (x: number, y: number) => [1, x, y];
const curveTo = (x1: number, y1: number, x2: number, y2: number, x: number, y: number) => [2, x1, y1, x2, y2, x, y];
const closePath = () => [4];
const rect = (x: number, y: number, width: number, height: number) => [
  ...moveTo(x, y),
  ...lineTo(x + width, y),
  ...lineTo(x + width, y + height),
  ...lineTo(x, y + height),
  ...closePath(),
];

const path = (paintOp: number, ...draw: number[][]): Op => [
  OPS.constructPath,
  [paintOp, [new Float32Array(draw.flat())], new Float32Array([0, 0, 0, 0])],
];
const op = (fn: number, args: unknown = null): Op => [fn, args];

const rulings = (ops: Op[], options = {}) =>
  rulingsFromOperatorList({ fnArray: ops.map(([fn]) => fn), argsArray: ops.map(([, args]) => args) }, FRAME, options);

/** A segment in viewport coordinates from PDF user-space ends (y flipped). */
const h = (yPdf: number, x1: number, x2: number): Segment => ({ x1, y1: 800 - yPdf, x2, y2: 800 - yPdf });
const v = (xPdf: number, y1Pdf: number, y2Pdf: number): Segment => ({
  x1: xPdf,
  y1: 800 - y2Pdf,
  x2: xPdf,
  y2: 800 - y1Pdf,
});

describe('rulingsFromOperatorList', () => {
  it.each<{ name: string; ops: Op[]; expected: Segment[] }>([
    { name: 'a stroked line', ops: [path(OPS.stroke, moveTo(10, 700), lineTo(110, 700))], expected: [h(700, 10, 110)] },
    {
      name: 'a stroked rectangle: its four edges',
      ops: [path(OPS.stroke, rect(10, 600, 100, 50))],
      expected: [h(650, 10, 110), h(600, 10, 110), v(10, 600, 650), v(110, 600, 650)],
    },
    {
      name: 'a closed polyline: the closing edge too',
      ops: [path(OPS.closeStroke, moveTo(10, 700), lineTo(110, 700), lineTo(110, 650), closePath())],
      expected: [h(700, 10, 110), v(110, 650, 700)],
    },
    {
      name: 'a filled and stroked rectangle',
      ops: [path(OPS.fillStroke, rect(10, 600, 100, 50))],
      expected: [h(650, 10, 110), h(600, 10, 110), v(10, 600, 650), v(110, 600, 650)],
    },
    {
      name: 'a thin filled bar: its centre line',
      ops: [path(OPS.fill, rect(10, 699, 200, 2))],
      expected: [h(700, 10, 210)],
    },
    {
      name: 'a shaded cell: its four edges',
      ops: [op(OPS.setFillRGBColor, ['#e0ebff']), path(OPS.fill, rect(10, 600, 100, 20))],
      expected: [h(620, 10, 110), h(600, 10, 110), v(10, 600, 620), v(110, 600, 620)],
    },
    {
      name: 'a white fill: nothing',
      ops: [op(OPS.setFillRGBColor, ['#ffffff']), path(OPS.fill, rect(10, 600, 100, 20))],
      expected: [],
    },
    {
      name: 'a transparent fill: nothing',
      ops: [
        op(OPS.setFillTransparent, []),
        path(OPS.fill, rect(10, 600, 100, 20)),
        path(OPS.fill, rect(10, 500, 100, 1)),
      ],
      expected: [],
    },
    {
      name: 'a fill with zero alpha: nothing',
      ops: [op(OPS.setGState, [[['ca', 0]]]), path(OPS.fill, rect(10, 600, 100, 20))],
      expected: [],
    },
    {
      name: 'a page-sized background fill: nothing',
      ops: [op(OPS.setFillRGBColor, ['#fafad2']), path(OPS.fill, rect(0, 0, 600, 800))],
      expected: [],
    },
    {
      name: 'curves and slanted lines: nothing',
      ops: [path(OPS.stroke, moveTo(10, 10), curveTo(20, 20, 30, 20, 40, 10), lineTo(100, 100))],
      expected: [],
    },
    {
      name: 'a clipping path (ended, not painted): nothing',
      ops: [op(OPS.clip), path(OPS.endPath, rect(10, 600, 100, 50))],
      expected: [],
    },
    {
      name: 'a transform inside save/restore applies only inside',
      ops: [
        op(OPS.save),
        op(OPS.transform, [2, 0, 0, 2, 0, 0]),
        path(OPS.stroke, moveTo(10, 300), lineTo(60, 300)),
        op(OPS.restore),
        path(OPS.stroke, moveTo(10, 300), lineTo(60, 300)),
      ],
      expected: [h(600, 20, 120), h(300, 10, 60)],
    },
    {
      name: 'a form XObject matrix, undone at its end',
      ops: [
        op(OPS.paintFormXObjectBegin, [new Float32Array([1, 0, 0, 1, 100, 0]), null]),
        path(OPS.stroke, moveTo(0, 700), lineTo(50, 700)),
        op(OPS.paintFormXObjectEnd, []),
        path(OPS.stroke, moveTo(0, 600), lineTo(50, 600)),
      ],
      expected: [h(700, 100, 150), h(600, 0, 50)],
    },
    {
      name: 'an annotation appearance: skipped',
      ops: [
        op(OPS.beginAnnotation, ['1R', [0, 0, 100, 100], [1, 0, 0, 1, 0, 0], [1, 0, 0, 1, 0, 0], false]),
        path(OPS.stroke, rect(10, 10, 50, 50)),
        op(OPS.endAnnotation, []),
      ],
      expected: [],
    },
    {
      name: 'a table drawn line by line: collinear pieces merged',
      ops: [path(OPS.stroke, moveTo(10, 700), lineTo(60, 700)), path(OPS.stroke, moveTo(60, 700), lineTo(110, 700))],
      expected: [h(700, 10, 110)],
    },
  ])('$name', ({ ops, expected }) => {
    const sort = (segments: Segment[]) => [...segments].sort((a, b) => a.x1 - b.x1 || a.y1 - b.y1 || a.x2 - b.x2);
    expect(sort(rulings(ops))).toEqual(sort(expected));
  });

  it('gives up on a page drawing more pieces than allowed', () => {
    const hatching = Array.from({ length: 11 }, (_, i) =>
      path(OPS.stroke, moveTo(10, 10 + 10 * i), lineTo(100, 10 + 10 * i)),
    );
    expect(rulings(hatching, { maxSegments: 10 })).toEqual([]);
    expect(rulings(hatching, { maxSegments: 11 })).toHaveLength(11);
  });

  it('survives malformed arguments', () => {
    const ops: Op[] = [
      op(OPS.restore),
      op(OPS.transform, [1, 0]),
      op(OPS.paintFormXObjectEnd),
      [OPS.constructPath, null],
      [OPS.constructPath, [OPS.stroke, [null], null]],
      [OPS.constructPath, [OPS.stroke, [new Float32Array([9, 1, 2])], null]],
      path(OPS.stroke, moveTo(10, 700), lineTo(110, 700)),
    ];
    expect(rulings(ops)).toEqual([h(700, 10, 110)]);
  });
});
