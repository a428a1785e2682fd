/**
 * Which `<Labels>` control on a `<Text>` object a text pipeline fills: the one named `fromName`, or
 * the first one of the config. A config that has none, or a `fromName` that names something else,
 * is a {@link PipelineConfigError} whose message lists what the config does offer. `readTaskText`
 * reads a task's text for such a binding.
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

/** Key LS stores a task's only value under when its data key did not match the config. */
const UNDEFINED_DATA_KEY = '$undefined$';

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * The text a task gives the bound `<Text>` object: its data key, else LS's `$undefined$` key; or
 * the reason it has none (missing, or not a string), naming the object tag.
 */
export function readTaskText(data: Record<string, unknown>, binding: ControlBinding): string | { error: string } {
  const text = Object.hasOwn(data, binding.dataKey) ? data[binding.dataKey] : data[UNDEFINED_DATA_KEY];
  if (typeof text === 'string') return text;
  const objectTag = `<Text name="${binding.objectName}" value="$${binding.dataKey}">`;
  return {
    error:
      text === undefined
        ? `task data has no "${binding.dataKey}" field (the ${objectTag} object)`
        : `task data field "${binding.dataKey}" is ${describeValue(text)}, not a string (the ${objectTag} object)`,
  };
}
