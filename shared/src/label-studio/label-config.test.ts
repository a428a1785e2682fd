import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findControls, LabelConfigError, parseLabelConfig } from './label-config.ts';
import type { ParsedLabelConfig } from './types.ts';

const fixturesDir = new URL('../../../../shared/fixtures/label-studio/', import.meta.url);

function fixtureConfig(file: string, path: readonly string[]): string {
  let value: unknown = JSON.parse(readFileSync(new URL(file, fixturesDir), 'utf8'));
  for (const key of path) value = (value as Record<string, unknown>)[key];
  if (typeof value !== 'string') throw new Error(`${file}: no string at ${path.join('.')}`);
  return value;
}

const answerSpan: ParsedLabelConfig = {
  answer: {
    type: 'Labels',
    to_name: ['text'],
    inputs: [{ type: 'Text', valueType: null, value: 'ner' }],
    labels: ['Answer'],
    labels_attrs: { Answer: { value: 'Answer', maxUsage: '1', background: 'red' } },
  },
};
const airplanesAndCars: ParsedLabelConfig = {
  label: {
    type: 'RectangleLabels',
    to_name: ['image'],
    inputs: [{ type: 'Image', valueType: null, value: 'image' }],
    labels: ['Airplane', 'Car'],
    labels_attrs: {
      Airplane: { value: 'Airplane', background: 'green' },
      Car: { value: 'Car', background: 'blue' },
    },
  },
};

const fixtureCases: { file: string; path: string[]; expected: ParsedLabelConfig }[] = [
  { file: 'ls-webhook.ANNOTATION_CREATED.docs-example.json', path: ['project', 'label_config'], expected: answerSpan },
  { file: 'ls-webhook.ANNOTATIONS_DELETED.docs-example.json', path: ['project', 'label_config'], expected: answerSpan },
  { file: 'ls-webhook.TASKS_DELETED.docs-example.json', path: ['project', 'label_config'], expected: answerSpan },
  {
    file: 'ls-webhook.ANNOTATION_UPDATED.docs-example.json',
    path: ['project', 'label_config'],
    expected: airplanesAndCars,
  },
  {
    file: 'ls-webhook.PROJECT_UPDATED.docs-example.json',
    path: ['project', 'label_config'],
    expected: airplanesAndCars,
  },
  { file: 'ls-webhook.PROJECT_CREATED.docs-example.json', path: ['project', 'label_config'], expected: {} },
  { file: 'ls-webhook.TASKS_CREATED.docs-example.json', path: ['project', 'label_config'], expected: {} },
  { file: 'mlb-setup.request.minimal-with-extra_params.json', path: ['schema'], expected: {} },
  { file: 'mlb-webhook.request.annotation_created.minimal.json', path: ['project', 'label_config'], expected: {} },
  {
    file: 'mlb-predict.request.ner-text.spacy.json',
    path: ['label_config'],
    expected: {
      ner_tags: {
        type: 'Labels',
        to_name: ['text'],
        inputs: [{ type: 'Text', valueType: null, value: 'text' }],
        labels: ['label_1', 'label_2', 'label_3'],
        labels_attrs: {
          label_1: { value: 'label_1', background: '#FFA39E' },
          label_2: { value: 'label_2', background: '#D4380D' },
          label_3: { value: 'label_3', background: '#FFC069' },
        },
      },
    },
  },
  {
    file: 'mlb-setup.request.image-choices.yolo.json',
    path: ['schema'],
    expected: {
      label: {
        type: 'Choices',
        to_name: ['image'],
        inputs: [{ type: 'Image', valueType: null, value: 'image' }],
        labels: ['Airplane', 'Car'],
        labels_attrs: {
          Airplane: { value: 'Airplane', background: 'green' },
          Car: { value: 'Car', background: 'blue', predicted_values: 'racer, cab' },
        },
      },
    },
  },
  {
    file: 'mlb-setup.request.simple_text_classifier.json',
    path: ['schema'],
    expected: {
      sentiment: {
        type: 'Choices',
        to_name: ['text'],
        inputs: [{ type: 'Text', valueType: null, value: 'transcript' }],
        labels: ['Positive', 'Negative', 'Neutral'],
        labels_attrs: {
          Positive: { value: 'Positive' },
          Negative: { value: 'Negative' },
          Neutral: { value: 'Neutral' },
        },
      },
    },
  },
];

