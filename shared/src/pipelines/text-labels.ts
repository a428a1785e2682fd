/**
 * Which `<Labels>` control on a `<Text>` object a text pipeline fills: the one named `fromName`, or
 * the first one of the config. A config that has none, or a `fromName` that names something else,
 * is a {@link PipelineConfigError} whose message lists what the config does offer.
 */
import { type ControlBinding, findControls } from '../label-studio/label-config.ts';
import type { LabelConfigControl, ParsedLabelConfig } from '../label-studio/types.ts';
import { PipelineConfigError } from './pipeline.ts';

function describeControl(name: string, control: LabelConfigControl): string {
  const objects = control.to_name.map((objectName, i) => `<${control.inputs[i]?.type ?? '?'} name="${objectName}">`);
  return `<${control.type} name="${name}"> on ${objects.join(', ')}`;
}

export function chooseTextLabels(
  config: ParsedLabelConfig,
  fromName: string | undefined,
  pipeline: string,
): ControlBinding {
  const candidates = findControls(config, { controlType: 'Labels', objectType: 'Text' });
  if (fromName === undefined) {
    const first = candidates[0];
    if (first !== undefined) return first;
    const controls = Object.entries(config).map(([name, control]) => describeControl(name, control));
    throw new PipelineConfigError(
      `the ${pipeline} pipeline fills a <Labels> control on a <Text> object, and this label config has none (it has ${controls.join('; ') || 'no controls'})`,
    );
  }
  const chosen = candidates.find((binding) => binding.name === fromName);
  if (chosen !== undefined) return chosen;
  const offered = candidates.map((binding) => `"${binding.name}" (on "${binding.objectName}")`).join(', ') || 'none';
  const named = config[fromName];
  throw new PipelineConfigError(
    named === undefined
      ? `fromName "${fromName}" names no control in this label config; <Labels> controls on <Text>: ${offered}`
      : `fromName "${fromName}" is ${describeControl(fromName, named)}, not a <Labels> control on a <Text> object; <Labels> controls on <Text>: ${offered}`,
  );
}
