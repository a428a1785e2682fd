/**
 * The test server's own reading of a Label Studio label config, independent of the code under test.
 *
 * - `parseLabelConfig(xml)` returns LS's `parse_config` structure (protocol §6.1) with controls in
 *   document order, or throws `LabelConfigError` for XML that does not parse.
 * - `validatePredictionItem(config, item, taskData)` mirrors what `/import/predictions` checks per item
 *   (§4.4, `LabelInterface.validate_prediction`) and returns the first reason the item is invalid, or null.
 * - `wrapDictResult(config, dict)` is LS's `Prediction.prepare_prediction_result` for a dict `result`.
 *
 * Region checks (§6.2): `from_name` is a control, `to_name` one of its `toName`, `type` the control tag
 * lower-cased; Labels on a Text object need integer `start`/`end` with 0 ≤ start < end ≤ the text's length
 * in Unicode code points, optional `value.text` equal to that code-point slice; label/choice values must
 * be declared in the control unless its labels are dynamic.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { LabelConfigControl, LabelConfigInput, ParsedLabelConfig } from '../../shared/src/label-studio/types.ts';

export class LabelConfigError extends Error {
  override name = 'LabelConfigError';
}

type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  preserveOrder: true,
  parseAttributeValue: false,
  parseTagValue: false,
  allowBooleanAttributes: true,
});

const LABEL_TAGS = new Set(['Label', 'Choice', 'Relation']);

interface XmlElement {
  tag: string;
  attrs: Record<string, string>;
  children: XmlElement[];
}

function toElements(nodes: unknown): XmlElement[] {
  if (!Array.isArray(nodes)) return [];
  const out: XmlElement[] = [];
  for (const node of nodes as XmlNode[]) {
    const tag = Object.keys(node).find((key) => key !== ':@' && key !== '#text');
    if (tag === undefined) continue;
    const rawAttrs = (node[':@'] ?? {}) as Record<string, unknown>;
    const attrs: Record<string, string> = {};
    for (const [key, value] of Object.entries(rawAttrs)) attrs[key] = String(value);
    out.push({ tag, attrs, children: toElements(node[tag]) });
  }
  return out;
}

function collectLabels(element: XmlElement, control: LabelConfigControl): void {
  for (const child of element.children) {
    // A nested named control owns its own labels (LS: "nearest named control ancestor").
    if (child.attrs['name'] !== undefined && child.attrs['toName'] !== undefined) continue;
    if (LABEL_TAGS.has(child.tag)) {
      const label = child.attrs['alias'] ?? child.attrs['value'];
      if (label !== undefined) {
        control.labels.push(label);
        control.labels_attrs[label] = { ...child.attrs };
      }
    }
    collectLabels(child, control);
  }
}

export function parseLabelConfig(xml: string): ParsedLabelConfig {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new LabelConfigError(`Label config is not valid XML: ${valid.err.msg}`);
  const roots = toElements(parser.parse(xml));
  const controls: ParsedLabelConfig = {};
  const objects = new Map<string, LabelConfigInput>();

  const walk = (element: XmlElement): void => {
    const { name, toName, value, valueList } = element.attrs;
    if (name !== undefined && toName !== undefined && element.tag !== 'Filter') {
      const control: LabelConfigControl = {
        type: element.tag,
        to_name: toName.split(','),
        inputs: [],
        labels: [],
        labels_attrs: {},
      };
      if (value?.startsWith('$') || element.attrs['apiUrl'] !== undefined) {
        control.dynamic_labels = true;
      }
      collectLabels(element, control);
      controls[name] = control;
    } else if (name !== undefined && (value !== undefined || valueList !== undefined)) {
      const input: LabelConfigInput = { type: element.tag, valueType: element.attrs['valueType'] ?? null };
      if (valueList !== undefined) input.valueList = valueList.replace(/^\$/, '');
      else if (value !== undefined) input.value = value.replace(/^\$/, '');
      objects.set(name, input);
    }
    for (const child of element.children) walk(child);
  };
  for (const root of roots) walk(root);

  for (const control of Object.values(controls)) {
    for (const objectName of control.to_name) {
      const input = objects.get(objectName);
      if (input !== undefined) control.inputs.push(input);
    }
  }
  return controls;
}

/** Object tag name → its input, for the objects a config declares (used to find the text a span indexes). */
function objectInput(control: LabelConfigControl, toName: string): LabelConfigInput | undefined {
  const index = control.to_name.indexOf(toName);
  return index < 0 ? undefined : control.inputs[index];
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function codePointLength(text: string): number {
  let length = 0;
  for (const _ of text) length += 1;
  return length;
}

function codePointSlice(text: string, start: number, end: number): string {
  return [...text].slice(start, end).join('');
}

function checkTextSpan(value: Record<string, unknown>, text: unknown): string | null {
  const { start, end } = value;
  if (!Number.isInteger(start) || !Number.isInteger(end)) return 'start/end must be integers';
  if (typeof text !== 'string') return 'task data has no text for this object';
  const s = start as number;
  const e = end as number;
  if (s < 0 || s >= e || e > codePointLength(text)) return `span [${s}, ${e}) outside the text`;
  if (value['text'] !== undefined && value['text'] !== codePointSlice(text, s, e)) {
    return `value.text does not match the text at [${s}, ${e})`;
  }
  return null;
}

function checkRegion(config: ParsedLabelConfig, region: unknown, taskData: Record<string, unknown>): string | null {
  if (typeof region !== 'object' || region === null || Array.isArray(region)) return 'region is not an object';
  const r = region as Record<string, unknown>;
  if (r['type'] === 'relation') {
    return typeof r['from_id'] === 'string' && typeof r['to_id'] === 'string' ? null : 'relation needs from_id/to_id';
  }
  const fromName = r['from_name'];
  const toName = r['to_name'];
  if (typeof fromName !== 'string' || !Object.hasOwn(config, fromName)) return `unknown from_name ${String(fromName)}`;
  const control = config[fromName]!;
  if (typeof toName !== 'string' || !control.to_name.includes(toName)) return `unknown to_name ${String(toName)}`;
  const type = control.type.toLowerCase();
  if (r['type'] !== type) return `type ${String(r['type'])} is not ${type}`;
  const value = r['value'];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'value is not an object';
  const v = value as Record<string, unknown>;

  if (type === 'textarea') return v['text'] === undefined || isStringList(v['text']) ? null : 'text must be a list';
  if (type === 'taxonomy') {
    const paths = v['taxonomy'];
    return Array.isArray(paths) && paths.every(isStringList) ? null : 'taxonomy must be a list of paths';
  }
  const isLabelTag = type === 'choices' || type.endsWith('labels');
  if (isLabelTag) {
    const chosen = v[type];
    if (!isStringList(chosen)) return `value.${type} must be a list of strings`;
    if (control.dynamic_labels !== true) {
      const unknown = chosen.find((label) => !control.labels.includes(label));
      if (unknown !== undefined) return `unknown label ${unknown}`;
    }
  }
  const input = objectInput(control, toName);
  if (type === 'labels' && input?.type === 'Text') {
    return checkTextSpan(v, input.value === undefined ? undefined : taskData[input.value]);
  }
  return null;
}

/** Why an `/import/predictions` item is invalid for this config and task data, or null when LS would keep it. */
export function validatePredictionItem(
  config: ParsedLabelConfig,
  item: Record<string, unknown>,
  taskData: Record<string, unknown>,
): string | null {
  const result = item['result'];
  if (!Array.isArray(result)) return 'result must be a list';
  for (const region of result) {
    const reason = checkRegion(config, region, taskData);
    if (reason !== null) return reason;
  }
  return null;
}

/** LS wraps a dict `result` into one region of the first control whose lower-cased tag is a key of the dict. */
export function wrapDictResult(config: ParsedLabelConfig, dict: Record<string, unknown>): unknown[] | null {
  for (const [name, control] of Object.entries(config)) {
    const type = control.type.toLowerCase();
    if (Object.hasOwn(dict, type)) return [{ from_name: name, to_name: control.to_name.join(','), type, value: dict }];
  }
  return null;
}
