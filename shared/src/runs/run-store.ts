/**
 * Runs: the durable record of "pre-label project P with pipeline X", kept in Redis so every
 * gateway replica and worker sees the same state. One hash per run holds its definition, status,
 * scan cursor and counters; a sorted set lists runs by creation time; a hash per run holds the
 * failed tasks with their reasons; a hash per (project, model_version) is the ledger of delivered
 * tasks (task id → the run that delivered it).
 *
 * Counters only move inside Lua scripts that first check the ledger / failures / cursor, so a
 * retried or duplicated job can never count a task twice, and the same scripts complete the run
 * when every queued task has an outcome.
 *
 * Retention: a run that ends (completed, cancelled, failed) expires with its failures after
 * `retentionSec` (0 keeps it for good); taking its failures back to retry them keeps it again.
 * `/predict` runs keep their own shorter life from creation. Index entries of expired runs are
 * dropped when a listing meets them and, a few at a time, whenever a run is created. The ledger
 * stays: it is what keeps a later run from writing a task's prediction twice.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

export const RUN_STATUSES = ['queued', 'running', 'paused', 'completed', 'cancelled', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export type RunMode = 'missing' | 'all';
export type RunSource = 'api' | 'webhook' | 'predict';

export const isTerminal = (status: RunStatus) =>
  status === 'completed' || status === 'cancelled' || status === 'failed';

export interface RunRecord {
  id: string;
  project: number;
  pipeline: string;
  mode: RunMode;
  modelVersion: string;
  options: unknown;
  source: RunSource;
  status: RunStatus;
  error: string | undefined;
  createdAt: number;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  /** Tasks in scope: LS's count while scanning, the exact scanned count once the scan finished. */
  total: number;
  scanned: number;
  /** Tasks put on the pipeline queue. */
  queued: number;
  /** Tasks the scan found already predicted with this model_version (`missing` mode). */
  scanSkipped: number;
  /** Tasks the write-back found already predicted by someone else meanwhile. */
  writeSkipped: number;
  done: number;
  failed: number;
  /** Last task id the scan committed. */
  cursor: number;
  scanFinished: boolean;
  /** The project's label config, captured when the scan started. */
  labelConfig: string | undefined;
  retries: number;
  /** `/predict` runs: when the HTTP answer goes out; write-back waits until then. */
  deadlineAt: number | undefined;
}

/** The run as the API shows it. */
export interface RunView {
  id: string;
  project: number;
  pipeline: string;
  mode: RunMode;
  source: RunSource;
  modelVersion: string;
  status: RunStatus;
  total: number;
  done: number;
  skipped: number;
  failed: number;
  ratePerSec: number;
  etaSec: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error?: string;
}

export function toRunView(run: RunRecord, nowMs = Date.now()): RunView {
  const skipped = run.scanSkipped + run.writeSkipped;
  const processed = run.done + skipped + run.failed;
  const end = run.finishedAt ?? nowMs;
  const elapsedSec = run.startedAt === undefined ? 0 : Math.max(0.001, (end - run.startedAt) / 1000);
  const ratePerSec = elapsedSec > 0 ? Math.round((processed / elapsedSec) * 10) / 10 : 0;
  const remaining = Math.max(0, run.total - processed);
  const etaSec = isTerminal(run.status) ? 0 : ratePerSec > 0 ? Math.ceil(remaining / ratePerSec) : null;
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    id: run.id,
    project: run.project,
    pipeline: run.pipeline,
    mode: run.mode,
    source: run.source,
    modelVersion: run.modelVersion,
    status: run.status,
    total: run.total,
    done: run.done,
    skipped,
    failed: run.failed,
    ratePerSec,
    etaSec,
    createdAt: new Date(run.createdAt).toISOString(),
    startedAt: iso(run.startedAt),
    finishedAt: iso(run.finishedAt),
    ...(run.error === undefined ? {} : { error: run.error }),
  };
}

