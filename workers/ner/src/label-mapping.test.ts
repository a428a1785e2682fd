import { parseLabelConfig } from '@prelabel/shared/label-studio/label-config';
import { PipelineConfigError } from '@prelabel/shared/pipelines/pipeline';
import { describe, expect, it } from 'vitest';
import { mapEntityTypes } from './label-mapping.ts';

const controlOf = (labels: string) => {
  const config = parseLabelConfig(
    `<View><Text name="text" value="$text"/><Labels name="label" toName="text">${labels}</Labels></View>`,
  );
  return { name: 'label', ...config['label']! };
};

const TYPES = ['PER', 'ORG', 'LOC', 'MISC'];

describe('mapEntityTypes', () => {
  it.each<{
    name: string;
    labels: string;
    aliases: Record<string, string>;
    mapped: Record<string, string>;
    unmapped: string[];
    dynamic?: boolean;
  }>([
    {
      name: 'same names, case-insensitively',
      labels: '<Label value="Per"/><Label value="ORG"/><Label value="loc"/>',
      aliases: {},
      mapped: { PER: 'Per', ORG: 'ORG', LOC: 'loc' },
      unmapped: ['MISC'],
    },
    {
      name: 'predicted_values first, then aliases, then names',
      labels:
        '<Label value="Person" predicted_values="per, PERSON"/><Label value="Company"/><Label value="ORG"/><Label value="Place" predicted_values="LOC"/><Label value="LOC"/>',
      aliases: { ORG: 'Company', loc: 'LOC' },
      mapped: { PER: 'Person', ORG: 'Company', LOC: 'Place' },
      unmapped: ['MISC'],
    },
    {
      name: 'an alias spelled in another case',
      labels: '<Label value="Vessel"/>',
      aliases: { MISC: 'vessel' },
      mapped: { MISC: 'Vessel' },
      unmapped: ['PER', 'ORG', 'LOC'],
    },
    {
      name: 'dynamic labels take the type itself',
      labels: '',
      dynamic: true,
      aliases: {},
      mapped: { PER: 'PER', ORG: 'ORG', LOC: 'LOC', MISC: 'MISC' },
      unmapped: [],
    },
  ])('$name', ({ labels, aliases, mapped, unmapped, dynamic }) => {
    const control = dynamic
      ? (() => {
          const config = parseLabelConfig(
            '<View><Text name="text" value="$text"/><Labels name="label" toName="text" value="$labels"/></View>',
          );
          return { name: 'label', ...config['label']! };
        })()
      : controlOf(labels);
    const mapping = mapEntityTypes(control, TYPES, aliases);
    expect(Object.fromEntries(mapping.labelOf)).toEqual(mapped);
    expect(mapping.unmapped).toEqual(unmapped);
  });

  it.each<{ name: string; labels: string; aliases: Record<string, string>; message: string | RegExp }>([
    {
      name: 'nothing maps',
      labels: '<Label value="Vessel"/>',
      aliases: {},
      message:
        'none of the model\'s entity types ("PER", "ORG", "LOC", "MISC") maps to a label of <Labels name="label"> (its labels: "Vessel"); name the labels after them, add predicted_values="PER" to a <Label>, or set labelAliases',
    },
    {
      name: 'an alias to a missing label',
      labels: '<Label value="PER"/>',
      aliases: { ORG: 'Company' },
      message: 'labelAliases maps "ORG" to "Company", which is not a label of <Labels name="label">; its labels: "PER"',
    },
    {
      name: 'an alias of a type the model lacks',
      labels: '<Label value="PER"/>',
      aliases: { VESSEL: 'PER' },
      message: /^labelAliases names "VESSEL", which the model does not predict; its entity types: "PER", "ORG"/,
    },
    {
      name: 'a type claimed by two labels',
      labels: '<Label value="A" predicted_values="PER"/><Label value="B" predicted_values="PER"/>',
      aliases: {},
      message: /^entity type "PER" matches several labels of <Labels name="label"> by predicted_values: "A", "B"/,
    },
  ])('refuses $name', ({ labels, aliases, message }) => {
    const run = () => mapEntityTypes(controlOf(labels), TYPES, aliases);
    expect(run).toThrow(PipelineConfigError);
    expect(run).toThrow(message);
  });
});
