import { describe, expect, it } from 'vitest';
import { hasPredictionOf } from './tasks.ts';
import type { LabelStudioTask } from './types.ts';

const prediction = (model_version: string) => ({ id: 1, task: 1, result: [], score: null, model_version });

describe('hasPredictionOf', () => {
  it.each<[string, Partial<LabelStudioTask>, boolean]>([
    ['listed prediction of the version', { predictions: [prediction('v1')] }, true],
    ['listed prediction of another version', { predictions: [prediction('v2')] }, false],
    ['no predictions listed', { predictions: [] }, false],
    ['listed predictions win over the column', { predictions: [], predictions_model_versions: 'v1' }, false],
    ['column only, comma-joined', { predictions_model_versions: 'v0, v1' }, true],
    ['column only, prefix is not a match', { predictions_model_versions: 'v10' }, false],
    ['column empty', { predictions_model_versions: '' }, false],
    ['nothing at all', {}, false],
  ])('%s', (_name, task, expected) => {
    expect(hasPredictionOf({ id: 1, data: {}, ...task } as LabelStudioTask, 'v1')).toBe(expected);
  });
});
