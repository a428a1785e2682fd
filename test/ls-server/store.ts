/**
 * In-memory state of the LS test server: projects, tasks, predictions, annotations, ML backends and
 * webhooks, with ids that ascend globally as in Label Studio. Each project keeps its task ids sorted
 * (new tasks are appended; a deletion rebuilds the project's index once per call) plus Fenwick trees of
 * per-task prediction and annotation counts, so a filtered page and its `total_predictions` /
 * `total_annotations` never need a scan of all tasks. The store knows nothing of HTTP; `serialize.ts`
 * turns its records into LS's JSON shapes.
 */
import type { ParsedLabelConfig } from '../../shared/src/label-studio/types.ts';
import { parseLabelConfig } from './label-config.ts';

export interface StoredPrediction {
  id: number;
  task: number;
  project: number;
  result: unknown[];
  score: number | null;
  model_version: string;
  created_at: string;
  updated_at: string;
  createdAtMs: number;
}

export interface StoredAnnotation {
  id: number;
  task: number;
  project: number;
  result: unknown[];
  was_cancelled: boolean;
  ground_truth: boolean;
  created_at: string;
  updated_at: string;
}

export interface StoredTask {
  id: number;
  project: number;
  /** Position of the task in its project's id list (changes when earlier tasks are deleted). */
  index: number;
  /** LS's 1-based per-project number, fixed at creation. */
  inner_id: number;
  data: Record<string, unknown>;
  meta: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  predictions: StoredPrediction[];
  annotations: StoredAnnotation[];
}

export interface StoredProject {
  id: number;
  title: string;
  description: string;
  label_config: string;
  parsed: ParsedLabelConfig;
  model_version: string | null;
  show_collab_predictions: boolean;
  evaluate_predictions_automatically: boolean;
  created_at: string;
  createdAtMs: number;
  taskIds: number[];
  /** Next `inner_id` of the project (LS never reuses one). */
  nextInnerId: number;
  predictionCounts: Fenwick;
  annotationCounts: Fenwick;
  /** Predictions of the project in id order (Map keeps insertion order and ids only grow). */
  predictions: Map<number, StoredPrediction>;
  versionCounts: Map<string, number>;
}

/** LS's `MLBackendState`: Connected, Disconnected, Error, Training, Predicting. */
export type MlBackendState = 'CO' | 'DI' | 'ER' | 'TR' | 'PR';

/** An `MLBackend` row (protocol §4.6). */
export interface StoredMlBackend {
  id: number;
  project: number;
  state: MlBackendState;
  is_interactive: boolean;
  url: string;
  error_message: string | null;
  title: string | null;
  auth_method: 'NONE' | 'BASIC_AUTH';
  basic_auth_user: string | null;
  basic_auth_pass: string | null;
  description: string | null;
  /** A JSONField: whatever was given (the LS UI posts a string, API clients may post an object). */
  extra_params: unknown;
  model_version: string | null;
  timeout: number;
  auto_update: boolean;
  created_at: string;
  updated_at: string;
}

/** A `Webhook` row (protocol §3.4). */
export interface StoredWebhook {
  id: number;
  project: number;
  url: string;
  send_payload: boolean;
  send_for_all_actions: boolean;
  headers: Record<string, string>;
  is_active: boolean;
  actions: string[];
  created_at: string;
  updated_at: string;
}

export interface NewProject {
  title?: string;
  description?: string;
  label_config: string;
  model_version?: string | null;
  show_collab_predictions?: boolean;
  evaluate_predictions_automatically?: boolean;
}

export interface NewPrediction {
  result: unknown[];
  score?: number | null;
  model_version?: string;
}

export interface NewTask {
  data: Record<string, unknown>;
  meta?: Record<string, unknown>;
  predictions?: NewPrediction[];
  annotations?: { result: unknown[]; was_cancelled?: boolean; ground_truth?: boolean }[];
}

/** Prefix sums over a growable array of non-negative counts. */
export class Fenwick {
  private tree: number[] = [0];
  private values: number[] = [];

  get size(): number {
    return this.values.length;
  }

  push(value: number): void {
    this.values.push(0);
    if (this.values.length >= this.tree.length) this.rebuild();
    if (value !== 0) this.add(this.values.length - 1, value);
  }

  add(index: number, delta: number): void {
    this.values[index] = (this.values[index] ?? 0) + delta;
    for (let i = index + 1; i < this.tree.length; i += i & -i) this.tree[i] = (this.tree[i] ?? 0) + delta;
  }

  /** Sum of values at indexes [0, end). */
  prefix(end: number): number {
    let sum = 0;
    for (let i = end; i > 0; i -= i & -i) sum += this.tree[i] ?? 0;
    return sum;
  }