/** An ended run (and its failures) expires after retentionSec, unless it already has a life (/predict runs). */
const EXPIRE_ENDED = `
local function expireEnded(run, failures, retentionSec)
  if tonumber(retentionSec) > 0 and redis.call('TTL', run) == -1 then
    redis.call('EXPIRE', run, retentionSec)
    redis.call('EXPIRE', failures, retentionSec)
  end
end
`;

const COMPLETE_IF_DONE = `${EXPIRE_ENDED}
local function completeIfDone(run, failures, now, retentionSec)
  local h = redis.call('HMGET', run, 'status', 'scanFinished', 'queued', 'done', 'writeSkipped', 'failed')
  if (h[1] == 'running' or h[1] == 'paused') and h[2] == '1'
     and tonumber(h[4]) + tonumber(h[5]) + tonumber(h[6]) >= tonumber(h[3]) then
    redis.call('HSET', run, 'status', 'completed', 'finishedAt', now)
    expireEnded(run, failures, retentionSec)
    return 1
  end
  return 0
end
`;

/**
 * KEYS: run, failures. ARGV: expectedCursor, newCursor, scanned, queued, skipped, total (or ''),
 * finished, now, retentionSec.
 * Applies one scanned page if the cursor is still where this scan left it; returns 1, or 0 when the
 * page was already committed (a crashed scan re-reading a page).
 */
const COMMIT_SCAN_PAGE = `${COMPLETE_IF_DONE}
local run = KEYS[1]
if redis.call('EXISTS', run) == 0 then return -1 end
if redis.call('HGET', run, 'cursor') ~= ARGV[1] then return 0 end
redis.call('HSET', run, 'cursor', ARGV[2])
local scanned = redis.call('HINCRBY', run, 'scanned', ARGV[3])
redis.call('HINCRBY', run, 'queued', ARGV[4])
redis.call('HINCRBY', run, 'scanSkipped', ARGV[5])
if ARGV[6] ~= '' then redis.call('HSET', run, 'total', ARGV[6]) end
if ARGV[7] == '1' then
  redis.call('HSET', run, 'scanFinished', '1', 'total', scanned)
  completeIfDone(run, KEYS[2], ARGV[8], ARGV[9])
end
return 1
`;

/**
 * KEYS: run, ledger, failures. ARGV: runId, now, retentionSec, nDone, doneIds..., nSkipped,
 * skippedIds..., nFailed, (failedId, reason)... . Records task outcomes once each; returns {done, skipped, failed}
 * as actually added.
 */
const COMMIT_TASKS = `${COMPLETE_IF_DONE}
local run, ledger, failures = KEYS[1], KEYS[2], KEYS[3]
if redis.call('EXISTS', run) == 0 then return {0, 0, 0} end
local runId, now, retentionSec = ARGV[1], ARGV[2], ARGV[3]
local i = 4
local added = {0, 0, 0}
local function deliver(slot, count)
  for j = 1, count do
    local id = ARGV[i + j]
    if redis.call('HGET', ledger, id) ~= runId then
      redis.call('HSET', ledger, id, runId)
      added[slot] = added[slot] + 1
      if redis.call('HDEL', failures, id) == 1 then added[3] = added[3] - 1 end
    end
  end
  i = i + count + 1
end
deliver(1, tonumber(ARGV[i]))
deliver(2, tonumber(ARGV[i]))
local nFailed = tonumber(ARGV[i])
for j = 0, nFailed - 1 do
  local id, reason = ARGV[i + 1 + 2 * j], ARGV[i + 2 + 2 * j]
  if redis.call('HGET', ledger, id) ~= runId and redis.call('HSETNX', failures, id, reason) == 1 then
    added[3] = added[3] + 1
  end
end
redis.call('HINCRBY', run, 'done', added[1])
redis.call('HINCRBY', run, 'writeSkipped', added[2])
redis.call('HINCRBY', run, 'failed', added[3])
completeIfDone(run, failures, now, retentionSec)
-- Failures recorded on a run that already has a life (a /predict run, a late job on an ended
-- run) go when the run goes.
local life = redis.call('TTL', run)
if life > 0 and redis.call('TTL', failures) == -1 then redis.call('EXPIRE', failures, life) end
return added
`;

