/** Text shown by annotations: form values, notes, captions from appearance streams. */
import { OPS } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, it } from 'vitest';
import { type AnnotationLike, annotationRuns, appearanceTexts, needsAppearanceText } from './annotation-text.ts';

const viewport = { transform: [1, 0, 0, -1, 0, 792] };
const rect = [100, 700, 300, 720];
const texts = (annotations: AnnotationLike[], appearance?: Map<string, string[]>) =>
  annotationRuns(annotations, viewport, appearance).map((run) => run.text);

describe('annotationRuns', () => {
  it.each([
    {
      name: "a text field's appearance text",
      annotation: { rect, textContent: ['01-Jul-25'], fieldType: 'Tx' },
      expected: ['01-Jul-25'],
    },
    {
      name: "a text field's value",
      annotation: { rect, fieldType: 'Tx', fieldValue: 'line one\nline two' },
      expected: ['line one', 'line two'],
    },
    {
      name: 'a free-text note without an appearance',
      annotation: { rect, subtype: 'FreeText', hasAppearance: false, contentsObj: { str: 'Hello' } },
      expected: ['Hello'],
    },
    { name: 'a hidden field', annotation: { rect, fieldType: 'Tx', fieldValue: 'secret', hidden: true }, expected: [] },
    {
      name: 'a password field',
      annotation: { rect, fieldType: 'Tx', fieldValue: 'hunter2', password: true },
      expected: [],
    },
    {
      name: 'a field that draws nothing',
      annotation: { rect, fieldType: 'Tx', fieldValue: 'x', hasAppearance: false },
      expected: [],
    },
    { name: 'a check box', annotation: { rect, fieldType: 'Btn', checkBox: true, fieldValue: 'Yes' }, expected: [] },
    { name: 'a link', annotation: { rect, subtype: 'Link' }, expected: [] },
    {
      name: 'an annotation without a usable rectangle',
      annotation: { rect: [1, 2], textContent: ['x'] },
      expected: [],
    },
  ])('$name', ({ annotation, expected }) => {
    expect(texts([annotation])).toEqual(expected);
  });

  it("takes a button's caption and a list box's options from the appearance text", () => {
    const appearance = new Map([
      ['10R', ['Submit']],
      ['11R', ['item1', 'item2', 'item3']],
    ]);
    const annotations = [
      { id: '10R', rect, fieldType: 'Btn', pushButton: true },
      { id: '11R', rect, fieldType: 'Ch', fieldValue: ['item2'] },
    ];
    expect(texts(annotations, appearance)).toEqual(['Submit', 'item1', 'item2', 'item3']);
    expect(needsAppearanceText(annotations)).toBe(true);
    expect(needsAppearanceText([{ rect, fieldType: 'Tx', fieldValue: 'done' }])).toBe(false);
  });

  it('shares the rectangle (in viewport points) among the lines', () => {
    const runs = annotationRuns([{ rect, fieldType: 'Tx', fieldValue: 'a\nb' }], viewport);
    expect(runs.map((run) => run.box)).toEqual([
      { x: 100, y: 72, width: 200, height: 10 },
      { x: 100, y: 82, width: 200, height: 10 },
    ]);
    expect(runs[0]!.fontSize).toBeCloseTo(7);
  });
});

describe('appearanceTexts', () => {
  it("collects each annotation's drawn strings, spaces from space glyphs and wide TJ gaps", () => {
    const glyph = (unicode: string, isSpace = false) => ({ unicode, isSpace });
    const texts = appearanceTexts({
      fnArray: [OPS.showText, OPS.beginAnnotation, OPS.showText, OPS.showText, OPS.endAnnotation, OPS.showText],
      argsArray: [
        [[glyph('page text')]],
        ['7R', rect, [1, 0, 0, 1, 0, 0], [1, 0, 0, 1, 0, 0], false],
        [[glyph('O'), glyph('K'), glyph(' ', true), glyph('g'), glyph('o')]],
        [[glyph('a'), -500, glyph('b'), -50, glyph('c')]],
        null,
        [[glyph('more page text')]],
      ],
    });
    expect([...texts]).toEqual([['7R', ['OK go', 'a bc']]]);
  });
});
