import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NerModel, NerModelOptions } from './ner-model.ts';
import {
  describeGraphProblem,
  describeNerModel,
  loadNerModel,
  NerModelError,
  padBatch,
  parseModelConfig,
} from './ner-model.ts';
import type { TinyModelOptions } from './testing/tiny-model.ts';
import { writeTinyModel } from './testing/tiny-model.ts';

let root: string;
let model: NerModel;
let wide: NerModel;
let counter = 0;

const tinyModel = async (options: TinyModelOptions = {}) => writeTinyModel(join(root, `m${counter++}`), options);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'prelabel-ner-model-'));
  model = await loadNerModel({ dir: await tinyModel(), intraOpThreads: 1, interOpThreads: 1 });
  wide = await loadNerModel({ dir: await tinyModel({ maxPositions: 100_000 }), intraOpThreads: 1 });
});

afterAll(async () => {
  await model?.dispose();
  await wide?.dispose();
  await rm(root, { recursive: true, force: true });
});

type Found = [start: number, end: number, type: string, text: string];
const found = async (text: string, m = model, options = {}): Promise<Found[]> => {
  const [entities] = await m.predict([text], undefined, options);
  return entities!.spans.map((span) => [
    span.start,
    span.end,
    span.type,
    [...text].slice(span.start, span.end).join(''),
  ]);
};

