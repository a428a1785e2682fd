import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyModel } from '@prelabel/worker-ner/testing/tiny-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNerEval } from './eval-ner.ts';

let root: string;
let modelDir: string;
let conll: string;

// The tiny model tags John/Mary as PER, New York/Paris as LOC and Acme Corp as ORG, per token.
const CONLL = `-DOCSTART- -X- -X- O

John NNP B-NP B-PER
Smith NNP I-NP I-PER
visited VBD B-VP O
New NNP B-NP B-LOC
York NNP I-NP I-LOC
. . O O

Mary NNP B-NP I-PER
met VBD B-VP O
Acme NNP B-NP I-ORG
Corp NNP I-NP I-ORG
in IN B-PP O
Paris NNP B-NP I-MISC
`;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'prelabel-eval-ner-'));
  modelDir = await writeTinyModel(join(root, 'model'));
  conll = join(root, 'test.conll');
  await writeFile(conll, CONLL);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('runNerEval', () => {
  it('scores exact spans and types, and prints JSON as the last line', async () => {
    const lines: string[] = [];
    const report = await runNerEval({ conll, modelDir, json: true, print: (line) => lines.push(line) });
    // 4 of 5 predictions right (Paris is LOC, gold says MISC); 4 of 5 gold entities found.
    expect(report).toMatchObject({ truePositives: 4, falsePositives: 1, falseNegatives: 1, sentences: 2, tokens: 12 });
    expect(report.unknownGoldTypes).toEqual(['MISC']);
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines.at(-1)!);
    expect(Object.keys(summary)).toEqual(['precision', 'recall', 'f1', 'sentences', 'tokensPerSec']);
    expect(summary).toMatchObject({ precision: 0.8, recall: 0.8, f1: 0.8, sentences: 2 });
    expect(summary.tokensPerSec).toBeGreaterThan(0);
  });

  it('prints a readable report', async () => {
    const lines: string[] = [];
    await runNerEval({ conll, modelDir, json: false, print: (line) => lines.push(line) });
    expect(lines[0]).toBe(`NER evaluation of ${conll}: 2 sentences, 12 tokens`);
    expect(lines).toContainEqual(expect.stringMatching(/^overall\s+80\.00\s+80\.00\s+80\.00\s+5\s+5$/));
    expect(lines).toContainEqual('gold types the model does not predict (counted as missed): MISC');
  });
});
