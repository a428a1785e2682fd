/**
 * Token-classification decoding, pure: per-token class probabilities → entity spans with
 * code-point offsets.
 *
 * The input is one text's content tokens (special tokens already removed), each with its offsets
 * in the text (`start`/`end` in Unicode code points, end exclusive), the index of the word it
 * belongs to and its class probabilities. The output is non-overlapping spans in text order,
 * `{start, end, type, score}`, where `type` is the entity type without its tag prefix.
 *
 * Tags are read as the Hugging Face pipeline reads them: `B-X`/`I-X` (IOB1 and IOB2 alike), plus
 * `E-X`/`S-X` (BIOES), a bare `X` as `I-X`, and `O` as outside. An `I-X` without a `B-X` opens an
 * entity; `B-X` and `S-X` always open one; `E-X` and `S-X` close theirs.
 *
 * Aggregation strategies, as in `transformers`' `TokenClassificationPipeline`:
 * - `none`: one span per token whose best class is not `O`;
 * - `simple`: per-token best classes grouped into entities (so a word may be split);
 * - `first` / `average` / `max`: each word gets one class first (its first token's, the mean of its
 *   tokens' probabilities, or that of its most confident token), then words are grouped.
 * A span's score is the mean of its tokens' (or words') scores. Words are the tokenizer's, or
 * whitespace-delimited runs through `whitespaceWordIds`.
 */

export const AGGREGATION_STRATEGIES = ['none', 'simple', 'first', 'average', 'max'] as const;
export type AggregationStrategy = (typeof AGGREGATION_STRATEGIES)[number];

export interface ScoredToken {
  /** Code point offset of the token's first character in the text. */
  start: number;
  /** Code point offset just past the token's last character. */
  end: number;
  /** Index of the word the token belongs to; tokens of one word are adjacent. */
  word: number;
  /** Probability of every class, indexed like `id2label`. */
  probs: ArrayLike<number>;
}

export interface EntitySpan {
  start: number;
  end: number;
  /** Entity type without its `B-`/`I-`/`E-`/`S-` prefix. */
  type: string;
  score: number;
}

export type TagPrefix = 'B' | 'I' | 'E' | 'S' | 'O';

export interface ParsedTag {
  prefix: TagPrefix;
  /** Entity type; empty for `O`. */
  type: string;
}

/** `B-PER` → `{B, PER}`; `O` → `{O, ''}`; a bare `PER` → `{I, PER}` (as the HF pipeline reads it). */
export function parseTag(label: string): ParsedTag {
  if (label === 'O') return { prefix: 'O', type: '' };
  const match = /^([BIES])[-_](.+)$/.exec(label);
  if (match !== null) return { prefix: match[1] as TagPrefix, type: match[2]! };
  return { prefix: 'I', type: label };
}

/** Entity types named by a label list, in first-seen order. */
export function entityTypesOf(labels: readonly string[]): string[] {
  const types = new Set<string>();
  for (const label of labels) {
    const { prefix, type } = parseTag(label);
    if (prefix !== 'O') types.add(type);
  }
  return [...types];
}

/** Row-wise softmax of `rows × width` logits, stable against large values. */
export function softmaxRows(logits: ArrayLike<number>, rows: number, width: number): Float32Array {
  const probs = new Float32Array(rows * width);
  for (let row = 0; row < rows; row++) {
    const base = row * width;
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < width; k++) max = Math.max(max, logits[base + k]!);
    let sum = 0;
    for (let k = 0; k < width; k++) {
      const e = Math.exp(logits[base + k]! - max);
      probs[base + k] = e;
      sum += e;
    }
    for (let k = 0; k < width; k++) probs[base + k]! /= sum;
  }
  return probs;
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if (values[k]! > values[best]!) best = k;
  return best;
}

function maxOf(values: ArrayLike<number>): number {
  return values[argmax(values)]!;
}

/** A classified unit (token or word) before grouping. */
interface Unit {
  start: number;
  end: number;
  tag: ParsedTag;
  score: number;
}

function classify(start: number, end: number, probs: ArrayLike<number>, tags: readonly ParsedTag[]): Unit {
  const best = argmax(probs);
  return { start, end, tag: tags[best]!, score: probs[best]! };
}

