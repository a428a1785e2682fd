import { parseLabelConfig } from '@prelabel/shared/label-studio/label-config';
import type { PipelineOutcome, PipelineTask } from '@prelabel/shared/pipelines/pipeline';
import { PipelineConfigError } from '@prelabel/shared/pipelines/pipeline';
import { describe, expect, it } from 'vitest';
import type { PatternsOptions } from './patterns.options.ts';
import { patternsPipeline } from './patterns.pipeline.ts';

const config = parseLabelConfig(`<View>
  <Text name="text" value="$text"/>
  <Choices name="topic" toName="text"><Choice value="News"/></Choices>
  <Labels name="label" toName="text">
    <Label value="ORG" background="red"/>
    <Label value="Person" predicted_values="PER, PERSON_NAME"/>
    <Label value="Vessel IMO"/>
  </Labels>
  <Labels name="other" toName="text"><Label value="Misc"/></Labels>
</View>`);

const never = new AbortController().signal;
const options = (patterns: PatternsOptions['patterns'], extra: Partial<PatternsOptions> = {}): PatternsOptions => ({
  patterns,
  caseSensitive: false,
  ...extra,
});
const predict = (opts: PatternsOptions, tasks: PipelineTask[], labelConfig = config) =>
  patternsPipeline.prepare(labelConfig, opts).predict(tasks, never);