/** KEYS: run, failures. ARGV: from statuses (comma list), to status, now, error, retentionSec. Returns the status after. */
const TRANSITION = `${EXPIRE_ENDED}
local run = KEYS[1]
local status = redis.call('HGET', run, 'status')
if not status then return false end
for allowed in string.gmatch(ARGV[1], '[^,]+') do
  if allowed == status then
    local to = ARGV[2]
    if to == 'resumed' then
      if redis.call('HEXISTS', run, 'startedAt') == 1 then to = 'running' else to = 'queued' end
    end
    redis.call('HSET', run, 'status', to)
    if to == 'running' and redis.call('HEXISTS', run, 'startedAt') == 0 then redis.call('HSET', run, 'startedAt', ARGV[3]) end
    if to == 'cancelled' or to == 'failed' or to == 'completed' then
      redis.call('HSET', run, 'finishedAt', ARGV[3])
      expireEnded(run, KEYS[2], ARGV[5])
    end
    if ARGV[4] ~= '' then redis.call('HSET', run, 'error', ARGV[4]) end
    return to
  end
end
return status
`;

/**
 * KEYS: claims. ARGV: owner, ttlSec, taskIds... Claims each task for `owner` unless another owner
 * has it; returns the ids `owner` holds afterwards (so a retried claim is idempotent).
 */
const CLAIM = `
local claims, owner = KEYS[1], ARGV[1]
local mine = {}
for i = 3, #ARGV do
  redis.call('HSETNX', claims, ARGV[i], owner)
  if redis.call('HGET', claims, ARGV[i]) == owner then mine[#mine + 1] = ARGV[i] end
end
redis.call('EXPIRE', claims, ARGV[2])
return mine
`;

/**
 * KEYS: writers. ARGV: runId, now, ttlMs, taskIds... A task is being written by at most one run at
 * a time: a field holds `<runId> <expiresAtMs>`; it is taken when absent, expired or already ours.
 * Returns the ids this run holds.
 */
const CLAIM_WRITES = `
local writers, runId, now, ttl = KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local mine = {}
for i = 4, #ARGV do
  local holder = redis.call('HGET', writers, ARGV[i])
  local free = not holder
  if holder then
    local owner, expires = string.match(holder, '^(%S+) (%d+)$')
    free = owner == runId or tonumber(expires) < now
  end
  if free then
    redis.call('HSET', writers, ARGV[i], runId .. ' ' .. (now + ttl))
    mine[#mine + 1] = ARGV[i]
  end
end
return mine
`;

/** KEYS: writers. ARGV: runId, taskIds... Releases this run's write claims. */
const RELEASE_WRITES = `
for i = 2, #ARGV do
  local holder = redis.call('HGET', KEYS[1], ARGV[i])
  if holder and string.sub(holder, 1, #ARGV[1] + 1) == ARGV[1] .. ' ' then redis.call('HDEL', KEYS[1], ARGV[i]) end
end
return 0
`;

const INLINE_COUNT_FIELD = '#tasks';

