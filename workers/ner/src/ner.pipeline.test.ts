import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLabelConfig } from '@prelabel/shared/label-studio/label-config';
import type { PipelineOutcome, PipelineTask } from '@prelabel/shared/pipelines/pipeline';
import { buildModelVersion, PipelineConfigError } from '@prelabel/shared/pipelines/pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NerOptions } from './ner.options.ts';
import type { NerPipeline } from './ner.pipeline.ts';
import { createNerPipeline } from './ner.pipeline.ts';
import type { NerModel } from './ner-model.ts';
import { loadNerModel } from './ner-model.ts';
import { writeTinyModel } from './testing/tiny-model.ts';

const config = parseLabelConfig(`<View>
  <Text name="text" value="$text"/>
  <Choices name="topic" toName="text"><Choice value="News"/></Choices>
  <Labels name="label" toName="text">
    <Label value="Person" predicted_values="PER"/>
    <Label value="loc"/>
  </Labels>
  <Labels name="other" toName="text"><Label value="ORG"/></Labels>
</View>`);

const never = new AbortController().signal;
const defaults: NerOptions = { aggregation: 'first', words: 'tokenizer', minScore: 0, labelAliases: {} };

let root: string;
let model: NerModel;
let pipeline: NerPipeline;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'prelabel-ner-pipeline-'));
  model = await loadNerModel({ dir: await writeTinyModel(join(root, 'model')), intraOpThreads: 1 });
  pipeline = createNerPipeline(model);
});

afterAll(async () => {
  await model?.dispose();
  await rm(root, { recursive: true, force: true });
});

const predict = (tasks: PipelineTask[], options: Partial<NerOptions> = {}, labelConfig = config) =>
  pipeline.prepare(labelConfig, { ...defaults, ...options }).predict(tasks, never);