describe.skipIf(!existsSync(fixturesDir))(
  `parseLabelConfig on the Label Studio fixtures in ${fileURLToPath(fixturesDir)} (skipped: folder absent)`,
  () => {
    it.each(fixtureCases)('$file', ({ file, path, expected }) => {
      expect(parseLabelConfig(fixtureConfig(file, path))).toStrictEqual(expected);
    });
  },
);

const inlineCases: { name: string; xml: string; expected: ParsedLabelConfig }[] = [
  {
    name: 'NER Labels with alias and predicted_values, declared before its Text',
    xml: `<View>
  <Labels name="label" toName="text">
    <Label value="Organization" alias="ORG" predicted_values="ORG,COMPANY" background="#f00"/>
    <Label value="Person" predicted_values="PER"/>
    <Label value="Location" alias=""/>
    <Filter name="filter" toName="label" minlength="0"/>
  </Labels>
  <Text name="text" value="$text" granularity="word"/>
</View>`,
    expected: {
      label: {
        type: 'Labels',
        to_name: ['text'],
        inputs: [{ type: 'Text', valueType: null, value: 'text' }],
        labels: ['ORG', 'Person', 'Location'],
        labels_attrs: {
          ORG: { value: 'Organization', alias: 'ORG', predicted_values: 'ORG,COMPANY', background: '#f00' },
          Person: { value: 'Person', predicted_values: 'PER' },
          Location: { value: 'Location', alias: '' },
        },
      },
    },
  },
  {
    name: 'Choices with Choice tags nested in Views, beside Style and Header',
    xml: `<View>
  <Style>.row { display: flex; }</Style>
  <Header value="Sentiment"/>
  <Text name="review" value="$review" valueType="text"/>
  <View className="row">
    <Choices name="sentiment" toName="review" choice="single" showInline="true">
      <View><Choice value="Positive"/><View><Header value="bad"/><Choice value="Negative" hotkey="n"/></View></View>
    </Choices>
  </View>
</View>`,
    expected: {
      sentiment: {
        type: 'Choices',
        to_name: ['review'],
        inputs: [{ type: 'Text', valueType: 'text', value: 'review' }],
        labels: ['Positive', 'Negative'],
        labels_attrs: { Positive: { value: 'Positive' }, Negative: { value: 'Negative', hotkey: 'n' } },
      },
    },
  },
  {
    name: 'multi-page RectangleLabels on <Image valueList> with per-region TextAreas',
    xml: `<View>
  <Image name="page" valueList="$pages"/>
  <RectangleLabels name="bbox" toName="page"><Label value="Title"/><Label value="Table"/></RectangleLabels>
  <TextArea name="transcription" toName="page" perRegion="true" editable="true" whenTagName="bbox"/>
  <TextArea name="caption" toName="page" perRegion="true" whenLabelValue="Table"/>
  <Choices name="kind" toName="page" perRegion="true" whenChoiceValue="x"><Choice value="A"/></Choices>
  <TextArea name="notes" toName="page" whenTagName="bbox"/>
</View>`,
    expected: {
      bbox: {
        type: 'RectangleLabels',
        to_name: ['page'],
        inputs: [{ type: 'Image', valueType: null, valueList: 'pages' }],
        labels: ['Title', 'Table'],
        labels_attrs: { Title: { value: 'Title' }, Table: { value: 'Table' } },
      },
      transcription: {
        type: 'TextArea',
        to_name: ['page'],
        inputs: [{ type: 'Image', valueType: null, valueList: 'pages' }],
        labels: [],
        labels_attrs: {},
        conditionals: { type: 'tag', name: 'bbox' },
      },
      caption: {
        type: 'TextArea',
        to_name: ['page'],
        inputs: [{ type: 'Image', valueType: null, valueList: 'pages' }],
        labels: [],
        labels_attrs: {},
        conditionals: { type: 'label', name: 'Table' },
      },
      kind: {
        type: 'Choices',
        to_name: ['page'],
        inputs: [{ type: 'Image', valueType: null, valueList: 'pages' }],
        labels: ['A'],
        labels_attrs: { A: { value: 'A' } },
        conditionals: { type: 'choice', name: 'x' },
      },
      notes: {
        type: 'TextArea',
        to_name: ['page'],
        inputs: [{ type: 'Image', valueType: null, valueList: 'pages' }],
        labels: [],
        labels_attrs: {},
      },
    },
  },
  {
    name: 'a control on two objects, toName split on commas',
    xml: `<View><Text name="a" value="$left"/><Text name="b" value="$$right"/><Pairwise name="pw" toName="a,b"/></View>`,
    expected: {
      pw: {
        type: 'Pairwise',
        to_name: ['a', 'b'],
        inputs: [
          { type: 'Text', valueType: null, value: 'left' },
          { type: 'Text', valueType: null, value: 'right' },
        ],
        labels: [],
        labels_attrs: {},
      },
    },
  },
  {
    name: 'dynamic labels from a data variable or an apiUrl, not from a variable with digits (as LS)',
    xml: `<View>
  <Text name="text" value="$text"/>
  <Labels name="fromData" toName="text" value="$options"/>
  <Choices name="fromApi" toName="text" apiUrl="https://example.org/choices.json"/>
  <Labels name="digits" toName="text" value="$options2"><Label value="Fixed"/></Labels>
</View>`,
    expected: {
      fromData: {
        type: 'Labels',
        to_name: ['text'],
        inputs: [{ type: 'Text', valueType: null, value: 'text' }],
        labels: [],
        labels_attrs: {},
        dynamic_labels: true,
      },
      fromApi: {
        type: 'Choices',
        to_name: ['text'],
        inputs: [{ type: 'Text', valueType: null, value: 'text' }],
        labels: [],
        labels_attrs: {},
        dynamic_labels: true,
      },
      digits: {
        type: 'Labels',
        to_name: ['text'],
        inputs: [{ type: 'Text', valueType: null, value: 'text' }],
        labels: ['Fixed'],
        labels_attrs: { Fixed: { value: 'Fixed' } },
      },
    },
  },
  {
    name: 'Repeater indexFlag variables become regex entries',
    xml: `<View>
  <Repeater on="$images" indexFlag="{{idx}}">
    <Image name="image_{{idx}}" value="$images[{{idx}}].url"/>
    <RectangleLabels name="labels_{{idx}}" toName="image_{{idx}}"><Label value="Car"/></RectangleLabels>
  </Repeater>
</View>`,
    expected: {
      'labels_{{idx}}': {
        type: 'RectangleLabels',
        to_name: ['image_{{idx}}'],
        regex: { '{{idx}}': '.*' },
        inputs: [{ type: 'Image', valueType: null, value: 'images[{{idx}}].url' }],
        labels: ['Car'],
        labels_attrs: { Car: { value: 'Car' } },
      },
    },
  },
  {
    name: 'entities, attribute whitespace, a repeated label, relations outside any control',
    xml: `<View>
  <Text name="text" value="$text"/>
  <Choices name="dept" toName="text">
    <Choice value="R&amp;D" hint="line&#10;break&#x21;
next"/>
    <Choice value="Sales" hint="first"/>
    <Choice value="Legal"/>
    <Choice value="Sales" hint="second"/>
    <Choice/>
  </Choices>
  <Relations><Relation value="works for"/></Relations>
</View>`,
    expected: {
      dept: {
        type: 'Choices',
        to_name: ['text'],
        inputs: [{ type: 'Text', valueType: null, value: 'text' }],
        labels: ['R&D', 'Sales', 'Legal'],
        labels_attrs: {
          'R&D': { value: 'R&D', hint: 'line\nbreak! next' },
          Sales: { value: 'Sales', hint: 'second' },
          Legal: { value: 'Legal' },
        },
      },
    },
  },
  {
    name: 'relations inside a named control, and tag names kept as written',
    xml: `<View><text name="t" value="$body"/><labels name="l" toName="t"><Label value="X"/></labels><Labels name="r" toName="t"><Relation value="rel"/></Labels></View>`,
    expected: {
      l: {
        type: 'labels',
        to_name: ['t'],
        inputs: [{ type: 'text', valueType: null, value: 'body' }],
        labels: ['X'],
        labels_attrs: { X: { value: 'X' } },
      },
      r: {
        type: 'Labels',
        to_name: ['t'],
        inputs: [{ type: 'text', valueType: null, value: 'body' }],
        labels: ['rel'],
        labels_attrs: { rel: { value: 'rel' } },
      },
    },
  },
  {
    name: 'an XML declaration and comments around the root',
    xml: `<?xml version="1.0" encoding="UTF-8"?>\n<!-- before --><View><!-- inside --></View>\n<!-- {"data": {}} -->\n`,
    expected: {},
  },
];