/** KEYS: inline. ARGV: chunkId, predictions JSON, task count. A retried chunk is counted once. */
const STORE_INLINE = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('HINCRBY', KEYS[1], '${INLINE_COUNT_FIELD}', ARGV[3])
end
redis.call('EXPIRE', KEYS[1], 3600)
return 0
`;

/**
 * KEYS: run, failures. ARGV: now. Moves a finished run's failures back to work; returns the task
 * ids. The run is live again: it no longer expires (a /predict run keeps its life).
 */
const TAKE_FAILURES = `
local run, failures = KEYS[1], KEYS[2]
local status = redis.call('HGET', run, 'status')
if status ~= 'completed' and status ~= 'running' and status ~= 'paused' then return false end
local ids = redis.call('HKEYS', failures)
if #ids == 0 then return ids end
redis.call('DEL', failures)
redis.call('HINCRBY', run, 'failed', -#ids)
redis.call('HINCRBY', run, 'retries', 1)
redis.call('HDEL', run, 'finishedAt')
if status == 'completed' then redis.call('HSET', run, 'status', 'running') end
if redis.call('HGET', run, 'source') ~= 'predict' then redis.call('PERSIST', run) end
return ids
`;

export interface NewRun {
  project: number;
  pipeline: string;
  mode: RunMode;
  modelVersion: string;
  options: unknown;
  source: RunSource;
  /** A deterministic id (webhook deliveries); a random sortable id when absent. */
  id?: string;
  /** Known up front (webhooks, `/predict` carry it): the scan then needs no project read. */
  labelConfig?: string;
}

export interface TaskOutcomes {
  done: readonly number[];
  skipped: readonly number[];
  failed: readonly { task: number; reason: string }[];
}

/** How long a `/predict` run's records live. */
const PREDICT_RUN_TTL_SEC = 7 * 86_400;

export function newRunId(nowMs = Date.now()): string {
  return `${nowMs.toString(36)}${randomBytes(5).toString('hex')}`;
}

export type RunStore = ReturnType<typeof createRunStore>;

export interface RunStoreOptions {
  /** How long an ended run and its failures are kept, in seconds; 0 keeps them for good. @defaultValue 30 days */
  retentionSec?: number;
}

/** Index entries looked at for expired runs each time a run is created. */
const INDEX_SWEEP = 20;

/**
 * KEYS: index. ARGV: run key prefix, count. Removes the oldest `count` index entries whose run
 * hash is gone. (The run keys share the index's prefix, so with a `{hash tag}` prefix they are in
 * its cluster slot.)
 */
const SWEEP_INDEX = `
local ids = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)
for _, id in ipairs(ids) do
  if redis.call('EXISTS', ARGV[1] .. id) == 0 then redis.call('ZREM', KEYS[1], id) end
