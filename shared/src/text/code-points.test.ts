import { describe, expect, it } from 'vitest';
import { codePointLength, createOffsetConverter, sliceCodePoints } from './code-points.ts';

/** The definitions the module must agree with, written the slow, obvious way. */
const reference = {
  length: (text: string) => [...text].length,
  toCodePoint: (text: string, utf16Index: number) => [...text.slice(0, utf16Index)].length,
  toUtf16: (text: string, codePointIndex: number) => [...text].slice(0, codePointIndex).join('').length,
  slice: (text: string, start: number, end?: number) => [...text].slice(start, end).join(''),
};

const texts: { name: string; text: string; codePoints: number }[] = [
  { name: 'empty', text: '', codePoints: 0 },
  { name: 'ASCII', text: 'Acme Corp', codePoints: 9 },
  { name: 'precomposed accents', text: 'café Zürich', codePoints: 11 },
  { name: 'combining accents', text: 'cafe\u0301 Zu\u0308rich', codePoints: 13 },
  { name: 'CJK (BMP)', text: '東京都 株式会社', codePoints: 8 },
  { name: 'CJK extension B (astral)', text: '𠮷野家 𩸽', codePoints: 5 },
  { name: 'astral emoji', text: '😀 Acme', codePoints: 6 },
  { name: 'emoji at the end', text: 'Acme 😀', codePoints: 6 },
  { name: 'ZWJ family sequence', text: 'a👨‍👩‍👧‍👦b', codePoints: 9 },
  { name: 'flags (regional indicator pairs)', text: '🇫🇷🇩🇪 EU', codePoints: 7 },
  { name: 'skin tone modifier', text: '👍🏽ok', codePoints: 4 },
  { name: 'math alphanumerics', text: '𝐀𝐁𝐂', codePoints: 3 },
  { name: 'lone high surrogate', text: 'a\uD83Db', codePoints: 3 },
  { name: 'lone low surrogate', text: 'a\uDE00b', codePoints: 3 },
  { name: 'reversed pair is two lone surrogates', text: '\uDE00\uD83D', codePoints: 2 },
  { name: 'lone surrogate then a pair', text: '\uD83D\uD83D\uDE00', codePoints: 2 },
  { name: 'only astral', text: '😀😀😀', codePoints: 3 },
];

describe('codePointLength', () => {
  it.each(texts)('$name', ({ text, codePoints }) => {
    expect(codePointLength(text)).toBe(codePoints);
    expect(codePointLength(text)).toBe(reference.length(text));
  });
});

describe('createOffsetConverter', () => {
  it.each(texts)('$name: every UTF-16 index, ascending then descending', ({ text }) => {
    const converter = createOffsetConverter(text);
    expect(converter.codePointLength).toBe(reference.length(text));
    const indices = Array.from({ length: text.length + 1 }, (_, i) => i);
    for (const i of [...indices, ...indices.reverse()]) {
      expect(converter.toCodePoint(i), `toCodePoint(${i})`).toBe(reference.toCodePoint(text, i));
    }
  });

  it.each(texts)('$name: every code point index, ascending then descending', ({ text }) => {
    const converter = createOffsetConverter(text);
    const indices = Array.from({ length: reference.length(text) + 1 }, (_, i) => i);
    for (const i of [...indices, ...indices.reverse()]) {
      expect(converter.toUtf16(i), `toUtf16(${i})`).toBe(reference.toUtf16(text, i));
    }
  });

  it('maps an emoji-led span the way Label Studio stores it', () => {
    const text = '😀 Acme Corp';
    const start = text.indexOf('Acme');
    const converter = createOffsetConverter(text);
    expect([start, converter.toCodePoint(start)]).toEqual([3, 2]);
    expect(converter.toCodePoint(text.length)).toBe(11);
  });

  it('agrees with the reference on random texts and random query orders', () => {
    const alphabet = ['a', ' ', 'é', 'e\u0301', '東', '😀', '👨‍👩‍👧', '🇫🇷', '\uD83D', '\uDE00', '𠮷'];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 48271) % 2147483647;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      const text = Array.from({ length: random(40) }, () => alphabet[random(alphabet.length)]).join('');
      const converter = createOffsetConverter(text);
      for (let q = 0; q < 20; q++) {
        const i = random(text.length + 1);
        expect(converter.toCodePoint(i)).toBe(reference.toCodePoint(text, i));
        const c = random(converter.codePointLength + 1);
        expect(converter.toUtf16(c)).toBe(reference.toUtf16(text, c));
      }
    }
  });

  it.each([
    { name: 'negative', text: 'ab', index: -1 },
    { name: 'past the end', text: 'ab', index: 3 },
    { name: 'fractional', text: 'a😀', index: 0.5 },
    { name: 'past the end with pairs', text: 'a😀', index: 4 },
  ])('rejects a UTF-16 index that is $name', ({ text, index }) => {
    expect(() => createOffsetConverter(text).toCodePoint(index)).toThrow(RangeError);
  });

  it('rejects a code point index past the end', () => {
    expect(() => createOffsetConverter('a😀').toUtf16(3)).toThrow(/code point index 3 is outside \[0, 2\]/);
  });
});

describe('sliceCodePoints', () => {
  const cases: { text: string; start: number; end?: number; expected: string }[] = [
    { text: '😀 Acme Corp', start: 2, end: 6, expected: 'Acme' },
    { text: '😀 Acme Corp', start: 0, end: 1, expected: '😀' },
    { text: 'a👨‍👩‍👧‍👦b', start: 1, end: 8, expected: '👨‍👩‍👧‍👦' },
    { text: 'a👨‍👩‍👧‍👦b', start: 1, end: 2, expected: '👨' },
    { text: '🇫🇷🇩🇪 EU', start: 2, end: 4, expected: '🇩🇪' },
    { text: 'cafe\u0301 ok', start: 0, end: 5, expected: 'cafe\u0301' },
    { text: 'cafe\u0301 ok', start: 0, end: 4, expected: 'cafe' },
    { text: '𠮷野家', start: 1, expected: '野家' },
    { text: '😀ab😀', start: -2, expected: 'b😀' },
    { text: '😀ab😀', start: 1, end: -1, expected: 'ab' },
    { text: '😀ab😀', start: 3, end: 1, expected: '' },
    { text: '😀ab😀', start: 0, end: 99, expected: '😀ab😀' },
    { text: 'a\uD83Db', start: 1, end: 2, expected: '\uD83D' },
    { text: 'plain', start: 1, end: 3, expected: 'la' },
  ];
  it.each(cases)('$text [$start:$end] → $expected', ({ text, start, end, expected }) => {
    expect(sliceCodePoints(text, start, end)).toBe(expected);
    expect(sliceCodePoints(text, start, end)).toBe(reference.slice(text, start, end));
  });
});
