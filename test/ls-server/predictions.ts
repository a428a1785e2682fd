/**
 * LS's `PredictionSerializer` validation of one prediction row (protocol §4.3), shared by
 * `POST /api/predictions/` and by the rows LS builds from an ML backend's `/predict` answer (§2.5):
 * `task` an existing pk, `project` optional (filled from the task), `result` a list of dicts or a dict
 * wrapped into one region of the first matching control, `score` a number or null, `model_version` a
 * string (blank allowed, **null refused**). `validatePredictionRow` returns the normalised row or DRF's
 * per-field errors.
 */
import { isPlainObject, toCharField, toScore } from './drf.ts';
import { wrapDictResult } from './label-config.ts';
import type { LsStore, StoredProject, StoredTask } from './store.ts';

export interface PredictionRow {
  task: StoredTask;
  project: StoredProject;
  result: unknown[];
  score: number | null;
  model_version: string;
}

export type RowCheck = { ok: true; row: PredictionRow } | { ok: false; errors: Record<string, string[]> };

export function validatePredictionRow(store: LsStore, input: Record<string, unknown>): RowCheck {
  const errors: Record<string, string[]> = {};

  let task: StoredTask | undefined;
  const rawTask = input['task'];
  if (rawTask === undefined) errors['task'] = ['This field is required.'];
  else if (rawTask === null) errors['task'] = ['This field may not be null.'];
  else if (typeof rawTask !== 'number' && !(typeof rawTask === 'string' && /^\d+$/.test(rawTask))) {
    errors['task'] = [
      `Incorrect type. Expected pk value, received ${Array.isArray(rawTask) ? 'list' : typeof rawTask}.`,
    ];
  } else {
    task = store.tasks.get(Number(rawTask));
    if (task === undefined) errors['task'] = [`Invalid pk "${String(rawTask)}" - object does not exist.`];
  }

  let project: StoredProject | undefined = task === undefined ? undefined : store.projects.get(task.project);
  const rawProject = input['project'];
  if (rawProject !== undefined && rawProject !== null) {
    project = typeof rawProject === 'number' ? store.projects.get(rawProject) : undefined;
    if (project === undefined) errors['project'] = [`Invalid pk "${String(rawProject)}" - object does not exist.`];
  }

  let result: unknown[] | undefined;
  const rawResult = input['result'];
  if (rawResult === undefined) errors['result'] = ['This field is required.'];
  else if (Array.isArray(rawResult)) {
    if (rawResult.every(isPlainObject)) result = rawResult;
    else errors['result'] = ['Each item in prediction result should be dict'];
  } else if (isPlainObject(rawResult)) {
    // Without a project (unknown task) the task error already explains the 400.
    if (project !== undefined) {
      result = wrapDictResult(project.parsed, rawResult) ?? undefined;
      if (result === undefined) errors['result'] = ['No control tag of the label config matches this result'];
    }
  } else {
    errors['result'] = [`Incorrect format ${rawResult === null ? 'null' : typeof rawResult} for prediction result`];
  }

  let modelVersion = '';
  if (Object.hasOwn(input, 'model_version')) {
    const raw = input['model_version'];
    const value = toCharField(raw);
    if (raw === null) errors['model_version'] = ['This field may not be null.'];
    else if (value === undefined) errors['model_version'] = ['Not a valid string.'];
    else modelVersion = value;
  }

  const score = input['score'] === undefined ? null : toScore(input['score']);
  if (score === undefined) errors['score'] = ['A valid number is required.'];

  if (Object.keys(errors).length > 0 || task === undefined || project === undefined || result === undefined) {
    return { ok: false, errors };
  }
  return { ok: true, row: { task, project, result, score: score ?? null, model_version: modelVersion } };
}
