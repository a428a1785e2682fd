import { describe, expect, it } from 'vitest';
import type { AggregationStrategy, ScoredToken } from './bio-spans.ts';
import {
  decodeEntities,
  entityTypesOf,
  parseTag,
  predictionScore,
  softmaxRows,
  whitespaceWordIds,
} from './bio-spans.ts';

const LABELS = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'];

/** A token whose best class is `label` with probability `p`, the rest spread evenly. */
function token(start: number, end: number, word: number, label: string, p = 0.9, labels = LABELS): ScoredToken {
  const rest = (1 - p) / (labels.length - 1);
  return { start, end, word, probs: labels.map((l) => (l === label ? p : rest)) };
}

type Expected = [start: number, end: number, type: string];
const spans = (tokens: ScoredToken[], strategy: AggregationStrategy, labels = LABELS): Expected[] =>
  decodeEntities(tokens, labels, strategy).map(({ start, end, type }) => [start, end, type]);

describe('parseTag', () => {
  it.each([
    ['O', { prefix: 'O', type: '' }],
    ['B-PER', { prefix: 'B', type: 'PER' }],
    ['I-LOC', { prefix: 'I', type: 'LOC' }],
    ['E-ORG', { prefix: 'E', type: 'ORG' }],
    ['S-MISC', { prefix: 'S', type: 'MISC' }],
    ['B_VESSEL', { prefix: 'B', type: 'VESSEL' }],
    ['PER', { prefix: 'I', type: 'PER' }],
    ['B-', { prefix: 'I', type: 'B-' }],
    ['I-Vessel-Name', { prefix: 'I', type: 'Vessel-Name' }],
  ])('%s', (label, expected) => {
    expect(parseTag(label)).toEqual(expected);
  });

  it('lists entity types once, in order', () => {
    expect(entityTypesOf(['O', 'B-PER', 'I-PER', 'B-LOC', 'S-ORG', 'MISC'])).toEqual(['PER', 'LOC', 'ORG', 'MISC']);
  });
});

describe('softmaxRows', () => {
  it('normalises each row and survives large logits', () => {
    const probs = softmaxRows([0, 0, 1000, 1000, 1, 2], 3, 2);
    expect(Array.from(probs.slice(0, 2))).toEqual([0.5, 0.5]);
    expect(Array.from(probs.slice(2, 4))).toEqual([0.5, 0.5]);
    expect(probs[5]! / probs[4]!).toBeCloseTo(Math.E, 5);
  });
});

// "John Smith visited New York" with words split into subword tokens where noted.
const text = 'John Smith visited New York';
const sentence = [
  token(0, 4, 0, 'B-PER'),
  token(5, 10, 1, 'I-PER'),
  token(11, 18, 2, 'O'),
  token(19, 22, 3, 'B-LOC'),
  token(23, 27, 4, 'I-LOC'),
];

