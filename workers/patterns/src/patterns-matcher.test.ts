import { describe, expect, it } from 'vitest';
import type { PatternRule } from './patterns-matcher.ts';
import { compilePatternsMatcher, describeRegexProblem } from './patterns-matcher.ts';

type Expected = [start: number, end: number, text: string, label: string];

const spansOf = (rules: PatternRule[], text: string, caseSensitive = false): Expected[] =>
  compilePatternsMatcher(rules, { caseSensitive })
    .match(text)
    .map(({ start, end, text: spanText, label }) => [start, end, spanText, label]);

const imo: PatternRule = { label: 'IMO', regex: 'IMO ?\\d{7}' };

const cases: { name: string; rules: PatternRule[]; text: string; caseSensitive?: boolean; expected: Expected[] }[] = [
  {
    name: 'a phrase, not inside a longer word',
    rules: [{ label: 'ORG', pattern: 'Acme Corp' }],
    text: 'Acme Corp bought Acme Corporation and Acme Corp.',
    expected: [
      [0, 9, 'Acme Corp', 'ORG'],
      [38, 47, 'Acme Corp', 'ORG'],
    ],
  },
  {
    name: 'word boundaries on both sides, digits included',
    rules: [{ label: 'ORG', pattern: 'Acme' }],
    text: 'Acmeville, xAcme, Acme2, (Acme), Acme-Foo',
    expected: [
      [26, 30, 'Acme', 'ORG'],
      [33, 37, 'Acme', 'ORG'],
    ],
  },
  {
    name: 'an astral emoji before the span shifts code points, not UTF-16 units',
    rules: [{ label: 'ORG', pattern: 'Acme' }],
    text: '😀 Acme',
    expected: [[2, 6, 'Acme', 'ORG']],
  },
  {
    name: 'a ZWJ sequence and a flag before the span',
    rules: [{ label: 'ORG', pattern: 'Acme' }],
    text: '👨‍👩‍👧 🇫🇷 Acme 😀',
    expected: [[9, 13, 'Acme', 'ORG']],
  },
  {
    name: 'astral characters inside the span',
    rules: [{ label: 'FOOD', pattern: '𠮷野家' }],
    text: '😀 at 𠮷野家 now',
    expected: [[5, 8, '𠮷野家', 'FOOD']],
  },
  {
    name: 'precomposed accents',
    rules: [{ label: 'LOC', pattern: 'Zürich' }],
    text: 'in Zürich.',
    expected: [[3, 9, 'Zürich', 'LOC']],
  },
  {
    name: 'a precomposed phrase finds the decomposed spelling (combining diaeresis)',
    rules: [{ label: 'LOC', pattern: 'Zürich' }],
    text: 'in Zu\u0308rich.',
    expected: [[3, 10, 'Zu\u0308rich', 'LOC']],
  },
  {
    name: 'a decomposed phrase finds the precomposed spelling',
    rules: [{ label: 'LOC', pattern: 'Zu\u0308rich' }],
    text: 'Zürich',
    expected: [[0, 6, 'Zürich', 'LOC']],
  },
  {
    name: 'a combining mark continues the word',
    rules: [{ label: 'X', pattern: 'cafe' }],
    text: 'cafe\u0301 and cafe',
    expected: [[10, 14, 'cafe', 'X']],
  },
  {
    name: 'case-insensitive by default, non-ASCII included',
    rules: [
      { label: 'ORG', pattern: 'acme corp' },
      { label: 'ORG', pattern: 'école' },
    ],
    text: 'ACME CORP, ÉCOLE',
    expected: [
      [0, 9, 'ACME CORP', 'ORG'],
      [11, 16, 'ÉCOLE', 'ORG'],
    ],
  },
  {
    name: 'case folding beyond toLowerCase (long s)',
    rules: [{ label: 'X', pattern: 'kiss' }],
    text: 'KIſſ',
    expected: [[0, 4, 'KIſſ', 'X']],
  },
  {
    name: 'case-sensitive when asked',
    rules: [{ label: 'ORG', pattern: 'Acme' }],
    text: 'ACME acme Acme',
    caseSensitive: true,
    expected: [[10, 14, 'Acme', 'ORG']],
  },
  {
    name: 'CJK without spaces has no word edges',
    rules: [
      { label: 'LOC', pattern: '東京' },
      { label: 'ORG', pattern: 'Acme' },
    ],
    text: '東京都のAcme株式会社',
    expected: [
      [0, 2, '東京', 'LOC'],
      [4, 8, 'Acme', 'ORG'],
    ],
  },
  {
    name: 'an edge that is punctuation needs no boundary, a letter edge still does',
    rules: [{ label: 'LANG', pattern: 'C++' }],
    text: 'C++ and Objective-C++, not xC++',
    expected: [
      [0, 3, 'C++', 'LANG'],
      [18, 21, 'C++', 'LANG'],
    ],
  },
  {
    name: 'regex metacharacters in phrases are literal',
    rules: [{ label: 'X', pattern: 'a.b (c)' }],
    text: 'axb (c) a.b (c)',
    expected: [[8, 15, 'a.b (c)', 'X']],
  },
  {
    name: 'overlapping literals: the longest at the leftmost start',
    rules: [
      { label: 'LOC', pattern: 'New York' },
      { label: 'CITY', pattern: 'New York City' },
      { label: 'LOC', pattern: 'York' },
    ],
    text: 'New York City hall, New York, York',
    expected: [
      [0, 13, 'New York City', 'CITY'],
      [20, 28, 'New York', 'LOC'],
      [30, 34, 'York', 'LOC'],
    ],
  },
  {
    name: 'leftmost beats longer',
    rules: [
      { label: 'ORG', pattern: 'Acme Corp' },
      { label: 'BLDG', regex: 'Corp Tower \\w+' },
    ],
    text: 'Acme Corp Tower Two',
    expected: [[0, 9, 'Acme Corp', 'ORG']],
  },
  {
    name: 'a longer regex beats a literal at the same start',
    rules: [
      { label: 'ORG', pattern: 'Acme' },
      { label: 'ORG_FULL', regex: 'Acme (?:Corp|Inc)' },
    ],
    text: 'Acme Inc and Acme',
    expected: [
      [0, 8, 'Acme Inc', 'ORG_FULL'],
      [13, 17, 'Acme', 'ORG'],
    ],
  },
  {
    name: 'equal spans: the earlier rule wins (literal first)',
    rules: [
      { label: 'LIT', pattern: 'IMO 9074729' },
      { ...imo, label: 'RE' },
    ],
    text: 'IMO 9074729',
    expected: [[0, 11, 'IMO 9074729', 'LIT']],
  },
  {
    name: 'equal spans: the earlier rule wins (regex first)',
    rules: [
      { ...imo, label: 'RE' },
      { label: 'LIT', pattern: 'IMO 9074729' },
    ],
    text: 'IMO 9074729',
    expected: [[0, 11, 'IMO 9074729', 'RE']],
  },
  {
    name: 'the same phrase twice: the first entry wins, whatever its case',
    rules: [
      { label: 'A', pattern: 'ACME' },
      { label: 'B', pattern: 'acme' },
    ],
    text: 'Acme',
    expected: [[0, 4, 'Acme', 'A']],
  },
  {
    name: 'a literal skipped by an overlapping winner is not allowed to hide the next one',
    rules: [
      { label: 'R', regex: 'a b c' },
      { label: 'D', pattern: 'c d' },
      { label: 'E', pattern: 'd e' },
    ],
    text: 'a b c d e',
    expected: [
      [0, 5, 'a b c', 'R'],
      [6, 9, 'd e', 'E'],
    ],
  },
  {
    name: 'the IMO regex, with and without the space, case-insensitive',
    rules: [imo],
    text: 'IMO 9074729, imo9321483, IMO 12345, IMO 90747291',
    expected: [
      [0, 11, 'IMO 9074729', 'IMO'],
      [13, 23, 'imo9321483', 'IMO'],
      [36, 47, 'IMO 9074729', 'IMO'],
    ],
  },
  {
    name: 'the IMO regex, case-sensitive',
    rules: [imo],
    text: 'imo 9074729 IMO 9321483',
    caseSensitive: true,
    expected: [[12, 23, 'IMO 9321483', 'IMO']],
  },
  {
    name: 'a regex matching astral characters',
    rules: [{ label: 'EMOJI', regex: '😀+' }],
    text: 'a😀😀b😀',
    expected: [
      [1, 3, '😀😀', 'EMOJI'],
      [4, 5, '😀', 'EMOJI'],
    ],
  },
  {
    name: 'a regex with \\p classes over emoji-led text',
    rules: [{ label: 'CAP', regex: '\\p{Lu}\\p{Ll}+' }],
    text: '🇫🇷 Paris 👍🏽 Émile',
    expected: [
      [3, 8, 'Paris', 'CAP'],
      [12, 17, 'Émile', 'CAP'],
    ],
  },
  {
    name: 'zero-length regex matches are skipped, over astral text too',
    rules: [
      { label: 'EMPTY', regex: '(?=a)|\\b' },
      { label: 'X', pattern: 'b' },
    ],
    text: '😀a b😀',
    expected: [[3, 4, 'b', 'X']],
  },
  { name: 'an empty text', rules: [imo], text: '', expected: [] },
  {
    name: 'lone surrogates do not break offsets',
    rules: [imo],
    text: '\uD83D IMO 1234567 \uDE00',
    expected: [[2, 13, 'IMO 1234567', 'IMO']],
  },
];

