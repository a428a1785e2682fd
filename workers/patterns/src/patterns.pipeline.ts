/**
 * The `patterns` pipeline: dictionary phrases and regular expressions → `<Labels>` spans on a
 * `<Text>` object.
 *
 * `prepare` picks the control (`fromName`, else the first `<Labels>` whose object is a `<Text>`),
 * maps every pattern label onto that control's labels (exact, then case-insensitive, then the
 * labels' `predicted_values`; any label when the control's labels are dynamic) and compiles the
 * matcher once. It throws {@link PipelineConfigError} naming the control or label at fault and
 * listing what the config offers.
 *
 * `predict` gives one outcome per task, in input order: regions
 * `{id: "<task>-<n>", from_name, to_name, type: "labels", value: {start, end, text, labels}, score: 1}`
 * with offsets in code points, and a prediction `score` of 1 when it has regions, null when it has
 * none (a dictionary match has no confidence to report, and "found nothing" has no score at all).
 * A task whose text field is missing or not a string gets a per-task error; an empty text gets an
 * empty result. The same options and task always give the same prediction. No I/O; the abort
 * signal is checked between tasks, and the event loop gets a turn every few milliseconds so that
 * an abort can arrive during a long chunk.
 */

import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ControlBinding } from '@prelabel/shared/label-studio/label-config';
import type { LabelConfigControl, LabelStudioRegion } from '@prelabel/shared/label-studio/types';
import type { Pipeline, PipelineOutcome, PipelineTask } from '@prelabel/shared/pipelines/pipeline';
import { PipelineConfigError } from '@prelabel/shared/pipelines/pipeline';
import { chooseTextLabels, readTaskText } from '@prelabel/shared/pipelines/text-labels';
import { z } from 'zod';
import { PatternsOptions } from './patterns.options.ts';
import { compilePatternsMatcher } from './patterns-matcher.ts';

const YIELD_EVERY_MS = 10;

/** The config's spelling of `wanted`, or undefined when the control offers no such label. */
function resolveLabel(control: LabelConfigControl, wanted: string): string | undefined {
  if (control.labels.includes(wanted)) return wanted;
  const folded = wanted.toLowerCase();
  const sameLetters = control.labels.filter((label) => label.toLowerCase() === folded);
  const predictedAs = control.labels.filter((label) =>
    (control.labels_attrs[label]?.['predicted_values'] ?? '')
      .split(',')
      .some((value) => value.trim().toLowerCase() === folded),
  );
  for (const matches of [sameLetters, predictedAs]) {
    if (matches.length > 1) {
      throw new PipelineConfigError(
        `pattern label "${wanted}" is ambiguous: it could be any of ${matches.map((label) => `"${label}"`).join(', ')}; use the exact spelling`,
      );
    }
    if (matches[0] !== undefined) return matches[0];
  }
  return control.dynamic_labels ? wanted : undefined;
}

function mapLabels(binding: ControlBinding, labels: readonly string[]): Map<string, string> {
  const mapped = new Map<string, string>();
  const unknown: string[] = [];
  for (const wanted of new Set(labels)) {
    const resolved = resolveLabel(binding.control, wanted);
    if (resolved === undefined) unknown.push(`"${wanted}"`);
    else mapped.set(wanted, resolved);
  }
  if (unknown.length > 0) {
    const offered = binding.control.labels.map((label) => `"${label}"`).join(', ') || 'none';
    throw new PipelineConfigError(
      `pattern label${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} not in <${binding.control.type} name="${binding.name}">; its labels: ${offered}`,
    );
  }
  return mapped;
}

export const patternsPipeline: Pipeline<PatternsOptions> = {
  name: 'patterns',
  version: '1',
  optionsSchema: PatternsOptions,

  prepare(labelConfig, rawOptions) {
    const parsed = PatternsOptions.safeParse(rawOptions);
    if (!parsed.success) {
      throw new PipelineConfigError(`invalid patterns options:\n${z.prettifyError(parsed.error)}`);
    }
    const options = parsed.data;
    const binding = chooseTextLabels(labelConfig, options.fromName, 'patterns');
    if (binding.input.valueType?.toLowerCase() === 'url') {
      throw new PipelineConfigError(
        `<Text name="${binding.objectName}"> has valueType="url": the patterns pipeline reads the text itself from task data, not from a URL`,
      );
    }
    const labels = mapLabels(
      binding,
      options.patterns.map((entry) => entry.label),
    );
    const matcher = compilePatternsMatcher(
      options.patterns.map((entry) => ({ ...entry, label: labels.get(entry.label)! })),
      options,
    );

    const predictTask = (task: PipelineTask): PipelineOutcome => {
      const text = readTaskText(task.data, binding);
      if (typeof text !== 'string') return { task: task.id, error: text.error };
      const result: LabelStudioRegion[] = matcher.match(text).map((span, index) => ({
        id: `${task.id}-${index}`,
        from_name: binding.name,
        to_name: binding.objectName,
        type: 'labels',
        value: { start: span.start, end: span.end, text: span.text, labels: [span.label] },
        score: 1,
      }));
      return { task: task.id, result, score: result.length > 0 ? 1 : null };
    };

    return {
      async predict(tasks, signal) {
        const outcomes: PipelineOutcome[] = [];
        let turnStartedAt = performance.now();
        for (const task of tasks) {
          if (performance.now() - turnStartedAt > YIELD_EVERY_MS) {
            await nextTurn();
            turnStartedAt = performance.now();
          }
          signal.throwIfAborted();
          outcomes.push(predictTask(task));
        }
        return outcomes;
      },
    };
  },
};