describe('loadNerModel', () => {
  it('reads the contract', () => {
    expect(model.labels).toEqual(['O', 'B-PER', 'I-PER', 'B-ORG', 'I-ORG', 'B-LOC', 'I-LOC']);
    expect(model.entityTypes).toEqual(['PER', 'ORG', 'LOC']);
    expect(model.maxTokens).toBe(16);
    expect(model.windowTokens).toBe(14);
    expect(model.device).toBe('cpu');
    expect(model.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(wide.digest).not.toBe(model.digest);
  });

  it.each<{ name: string; text: string; expected: Found[] }>([
    {
      name: 'plain ASCII',
      text: 'John Smith visited New York.',
      expected: [
        [0, 10, 'PER', 'John Smith'],
        [19, 27, 'LOC', 'New York'],
      ],
    },
    { name: 'subword tokens of one word', text: 'Acme Corp', expected: [[0, 9, 'ORG', 'Acme Corp']] },
    {
      name: 'emoji before and between entities (astral: code points, not UTF-16)',
      text: '😀😀 John met 😀 Mary',
      expected: [
        [3, 7, 'PER', 'John'],
        [14, 18, 'PER', 'Mary'],
      ],
    },
    {
      name: 'combining and precomposed accents',
      text: 'Zu\u0308rich and Zürich',
      expected: [
        [0, 7, 'LOC', 'Zu\u0308rich'],
        [12, 18, 'LOC', 'Zürich'],
      ],
    },
    { name: 'CJK without spaces', text: '😀東京', expected: [[1, 3, 'LOC', '東京']] },
    {
      name: 'tabs and newlines',
      text: 'John\tSmith\r\n\nin\tParis\n',
      expected: [
        [0, 10, 'PER', 'John\tSmith'],
        [16, 21, 'LOC', 'Paris'],
      ],
    },
    { name: 'an empty text', text: '', expected: [] },
    { name: 'whitespace only', text: ' \t\n ', expected: [] },
    { name: 'unknown words only', text: 'zzz qqq', expected: [] },
  ])('finds entities: $name', async ({ text, expected }) => {
    expect(await found(text)).toEqual(expected);
  });

  it('merges windows without cutting or duplicating entities, whatever the stride', async () => {
    const text = Array.from({ length: 40 }, (_, i) =>
      i % 3 === 0 ? 'John Smith visited New York .' : i % 3 === 1 ? '😀 Mary met Acme Corp in 東京,' : 'the Zürich',
    ).join(' ');
    const reference = await found(text, wide);
    expect(reference.length).toBeGreaterThan(60);
    for (const stride of [0, 1, 3, 7]) expect(await found(text, model, { stride })).toEqual(reference);
  });

  it('handles a 200 000-character text', async () => {
    const sentence = 'John Smith visited New York 😀 and Zu\u0308rich. ';
    const text = sentence.repeat(Math.ceil(200_000 / sentence.length));
    const [entities] = await model.predict([text]);
    expect(entities!.spans).toHaveLength(3 * Math.ceil(200_000 / sentence.length));
    const last = entities!.spans.at(-1)!;
    expect([...text].slice(last.start, last.end).join('')).toBe('Zu\u0308rich');
  });

  it('predicts many texts at once, each on its own', async () => {
    const texts = ['John', '', 'Paris', 'Acme Corp in New York'];
    const results = await model.predict(texts, undefined, { aggregation: 'simple' });
    expect(results.map((result) => result.spans.map((span) => span.type))).toEqual([
      ['PER'],
      [],
      ['LOC'],
      ['ORG', 'LOC'],
    ]);
    expect(results.map((result) => result.tokens)).toEqual([1, 0, 1, 6]);
  });

  it('gathers the windows of concurrent calls into shared runs, padded to the longest', async () => {
    const batched = await loadNerModel({ dir: model.dir, maxBatchSize: 4, maxWaitMs: 20 });
    try {
      const results = await Promise.all([
        batched.predict(['John']),
        batched.predict(['New York']),
        batched.predict(['Paris']),
      ]);
      expect(results.map(([result]) => result!.spans.map((span) => span.type))).toEqual([['PER'], ['LOC'], ['LOC']]);
      // One probe run at load, then one run for the three texts: [CLS] x [SEP], longest 4 tokens.
      expect(batched.stats).toEqual({
        runs: 2,
        sequences: 4,
        tokens: 3 + 3 + 4 + 3,
        paddedTokens: 3 + 12,
        runMs: expect.any(Number),
      });
    } finally {
      await batched.dispose();
    }
  });

  it('reads offsets from the tokenizers binding in code points, not UTF-16 units', async () => {
    const { Tokenizer } = await import('tokenizers');
    const tokenizer = Tokenizer.fromFile(join(model.dir, 'tokenizer.json'));
    const encoding = await tokenizer.encode('😀😀 Zürich 𠮷 e\u0301', null, { addSpecialTokens: false });
    expect(encoding.getOffsets()).toEqual([
      [0, 2],
      [3, 9],
      [10, 11],
      [12, 14],
    ]);
  });

  it('stops at an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort(new Error('run cancelled'));
    await expect(model.predict(['John'], controller.signal)).rejects.toThrow('run cancelled');
  });

  it('describes a model directory without onnxruntime, as the loaded model does', async () => {
    const { device: _device, stats: _stats, predict: _predict, dispose: _dispose, ...loaded } = model;
    expect(await describeNerModel(model.dir)).toEqual(loaded);
    await expect(describeNerModel(join(root, 'nowhere'))).rejects.toThrow(/has no model\.onnx/);
  });

  it('refuses to predict once disposed', async () => {
    const disposable = await loadNerModel({ dir: model.dir });
    await disposable.dispose();
    await disposable.dispose();
    await expect(disposable.predict(['John'])).rejects.toThrow(/was disposed/);
  });

  it('accepts token_type_ids', async () => {
    const typed = await loadNerModel({
      dir: await tinyModel({ inputs: ['input_ids', 'attention_mask', 'token_type_ids'] }),
    });
    expect(await found('New York', typed)).toEqual([[0, 8, 'LOC', 'New York']]);
    await typed.dispose();
  });

  it.each<{ name: string; tiny?: TinyModelOptions; options?: Partial<NerModelOptions>; message: RegExp }>([
    {
      name: 'no model.onnx',
      tiny: { omit: ['model.onnx'] },
      message: /has no model\.onnx \(expected model\.onnx, tokenizer\.json/,
    },
    { name: 'no tokenizer.json', tiny: { omit: ['tokenizer.json'] }, message: /has no tokenizer\.json/ },
    { name: 'no config.json', tiny: { omit: ['config.json'] }, message: /has no config\.json/ },
    {
      name: 'an input named otherwise',
      tiny: { inputs: ['ids', 'attention_mask'] },
      message:
        /model\.onnx lacks input input_ids, has unexpected input ids \(inputs: ids, attention_mask; outputs: logits\)/,
    },
    { name: 'no logits output', tiny: { output: 'scores' }, message: /model\.onnx has no output "logits"/ },
    {
      name: 'id2label smaller than the logits',
      tiny: { id2label: { 0: 'O', 1: 'B-PER', 2: 'I-PER' } },
      message: /returned logits of shape \[1, 3, 7\] for a batch of \[1, 3\]; config\.json's id2label has 3 classes/,
    },
    {
      name: 'a window above max_position_embeddings',
      options: { maxTokens: 17 },
      message: /maxTokens 17 exceeds the model's max_position_embeddings 16/,
    },
    {
      name: 'a window too small for text',
      options: { maxTokens: 3 },
      message: /a window of 3 tokens leaves 1 for text/,
    },
  ])('refuses $name', async ({ tiny, options, message }) => {
    const dir = await tinyModel(tiny);
    const load = loadNerModel({ dir, ...options });
    await expect(load).rejects.toThrow(NerModelError);
    await expect(loadNerModel({ dir, ...options })).rejects.toThrow(message);
  });

  it('refuses a tokenizer.json that is not one', async () => {
    const dir = await tinyModel();
    await writeFile(join(dir, 'tokenizer.json'), '{"version": "1.0"}');
    await expect(loadNerModel({ dir })).rejects.toThrow(/tokenizer\.json is not a tokenizers tokenizer/);
  });
});

describe('parseModelConfig', () => {
  it.each([
    { raw: '{', message: /^c\.json is not valid JSON/ },
    { raw: '{}', message: 'c.json has no "id2label" object (class id → tag, e.g. {"0": "O", "1": "B-PER"})' },
    { raw: '{"id2label": {"0": "O", "2": "B-X"}}', message: /entry "2": "B-X" does not$/ },
    { raw: '{"id2label": {"0": "O"}}', message: /needs at least two classes, has 1/ },
    { raw: '{"id2label": {"0": "O", "1": "O"}}', message: /names no entity type/ },
    {
      raw: '{"id2label": {"0": "O", "1": "PER"}, "max_position_embeddings": "512"}',
      message: /"max_position_embeddings" must be a non-negative integer, got "512"/,
    },
  ])('refuses $raw', ({ raw, message }) => {
    expect(() => parseModelConfig(raw, 'c.json')).toThrow(message);
  });

  it('orders labels by id', () => {
    expect(
      parseModelConfig('{"id2label": {"1": "B-PER", "0": "O"}, "max_position_embeddings": 512}', 'c.json'),
    ).toEqual({
      labels: ['O', 'B-PER'],
      maxPositions: 512,
      padTokenId: undefined,
    });
  });
});

describe('describeGraphProblem and padBatch', () => {
  it('accepts the contract with or without token_type_ids', () => {
    expect(describeGraphProblem(['input_ids', 'attention_mask'], ['logits'])).toBeUndefined();
    expect(
      describeGraphProblem(['input_ids', 'attention_mask', 'token_type_ids'], ['logits', 'hidden']),
    ).toBeUndefined();
    expect(describeGraphProblem(['input_ids'], ['out'])).toMatch(/^lacks input attention_mask, has no output "logits"/);
  });

  it('pads to the longest sequence of the batch, not to the window', () => {
    const { ids, mask, length } = padBatch(
      [
        [2, 5, 3],
        [2, 3],
      ],
      0,
    );
    expect(length).toBe(3);
    expect(Array.from(ids)).toEqual([2n, 5n, 3n, 2n, 3n, 0n]);
    expect(Array.from(mask)).toEqual([1n, 1n, 1n, 1n, 1n, 0n]);
  });
});