describe('compilePatternsMatcher', () => {
  it.each(cases)('$name', ({ rules, text, caseSensitive, expected }) => {
    expect(spansOf(rules, text, caseSensitive)).toEqual(expected);
  });

  it('keeps every span text equal to its code-point slice', () => {
    for (const { rules, text, caseSensitive } of cases) {
      for (const span of compilePatternsMatcher(rules, { caseSensitive: caseSensitive ?? false }).match(text)) {
        expect([...text].slice(span.start, span.end).join('')).toBe(span.text);
      }
    }
  });

  it('handles thousands of dictionary entries', () => {
    const entries = Array.from({ length: 5000 }, (_, i) => ({
      label: `L${i % 7}`,
      pattern: i % 2 === 0 ? `term${i}` : `term${i} extra`,
    }));
    const matcher = compilePatternsMatcher(entries, { caseSensitive: false });
    const picks = [4998, 17, 1, 2500, 3333, 0];
    const text = `😀 ${picks.map((i) => `TERM${i}${i % 2 === 0 ? '' : ' extra'}`).join(' and ')} term99999`;
    const expected = picks.map((i) => entries[i]!.label);
    const started = performance.now();
    const spans = matcher.match(text.repeat(200));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(spans).toHaveLength(picks.length * 200);
    expect(spans.slice(0, picks.length).map((span) => span.label)).toEqual(expected);
    expect(spans[1]).toMatchObject({ text: 'TERM17 extra', label: 'L3' });
  });
});

describe('describeRegexProblem', () => {
  it.each([
    { regex: 'IMO ?\\d{7}', problem: undefined },
    { regex: '(?=x)', problem: undefined },
    { regex: 'a*', problem: /can match the empty string/ },
    { regex: '\\b', problem: /can match the empty string/ },
    { regex: '$', problem: /can match the empty string/ },
    { regex: 'x?|y', problem: /can match the empty string/ },
    { regex: '(unclosed', problem: /is not a valid regular expression: / },
    { regex: '\\-', problem: /is not a valid regular expression/ },
  ])('$regex', ({ regex, problem }) => {
    const described = describeRegexProblem(regex);
    if (problem === undefined) expect(described).toBeUndefined();
    else expect(described).toMatch(problem);
  });
});
