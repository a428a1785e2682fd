/**
 * Options of the `ner` pipeline, as a run or `extra_params` gives them:
 * `{"aggregation": "first", "words": "tokenizer", "minScore": 0.5, "labelAliases": {"PER": "Person"}, "stride": 64,
 *   "fromName": "label"}`; every key is optional.
 * Unknown keys are rejected so that a misspelt option is reported, not ignored.
 */
import { z } from 'zod';
import { AGGREGATION_STRATEGIES, WORD_SPLITS } from './bio-spans.ts';

const notBlank = z.string().regex(/\S/, 'must not be blank');

export const NerOptions = z.strictObject({
  /**
   * How token classes become entities, as in the Hugging Face pipeline.
   * @defaultValue 'first'
   */
  aggregation: z.enum(AGGREGATION_STRATEGIES).default('first'),
  /**
   * What a word is for `first`/`average`/`max`: the tokenizer's words (punctuation apart), or
   * whitespace-delimited runs (as in CoNLL data).
   * @defaultValue 'tokenizer'
   */
  words: z.enum(WORD_SPLITS).default('tokenizer'),
  /**
   * Spans scoring below this (mean class probability, 0…1) are left out.
   * @defaultValue 0
   */
  minScore: z.number().min(0).max(1).default(0),
  /** Model entity type → label of the `<Labels>` control, for labels named otherwise. */
  labelAliases: z.record(notBlank, notBlank).default({}),
  /** Tokens shared by consecutive windows of a long text; default: a quarter of the model window. */
  stride: z.int().min(0).optional(),
  /** Name of the `<Labels>` control to fill; default: the first `<Labels>` on a `<Text>`. */
  fromName: notBlank.optional(),
});

export type NerOptions = z.infer<typeof NerOptions>;
