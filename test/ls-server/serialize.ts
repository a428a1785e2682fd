/**
 * LS JSON shapes of the test server's records (protocol §1.3, §3.2, §4.2, §4.3, §4.6, §4.7; fixtures
 * `ls-api-tasks.get.response.openapi-example.json`, `ls-api-tasks.list.response.tavern-partial.json`,
 * `mlb-predict.request.ner-text.spacy.json`, `ls-webhook.TASKS_CREATED.docs-example.json`):
 * DataManagerTaskSerializer for task reads, TaskSimpleSerializer for `/predict` bodies,
 * TaskWebhookSerializer / ProjectWebhookSerializer for webhook payloads, PredictionSerializer,
 * ProjectSerializer, MLBackendSerializer and WebhookSerializer. Fields the server has no data for
 * carry LS's empty values.
 */
import type { LabelStudioPrediction, LabelStudioProject } from '../../shared/src/label-studio/types.ts';
import type {
  MlBackendState,
  StoredAnnotation,
  StoredMlBackend,
  StoredPrediction,
  StoredProject,
  StoredTask,
  StoredWebhook,
} from './store.ts';

const MINUTE = 60_000;
const TIMESINCE_UNITS: [number, string][] = [
  [365 * 24 * 60 * MINUTE, 'year'],
  [30 * 24 * 60 * MINUTE, 'month'],
  [7 * 24 * 60 * MINUTE, 'week'],
  [24 * 60 * MINUTE, 'day'],
  [60 * MINUTE, 'hour'],
  [MINUTE, 'minute'],
];

function unit(count: number, name: string): string {
  // Django's avoid_wrapping joins number and unit with a no-break space.
  return `${count}\u00a0${name}${count === 1 ? '' : 's'}`;
}

/** Django's `timesince` (two adjacent units at most), as LS renders `created_ago`. */
export function timesince(sinceMs: number, nowMs = Date.now()): string {
  const elapsed = Math.max(0, nowMs - sinceMs);
  const first = TIMESINCE_UNITS.findIndex(([size]) => elapsed >= size);
  if (first < 0) return unit(0, 'minute');
  const [size, name] = TIMESINCE_UNITS[first]!;
  const count = Math.floor(elapsed / size);
  const next = TIMESINCE_UNITS[first + 1];
  if (next === undefined) return unit(count, name);
  const rest = Math.floor((elapsed - count * size) / next[0]);
  return rest === 0 ? unit(count, name) : `${unit(count, name)}, ${unit(rest, next[1])}`;
}

/** DataManagerTaskSerializer._pretty_results: a list rendered as a short quote-less string. */
function prettyResults(values: unknown[], unique: boolean): string {
  const kept = values.filter((value) => value !== null && value !== undefined);
  const list = unique ? [...new Set(kept)] : kept;
  return JSON.stringify(list)
    .slice(1, -1)
    .slice(0, 500)
    .replaceAll(',"', ', "')
    .replaceAll('],[', '] [')
    .replaceAll('"', '');
}

export function predictionJson(prediction: StoredPrediction): LabelStudioPrediction & Record<string, unknown> {
  return {
    id: prediction.id,
    result: prediction.result as LabelStudioPrediction['result'],
    model_version: prediction.model_version,
    created_ago: timesince(prediction.createdAtMs),
    score: prediction.score,
    cluster: null,
    neighbors: null,
    mislabeling: 0,
    created_at: prediction.created_at,
    updated_at: prediction.updated_at,
    model: null,
    model_run: null,
    task: prediction.task,
    project: prediction.project,
  };
}

function annotationJson(annotation: StoredAnnotation): Record<string, unknown> {
  return {
    id: annotation.id,
    result: annotation.result,
    created_username: '',
    created_ago: timesince(Date.parse(annotation.created_at)),
    completed_by: 1,
    was_cancelled: annotation.was_cancelled,
    ground_truth: annotation.ground_truth,
    created_at: annotation.created_at,
    updated_at: annotation.updated_at,
    lead_time: null,
    task: annotation.task,
    project: annotation.project,
  };
}

export interface TaskJsonOptions {
  /** `fields=all` and single-task reads include `predictions` and `annotations`. */
  full: boolean;
}

/** Not `LabelStudioTask`: LS sends `predictions_model_versions` as a string, which that type declares as a list. */
export function taskJson(task: StoredTask, options: TaskJsonOptions): Record<string, unknown> {
  const done = task.annotations.filter((a) => !a.was_cancelled);
  const scores = task.predictions.map((p) => p.score).filter((s): s is number => s !== null);
  return {
    id: task.id,
    ...(options.full
      ? { predictions: task.predictions.map(predictionJson), annotations: task.annotations.map(annotationJson) }
      : {}),
    drafts: [],
    annotators: [],
    inner_id: task.inner_id,
    cancelled_annotations: task.annotations.length - done.length,
    total_annotations: done.length,
    total_predictions: task.predictions.length,
    completed_at: null,
    annotations_results: prettyResults(
      done.map((a) => a.result),
      false,
    ),
    predictions_results: prettyResults(
      task.predictions.map((p) => p.result),
      false,
    ),
    predictions_score: scores.length === 0 ? null : scores.reduce((a, b) => a + b, 0) / scores.length,
    file_upload: null,
    storage_filename: null,
    annotations_ids: prettyResults(
      task.annotations.map((a) => a.id),
      true,
    ),
    // LS renders this as a comma-separated string ("v1, v2"), not a list.
    predictions_model_versions: prettyResults(
      task.predictions.map((p) => p.model_version),
      true,
    ),
    avg_lead_time: null,
    draft_exists: false,
    updated_by: [],
    data: task.data,
    meta: task.meta,
    created_at: task.created_at,
    updated_at: task.updated_at,
    is_labeled: done.length > 0,
    overlap: 1,
    comment_count: 0,
    unresolved_comment_count: 0,
    last_comment_updated_at: null,
    project: task.project,
    comment_authors: [],
  };
}

