import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Chunk } from './conll.ts';
import { ConllFormatError, conllChunks, joinTokens, parseConll, scoreChunks, spanToTokens } from './conll.ts';

describe('parseConll', () => {
  it('reads sentences, the tag from the last column, ignoring -DOCSTART-', () => {
    const text = [
      '-DOCSTART- -X- -X- O',
      '',
      'EU NNP B-NP I-ORG',
      'rejects VBZ B-VP O',
      '',
      '',
      'Peter\tNNP\tB-NP\tB-PER  ',
      'Blackburn NNP I-NP I-PER',
      '-DOCSTART- -X- O O',
      'Only O',
    ].join('\r\n');
    expect(parseConll(text)).toEqual([
      { tokens: ['EU', 'rejects'], tags: ['I-ORG', 'O'] },
      { tokens: ['Peter', 'Blackburn'], tags: ['B-PER', 'I-PER'] },
      { tokens: ['Only'], tags: ['O'] },
    ]);
  });

  it('reads nothing from an empty file', () => {
    expect(parseConll('')).toEqual([]);
    expect(parseConll('\n\n  \n')).toEqual([]);
  });

  it('names the line of a row without a tag', () => {
    expect(() => parseConll('EU B-ORG\nrejects\n')).toThrow(ConllFormatError);
    expect(() => parseConll('EU B-ORG\nrejects\n')).toThrow(/^line 2: "rejects" has one column/);
  });
});

describe('conllChunks', () => {
  it.each<{ name: string; tags: string[]; expected: Chunk[] }>([
    {
      name: 'IOB2',
      tags: ['B-PER', 'I-PER', 'O', 'B-LOC'],
      expected: [
        { start: 0, end: 2, type: 'PER' },
        { start: 3, end: 4, type: 'LOC' },
      ],
    },
    {
      name: 'IOB1, B- between adjacent entities of one type',
      tags: ['I-PER', 'I-PER', 'B-PER', 'O', 'I-ORG'],
      expected: [
        { start: 0, end: 2, type: 'PER' },
        { start: 2, end: 3, type: 'PER' },
        { start: 4, end: 5, type: 'ORG' },
      ],
    },
    {
      name: 'a type change inside a run',
      tags: ['I-PER', 'I-LOC'],
      expected: [
        { start: 0, end: 1, type: 'PER' },
        { start: 1, end: 2, type: 'LOC' },
      ],
    },
    {
      name: 'BIOES',
      tags: ['S-LOC', 'B-PER', 'E-PER', 'S-PER'],
      expected: [
        { start: 0, end: 1, type: 'LOC' },
        { start: 1, end: 3, type: 'PER' },
        { start: 3, end: 4, type: 'PER' },
      ],
    },
    { name: 'all O', tags: ['O', 'O'], expected: [] },
  ])('$name', ({ tags, expected }) => {
    expect(conllChunks(tags)).toEqual(expected);
  });
});

describe('joinTokens and spanToTokens', () => {
  const sentence = joinTokens(['😀', 'New', 'York', 'U.S.', '東京']);

  it('joins with spaces and counts code points', () => {
    expect(sentence.text).toBe('😀 New York U.S. 東京');
    expect(sentence.starts).toEqual([0, 2, 6, 11, 16]);
    expect(sentence.ends).toEqual([1, 5, 10, 15, 18]);
  });

  it.each([
    { span: { start: 2, end: 10 }, tokens: { start: 1, end: 3 } },
    { span: { start: 11, end: 12 }, tokens: { start: 3, end: 4 } },
    { span: { start: 3, end: 8 }, tokens: { start: 1, end: 3 } },
    { span: { start: 16, end: 18 }, tokens: { start: 4, end: 5 } },
    { span: { start: 5, end: 6 }, tokens: undefined },
  ])('$span.start-$span.end', ({ span, tokens }) => {
    expect(spanToTokens(sentence, span)).toEqual(tokens);
  });
});

describe('scoreChunks', () => {
  const c = (start: number, end: number, type: string): Chunk => ({ start, end, type });

  it('counts exact span and type only', () => {
    const scores = scoreChunks([
      { gold: [c(0, 2, 'PER'), c(3, 4, 'LOC')], predicted: [c(0, 2, 'PER'), c(3, 4, 'ORG')] },
      { gold: [c(0, 1, 'ORG')], predicted: [c(0, 2, 'ORG'), c(0, 2, 'ORG')] },
      { gold: [], predicted: [] },
    ]);
    expect(scores).toMatchObject({ truePositives: 1, falsePositives: 2, falseNegatives: 2 });
    expect(scores.precision).toBeCloseTo(1 / 3, 10);
    expect(scores.recall).toBeCloseTo(1 / 3, 10);
    expect(scores.f1).toBeCloseTo(1 / 3, 10);
    expect(Object.keys(scores.byType)).toEqual(['LOC', 'ORG', 'PER']);
    expect(scores.byType['PER']).toMatchObject({ precision: 1, recall: 1, f1: 1 });
    expect(scores.byType['LOC']).toMatchObject({ truePositives: 0, falseNegatives: 1, precision: 0, f1: 0 });
  });

  it('is zero, not NaN, with nothing predicted or nothing gold', () => {
    expect(scoreChunks([{ gold: [c(0, 1, 'PER')], predicted: [] }])).toMatchObject({ precision: 0, recall: 0, f1: 0 });
    expect(scoreChunks([])).toMatchObject({ precision: 0, recall: 0, f1: 0, byType: {} });
  });
});

// The CoNLL-2003 data lives beside the repository (../shared/datasets), never in it.
const TESTB = fileURLToPath(new URL('../../../../shared/datasets/ner/conll2003/eng.testb', import.meta.url));
const hasTestb = existsSync(TESTB);

describe.skipIf(!hasTestb)(
  hasTestb ? 'CoNLL-2003 eng.testb' : `CoNLL-2003 eng.testb (skipped: ${TESTB} is absent)`,
  () => {
    it('reads the published counts: 3453 sentences, 46435 tokens, 5648 entities', () => {
      const sentences = parseConll(readFileSync(TESTB, 'utf8'));
      expect(sentences).toHaveLength(3453);
      expect(sentences.reduce((sum, sentence) => sum + sentence.tokens.length, 0)).toBe(46435);
      const byType: Record<string, number> = {};
      for (const sentence of sentences) {
        for (const chunk of conllChunks(sentence.tags)) byType[chunk.type] = (byType[chunk.type] ?? 0) + 1;
      }
      expect(byType).toEqual({ LOC: 1668, MISC: 702, ORG: 1661, PER: 1617 });
      const gold = sentences.map((sentence) => ({
        gold: conllChunks(sentence.tags),
        predicted: conllChunks(sentence.tags),
      }));
      expect(scoreChunks(gold)).toMatchObject({ precision: 1, recall: 1, f1: 1, truePositives: 5648 });
    });
  },
);