end
return 0
`;

export function createRunStore(redis: Redis, prefix: string, options: RunStoreOptions = {}) {
  const retentionSec = String(options.retentionSec ?? 30 * 86_400);
  const runKey = (id: string) => `${prefix}:run:${id}`;
  const failuresKey = (id: string) => `${prefix}:run:${id}:failures`;
  const inlineKey = (id: string) => `${prefix}:run:${id}:inline`;
  const claimsKey = (id: string) => `${prefix}:run:${id}:claims`;
  const writersKey = (project: number, modelVersion: string) => `${prefix}:writing:${project}:${modelVersion}`;
  const ledgerKey = (project: number, modelVersion: string) => `${prefix}:ledger:${project}:${modelVersion}`;
  const indexKey = `${prefix}:runs`;

  function decode(id: string, h: Record<string, string>): RunRecord | undefined {
    if (h.status === undefined) return undefined;
    const num = (key: string) => Number(h[key] ?? 0);
    const optionalNum = (key: string) => (h[key] === undefined ? undefined : Number(h[key]));
    return {
      id,
      project: num('project'),
      pipeline: h.pipeline ?? '',
      mode: (h.mode ?? 'missing') as RunMode,
      modelVersion: h.modelVersion ?? '',
      options: JSON.parse(h.options ?? '{}'),
      source: (h.source ?? 'api') as RunSource,
      status: h.status as RunStatus,
      error: h.error,
      createdAt: num('createdAt'),
      startedAt: optionalNum('startedAt'),
      finishedAt: optionalNum('finishedAt'),
      total: num('total'),
      scanned: num('scanned'),
      queued: num('queued'),
      scanSkipped: num('scanSkipped'),
      writeSkipped: num('writeSkipped'),
      done: num('done'),
      failed: num('failed'),
      cursor: num('cursor'),
      scanFinished: h.scanFinished === '1',
      labelConfig: h.labelConfig,
      retries: num('retries'),
      deadlineAt: optionalNum('deadlineAt'),
    };
  }

  /** Drops the index entries of the oldest runs when those have expired (one round trip). */
  async function sweepIndex(): Promise<void> {
    if (retentionSec === '0') return;
    await redis.eval(SWEEP_INDEX, 1, indexKey, runKey(''), String(INDEX_SWEEP));
  }

  return {
    ledgerKey,

    /** Creates a run; with a deterministic id, a second create returns the existing run instead. */
    async create(input: NewRun, nowMs = Date.now()): Promise<{ run: RunRecord; created: boolean }> {
      const id = input.id ?? newRunId(nowMs);
      const fields = {
        project: String(input.project),
        pipeline: input.pipeline,
        mode: input.mode,
        modelVersion: input.modelVersion,
        options: JSON.stringify(input.options ?? {}),
        source: input.source,
        status: 'queued',
        createdAt: String(nowMs),
        total: '0',
        scanned: '0',
        queued: '0',
        scanSkipped: '0',
        writeSkipped: '0',
        done: '0',
        failed: '0',
        cursor: '0',
        scanFinished: '0',
        retries: '0',
        ...(input.labelConfig === undefined ? {} : { labelConfig: input.labelConfig }),
      };
      const created = await redis.hsetnx(runKey(id), 'status', 'queued');
      if (created === 1) {
        const write = redis.multi().hset(runKey(id), fields).zadd(indexKey, nowMs, id);
        // Live-mode Label Studio calls /predict for single tasks all day: those runs are kept a week.
        // (Their inline results and claims expire on their own, within a day.)
        if (input.source === 'predict') write.expire(runKey(id), PREDICT_RUN_TTL_SEC);
        await write.exec();
        await sweepIndex();
      }
      const run = await this.get(id);
      if (!run) throw new Error(`run ${id} vanished while being created`);
      return { run, created: created === 1 };
    },

    async get(id: string): Promise<RunRecord | undefined> {
      return decode(id, await redis.hgetall(runKey(id)));
    },

    async list(params: { limit: number; project?: number }): Promise<RunRecord[]> {
      const ids = await redis.zrevrange(indexKey, 0, params.project === undefined ? params.limit - 1 : -1);
      const runs: RunRecord[] = [];
      for (const id of ids) {
        const run = await this.get(id);
        if (!run) {
          await redis.zrem(indexKey, id); // an expired /predict run
          continue;
        }
        if (params.project !== undefined && run.project !== params.project) continue;
        runs.push(run);
        if (runs.length >= params.limit) break;
      }
      return runs;
    },

    /** Moves a run from one of `from` to `to`; returns the status after (unchanged when not allowed). */
    async transition(
      id: string,
      from: readonly RunStatus[],
      to: RunStatus | 'resumed',
      error = '',
      nowMs = Date.now(),
    ): Promise<RunStatus | undefined> {
      const status = (await redis.eval(
        TRANSITION,
        2,
        runKey(id),
        failuresKey(id),
        from.join(','),
        to,
        String(nowMs),
        error,
        retentionSec,
      )) as RunStatus | null;
      return status ?? undefined;
    },

    /** Marks the scan started and records the label config the run predicts against. */
    async start(id: string, labelConfig: string, nowMs = Date.now()): Promise<RunStatus | undefined> {
      await redis.hset(runKey(id), 'labelConfig', labelConfig);
      return this.transition(id, ['queued'], 'running', '', nowMs);
    },

    /**
     * Starts a `/predict` run whose tasks the gateway enqueues itself: no scan, every task counted
     * as queued, and the deadline after which the write-back may deliver what the answer did not.
     */
    async startInline(id: string, init: { tasks: number; deadlineAt: number }, nowMs = Date.now()) {
      const n = String(init.tasks);
      await redis.hset(runKey(id), {
        status: 'running',
        startedAt: String(nowMs),
        total: n,
        scanned: n,
        queued: n,
        scanFinished: '1',
        deadlineAt: String(init.deadlineAt),
      });
    },

    /** Keeps predictions of a `/predict` run where the waiting gateway can read them. */
    /**
     * Keeps one chunk's predictions of a `/predict` run where the waiting gateway reads them (one
     * field per chunk: a 20 000-task answer reads 80 fields, not 20 000), and counts the chunk's
     * tasks — failed ones included, so the gateway stops waiting once every task has an outcome.
     */
    async storeInline(
      id: string,
      chunkId: string,
      outcome: { predictions: readonly { task: number; result: unknown[]; score: number | null }[]; tasks: number },
    ) {
      await redis.eval(
        STORE_INLINE,
        1,
        inlineKey(id),
        chunkId,
        JSON.stringify(outcome.predictions),
        String(outcome.tasks),
      );
    },

    async inlineCount(id: string): Promise<number> {
      return Number((await redis.hget(inlineKey(id), INLINE_COUNT_FIELD)) ?? 0);
    },

    async inlineResults(id: string): Promise<Map<number, { result: unknown[]; score: number | null }>> {
      const results = new Map<number, { result: unknown[]; score: number | null }>();
      for (const [field, raw] of Object.entries(await redis.hgetall(inlineKey(id)))) {
        if (field === INLINE_COUNT_FIELD) continue;
        for (const p of JSON.parse(raw) as { task: number; result: unknown[]; score: number | null }[]) {
          results.set(p.task, { result: p.result, score: p.score });
        }
      }
      return results;
    },

    /**
     * The per-task atomic claim deciding who delivers a `/predict` task's prediction — the HTTP
     * answer (`inline`) or the write-back (`writeback`) — never both, never neither. Returns the
     * tasks `owner` holds.
     */
    async claim(id: string, owner: 'inline' | 'writeback', taskIds: readonly number[]): Promise<Set<number>> {
      if (taskIds.length === 0) return new Set();
      const mine = (await redis.eval(CLAIM, 1, claimsKey(id), owner, '86400', ...taskIds.map(String))) as string[];
      return new Set(mine.map(Number));
    },

    /**
     * Claims the right to write these tasks' predictions of the run's version for `ttlMs`, so two
     * runs over the same tasks (an import during a backfill) never both write one. Returns the
     * tasks this run may write; the others are being written by another run right now.
     */
    async claimWrites(
      run: Pick<RunRecord, 'id' | 'project' | 'modelVersion'>,
      taskIds: readonly number[],
      ttlMs: number,
      nowMs = Date.now(),
    ): Promise<Set<number>> {
      if (taskIds.length === 0) return new Set();
      const mine = (await redis.eval(
        CLAIM_WRITES,
        1,
        writersKey(run.project, run.modelVersion),
        run.id,
        String(nowMs),
        String(ttlMs),
        ...taskIds.map(String),
      )) as string[];
      return new Set(mine.map(Number));
    },

    async releaseWrites(run: Pick<RunRecord, 'id' | 'project' | 'modelVersion'>, taskIds: readonly number[]) {
      if (taskIds.length === 0) return;
      await redis.eval(RELEASE_WRITES, 1, writersKey(run.project, run.modelVersion), run.id, ...taskIds.map(String));
    },

    fail(id: string, error: string, nowMs = Date.now()) {
      return this.transition(id, ['queued', 'running', 'paused'], 'failed', error.slice(0, 1000), nowMs);
    },

    async commitScanPage(
      id: string,
      page: {
        expectedCursor: number;
        newCursor: number;
        scanned: number;
        queued: number;
        skipped: number;
        total?: number;
        finished: boolean;
      },
      nowMs = Date.now(),
    ): Promise<boolean> {
      const applied = await redis.eval(
        COMMIT_SCAN_PAGE,
        2,
        runKey(id),
        failuresKey(id),
        String(page.expectedCursor),
        String(page.newCursor),
        String(page.scanned),
        String(page.queued),
        String(page.skipped),
        page.total === undefined ? '' : String(page.total),
        page.finished ? '1' : '0',
        String(nowMs),
        retentionSec,
      );
      return applied === 1;
    },

    /** Records task outcomes idempotently; returns what was actually added. */
    async commitTasks(
      run: Pick<RunRecord, 'id' | 'project' | 'modelVersion'>,
      outcomes: TaskOutcomes,
      nowMs = Date.now(),
    ): Promise<{ done: number; skipped: number; failed: number }> {
      const args: string[] = [
        run.id,
        String(nowMs),
        retentionSec,
        String(outcomes.done.length),
        ...outcomes.done.map(String),
      ];
      args.push(String(outcomes.skipped.length), ...outcomes.skipped.map(String));
      args.push(String(outcomes.failed.length));
      for (const failure of outcomes.failed) args.push(String(failure.task), failure.reason.slice(0, 500));
      const [done, skipped, failed] = (await redis.eval(
        COMMIT_TASKS,
        3,
        runKey(run.id),
        ledgerKey(run.project, run.modelVersion),
        failuresKey(run.id),
        ...args,
      )) as [number, number, number];
      return { done, skipped, failed };
    },

    async failures(id: string, limit = 1000): Promise<{ task: number; reason: string }[]> {
      const out: { task: number; reason: string }[] = [];
      let cursor = '0';
      do {
        const [next, flat] = await redis.hscan(failuresKey(id), cursor, 'COUNT', 500);
        cursor = next;
        for (let i = 0; i + 1 < flat.length; i += 2) out.push({ task: Number(flat[i]), reason: flat[i + 1]! });
      } while (cursor !== '0' && out.length < limit);
      return out.sort((a, b) => a.task - b.task).slice(0, limit);
    },

    /** Takes a run's failed tasks back (failed counter lowered, run running again); undefined if not allowed. */
    async takeFailures(id: string, nowMs = Date.now()): Promise<number[] | undefined> {
      const ids = (await redis.eval(TAKE_FAILURES, 2, runKey(id), failuresKey(id), String(nowMs))) as string[] | null;
      return ids === null ? undefined : ids.map(Number).sort((a, b) => a - b);
    },

    /**
     * Tasks of `ids` this run already delivered (ledger) or is writing right now (a live write
     * claim): a scan that re-reads a page after a crash finds their predictions in LS and must not
     * count them as skipped, since the run counts them as done.
     */
    async handledBy(run: Pick<RunRecord, 'id' | 'project' | 'modelVersion'>, ids: readonly number[]) {
      if (ids.length === 0) return new Set<number>();
      const fields = ids.map(String);
      const [owners, writers] = await Promise.all([
        redis.hmget(ledgerKey(run.project, run.modelVersion), ...fields),
        redis.hmget(writersKey(run.project, run.modelVersion), ...fields),
      ]);
      return new Set(ids.filter((_, i) => owners[i] === run.id || (writers[i] ?? '').startsWith(`${run.id} `)));
    },

    /** Tasks of `ids` the ledger says this run already delivered. */
    async deliveredBy(run: Pick<RunRecord, 'id' | 'project' | 'modelVersion'>, ids: readonly number[]) {
      if (ids.length === 0) return new Set<number>();
      const owners = await redis.hmget(ledgerKey(run.project, run.modelVersion), ...ids.map(String));
      return new Set(ids.filter((_, i) => owners[i] === run.id));
    },
  };
}
