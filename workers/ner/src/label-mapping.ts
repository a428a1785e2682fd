/**
 * Model entity types → the labels of a project's `<Labels>` control, pure.
 *
 * For each entity type of the model, in this order:
 * 1. a label whose `predicted_values` attribute (comma-separated) lists the type, compared
 *    case-insensitively: the project's own declaration wins;
 * 2. the `labelAliases` option (`{"PER": "Person"}`, from a run's options or `extra_params`);
 * 3. a label with the same name, compared case-insensitively;
 * 4. with dynamic labels (`value="$labels"`), the type itself.
 * A type that none of these maps is unmapped: its spans are dropped (and counted by the caller).
 * Throws {@link PipelineConfigError} when an alias names a label the control lacks or names a type
 * the model does not predict, when a type matches two labels, or when no type maps at all.
 */
import type { LabelConfigControl } from '@prelabel/shared/label-studio/types';
import { PipelineConfigError } from '@prelabel/shared/pipelines/pipeline';

export interface LabelMapping {
  /** Entity type → the control's spelling of its label. */
  labelOf: ReadonlyMap<string, string>;
  /** Entity types the model predicts that no label receives. */
  unmapped: readonly string[];
}

const quoted = (values: readonly string[]) => values.map((value) => `"${value}"`).join(', ') || 'none';

export function mapEntityTypes(
  control: LabelConfigControl & { name: string },
  entityTypes: readonly string[],
  labelAliases: Readonly<Record<string, string>> = {},
): LabelMapping {
  const controlTag = `<${control.type} name="${control.name}">`;
  const folded = (value: string) => value.trim().toLowerCase();
  const aliasTypes = Object.keys(labelAliases);
  const unknownAliases = aliasTypes.filter((type) => !entityTypes.some((known) => folded(known) === folded(type)));
  if (unknownAliases.length > 0) {
    throw new PipelineConfigError(
      `labelAliases name${unknownAliases.length > 1 ? '' : 's'} ${quoted(unknownAliases)}, which the model does not predict; its entity types: ${quoted(entityTypes)}`,
    );
  }
  const labelOf = new Map<string, string>();
  const unmapped: string[] = [];
  for (const type of entityTypes) {
    const declaring = control.labels.filter((label) =>
      (control.labels_attrs[label]?.['predicted_values'] ?? '')
        .split(',')
        .some((value) => folded(value) === folded(type)),
    );
    const aliasKey = aliasTypes.find((key) => folded(key) === folded(type));
    const alias = aliasKey === undefined ? undefined : labelAliases[aliasKey]!;
    const aliased = alias === undefined ? [] : control.labels.filter((label) => label === alias);
    if (alias !== undefined && aliased.length === 0) {
      const sameLetters = control.labels.filter((label) => folded(label) === folded(alias));
      if (sameLetters.length !== 1) {
        throw new PipelineConfigError(
          `labelAliases maps "${aliasKey}" to "${alias}", which is not a label of ${controlTag}; its labels: ${quoted(control.labels)}`,
        );
      }
      aliased.push(sameLetters[0]!);
    }
    const sameName = control.labels.filter((label) => folded(label) === folded(type));
    let chosen: string | undefined;
    for (const [why, matches] of [
      ['predicted_values', declaring],
      ['labelAliases', aliased],
      ['name', sameName],
    ] as const) {
      if (matches.length > 1) {
        throw new PipelineConfigError(
          `entity type "${type}" matches several labels of ${controlTag} by ${why}: ${quoted(matches)}; make the mapping unambiguous (predicted_values or labelAliases)`,
        );
      }
      chosen = matches[0];
      if (chosen !== undefined) break;
    }
    if (chosen === undefined && control.dynamic_labels) chosen = type;
    if (chosen === undefined) unmapped.push(type);
    else labelOf.set(type, chosen);
  }
  if (labelOf.size === 0) {
    throw new PipelineConfigError(
      `none of the model's entity types (${quoted(entityTypes)}) maps to a label of ${controlTag} (its labels: ${quoted(control.labels)}); name the labels after them, add predicted_values="PER" to a <Label>, or set labelAliases`,
    );
  }
  return { labelOf, unmapped };
}
