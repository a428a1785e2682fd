/** Pure helpers over Label Studio task objects. */
import type { LabelStudioTask } from './types.ts';

/**
 * Whether a listed task already holds a prediction of `modelVersion` — the test LS itself applies
 * before calling an ML backend. Uses `predictions` (listed with `fields=all`) and falls back to the
 * Data Manager's `predictions_model_versions` column when predictions were not included.
 */
export function hasPredictionOf(task: LabelStudioTask, modelVersion: string): boolean {
  if (task.predictions !== undefined) return task.predictions.some((p) => p.model_version === modelVersion);
  return (task.predictions_model_versions ?? '').split(',').some((version) => version.trim() === modelVersion);
}