  private rebuild(): void {
    const capacity = Math.max(16, this.tree.length * 2);
    const tree = new Array<number>(capacity).fill(0);
    for (let i = 1; i <= this.values.length; i += 1) {
      tree[i] = (tree[i] ?? 0) + (this.values[i - 1] ?? 0);
      const parent = i + (i & -i);
      if (parent < capacity) tree[parent] = (tree[parent] ?? 0) + (tree[i] ?? 0);
    }
    this.tree = tree;
  }
}

/** LS serialises datetimes with microseconds and a `Z` suffix. */
export function lsTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}

export class LsStore {
  readonly projects = new Map<number, StoredProject>();
  readonly tasks = new Map<number, StoredTask>();
  readonly predictions = new Map<number, StoredPrediction>();
  /** In id order, so a project's first backend (LS's `project.ml_backend`) is the first match. */
  readonly mlBackends = new Map<number, StoredMlBackend>();
  readonly webhooks = new Map<number, StoredWebhook>();
  private nextProjectId = 1;
  private nextTaskId = 1;
  private nextPredictionId = 1;
  private nextAnnotationId = 1;
  private nextMlBackendId = 1;
  private nextWebhookId = 1;

  reset(): void {
    this.projects.clear();
    this.tasks.clear();
    this.predictions.clear();
    this.mlBackends.clear();
    this.webhooks.clear();
    this.nextProjectId = 1;
    this.nextTaskId = 1;
    this.nextPredictionId = 1;
    this.nextAnnotationId = 1;
    this.nextMlBackendId = 1;
    this.nextWebhookId = 1;
  }

  /** Throws LabelConfigError when the label config is not valid XML. */
  createProject(input: NewProject): StoredProject {
    const now = Date.now();
    const project: StoredProject = {
      id: this.nextProjectId,
      title: input.title ?? `Project ${this.nextProjectId}`,
      description: input.description ?? '',
      label_config: input.label_config,
      parsed: parseLabelConfig(input.label_config),
      model_version: input.model_version ?? '',
      show_collab_predictions: input.show_collab_predictions ?? true,
      evaluate_predictions_automatically: input.evaluate_predictions_automatically ?? false,
      created_at: lsTimestamp(now),
      createdAtMs: now,
      taskIds: [],
      nextInnerId: 1,
      predictionCounts: new Fenwick(),
      annotationCounts: new Fenwick(),
      predictions: new Map(),
      versionCounts: new Map(),
    };
    this.nextProjectId += 1;
    this.projects.set(project.id, project);
    return project;
  }

  /** Appends tasks produced by `make(i)` for i in [0, count); their ids are contiguous. */
  createTasks(project: StoredProject, count: number, make: (i: number, id: number) => NewTask): StoredTask[] {
    const stamp = lsTimestamp(Date.now());
    const created: StoredTask[] = [];
    for (let i = 0; i < count; i += 1) {
      const id = this.nextTaskId;
      this.nextTaskId += 1;
      const input = make(i, id);
      const task: StoredTask = {
        id,
        project: project.id,
        index: project.taskIds.length,
        inner_id: project.nextInnerId,
        data: input.data,
        meta: input.meta ?? {},
        created_at: stamp,
        updated_at: stamp,
        predictions: [],
        annotations: [],
      };
      project.nextInnerId += 1;
      project.taskIds.push(id);
      project.predictionCounts.push(0);
      project.annotationCounts.push(0);
      this.tasks.set(id, task);
      for (const prediction of input.predictions ?? []) {
        this.addPrediction(project, task, {
          result: prediction.result,
          score: prediction.score ?? null,
          model_version: prediction.model_version ?? '',
        });
      }
      for (const annotation of input.annotations ?? []) {
        task.annotations.push({
          id: this.nextAnnotationId,
          task: id,
          project: project.id,
          result: annotation.result,
          was_cancelled: annotation.was_cancelled ?? false,
          ground_truth: annotation.ground_truth ?? false,
          created_at: stamp,
          updated_at: stamp,
        });
        this.nextAnnotationId += 1;
        if (annotation.was_cancelled !== true) project.annotationCounts.add(task.index, 1);
      }
      created.push(task);
    }
    return created;
  }

  addPrediction(
    project: StoredProject,
    task: StoredTask,
    input: { result: unknown[]; score: number | null; model_version: string },
    nowMs = Date.now(),
  ): StoredPrediction {
    const stamp = lsTimestamp(nowMs);
    const prediction: StoredPrediction = {
      id: this.nextPredictionId,
      task: task.id,
      project: project.id,
      result: input.result,
      score: input.score,
      model_version: input.model_version,
      created_at: stamp,
      updated_at: stamp,
      createdAtMs: nowMs,
    };
    this.nextPredictionId += 1;
    this.predictions.set(prediction.id, prediction);
    task.predictions.push(prediction);
    task.updated_at = stamp;
    // The prediction counts toward the task's own project, even when the request named another one.
    const owner = this.projects.get(task.project);
    owner?.predictionCounts.add(task.index, 1);
    project.predictions.set(prediction.id, prediction);
    project.versionCounts.set(prediction.model_version, (project.versionCounts.get(prediction.model_version) ?? 0) + 1);
    return prediction;
  }

