/**
 * The `ner` pipeline: a token-classification model → `<Labels>` spans on a `<Text>` object.
 *
 * `createNerPipeline(model)` wraps a loaded {@link NerModel}; its version is `1+<8 hex of the
 * model's digest>`, so another model is another `model_version` to Label Studio. `prepare` picks
 * the control (`fromName`, else the first `<Labels>` whose object is a `<Text>`), maps the model's
 * entity types onto its labels (label-mapping.ts) and checks the stride against the model window;
 * it throws {@link PipelineConfigError} naming what to change.
 *
 * `predict` gives one outcome per task, in input order. The chunk's texts go to the model in one
 * call, so their windows share batched `session.run`s. Regions are
 * `{id: "<task>-<n>", from_name, to_name, type: "labels", value: {start, end, text, labels}, score}`
 * with offsets in code points (`[...text].slice(start, end).join('') === text`), the span score
 * being the mean class probability of its tokens or words; the prediction `score` is the mean of
 * its regions' scores, null when it has none. Spans of an entity type that maps to no label, and
 * spans under `minScore`, are dropped; the former are counted per type in `dropped`. A task whose
 * text field is missing or not a string gets a per-task error; a model failure fails the chunk.
 */

import type { LabelStudioRegion, ParsedLabelConfig } from '@prelabel/shared/label-studio/types';
import type { Pipeline, PipelineOutcome, PreparedPipeline } from '@prelabel/shared/pipelines/pipeline';
import { PipelineConfigError } from '@prelabel/shared/pipelines/pipeline';
import { chooseTextLabels, readTaskText } from '@prelabel/shared/pipelines/text-labels';
import { createOffsetConverter } from '@prelabel/shared/text/code-points';
import { z } from 'zod';
import { predictionScore } from './bio-spans.ts';
import { mapEntityTypes } from './label-mapping.ts';
import { NerOptions } from './ner.options.ts';
import type { NerModel } from './ner-model.ts';

const PIPELINE_VERSION = '1';

export interface PreparedNerPipeline extends PreparedPipeline {
  /** Spans dropped so far because their entity type maps to no label, by type. */
  readonly dropped: ReadonlyMap<string, number>;
  /** Entity types of the model that map to no label of the control. */
  readonly unmappedTypes: readonly string[];
}

export interface NerPipeline extends Pipeline<NerOptions> {
  prepare(labelConfig: ParsedLabelConfig, options: NerOptions): PreparedNerPipeline;
}

/**
 * What the pipeline needs of a model: a loaded {@link NerModel}, or, in a process that only
 * prepares (the gateway), `describeNerModel`'s info with a `predict` that is never called.
 */
export type NerPipelineModel = Pick<NerModel, 'digest' | 'entityTypes' | 'windowTokens' | 'predict'>;

export function createNerPipeline(model: NerPipelineModel): NerPipeline {
  return {
    name: 'ner',
    version: `${PIPELINE_VERSION}+${model.digest.slice(0, 8)}`,
    optionsSchema: NerOptions,

    prepare(labelConfig, rawOptions) {
      const parsed = NerOptions.safeParse(rawOptions);
      if (!parsed.success) throw new PipelineConfigError(`invalid ner options:\n${z.prettifyError(parsed.error)}`);
      const options = parsed.data;
      const binding = chooseTextLabels(labelConfig, options.fromName, 'ner');
      if (binding.input.valueType?.toLowerCase() === 'url') {
        throw new PipelineConfigError(
          `<Text name="${binding.objectName}"> has valueType="url": the ner pipeline reads the text itself from task data, not from a URL`,
        );
      }
      const maxStride = Math.floor(model.windowTokens / 2);
      if (options.stride !== undefined && options.stride > maxStride) {
        throw new PipelineConfigError(
          `stride ${options.stride} is too large: the model reads ${model.windowTokens} text tokens per window, so stride must be at most ${maxStride}`,
        );
      }
      const mapping = mapEntityTypes(
        { name: binding.name, ...binding.control },
        model.entityTypes,
        options.labelAliases,
      );
      const dropped = new Map<string, number>();

      return {
        dropped,
        unmappedTypes: mapping.unmapped,
        async predict(tasks, signal) {
          signal.throwIfAborted();
          const outcomes: (PipelineOutcome | string)[] = tasks.map((task) => {
            const text = readTaskText(task.data, binding);
            return typeof text === 'string' ? text : { task: task.id, error: text.error };
          });
          const texts = outcomes.filter((outcome): outcome is string => typeof outcome === 'string');
          const predictOptions = {
            aggregation: options.aggregation,
            words: options.words,
            ...(options.stride !== undefined ? { stride: options.stride } : {}),
          };
          const entities = await model.predict(texts, signal, predictOptions);
          signal.throwIfAborted();
          let next = 0;
          return outcomes.map((outcome, index): PipelineOutcome => {
            if (typeof outcome !== 'string') return outcome;
            const task = tasks[index]!.id;
            const spans = entities[next++]!.spans.filter((span) => {
              if (span.score < options.minScore) return false;
              if (mapping.labelOf.has(span.type)) return true;
              dropped.set(span.type, (dropped.get(span.type) ?? 0) + 1);
              return false;
            });
            // One converter per text: spans come in text order, so each conversion is O(1).
            const offsets = createOffsetConverter(outcome);
            const result: LabelStudioRegion[] = spans.map((span, n) => ({
              id: `${task}-${n}`,
              from_name: binding.name,
              to_name: binding.objectName,
              type: 'labels',
              value: {
                start: span.start,
                end: span.end,
                text: outcome.slice(offsets.toUtf16(span.start), offsets.toUtf16(span.end)),
                labels: [mapping.labelOf.get(span.type)!],
              },
              score: span.score,
            }));
            return { task, result, score: predictionScore(spans) };
          });
        },
      };
    },
  };
}
