import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { Tokenizer } from 'tokenizers';
import { describe, expect, it } from 'vitest';
import { parseConll } from './conll.ts';
import { DEFAULT_NER_MODEL_DIR } from './default-model.ts';

// reference.json: a right-padded batch of eng.testb sentences recorded from the PyTorch model
// before export — which sentences (by index, with each text's sha256), their token counts, the
// padded length and the logits of real positions (rounded to 1e-6). It holds no text: the
// sentences are read from the dataset, which the repository never copies.
const REFERENCE = join(DEFAULT_NER_MODEL_DIR, 'reference.json');
const TESTB = fileURLToPath(new URL('../../../../shared/datasets/ner/conll2003/eng.testb', import.meta.url));
const present = existsSync(REFERENCE) && existsSync(TESTB);
const title = present
  ? 'the default model against its PyTorch reference'
  : `the default model against its PyTorch reference (skipped: needs ${TESTB} and ${REFERENCE})`;

interface Reference {
  source: string;
  sentences: number[];
  sha256: string[];
  lengths: number[];
  sequence: number;
  logits: number[][][];
}

describe.skipIf(!present)(title, () => {
  const reference = present ? (JSON.parse(readFileSync(REFERENCE, 'utf8')) as Reference) : undefined;
  const texts = present
    ? reference!.sentences.map((index) => parseConll(readFileSync(TESTB, 'utf8'))[index]!.tokens.join(' '))
    : [];

  it('reads the recorded sentences and tokenizes them to the recorded lengths in Node', async () => {
    expect(reference!.source).toBe('eng.testb');
    const tokenizer = Tokenizer.fromFile(join(DEFAULT_NER_MODEL_DIR, 'tokenizer.json'));
    for (const [i, text] of texts.entries()) {
      expect(createHash('sha256').update(text).digest('hex')).toBe(reference!.sha256[i]);
      expect((await tokenizer.encode(text)).getIds()).toHaveLength(reference!.lengths[i]!);
    }
  });

  it('gives the recorded logits within 1e-4 through onnxruntime-node', async () => {
    const tokenizer = Tokenizer.fromFile(join(DEFAULT_NER_MODEL_DIR, 'tokenizer.json'));
    const { sequence, logits } = reference!;
    const ids: number[] = [];
    const mask: number[] = [];
    for (const text of texts) {
      const row = (await tokenizer.encode(text)).getIds();
      for (let s = 0; s < sequence; s++) {
        ids.push(row[s] ?? 0);
        mask.push(s < row.length ? 1 : 0);
      }
    }
    const dims = [texts.length, sequence];
    const tensor = (values: number[]) => new Tensor('int64', BigInt64Array.from(values, BigInt), dims);
    const session = await InferenceSession.create(join(DEFAULT_NER_MODEL_DIR, 'model.onnx'), { intraOpNumThreads: 1 });
    try {
      const output = (await session.run({ input_ids: tensor(ids), attention_mask: tensor(mask) }))['logits']!;
      const width = output.dims[2]!;
      const data = output.data as Float32Array;
      let worst = 0;
      logits.forEach((rows, b) => {
        rows.forEach((row, s) => {
          for (let k = 0; k < width; k++) {
            worst = Math.max(worst, Math.abs(data[(b * sequence + s) * width + k]! - row[k]!));
          }
        });
      });
      expect(worst).toBeLessThan(1e-4);
    } finally {
      await session.release();
    }
  });
});
