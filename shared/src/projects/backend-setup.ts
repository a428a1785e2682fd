/**
 * What `/setup` decides for a project, as pure functions: which pipeline serves it, with which
 * options, and so which `model_version` every prediction for it carries.
 *
 * `extra_params` (the "Extra params" field of LS's Connect model form) arrives as a JSON string
 * (the UI posts a textarea), an object (API clients) or null, and may hold
 * `{"pipeline": "...", "options": {...}}`, the same pipeline name and options a run takes. Without
 * it the pipeline is inferred from the label config: Labels on Text → `ner` when that pipeline is
 * installed; otherwise the error says what to put in Extra params.
 */
import { z } from 'zod';
import { findControls, parseLabelConfig } from '../label-studio/label-config.ts';
import type { ParsedLabelConfig } from '../label-studio/types.ts';
import { buildModelVersion, type Pipeline } from '../pipelines/pipeline.ts';
import { describeError } from '../runtime/failures.ts';

export class BackendSetupError extends Error {
  override name = 'BackendSetupError';
}

export interface BackendSetup {
  pipeline: string;
  options: unknown;
  modelVersion: string;
}

const ExtraParams = z.looseObject({
  pipeline: z.string().min(1).optional(),
  options: z.record(z.string(), z.unknown()).optional(),
});

/** `extra_params` as an object: string JSON parsed, null/empty → {}. */
export function readExtraParams(extraParams: unknown): z.infer<typeof ExtraParams> {
  let value = extraParams;
  if (typeof value === 'string') {
    if (value.trim() === '') return {};
    try {
      value = JSON.parse(value);
    } catch (error) {
      throw new BackendSetupError(`extra_params is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (value === null || value === undefined) return {};
  const parsed = ExtraParams.safeParse(value);
  if (!parsed.success) throw new BackendSetupError(`extra_params.${describeError(parsed.error)}`);
  return parsed.data;
}

const EXAMPLE_EXTRA_PARAMS =
  '{"pipeline": "patterns", "options": {"patterns": [{"label": "ORG", "pattern": "Acme Corp"}]}}';

/**
 * The pipeline a config implies when Extra params name none: `<Labels>` on `<Text>` → `ner`;
 * `<RectangleLabels>` on a multi-page `<Image valueList>`, or any control on a `<PDF>` → `pdf`.
 */
function inferPipeline(config: ParsedLabelConfig, pipelines: ReadonlyMap<string, Pipeline>): string {
  if (findControls(config, { controlType: 'Labels', objectType: 'Text' }).length > 0 && pipelines.has('ner')) {
    return 'ner';
  }
  const pages = findControls(config, { controlType: 'RectangleLabels', objectType: 'Image' }).some(
    (binding) => binding.input.valueList !== undefined,
  );
  if ((pages || findControls(config, { objectType: 'PDF' }).length > 0) && pipelines.has('pdf')) return 'pdf';
  throw new BackendSetupError(
    `no installed pipeline can infer what to predict for this label config (ner needs <Labels> on a <Text>; pdf a <RectangleLabels> on an <Image valueList="$pages"> or a control on a <PDF>); set Extra params, e.g. ${EXAMPLE_EXTRA_PARAMS}`,
  );
}

/** Resolves pipeline, options and model_version for a label config and `extra_params`. */
export function resolveBackendSetup(
  labelConfig: string,
  extraParams: unknown,
  pipelines: ReadonlyMap<string, Pipeline>,
): BackendSetup {
  const extra = readExtraParams(extraParams);
  let parsedConfig: ReturnType<typeof parseLabelConfig>;
  try {
    parsedConfig = parseLabelConfig(labelConfig);
  } catch (error) {
    throw new BackendSetupError(`the label config cannot be read: ${describeError(error)}`);
  }
  const name = extra.pipeline ?? inferPipeline(parsedConfig, pipelines);
  const pipeline = pipelines.get(name);
  if (!pipeline) {
    throw new BackendSetupError(
      `extra_params.pipeline: unknown pipeline "${name}" (known: ${[...pipelines.keys()].join(', ')})`,
    );
  }
  const options = pipeline.optionsSchema.safeParse(extra.options ?? {});
  if (!options.success) throw new BackendSetupError(`extra_params.options.${describeError(options.error)}`);
  try {
    pipeline.prepare(parsedConfig, options.data);
  } catch (error) {
    throw new BackendSetupError(describeError(error));
  }
  return { pipeline: name, options: options.data, modelVersion: buildModelVersion(pipeline, options.data) };
}

/** `"<id>.<timestamp>"` (what LS sends) or a bare id → the project id; undefined when neither. */
export function parseProjectUid(project: unknown): number | undefined {
  const raw =
    typeof project === 'number' ? String(project) : typeof project === 'string' ? project.split('.', 1)[0] : '';
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  const id = Number(raw);
  return id > 0 && Number.isSafeInteger(id) ? id : undefined;
}
