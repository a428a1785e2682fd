/**
 * Label config XML → the structure Label Studio's `parse_config` returns (protocol doc §6.1;
 * label-studio-sdk `_extensions/label_studio_tools/core/label_config.py`), which LS also serves as
 * `Project.parsed_label_config`.
 *
 * Rules, in document order over every tag at any depth:
 * - a tag with non-empty `name` and `toName` is a control (`Filter` excepted); `toName` is split on
 *   commas as written; `conditionals` only for `perRegion="true"` with `whenTagName` (else
 *   `whenLabelValue`, else `whenChoiceValue`); `dynamic_labels: true` when `value` is a `$variable`
 *   (`^\$[A-Za-z_]+$`, as LS tests it) or `apiUrl` is set; `regex` maps each Repeater `indexFlag`
 *   seen so far that occurs in a `toName` to `.*`;
 * - any other tag with non-empty `name` and `value` (or `valueList`) is an object: `{type, valueType,
 *   value}` with leading `$` removed, `valueList` in place of `value` when only `valueList` is set;
 * - `Label`, `Choice` and `Relation` tags belong to their nearest ancestor whose `name` is a control
 *   and are keyed by `alias`, else `value`, else `valueList` (tags with none are skipped); a repeated
 *   key keeps its first position and its last attributes, as a Python dict does.
 * Tag and attribute names are case-sensitive. Unlike LS, which logs and drops them, a `toName` that
 * names no object is an error. Throws {@link LabelConfigError} for malformed XML, a root other than
 * a single `<View>`, and such dangling `toName`s.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { LabelConfigControl, LabelConfigInput, ParsedLabelConfig } from './types.ts';

/** The label config cannot be parsed; the message says what is wrong and where. */
export class LabelConfigError extends Error {
  override name = 'LabelConfigError';
}

const LABEL_TAGS = new Set(['Label', 'Choice', 'Relation']);
const NOT_CONTROL_TAGS = new Set(['Filter']);
const DATA_VARIABLE = /^\$[A-Za-z_]+$/;
const ATTRIBUTES = ':@';
const TEXT = '#text';

/** fast-xml-parser's `preserveOrder` node: `{ [tag]: children, ':@'?: attributes }` or `{ '#text': … }`. */
type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  // Entities are decoded below, so that an undefined one is an error as in LS (lxml), not kept raw.
  processEntities: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

const PREDEFINED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeAttribute(raw: string, tag: string, attribute: string): string {
  // XML attribute-value normalisation: literal tabs and line breaks read as spaces (the parser has
  // already turned CRLF into LF); character references are decoded after, so `&#10;` stays a newline.
  return raw.replace(/[\t\n\r]/g, ' ').replace(/&([^;&\s]*);?/g, (reference, name: string) => {
    const decoded = decodeEntity(reference, name);
    if (decoded === undefined) {
      throw new LabelConfigError(
        `label config is not valid XML: <${tag} ${attribute}="…"> contains "${reference}", which is not an XML entity or character reference (write & as &amp;)`,
      );
    }
    return decoded;
  });
}

function decodeEntity(reference: string, name: string): string | undefined {
  if (!reference.endsWith(';')) return undefined;
  const predefined = PREDEFINED_ENTITIES[name];
  if (predefined !== undefined) return predefined;
  const numeric = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(name);
  if (numeric === null) return undefined;
  const codePoint = numeric[1] !== undefined ? Number.parseInt(numeric[1], 16) : Number(numeric[2]);
  return codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : undefined;
}

function tagOf(node: XmlNode): string | undefined {
  for (const key in node) {
    if (key !== ATTRIBUTES) return key;
  }
  return undefined;
}

function readXml(xml: string): XmlNode {
  const validation = XMLValidator.validate(xml, { allowBooleanAttributes: false });
  if (validation !== true) {
    const { msg, line, col } = validation.err;
    throw new LabelConfigError(`label config is not valid XML: ${msg} (line ${line}, column ${col})`);
  }
  let document: XmlNode[];
  try {
    document = parser.parse(xml) as XmlNode[];
  } catch (error) {
    throw new LabelConfigError(`label config cannot be parsed: ${(error as Error).message}`);
  }
  const roots = document.filter((node) => tagOf(node) !== TEXT);
  const root = roots[0];
  if (roots.length !== 1 || root === undefined) {
    throw new LabelConfigError(`label config must have exactly one root tag, <View>; found ${roots.length}`);
  }
  if (tagOf(root) !== 'View') {
    throw new LabelConfigError(`label config must have a <View> root tag, found <${tagOf(root)}>`);
  }
  return root;
}

interface ControlDraft {
  control: Omit<LabelConfigControl, 'inputs' | 'labels' | 'labels_attrs'>;
  labels: Map<string, Record<string, string>>;
}

