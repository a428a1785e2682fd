/**
 * CoNLL-format NER data and CoNLL-style entity scoring, pure.
 *
 * - `parseConll(text)`: whitespace-separated columns, the token in the first column and its tag
 *   in the last; blank lines separate sentences; `-DOCSTART-` lines are ignored (and end a
 *   sentence). Throws {@link ConllFormatError} naming the line of a row with a single column.
 * - `conllChunks(tags)`: entity chunks as token ranges, read like the decoder reads tags (IOB1,
 *   IOB2 and BIOES alike: an `I-` after `O` or another type opens a chunk, `B-` always does).
 * - `joinTokens(tokens)` / `spanToTokens`: a sentence as one text (tokens joined by single spaces)
 *   and a predicted code-point span back to the tokens it touches.
 * - `scoreChunks(pairs)`: entity-level precision, recall and F1 as conlleval counts them: a
 *   predicted chunk is right only with the exact token range and type; per type too.
 */
import { codePointLength } from '@prelabel/shared/text/code-points';
import { groupUnits, parseTag } from './bio-spans.ts';

export class ConllFormatError extends Error {
  override name = 'ConllFormatError';
}

export interface ConllSentence {
  tokens: string[];
  tags: string[];
}

/** An entity over tokens `[start, end)` of one sentence. */
export interface Chunk {
  start: number;
  end: number;
  type: string;
}

export function parseConll(text: string): ConllSentence[] {
  const sentences: ConllSentence[] = [];
  let current: ConllSentence = { tokens: [], tags: [] };
  const flush = () => {
    if (current.tokens.length > 0) sentences.push(current);
    current = { tokens: [], tags: [] };
  };
  text.split(/\r?\n/).forEach((line, index) => {
    const columns = line.trim().split(/\s+/);
    const first = columns[0] ?? '';
    if (first === '' || first === '-DOCSTART-') {
      flush();
      return;
    }
    if (columns.length < 2) {
      throw new ConllFormatError(
        `line ${index + 1}: "${line.trim()}" has one column; a CoNLL row is a token, optional columns and its tag`,
      );
    }
    current.tokens.push(first);
    current.tags.push(columns[columns.length - 1]!);
  });
  flush();
  return sentences;
}

export function conllChunks(tags: readonly string[]): Chunk[] {
  return groupUnits(tags.map((tag, i) => ({ start: i, end: i + 1, tag: parseTag(tag), score: 1 }))).map(
    ({ start, end, type }) => ({ start, end, type }),
  );
}

export interface JoinedSentence {
  text: string;
  /** Code-point offset where each token starts in `text`. */
  starts: number[];
  /** Code-point offset just past each token. */
  ends: number[];
}

export function joinTokens(tokens: readonly string[]): JoinedSentence {
  const starts: number[] = [];
  const ends: number[] = [];
  let offset = 0;
  for (const token of tokens) {
    starts.push(offset);
    offset += codePointLength(token);
    ends.push(offset);
    offset += 1;
  }
  return { text: tokens.join(' '), starts, ends };
}

/** The tokens `[start, end)` a code-point span overlaps, or undefined when it touches none. */
export function spanToTokens(
  sentence: JoinedSentence,
  span: { start: number; end: number },
): { start: number; end: number } | undefined {
  let first = -1;
  let last = -1;
  for (let i = 0; i < sentence.starts.length; i++) {
    if (sentence.ends[i]! > span.start && sentence.starts[i]! < span.end) {
      if (first < 0) first = i;
      last = i;
    }
  }
  return first < 0 ? undefined : { start: first, end: last + 1 };
}

export interface Counts {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface ChunkScores extends Counts {
  byType: Record<string, Counts>;
}

function toCounts(truePositives: number, predicted: number, gold: number): Counts {
  const precision = predicted === 0 ? 0 : truePositives / predicted;
  const recall = gold === 0 ? 0 : truePositives / gold;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return {
    truePositives,
    falsePositives: predicted - truePositives,
    falseNegatives: gold - truePositives,
    precision,
    recall,
    f1,
  };
}

export function scoreChunks(pairs: readonly { gold: readonly Chunk[]; predicted: readonly Chunk[] }[]): ChunkScores {
  const tally = new Map<string, { tp: number; predicted: number; gold: number }>();
  const of = (type: string) => {
    let entry = tally.get(type);
    if (entry === undefined) {
      entry = { tp: 0, predicted: 0, gold: 0 };
      tally.set(type, entry);
    }
    return entry;
  };
  for (const { gold, predicted } of pairs) {
    const goldKeys = new Set(gold.map((chunk) => `${chunk.start}:${chunk.end}:${chunk.type}`));
    for (const chunk of gold) of(chunk.type).gold++;
    for (const chunk of new Map(predicted.map((c) => [`${c.start}:${c.end}:${c.type}`, c])).values()) {
      const entry = of(chunk.type);
      entry.predicted++;
      if (goldKeys.has(`${chunk.start}:${chunk.end}:${chunk.type}`)) entry.tp++;
    }
  }
  let tp = 0;
  let predicted = 0;
  let gold = 0;
  const byType: Record<string, Counts> = {};
  for (const type of [...tally.keys()].sort()) {
    const entry = tally.get(type)!;
    byType[type] = toCounts(entry.tp, entry.predicted, entry.gold);
    tp += entry.tp;
    predicted += entry.predicted;
    gold += entry.gold;
  }
  return { ...toCounts(tp, predicted, gold), byType };
}
