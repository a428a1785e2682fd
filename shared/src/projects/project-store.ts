/**
 * The per-project backend state `/setup` stores in Redis, so every gateway replica answers
 * `/predict` and `/webhook` the same way: the label config, `extra_params` as LS last sent them,
 * and the pipeline, options and model_version resolved from them. Also the short-lived sets
 * webhooks feed: tasks deleted in LS (pending work for them is dropped) and training events.
 */
import type { Redis } from 'ioredis';
import type { BackendSetup } from './backend-setup.ts';

export interface ProjectState extends BackendSetup {
  project: number;
  labelConfig: string;
  extraParams: unknown;
  updatedAt: number;
}

const DELETED_TTL_SEC = 7 * 86_400;
const TRAINING_EVENTS_KEPT = 1000;

export type ProjectStore = ReturnType<typeof createProjectStore>;

export function createProjectStore(redis: Redis, prefix: string) {
  const stateKey = (project: number) => `${prefix}:project:${project}`;
  const deletedKey = (project: number) => `${prefix}:project:${project}:deleted`;
  const trainingKey = (project: number) => `${prefix}:project:${project}:training-events`;
  return {
    async get(project: number): Promise<ProjectState | undefined> {
      const raw = await redis.get(stateKey(project));
      return raw ? (JSON.parse(raw) as ProjectState) : undefined;
    },
    async put(state: ProjectState): Promise<void> {
      await redis.set(stateKey(state.project), JSON.stringify(state));
    },
    async markDeleted(project: number, taskIds: readonly number[]): Promise<void> {
      if (taskIds.length === 0) return;
      await redis
        .multi()
        .sadd(deletedKey(project), ...taskIds.map(String))
        .expire(deletedKey(project), DELETED_TTL_SEC)
        .exec();
    },
    /** Which of `taskIds` were deleted in LS (per TASKS_DELETED webhooks of the last 7 days). */
    async deletedAmong(project: number, taskIds: readonly number[]): Promise<Set<number>> {
      if (taskIds.length === 0) return new Set();
      const flags = await redis.smismember(deletedKey(project), ...taskIds.map(String));
      return new Set(taskIds.filter((_, i) => flags[i] === 1));
    },
    async recordTrainingEvent(project: number, event: { action: string; at: number; annotation?: unknown }) {
      await redis
        .multi()
        .lpush(trainingKey(project), JSON.stringify(event))
        .ltrim(trainingKey(project), 0, TRAINING_EVENTS_KEPT - 1)
        .exec();
    },
    async trainingEvents(project: number, limit = 100): Promise<{ action: string; at: number }[]> {
      return (await redis.lrange(trainingKey(project), 0, limit - 1)).map((raw) => JSON.parse(raw));
    },
  };
}
