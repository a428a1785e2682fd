import { describe, expect, it } from 'vitest';
import { LabelConfigError, parseLabelConfig, validatePredictionItem, wrapDictResult } from './label-config.ts';

const CONFIG = `
<View>
  <Header value="Pick"/>
  <Text name="text" value="$text"/>
  <Labels name="ner" toName="text">
    <Label value="Organisation" alias="ORG" background="red" predicted_values="org,company"/>
    <Label value="PER"/>
  </Labels>
  <Choices name="sentiment" toName="text" choice="single">
    <View><Choice value="pos"/><Choice value="neg"/></View>
  </Choices>
  <Labels name="free" toName="text" value="$options"/>
  <Image name="pages" valueList="$pages"/>
  <RectangleLabels name="box" toName="pages"><Label value="Table"/></RectangleLabels>
  <TextArea name="summary" toName="text"/>
</View>`;

describe('parseLabelConfig', () => {
  it('reads controls, their inputs and labels as parse_config does', () => {
    const parsed = parseLabelConfig(CONFIG);
    expect(Object.keys(parsed)).toEqual(['ner', 'sentiment', 'free', 'box', 'summary']);
    expect(parsed['ner']).toEqual({
      type: 'Labels',
      to_name: ['text'],
      inputs: [{ type: 'Text', valueType: null, value: 'text' }],
      labels: ['ORG', 'PER'],
      labels_attrs: {
        ORG: { value: 'Organisation', alias: 'ORG', background: 'red', predicted_values: 'org,company' },
        PER: { value: 'PER' },
      },
    });
    expect(parsed['sentiment']?.labels).toEqual(['pos', 'neg']);
    expect(parsed['free']?.dynamic_labels).toBe(true);
    expect(parsed['box']?.inputs).toEqual([{ type: 'Image', valueType: null, valueList: 'pages' }]);
  });

  it('refuses XML that does not parse', () => {
    expect(() => parseLabelConfig('<View><Text name="t" value="$t"></View>')).toThrow(LabelConfigError);
  });
});

describe('validatePredictionItem', () => {
  const parsed = parseLabelConfig(CONFIG);
  const data = { text: '😀😀 Acme' };
  const region = (from_name: string, type: string, value: Record<string, unknown>, to_name = 'text') => ({
    id: 'r1',
    from_name,
    to_name,
    type,
    value,
  });
  const check = (...result: unknown[]) => validatePredictionItem(parsed, { result }, data);

  it('checks spans in code points, labels against the config, and the other value shapes', () => {
    expect(check(region('ner', 'labels', { start: 3, end: 7, labels: ['ORG'], text: 'Acme' }))).toBeNull();
    expect(check(region('ner', 'labels', { start: 3, end: 8, labels: ['ORG'] }))).toMatch(/outside/);
    expect(check(region('ner', 'labels', { start: 3, end: 7, labels: ['Organisation'] }))).toMatch(/unknown label/);
    expect(check(region('ner', 'labels', { start: '3', end: 7, labels: ['ORG'] }))).toMatch(/integers/);
    expect(check(region('free', 'labels', { start: 0, end: 1, labels: ['anything'] }))).toBeNull();
    expect(check(region('sentiment', 'choices', { choices: ['pos'] }))).toBeNull();
    expect(check(region('sentiment', 'choices', { choices: 'pos' }))).toMatch(/list/);
    expect(check(region('sentiment', 'choices', { choices: ['meh'] }))).toMatch(/unknown label/);
    expect(check(region('box', 'rectanglelabels', { x: 1, y: 2, rectanglelabels: ['Table'] }, 'pages'))).toBeNull();
    expect(check(region('box', 'rectanglelabels', { rectanglelabels: ['Table'] }, 'text'))).toMatch(/to_name/);
    expect(check(region('summary', 'textarea', { text: ['short'] }))).toBeNull();
    expect(check({ type: 'relation', from_id: 'a', to_id: 'b', direction: 'right' })).toBeNull();
    expect(check('not a region')).toMatch(/object/);
    expect(validatePredictionItem(parsed, { result: { choices: ['pos'] } }, data)).toMatch(/list/);
    expect(check()).toBeNull();
  });
});

describe('wrapDictResult', () => {
  it('wraps a dict into a region of the first control whose tag matches a key', () => {
    expect(wrapDictResult(parseLabelConfig(CONFIG), { choices: ['neg'] })).toEqual([
      { from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['neg'] } },
    ]);
    expect(wrapDictResult(parseLabelConfig(CONFIG), { rating: 3 })).toBeNull();
  });
});