export function parseLabelConfig(xml: string): ParsedLabelConfig {
  const root = readXml(xml);
  const controls = new Map<string, ControlDraft>();
  const objects = new Map<string, LabelConfigInput>();
  const indexFlags: string[] = [];

  const visit = (node: XmlNode, ancestorNames: readonly string[]): void => {
    const tag = tagOf(node);
    if (tag === undefined || tag === TEXT) return;
    const attributes: Record<string, string> = {};
    for (const [key, raw] of Object.entries((node[ATTRIBUTES] ?? {}) as Record<string, string>)) {
      attributes[key] = decodeAttribute(raw, tag, key);
    }
    const { name, toName, value, valueList } = attributes;

    if (attributes['indexFlag'] !== undefined) indexFlags.push(attributes['indexFlag']);
    if (name && toName && !NOT_CONTROL_TAGS.has(tag)) {
      controls.set(name, { control: describeControl(tag, attributes, toName, indexFlags), labels: new Map() });
    } else if (name && (value || valueList)) {
      objects.set(
        name,
        value !== undefined
          ? { type: tag, valueType: attributes['valueType'] ?? null, value: value.replace(/^\$+/, '') }
          : { type: tag, valueType: attributes['valueType'] ?? null, valueList: valueList!.replace(/^\$+/, '') },
      );
    }

    if (LABEL_TAGS.has(tag)) {
      const owner = ancestorNames.findLast((ancestor) => controls.has(ancestor));
      const key = attributes['alias'] || value || valueList;
      if (owner !== undefined && key) controls.get(owner)!.labels.set(key, attributes);
    }

    const children = node[tag] as XmlNode[];
    if (children.length === 0) return;
    const names = name === undefined ? ancestorNames : [...ancestorNames, name];
    for (const child of children) visit(child, names);
  };
  visit(root, []);

  const objectNames = () => [...objects.keys()].join(', ') || 'none';
  return Object.fromEntries(
    [...controls].map(([name, { control, labels }]) => {
      const inputs = control.to_name.map((objectName) => {
        const input = objects.get(objectName);
        if (input === undefined) {
          throw new LabelConfigError(
            `control <${control.type} name="${name}"> has toName="${objectName}", but the config has no object tag named "${objectName}" (objects: ${objectNames()})`,
          );
        }
        return { ...input };
      });
      const parsed: LabelConfigControl = {
        ...control,
        inputs,
        labels: [...labels.keys()],
        labels_attrs: Object.fromEntries(labels),
      };
      return [name, parsed];
    }),
  );
}

function describeControl(
  tag: string,
  attributes: Record<string, string>,
  toName: string,
  indexFlags: readonly string[],
): ControlDraft['control'] {
  const control: ControlDraft['control'] = { type: tag, to_name: toName.split(',') };
  for (const flag of indexFlags) {
    if (control.to_name.some((objectName) => objectName.includes(flag))) {
      control.regex = { ...control.regex, [flag]: '.*' };
    }
  }
  if (attributes['perRegion'] === 'true') {
    const { whenTagName, whenLabelValue, whenChoiceValue } = attributes;
    if (whenTagName) control.conditionals = { type: 'tag', name: whenTagName };
    else if (whenLabelValue) control.conditionals = { type: 'label', name: whenLabelValue };
    else if (whenChoiceValue) control.conditionals = { type: 'choice', name: whenChoiceValue };
  }
  if (DATA_VARIABLE.test(attributes['value'] ?? '') || attributes['apiUrl']) control.dynamic_labels = true;
  return control;
}

/** One (control, object) pair of a parsed config: what a pipeline fills and where it reads the data. */
export interface ControlBinding {
  /** Control name: the region's `from_name`. */
  name: string;
  control: LabelConfigControl;
  /** Object name: the region's `to_name`. */
  objectName: string;
  input: LabelConfigInput;
  /** Task data key the object reads (`value`, or `valueList` for multi-item objects). */
  dataKey: string;
}

/**
 * Every (control, object) pair of `config` in config order, optionally only controls of
 * `controlType` and objects of `objectType`; `to_name[i]` pairs with `inputs[i]`, as
 * {@link parseLabelConfig} builds them. Tag types compare case-insensitively, as LS's editor
 * accepts `<labels>` for `<Labels>`.
 */
export function findControls(
  config: ParsedLabelConfig,
  filter: { controlType?: string; objectType?: string } = {},
): ControlBinding[] {
  const sameType = (actual: string, wanted: string | undefined) =>
    wanted === undefined || actual.toLowerCase() === wanted.toLowerCase();
  const bindings: ControlBinding[] = [];
  for (const [name, control] of Object.entries(config)) {
    if (!sameType(control.type, filter.controlType)) continue;
    control.to_name.forEach((objectName, i) => {
      const input = control.inputs[i];
      const dataKey = input?.value ?? input?.valueList;
      if (input === undefined || dataKey === undefined || !sameType(input.type, filter.objectType)) return;
      bindings.push({ name, control, objectName, input, dataKey });
    });
  }
  return bindings;
}