function wordUnits(tokens: readonly ScoredToken[], tags: readonly ParsedTag[], strategy: AggregationStrategy): Unit[] {
  const units: Unit[] = [];
  for (let first = 0; first < tokens.length; ) {
    let last = first;
    while (last + 1 < tokens.length && tokens[last + 1]!.word === tokens[first]!.word) last++;
    const start = tokens[first]!.start;
    const end = tokens[last]!.end;
    if (strategy === 'first') {
      units.push(classify(start, end, tokens[first]!.probs, tags));
    } else if (strategy === 'max') {
      let chosen = first;
      let chosenMax = maxOf(tokens[first]!.probs);
      for (let i = first + 1; i <= last; i++) {
        const tokenMax = maxOf(tokens[i]!.probs);
        if (tokenMax > chosenMax) {
          chosen = i;
          chosenMax = tokenMax;
        }
      }
      units.push(classify(start, end, tokens[chosen]!.probs, tags));
    } else {
      const mean = new Float64Array(tags.length);
      for (let i = first; i <= last; i++) {
        const probs = tokens[i]!.probs;
        for (let k = 0; k < mean.length; k++) mean[k]! += probs[k]!;
      }
      for (let k = 0; k < mean.length; k++) mean[k]! /= last - first + 1;
      units.push(classify(start, end, mean, tags));
    }
    first = last + 1;
  }
  return units;
}

/** Groups classified units into entities; `O` units end the current entity and are dropped. */
export function groupUnits(
  units: readonly { start: number; end: number; tag: ParsedTag; score: number }[],
): EntitySpan[] {
  const spans: EntitySpan[] = [];
  let open: { start: number; end: number; type: string; scores: number[]; closed: boolean } | undefined;
  const flush = () => {
    if (open === undefined) return;
    const mean = open.scores.reduce((sum, score) => sum + score, 0) / open.scores.length;
    spans.push({ start: open.start, end: open.end, type: open.type, score: mean });
    open = undefined;
  };
  for (const unit of units) {
    const { prefix, type } = unit.tag;
    if (prefix === 'O') {
      flush();
      continue;
    }
    const continues = open !== undefined && !open.closed && open.type === type && (prefix === 'I' || prefix === 'E');
    if (continues) {
      open!.end = unit.end;
      open!.scores.push(unit.score);
    } else {
      flush();
      open = { start: unit.start, end: unit.end, type, scores: [unit.score], closed: false };
    }
    if (prefix === 'E' || prefix === 'S') open!.closed = true;
  }
  flush();
  return spans;
}

/**
 * Decodes one text's tokens into entity spans.
 * @param labels `id2label` as a list: `labels[k]` names class `k` of `probs`.
 */
export function decodeEntities(
  tokens: readonly ScoredToken[],
  labels: readonly string[],
  strategy: AggregationStrategy,
): EntitySpan[] {
  const tags = labels.map(parseTag);
  if (strategy === 'none') {
    return tokens
      .map((token) => classify(token.start, token.end, token.probs, tags))
      .filter((unit) => unit.tag.prefix !== 'O')
      .map((unit) => ({ start: unit.start, end: unit.end, type: unit.tag.type, score: unit.score }));
  }
  const units =
    strategy === 'simple'
      ? tokens.map((token) => classify(token.start, token.end, token.probs, tags))
      : wordUnits(tokens, tags, strategy);
  return groupUnits(units);
}

export const WORD_SPLITS = ['tokenizer', 'whitespace'] as const;
/**
 * What a word is for the `first`/`average`/`max` strategies: the tokenizer's pre-tokenized words
 * (BERT splits punctuation off, so `U.S.` is four words), or whitespace-delimited runs (CoNLL's
 * tokens when a sentence is its tokens joined by spaces; `Paris,` is one word).
 */
export type WordSplit = (typeof WORD_SPLITS)[number];

/**
 * The index of the whitespace-delimited word each token starts in.
 * @param starts code-point offsets of the tokens' first characters, non-decreasing
 */
export function whitespaceWordIds(text: string, starts: readonly number[]): number[] {
  const ids: number[] = [];
  let word = -1;
  let inWord = false;
  let codePoint = 0;
  for (const character of text) {
    const isSpace = /\s/u.test(character);
    if (!isSpace && !inWord) word++;
    inWord = !isSpace;
    while (ids.length < starts.length && starts[ids.length]! <= codePoint) ids.push(word);
    codePoint++;
  }
  while (ids.length < starts.length) ids.push(word);
  return ids;
}

/** A prediction's score: the mean of its spans' scores, or null when it has none. */
export function predictionScore(spans: readonly { score: number }[]): number | null {
  if (spans.length === 0) return null;
  return spans.reduce((sum, span) => sum + span.score, 0) / spans.length;
}