describe('decodeEntities', () => {
  const cases: {
    name: string;
    tokens: ScoredToken[];
    strategy: AggregationStrategy;
    expected: Expected[];
    labels?: string[];
  }[] = [
    {
      name: 'IOB2 entities, simple',
      tokens: sentence,
      strategy: 'simple',
      expected: [
        [0, 10, 'PER'],
        [19, 27, 'LOC'],
      ],
    },
    {
      name: 'none gives one span per entity token',
      tokens: sentence,
      strategy: 'none',
      expected: [
        [0, 4, 'PER'],
        [5, 10, 'PER'],
        [19, 22, 'LOC'],
        [23, 27, 'LOC'],
      ],
    },
    {
      name: 'I- without B- opens an entity (IOB1)',
      tokens: [token(0, 4, 0, 'I-PER'), token(5, 10, 1, 'I-PER'), token(11, 14, 2, 'I-LOC')],
      strategy: 'simple',
      expected: [
        [0, 10, 'PER'],
        [11, 14, 'LOC'],
      ],
    },
    {
      name: 'IOB1 B- separates two adjacent entities of one type',
      tokens: [token(0, 4, 0, 'I-PER'), token(5, 10, 1, 'B-PER'), token(11, 14, 2, 'I-PER')],
      strategy: 'first',
      expected: [
        [0, 4, 'PER'],
        [5, 14, 'PER'],
      ],
    },
    {
      name: 'I- of another type starts a new entity',
      tokens: [token(0, 4, 0, 'B-PER'), token(5, 10, 1, 'I-LOC')],
      strategy: 'simple',
      expected: [
        [0, 4, 'PER'],
        [5, 10, 'LOC'],
      ],
    },
    {
      name: 'O in between splits entities',
      tokens: [token(0, 1, 0, 'B-PER'), token(2, 3, 1, 'O'), token(4, 5, 2, 'I-PER')],
      strategy: 'simple',
      expected: [
        [0, 1, 'PER'],
        [4, 5, 'PER'],
      ],
    },
    {
      name: 'BIOES: S and E close their entities',
      labels: ['O', 'B-X', 'I-X', 'E-X', 'S-X'],
      tokens: [
        token(0, 1, 0, 'S-X', 0.9, ['O', 'B-X', 'I-X', 'E-X', 'S-X']),
        token(2, 3, 1, 'S-X', 0.9, ['O', 'B-X', 'I-X', 'E-X', 'S-X']),
        token(4, 5, 2, 'B-X', 0.9, ['O', 'B-X', 'I-X', 'E-X', 'S-X']),
        token(6, 7, 3, 'E-X', 0.9, ['O', 'B-X', 'I-X', 'E-X', 'S-X']),
        token(8, 9, 4, 'I-X', 0.9, ['O', 'B-X', 'I-X', 'E-X', 'S-X']),
      ],
      strategy: 'simple',
      expected: [
        [0, 1, 'X'],
        [2, 3, 'X'],
        [4, 7, 'X'],
        [8, 9, 'X'],
      ],
    },
    {
      name: 'labels without prefixes group as I-',
      labels: ['O', 'PER', 'LOC'],
      tokens: [
        token(0, 1, 0, 'PER', 0.9, ['O', 'PER', 'LOC']),
        token(2, 3, 1, 'PER', 0.9, ['O', 'PER', 'LOC']),
        token(4, 5, 2, 'LOC', 0.9, ['O', 'PER', 'LOC']),
      ],
      strategy: 'simple',
      expected: [
        [0, 3, 'PER'],
        [4, 5, 'LOC'],
      ],
    },
    {
      name: 'simple may split a word whose subwords disagree',
      tokens: [token(0, 2, 0, 'B-PER'), token(2, 4, 0, 'O'), token(4, 6, 0, 'I-PER')],
      strategy: 'simple',
      expected: [
        [0, 2, 'PER'],
        [4, 6, 'PER'],
      ],
    },
    {
      name: 'first takes the word class from its first token',
      tokens: [token(0, 2, 0, 'B-PER'), token(2, 4, 0, 'O'), token(4, 6, 0, 'I-LOC'), token(7, 9, 1, 'O')],
      strategy: 'first',
      expected: [[0, 6, 'PER']],
    },
    {
      name: 'first: a word whose first token is O is not an entity',
      tokens: [token(0, 2, 0, 'O'), token(2, 4, 0, 'B-PER', 0.99)],
      strategy: 'first',
      expected: [],
    },
    {
      name: 'max takes the most confident token of the word',
      tokens: [token(0, 2, 0, 'O', 0.6), token(2, 4, 0, 'B-LOC', 0.95), token(5, 6, 1, 'I-LOC', 0.7)],
      strategy: 'max',
      expected: [[0, 6, 'LOC']],
    },
    {
      name: 'average takes the mean distribution over the word',
      tokens: [token(0, 2, 0, 'O', 0.55), token(2, 4, 0, 'B-PER', 0.5), token(4, 6, 0, 'B-PER', 0.5)],
      strategy: 'average',
      expected: [[0, 6, 'PER']],
    },
    { name: 'no tokens', tokens: [], strategy: 'first', expected: [] },
    { name: 'only O', tokens: [token(0, 1, 0, 'O'), token(2, 3, 1, 'O')], strategy: 'average', expected: [] },
  ];

  it.each(cases)('$name', ({ tokens, strategy, expected, labels }) => {
    expect(spans(tokens, strategy, labels)).toEqual(expected);
  });

  it('scores a span by the mean of its tokens, and a prediction by the mean of its spans', () => {
    const decoded = decodeEntities(
      [token(0, 1, 0, 'B-PER', 0.9), token(2, 3, 1, 'I-PER', 0.7), token(4, 5, 2, 'B-LOC', 0.5)],
      LABELS,
      'simple',
    );
    expect(decoded[0]!.score).toBeCloseTo(0.8, 6);
    expect(decoded[1]!.score).toBeCloseTo(0.5, 6);
    expect(predictionScore(decoded)).toBeCloseTo(0.65, 6);
    expect(predictionScore([])).toBeNull();
  });

  it('keeps the text of the sentence spans intact', () => {
    const decoded = decodeEntities(sentence, LABELS, 'first');
    expect(decoded.map((span) => [...text].slice(span.start, span.end).join(''))).toEqual(['John Smith', 'New York']);
  });
});

describe('whitespaceWordIds', () => {
  it.each([
    { text: 'U.S. troops', starts: [0, 1, 2, 3, 5], ids: [0, 0, 0, 0, 1] },
    { text: '  😀a\tb\n\nc ', starts: [2, 3, 5, 8], ids: [0, 0, 1, 2] },
    { text: 'Paris, France', starts: [0, 5, 7], ids: [0, 0, 1] },
    { text: '', starts: [], ids: [] },
  ])('$text', ({ text, starts, ids }) => {
    expect(whitespaceWordIds(text, starts)).toEqual(ids);
  });
});