describe('parseLabelConfig', () => {
  it.each(inlineCases)('$name', ({ xml, expected }) => {
    expect(parseLabelConfig(xml)).toStrictEqual(expected);
  });

  it.each([
    { name: 'empty', xml: '', message: /^label config is not valid XML: / },
    {
      name: 'unclosed tag',
      xml: '<View><Labels name="l" toName="t"></View>',
      message: /Expected closing tag 'Labels'/,
    },
    { name: 'unquoted attribute', xml: '<View><Text name=t value="$t"/></View>', message: /not valid XML/ },
    { name: 'plain text', xml: 'hello', message: /not valid XML/ },
    {
      name: 'a root other than View',
      xml: '<Task><Text name="t" value="$t"/></Task>',
      message: /must have a <View> root tag, found <Task>/,
    },
    { name: 'two roots', xml: '<View/><View/>', message: /exactly one root tag, <View>; found 2/ },
    {
      name: 'a toName naming no object',
      xml: '<View><Text name="text" value="$text"/><Labels name="label" toName="txt"><Label value="A"/></Labels></View>',
      message:
        /^control <Labels name="label"> has toName="txt", but the config has no object tag named "txt" \(objects: text\)$/,
    },
    {
      name: 'a toName naming a control',
      xml: '<View><Labels name="a" toName="b"/><Choices name="b" toName="a"/></View>',
      message: /toName="b", but the config has no object tag named "b" \(objects: none\)/,
    },
    {
      name: 'an undefined entity',
      xml: '<View><Header value="a&nbsp;b"/></View>',
      message: /contains "&nbsp;", which is not an XML entity/,
    },
    { name: 'a bare ampersand', xml: '<View><Header value="R&D"/></View>', message: /contains "&D"/ },
    {
      name: 'a tag name the XML library refuses',
      xml: '<View><constructor name="x"/></View>',
      message: /^label config cannot be parsed: /,
    },
  ])('rejects $name', ({ xml, message }) => {
    expect(() => parseLabelConfig(xml)).toThrow(LabelConfigError);
    expect(() => parseLabelConfig(xml)).toThrow(message);
  });
});

