import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_NER_MODEL_DIR } from './default-model.ts';
import type { NerModel } from './ner-model.ts';
import { loadNerModel } from './ner-model.ts';

const present = existsSync(join(DEFAULT_NER_MODEL_DIR, 'model.onnx'));
const title = present
  ? 'the default NER model'
  : `the default NER model (skipped: no model.onnx in ${DEFAULT_NER_MODEL_DIR})`;

describe.skipIf(!present)(title, () => {
  let model: NerModel;
  beforeAll(async () => {
    model = await loadNerModel({ dir: DEFAULT_NER_MODEL_DIR, intraOpThreads: 1, interOpThreads: 1 });
  });
  afterAll(async () => {
    await model?.dispose();
  });

  it('keeps the Hugging Face contract with CoNLL-2003 entity types', () => {
    expect([...model.entityTypes].sort()).toEqual(['LOC', 'MISC', 'ORG', 'PER']);
    expect(model.maxTokens).toBeGreaterThanOrEqual(128);
  });

  it('gives spans whose code-point slices are their text, over tricky and long texts', async () => {
    const sentence = 'Angela Merkel met 😀 Emmanuel Macron in Zu\u0308rich and 東京 with\tthe\nEuropean Union . ';
    const texts = ['', ' \n\t', sentence, `👨‍👩‍👧${sentence}`, sentence.repeat(300)];
    const results = await model.predict(texts);
    results.forEach((result, i) => {
      let previousEnd = 0;
      for (const span of result.spans) {
        expect(span.start).toBeGreaterThanOrEqual(previousEnd);
        expect(span.end).toBeGreaterThan(span.start);
        expect(span.score).toBeGreaterThan(0);
        expect(span.score).toBeLessThanOrEqual(1);
        expect([...texts[i]!].slice(span.start, span.end).join('').trim()).not.toBe('');
        previousEnd = span.end;
      }
    });
    expect(results[4]!.tokens).toBeGreaterThan(model.windowTokens * 3);
  });

  it('predicts the same alone as padded in a batch', async () => {
    const texts = [
      'Peter Blackburn',
      'BRUSSELS 1996-08-22',
      'The European Commission said on Thursday it disagreed with German advice .',
    ];
    const alone = await loadNerModel({ dir: DEFAULT_NER_MODEL_DIR, maxBatchSize: 1, intraOpThreads: 1 });
    try {
      const batched = await model.predict(texts);
      const single = await alone.predict(texts);
      single.forEach((result, i) => {
        expect(batched[i]!.spans.map(({ start, end, type }) => [start, end, type])).toEqual(
          result.spans.map(({ start, end, type }) => [start, end, type]),
        );
        result.spans.forEach((span, k) => {
          expect(batched[i]!.spans[k]!.score).toBeCloseTo(span.score, 4);
        });
      });
    } finally {
      await alone.dispose();
    }
  });
});