describe('patternsPipeline', () => {
  it('is named, versioned and validates its options', () => {
    expect(patternsPipeline.name).toBe('patterns');
    expect(patternsPipeline.version).toBe('1');
    expect(patternsPipeline.optionsSchema.safeParse({ patterns: [] }).success).toBe(false);
  });

  it('predicts Label Studio regions with code-point offsets', async () => {
    const outcomes = await predict(
      options([
        { label: 'ORG', pattern: 'Acme Corp' },
        { label: 'vessel imo', regex: 'IMO ?\\d{7}' },
      ]),
      [
        { id: 7, data: { text: '🚢 Acme Corp owns IMO 9074729.' } },
        { id: 8, data: { text: 'nothing here' } },
      ],
    );
    expect(outcomes).toStrictEqual([
      {
        task: 7,
        score: 1,
        result: [
          {
            id: '7-0',
            from_name: 'label',
            to_name: 'text',
            type: 'labels',
            value: { start: 2, end: 11, text: 'Acme Corp', labels: ['ORG'] },
            score: 1,
          },
          {
            id: '7-1',
            from_name: 'label',
            to_name: 'text',
            type: 'labels',
            value: { start: 17, end: 28, text: 'IMO 9074729', labels: ['Vessel IMO'] },
            score: 1,
          },
        ],
      },
      { task: 8, score: null, result: [] },
    ] satisfies PipelineOutcome[]);
  });

  it.each([
    { wanted: 'ORG', emitted: 'ORG' },
    { wanted: 'org', emitted: 'ORG' },
    { wanted: 'person', emitted: 'Person' },
    { wanted: 'PER', emitted: 'Person' },
    { wanted: 'person_name', emitted: 'Person' },
    { wanted: 'Vessel imo', emitted: 'Vessel IMO' },
  ])('emits the config spelling: $wanted → $emitted', async ({ wanted, emitted }) => {
    const [outcome] = await predict(options([{ label: wanted, pattern: 'x' }]), [{ id: 1, data: { text: 'x' } }]);
    expect(outcome).toMatchObject({ result: [{ value: { labels: [emitted] } }] });
  });

  it('fills the control fromName names', async () => {
    const [outcome] = await predict(options([{ label: 'misc', pattern: 'x' }], { fromName: 'other' }), [
      { id: 1, data: { text: 'x' } },
    ]);
    expect(outcome).toMatchObject({ result: [{ from_name: 'other', to_name: 'text', value: { labels: ['Misc'] } }] });
  });

  it('passes labels through when the control takes them from task data', async () => {
    const dynamic = parseLabelConfig(
      '<View><Text name="body" value="$body"/><Labels name="ents" toName="body" value="$labels"/></View>',
    );
    const [outcome] = await predict(
      options([{ label: 'Anything', pattern: 'x' }]),
      [{ id: 1, data: { body: 'x' } }],
      dynamic,
    );
    expect(outcome).toMatchObject({
      result: [{ from_name: 'ents', to_name: 'body', value: { labels: ['Anything'] } }],
    });
  });

  it.each([
    {
      name: 'a config without Labels on Text',
      xml: '<View><Image name="img" value="$image"/><Text name="text" value="$text"/><Labels name="l" toName="img"/><Choices name="c" toName="text"/></View>',
      opts: options([{ label: 'ORG', pattern: 'x' }]),
      message:
        'the patterns pipeline fills a <Labels> control on a <Text> object, and this label config has none (it has <Labels name="l"> on <Image name="img">; <Choices name="c"> on <Text name="text">)',
    },
    {
      name: 'an empty config',
      xml: '<View></View>',
      opts: options([{ label: 'ORG', pattern: 'x' }]),
      message: /and this label config has none \(it has no controls\)$/,
    },
    {
      name: 'an unknown fromName',
      opts: options([{ label: 'ORG', pattern: 'x' }], { fromName: 'nope' }),
      message:
        'fromName "nope" names no control in this label config; <Labels> controls on <Text>: "label" (on "text"), "other" (on "text")',
    },
    {
      name: 'a fromName that is not Labels',
      opts: options([{ label: 'ORG', pattern: 'x' }], { fromName: 'topic' }),
      message: /^fromName "topic" is <Choices name="topic"> on <Text name="text">, not a <Labels> control on a <Text>/,
    },
    {
      name: 'labels the control lacks',
      opts: options([
        { label: 'ORG', pattern: 'x' },
        { label: 'LOC', pattern: 'y' },
        { label: 'DATE', regex: '\\d+' },
        { label: 'LOC', pattern: 'z' },
      ]),
      message: 'pattern labels "LOC", "DATE" not in <Labels name="label">; its labels: "ORG", "Person", "Vessel IMO"',
    },
    {
      name: 'a label that only the other control has',
      opts: options([{ label: 'Misc', pattern: 'x' }]),
      message: 'pattern label "Misc" not in <Labels name="label">; its labels: "ORG", "Person", "Vessel IMO"',
    },
    {
      name: 'a label matching two spellings',
      xml: '<View><Text name="t" value="$t"/><Labels name="l" toName="t"><Label value="Org"/><Label value="ORG"/></Labels></View>',
      opts: options([{ label: 'org', pattern: 'x' }]),
      message: 'pattern label "org" is ambiguous: it could be any of "Org", "ORG"; use the exact spelling',
    },
    {
      name: 'a Text loaded from a URL',
      xml: '<View><Text name="t" value="$doc" valueType="url"/><Labels name="l" toName="t"><Label value="ORG"/></Labels></View>',
      opts: options([{ label: 'ORG', pattern: 'x' }]),
      message: /<Text name="t"> has valueType="url": the patterns pipeline reads the text itself from task data/,
    },
    {
      name: 'options that fail the schema',
      opts: { patterns: [{ label: 'ORG', regex: '(' }] } as PatternsOptions,
      message: /^invalid patterns options:\n.*patterns\[0\]\.regex "\(" is not a valid regular expression/s,
    },
  ])('refuses $name', ({ xml, opts, message }) => {
    const labelConfig = xml === undefined ? config : parseLabelConfig(xml);
    expect(() => patternsPipeline.prepare(labelConfig, opts)).toThrow(PipelineConfigError);
    expect(() => patternsPipeline.prepare(labelConfig, opts)).toThrow(message);
  });

  it('gives per-task errors for unusable task data, in input order', async () => {
    const outcomes = await predict(options([{ label: 'ORG', pattern: 'Acme' }]), [
      { id: 1, data: { body: 'Acme' } },
      { id: 2, data: { text: 42 } },
      { id: 3, data: { text: null } },
      { id: 4, data: { text: ['Acme'] } },
      { id: 5, data: { text: '' } },
      { id: 6, data: { $undefined$: 'Acme' } },
    ]);
    expect(outcomes).toStrictEqual([
      { task: 1, error: 'task data has no "text" field (the <Text name="text" value="$text"> object)' },
      {
        task: 2,
        error: 'task data field "text" is a number, not a string (the <Text name="text" value="$text"> object)',
      },
      { task: 3, error: 'task data field "text" is null, not a string (the <Text name="text" value="$text"> object)' },
      {
        task: 4,
        error: 'task data field "text" is an array, not a string (the <Text name="text" value="$text"> object)',
      },
      { task: 5, result: [], score: null },
      {
        task: 6,
        score: 1,
        result: [
          {
            id: '6-0',
            from_name: 'label',
            to_name: 'text',
            type: 'labels',
            value: { start: 0, end: 4, text: 'Acme', labels: ['ORG'] },
            score: 1,
          },
        ],
      },
    ]);
  });

  it('stops at an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort(new Error('run cancelled'));
    const prepared = patternsPipeline.prepare(config, options([{ label: 'ORG', pattern: 'Acme' }]));
    await expect(prepared.predict([{ id: 1, data: { text: 'Acme' } }], controller.signal)).rejects.toThrow(
      'run cancelled',
    );
  });

  it('predicts the same regions every run, with code-point offsets, over random emoji-laden texts', async () => {
    const pieces = [
      'Acme Corp',
      'acme',
      'IMO 9074729',
      'Person',
      'per',
      '😀',
      '👨‍👩‍👧',
      '🇫🇷',
      'é',
      'e\u0301',
      '東京',
      'x',
      ' ',
    ];
    let seed = 11;
    const random = (n: number) => {
      seed = (seed * 48271) % 2147483647;
      return seed % n;
    };
    const tasks = Array.from({ length: 400 }, (_, id) => ({
      id,
      data: {
        text: Array.from({ length: random(30) }, () => pieces[random(pieces.length)]).join(random(2) ? ' ' : ''),
      },
    }));
    const opts = options([
      { label: 'ORG', pattern: 'Acme Corp' },
      { label: 'ORG', pattern: 'Acme' },
      { label: 'person', pattern: 'Person' },
      { label: 'PER', pattern: 'per' },
      { label: 'Vessel IMO', regex: 'IMO ?\\d{7}' },
      { label: 'ORG', regex: '😀+' },
    ]);
    const first = await predict(opts, tasks);
    expect(await predict(opts, tasks)).toStrictEqual(first);

    let regions = 0;
    first.forEach((outcome, i) => {
      if (!('result' in outcome)) throw new Error(`task ${i} failed: ${JSON.stringify(outcome)}`);
      const text = tasks[i]!.data.text;
      let previousEnd = 0;
      for (const region of outcome.result) {
        const value = region.value as { start: number; end: number; text: string; labels: string[] };
        expect([...text].slice(value.start, value.end).join('')).toBe(value.text);
        expect(value.start).toBeGreaterThanOrEqual(previousEnd);
        expect(value.end).toBeGreaterThan(value.start);
        expect(config['label']!.labels).toContain(value.labels[0]);
        previousEnd = value.end;
        regions++;
      }
      expect(outcome.score).toBe(outcome.result.length > 0 ? 1 : null);
    });
    expect(regions).toBeGreaterThan(400);
  });
});