describe('findControls', () => {
  const config = parseLabelConfig(`<View>
  <Text name="text" value="$text"/>
  <Text name="title" value="$title"/>
  <Image name="page" valueList="$pages"/>
  <Choices name="topic" toName="text"><Choice value="A"/></Choices>
  <Labels name="entities" toName="title,text"><Label value="ORG"/></Labels>
  <RectangleLabels name="layout" toName="page"><Label value="Table"/></RectangleLabels>
  <labels name="lower" toName="text"/>
</View>`);
  const summary = (filter: Parameters<typeof findControls>[1]) =>
    findControls(config, filter).map(({ name, objectName, dataKey, control, input }) => ({
      name,
      objectName,
      dataKey,
      controlType: control.type,
      objectType: input.type,
    }));

  it.each([
    {
      filter: { controlType: 'Labels', objectType: 'Text' },
      expected: [
        { name: 'entities', objectName: 'title', dataKey: 'title', controlType: 'Labels', objectType: 'Text' },
        { name: 'entities', objectName: 'text', dataKey: 'text', controlType: 'Labels', objectType: 'Text' },
        { name: 'lower', objectName: 'text', dataKey: 'text', controlType: 'labels', objectType: 'Text' },
      ],
    },
    {
      filter: { controlType: 'rectanglelabels' },
      expected: [
        { name: 'layout', objectName: 'page', dataKey: 'pages', controlType: 'RectangleLabels', objectType: 'Image' },
      ],
    },
    {
      filter: { objectType: 'Text', controlType: 'Choices' },
      expected: [{ name: 'topic', objectName: 'text', dataKey: 'text', controlType: 'Choices', objectType: 'Text' }],
    },
    { filter: { controlType: 'Taxonomy' }, expected: [] },
  ])('$filter', ({ filter, expected }) => {
    expect(summary(filter)).toEqual(expected);
  });

  it('lists every pair without a filter and hands back the parsed control itself', () => {
    const all = findControls(config);
    expect(all).toHaveLength(5);
    expect(all[0]?.control).toBe(config['topic']);
  });
});