/** The Task model's own columns, as TaskWebhookSerializer (`fields='__all__'`) renders them. */
function taskColumns(task: StoredTask): Record<string, unknown> {
  const done = task.annotations.filter((a) => !a.was_cancelled).length;
  return {
    id: task.id,
    data: task.data,
    meta: task.meta,
    created_at: task.created_at,
    updated_at: task.updated_at,
    is_labeled: done > 0,
    overlap: 1,
    inner_id: task.inner_id,
    total_annotations: done,
    cancelled_annotations: task.annotations.length - done,
    total_predictions: task.predictions.length,
    comment_count: 0,
    unresolved_comment_count: 0,
    last_comment_updated_at: null,
    project: task.project,
    updated_by: null,
    file_upload: null,
    comment_authors: [],
    allow_skip: true,
  };
}

/** TaskSimpleSerializer: what LS puts in `tasks` of a `/predict` body (every column but `precomputed_agreement`). */
export function taskSimpleJson(task: StoredTask): Record<string, unknown> {
  return {
    ...taskColumns(task),
    annotations: task.annotations.map(annotationJson),
    predictions: task.predictions.map(predictionJson),
  };
}

/** TaskWebhookSerializer: every Task column, raw `data`. */
export function taskWebhookJson(task: StoredTask): Record<string, unknown> {
  return { ...taskColumns(task), precomputed_agreement: null };
}

/** ProjectWebhookSerializer: the project's columns plus its counters (protocol §3.2). */
export function projectWebhookJson(project: StoredProject): Record<string, unknown> {
  const json: Record<string, unknown> = { ...projectJson(project) };
  const annotated = project.annotationCounts.prefix(project.taskIds.length);
  delete json['parsed_label_config'];
  delete json['config_has_control_tags'];
  delete json['queue_total'];
  delete json['queue_done'];
  return {
    ...json,
    // A foreign key in a ModelSerializer is its pk, not the nested user of ProjectSerializer.
    created_by: 1,
    updated_at: project.created_at,
    total_annotations_number: annotated,
    num_tasks_with_annotations: annotated,
    useful_annotation_number: annotated,
    ground_truth_number: 0,
    skipped_annotations_number: 0,
    finished_task_number: 0,
  };
}

const READABLE_STATE: Record<MlBackendState, string> = {
  CO: 'Connected',
  DI: 'Disconnected',
  ER: 'Error',
  TR: 'Training',
  PR: 'Predicting',
};

/** MLBackendSerializer: `basic_auth_pass` is write-only, only `basic_auth_pass_is_set` shows. */
export function mlBackendJson(backend: StoredMlBackend): Record<string, unknown> {
  return {
    id: backend.id,
    state: backend.state,
    readable_state: READABLE_STATE[backend.state],
    is_interactive: backend.is_interactive,
    url: backend.url,
    error_message: backend.error_message,
    title: backend.title,
    auth_method: backend.auth_method,
    basic_auth_user: backend.basic_auth_user,
    basic_auth_pass_is_set: Boolean(backend.basic_auth_pass),
    description: backend.description,
    extra_params: backend.extra_params,
    model_version: backend.model_version,
    timeout: backend.timeout,
    created_at: backend.created_at,
    updated_at: backend.updated_at,
    auto_update: backend.auto_update,
    project: backend.project,
  };
}

export function webhookJson(webhook: StoredWebhook): Record<string, unknown> {
  return {
    id: webhook.id,
    organization: 1,
    project: webhook.project,
    url: webhook.url,
    send_payload: webhook.send_payload,
    send_for_all_actions: webhook.send_for_all_actions,
    headers: webhook.headers,
    is_active: webhook.is_active,
    actions: webhook.actions,
    created_at: webhook.created_at,
    updated_at: webhook.updated_at,
  };
}

export function projectJson(project: StoredProject): LabelStudioProject {
  const tasks = project.taskIds.length;
  const annotations = project.annotationCounts.prefix(tasks);
  return {
    id: project.id,
    title: project.title,
    description: project.description,
    label_config: project.label_config,
    expert_instruction: '',
    show_instruction: false,
    show_skip_button: true,
    enable_empty_annotation: true,
    show_annotation_history: false,
    organization: 1,
    color: '#FFFFFF',
    maximum_annotations: 1,
    is_published: false,
    model_version: project.model_version,
    is_draft: false,
    created_by: { id: 1, first_name: '', last_name: '', email: 'ls-test-server@example.com', avatar: null },
    created_at: project.created_at,
    min_annotations_to_start_training: 0,
    start_training_on_annotation_update: false,
    show_collab_predictions: project.show_collab_predictions,
    num_tasks_with_annotations: null,
    task_number: tasks,
    useful_annotation_number: null,
    ground_truth_number: null,
    skipped_annotations_number: null,
    total_annotations_number: annotations,
    total_predictions_number: project.predictions.size,
    sampling: 'Sequential sampling',
    show_ground_truth_first: false,
    show_overlap_first: false,
    overlap_cohort_percentage: 100,
    task_data_login: null,
    task_data_password: null,
    control_weights: {},
    parsed_label_config: project.parsed,
    evaluate_predictions_automatically: project.evaluate_predictions_automatically,
    config_has_control_tags: Object.keys(project.parsed).length > 0,
    skip_queue: 'REQUEUE_FOR_OTHERS',
    reveal_preannotations_interactively: false,
    pinned_at: null,
    finished_task_number: null,
    queue_total: null,
    queue_done: null,
  };
}
