/**
 * The pipeline plug-in contract: what a worker pool runs on a chunk of tasks.
 *
 * A pipeline is a name, a version and an options schema. `prepare` binds it to one project's label
 * config and one options object (once per run, cached by the worker); the prepared pipeline then
 * predicts chunks of tasks. Every task of a chunk gets exactly one outcome: a prediction (possibly
 * with an empty `result`, meaning "looked, found nothing") or a readable per-task error.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { LabelStudioRegion, ParsedLabelConfig } from '../label-studio/types.ts';

/** A task as a pipeline sees it: its id and its raw `data` (not URI-resolved). */
export interface PipelineTask {
  id: number;
  data: Record<string, unknown>;
}

export type PipelineOutcome =
  | { task: number; result: LabelStudioRegion[]; score: number | null }
  | { task: number; error: string };

export interface PreparedPipeline {
  predict(tasks: readonly PipelineTask[], signal: AbortSignal): Promise<PipelineOutcome[]>;
}

/**
 * Raised by `prepare` when the label config or the options cannot serve this pipeline.
 * The message is shown to the user as the run's error, so it must say what to change.
 */
export class PipelineConfigError extends Error {
  override name = 'PipelineConfigError';
}

/** What a run knows beyond config and options; a pipeline that writes to LS itself needs the project. */
export interface PrepareContext {
  project: number;
}

export interface Pipeline<Options = unknown> {
  /** Stable name, also the BullMQ queue the pipeline's chunks go to. */
  name: string;
  /** Bumped whenever the same options can produce different predictions. */
  version: string;
  optionsSchema: z.ZodType<Options>;
  /**
   * The most tasks one chunk job should carry, for pipelines whose tasks are slow (a PDF takes
   * seconds, a text milliseconds); the configured chunk size applies when it is smaller.
   */
  maxChunkSize?: number;
  /**
   * Option keys holding secrets (a PDF password): they never enter the `model_version` digest
   * (a new password does not make new predictions) and are never shown.
   */
  secretOptions?: readonly string[];
  /**
   * Task data keys that may hold secrets (a task's own PDF password): they are dropped from every
   * job payload (webhook batches, chunks), so the pipeline reads them from Label Studio itself.
   */
  secretDataFields?(options: Options): readonly string[];
  /** Validates the options against the project's config; throws {@link PipelineConfigError}. */
  prepare(labelConfig: ParsedLabelConfig, options: Options, context?: PrepareContext): PreparedPipeline;
}

/** The chunk size a run of `pipeline` uses, given the configured one. */
export function chunkSizeFor(pipeline: Pick<Pipeline, 'maxChunkSize'> | undefined, configured: number): number {
  return Math.max(1, Math.min(configured, pipeline?.maxChunkSize ?? configured));
}

/**
 * `tasks` as job payloads may carry them: without the task data keys `pipeline` declares secret
 * for `options` (the same objects when it declares none).
 */
export function withoutSecretData<T extends PipelineTask>(
  pipeline: Pick<Pipeline, 'secretDataFields'> | undefined,
  options: unknown,
  tasks: readonly T[],
): T[] {
  const secret = pipeline?.secretDataFields?.(options) ?? [];
  if (secret.length === 0) return [...tasks];
  return tasks.map((task) => ({
    ...task,
    data: Object.fromEntries(Object.entries(task.data).filter(([key]) => !secret.includes(key))),
  }));
}

/** JSON with object keys sorted, so equal options hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The `model_version` written on every prediction of a pipeline with given options:
 * `<name>-v<version>-<8 hex of sha256(canonical options)>`. Different options are different
 * models to LS (which skips tasks holding a prediction of the current version), the same options
 * always give the same string. Secret options are left out of the digest.
 */
export function buildModelVersion(
  pipeline: Pick<Pipeline, 'name' | 'version' | 'secretOptions'>,
  options: unknown,
): string {
  let hashed = options;
  if (pipeline.secretOptions?.length && options !== null && typeof options === 'object') {
    hashed = Object.fromEntries(
      Object.entries(options as Record<string, unknown>).filter(([key]) => !pipeline.secretOptions!.includes(key)),
    );
  }
  const digest = createHash('sha256').update(canonicalJson(hashed)).digest('hex').slice(0, 8);
  return `${pipeline.name}-v${pipeline.version}-${digest}`;
}