  deletePrediction(prediction: StoredPrediction): void {
    this.predictions.delete(prediction.id);
    const task = this.tasks.get(prediction.task);
    if (task !== undefined) {
      task.predictions = task.predictions.filter((p) => p.id !== prediction.id);
      task.updated_at = lsTimestamp(Date.now());
      this.projects.get(task.project)?.predictionCounts.add(task.index, -1);
    }
    const project = this.projects.get(prediction.project);
    if (project === undefined) return;
    project.predictions.delete(prediction.id);
    const left = (project.versionCounts.get(prediction.model_version) ?? 0) - 1;
    if (left > 0) project.versionCounts.set(prediction.model_version, left);
    else project.versionCounts.delete(prediction.model_version);
  }

  /** Deletes every prediction of the project with this version; returns how many went. */
  deletePredictionsOfVersion(project: StoredProject, modelVersion: string): number {
    const doomed = [...project.predictions.values()].filter((p) => p.model_version === modelVersion);
    for (const prediction of doomed) this.deletePrediction(prediction);
    return doomed.length;
  }

  /**
   * Deletes these tasks of the project (ids of other projects or unknown ids are ignored) with their
   * predictions and annotations, then rebuilds the project's sorted id list and count trees once.
   */
  deleteTasks(project: StoredProject, ids: Iterable<number>): StoredTask[] {
    const doomed: StoredTask[] = [];
    for (const id of new Set(ids)) {
      const task = this.tasks.get(id);
      if (task === undefined || task.project !== project.id) continue;
      for (const prediction of task.predictions) {
        this.predictions.delete(prediction.id);
        // A prediction is listed under the project its request named, normally the task's own.
        const owner = this.projects.get(prediction.project);
        if (owner === undefined) continue;
        owner.predictions.delete(prediction.id);
        const left = (owner.versionCounts.get(prediction.model_version) ?? 0) - 1;
        if (left > 0) owner.versionCounts.set(prediction.model_version, left);
        else owner.versionCounts.delete(prediction.model_version);
      }
      this.tasks.delete(id);
      doomed.push(task);
    }
    if (doomed.length === 0) return doomed;
    project.taskIds = project.taskIds.filter((id) => this.tasks.has(id));
    project.predictionCounts = new Fenwick();
    project.annotationCounts = new Fenwick();
    project.taskIds.forEach((id, index) => {
      const task = this.tasks.get(id)!;
      task.index = index;
      project.predictionCounts.push(task.predictions.length);
      project.annotationCounts.push(task.annotations.filter((a) => !a.was_cancelled).length);
    });
    return doomed.sort((a, b) => a.id - b.id);
  }

  createMlBackend(input: Omit<StoredMlBackend, 'id' | 'created_at' | 'updated_at'>): StoredMlBackend {
    const stamp = lsTimestamp(Date.now());
    const backend: StoredMlBackend = { ...input, id: this.nextMlBackendId, created_at: stamp, updated_at: stamp };
    this.nextMlBackendId += 1;
    this.mlBackends.set(backend.id, backend);
    return backend;
  }

  mlBackendsOf(projectId: number): StoredMlBackend[] {
    return [...this.mlBackends.values()].filter((backend) => backend.project === projectId);
  }

  createWebhook(input: Omit<StoredWebhook, 'id' | 'created_at' | 'updated_at'>): StoredWebhook {
    const stamp = lsTimestamp(Date.now());
    const webhook: StoredWebhook = { ...input, id: this.nextWebhookId, created_at: stamp, updated_at: stamp };
    this.nextWebhookId += 1;
    this.webhooks.set(webhook.id, webhook);
    return webhook;
  }

  webhooksOf(projectId: number): StoredWebhook[] {
    return [...this.webhooks.values()].filter((webhook) => webhook.project === projectId);
  }

  /** Number of tasks of the project holding more than one prediction of `modelVersion`. */
  duplicates(project: StoredProject, modelVersion: string): number {
    const perTask = new Map<number, number>();
    for (const prediction of project.predictions.values()) {
      if (prediction.model_version !== modelVersion) continue;
      perTask.set(prediction.task, (perTask.get(prediction.task) ?? 0) + 1);
    }
    let tasks = 0;
    for (const count of perTask.values()) if (count > 1) tasks += 1;
    return tasks;
  }
}