describe('createNerPipeline', () => {
  it('is named, versioned by the model and validates its options', () => {
    expect(pipeline.name).toBe('ner');
    expect(pipeline.version).toBe(`1+${model.digest.slice(0, 8)}`);
    expect(buildModelVersion(pipeline, defaults)).toMatch(/^ner-v1\+[0-9a-f]{8}-[0-9a-f]{8}$/);
    expect(pipeline.optionsSchema.parse({})).toEqual(defaults);
    expect(pipeline.optionsSchema.safeParse({ aggregation: 'mean' }).success).toBe(false);
    expect(pipeline.optionsSchema.safeParse({ minScore: 2 }).success).toBe(false);
  });

  it('predicts Label Studio regions with code-point offsets and scores', async () => {
    const outcomes = await predict([
      { id: 7, data: { text: '🚢 John Smith visited New York and Acme Corp.' } },
      { id: 8, data: { text: 'nothing here' } },
    ]);
    const score = (outcomes[0] as { score: number }).score;
    expect(outcomes).toStrictEqual([
      {
        task: 7,
        score,
        result: [
          {
            id: '7-0',
            from_name: 'label',
            to_name: 'text',
            type: 'labels',
            value: { start: 2, end: 12, text: 'John Smith', labels: ['Person'] },
            score: expect.closeTo(0.9, 1),
          },
          {
            id: '7-1',
            from_name: 'label',
            to_name: 'text',
            type: 'labels',
            value: { start: 21, end: 29, text: 'New York', labels: ['loc'] },
            score: expect.closeTo(0.9, 1),
          },
        ],
      },
      { task: 8, score: null, result: [] },
    ] satisfies PipelineOutcome[]);
    expect(score).toBeCloseTo(0.9, 1);
  });

  it('drops and counts entity types that map to no label', async () => {
    const prepared = pipeline.prepare(config, defaults);
    expect(prepared.unmappedTypes).toEqual(['ORG']);
    await prepared.predict([{ id: 1, data: { text: 'Acme Corp and Acme' } }], never);
    expect(Object.fromEntries(prepared.dropped)).toEqual({ ORG: 2 });
  });

  it('maps through labelAliases and fills the control fromName names', async () => {
    const [outcome] = await predict([{ id: 1, data: { text: 'Acme Corp' } }], {
      fromName: 'other',
      labelAliases: { org: 'ORG' },
    });
    expect(outcome).toMatchObject({ result: [{ from_name: 'other', value: { text: 'Acme Corp', labels: ['ORG'] } }] });
  });

  it('leaves out spans under minScore', async () => {
    expect(await predict([{ id: 1, data: { text: 'John' } }], { minScore: 0.95 })).toStrictEqual([
      { task: 1, result: [], score: null },
    ]);
  });

  it.each([
    {
      name: 'a config without Labels on Text',
      xml: '<View><Image name="img" value="$img"/><Labels name="l" toName="img"><Label value="PER"/></Labels></View>',
      opts: {},
      message:
        'the ner pipeline fills a <Labels> control on a <Text> object, and this label config has none (it has <Labels name="l"> on <Image name="img">)',
    },
    { name: 'an unknown fromName', opts: { fromName: 'nope' }, message: /^fromName "nope" names no control/ },
    {
      name: 'a fromName that is not Labels',
      opts: { fromName: 'topic' },
      message: /^fromName "topic" is <Choices name="topic">/,
    },
    {
      name: 'labels the model cannot fill',
      xml: '<View><Text name="t" value="$t"/><Labels name="l" toName="t"><Label value="Vessel"/></Labels></View>',
      opts: {},
      message: /^none of the model's entity types \("PER", "ORG", "LOC"\) maps to a label of <Labels name="l">/,
    },
    {
      name: 'a Text loaded from a URL',
      xml: '<View><Text name="t" value="$doc" valueType="url"/><Labels name="l" toName="t"><Label value="PER"/></Labels></View>',
      opts: {},
      message: /has valueType="url"/,
    },
    {
      name: 'a stride larger than half a window',
      opts: { stride: 8 },
      message: 'stride 8 is too large: the model reads 14 text tokens per window, so stride must be at most 7',
    },
    {
      name: 'options that fail the schema',
      opts: { aggregation: 'mean' },
      message: /^invalid ner options:\n.*aggregation/s,
    },
  ])('refuses $name', ({ xml, opts, message }) => {
    const labelConfig = xml === undefined ? config : parseLabelConfig(xml);
    const prepare = () => pipeline.prepare(labelConfig, { ...defaults, ...opts } as NerOptions);
    expect(prepare).toThrow(PipelineConfigError);
    expect(prepare).toThrow(message);
  });

  it('serves a 200 000-character emoji-laden text in linear time', async () => {
    const sentence = '😀 John Smith visited 👨‍👩‍👧 New York and 東京. ';
    const text = sentence.repeat(Math.ceil(200_000 / sentence.length));
    const started = performance.now();
    const [outcome] = await predict([{ id: 1, data: { text } }]);
    expect(performance.now() - started).toBeLessThan(20_000);
    if (outcome === undefined || !('result' in outcome)) throw new Error(`no prediction: ${JSON.stringify(outcome)}`);
    expect(outcome.result).toHaveLength(3 * Math.ceil(200_000 / sentence.length));
    const codePoints = [...text];
    for (const region of outcome.result) {
      const value = region.value as { start: number; end: number; text: string };
      expect(codePoints.slice(value.start, value.end).join('')).toBe(value.text);
    }
  });

  it('gives per-task errors for unusable task data, in input order', async () => {
    const outcomes = await predict([
      { id: 1, data: { body: 'John' } },
      { id: 2, data: { text: 42 } },
      { id: 3, data: { text: null } },
      { id: 4, data: { text: '' } },
      { id: 5, data: { $undefined$: 'Paris' } },
    ]);
    expect(outcomes.map((outcome) => ('error' in outcome ? outcome.error : outcome.result.length))).toEqual([
      'task data has no "text" field (the <Text name="text" value="$text"> object)',
      'task data field "text" is a number, not a string (the <Text name="text" value="$text"> object)',
      'task data field "text" is null, not a string (the <Text name="text" value="$text"> object)',
      0,
      1,
    ]);
  });

  it('stops at an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort(new Error('run cancelled'));
    const prepared = pipeline.prepare(config, defaults);
    await expect(prepared.predict([{ id: 1, data: { text: 'John' } }], controller.signal)).rejects.toThrow(
      'run cancelled',
    );
  });

  it('keeps every region text equal to its code-point slice, over random emoji-laden texts (lone surrogates too)', async () => {
    const pieces = [
      'John',
      'Smith',
      'New',
      'York',
      'Acme',
      'Paris',
      '😀',
      '\uD83D',
      '\uDE00Mary',
      '👨‍👩‍👧',
      'Zu\u0308rich',
      '東京',
      'zzz',
      '\t',
      '\n',
      ' ',
    ];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 48271) % 2147483647;
      return seed % n;
    };
    const tasks = Array.from({ length: 200 }, (_, id) => ({
      id,
      data: {
        text: Array.from({ length: random(60) }, () => pieces[random(pieces.length)]).join(random(3) ? ' ' : ''),
      },
    }));
    for (const aggregation of ['none', 'simple', 'first', 'average', 'max'] as const) {
      const outcomes = await predict(tasks, { aggregation });
      let regions = 0;
      outcomes.forEach((outcome, i) => {
        if (!('result' in outcome)) throw new Error(`task ${i} failed: ${JSON.stringify(outcome)}`);
        let previousEnd = 0;
        for (const region of outcome.result) {
          const value = region.value as { start: number; end: number; text: string; labels: string[] };
          expect([...tasks[i]!.data.text].slice(value.start, value.end).join('')).toBe(value.text);
          expect(value.start).toBeGreaterThanOrEqual(previousEnd);
          expect(value.end).toBeGreaterThan(value.start);
          previousEnd = value.end;
          regions++;
        }
      });
      expect(regions).toBeGreaterThan(200);
    }
  });
});
