/**
 * `npm run bench`: prelabel end to end on a large project, next to BullMQ's raw throughput on the
 * same Redis. A benchmark, not a test: it measures, checks that the run was exactly once, and
 * writes the figures down.
 *
 *   node test/bench/bench.ts [--tasks N] [--warmup-tasks N] [--raw-jobs N] [--raw-concurrency N]
 *     [--chunk-size N] [--page-size N] [--max-outstanding N] [--concurrency N] [--writes-per-sec N]
 *     [--timeout-s N] [--webhook-deliveries N] [--webhook-tasks N] [--out FILE]
 *     [--ner N] [--pdf N] [--readme | --no-readme] [--log-dir DIR]
 *
 * Every flag has an environment twin (BENCH_TASKS, BENCH_WARMUP_TASKS, BENCH_RAW_JOBS,
 * BENCH_RAW_CONCURRENCY, BENCH_CHUNK_SIZE, BENCH_SCAN_PAGE_SIZE, BENCH_MAX_OUTSTANDING,
 * BENCH_CONCURRENCY, BENCH_WRITES_PER_SEC, BENCH_TIMEOUT_S, BENCH_WEBHOOK_DELIVERIES,
 * BENCH_WEBHOOK_TASKS, BENCH_NER, BENCH_PDF, BENCH_LOG_DIR); flags win. REDIS_URL picks the Redis (default local);
 * BENCH_NODE_FLAGS adds Node flags to every process of step 2.
 *
 * 1. Baseline: `raw-bullmq.ts` in a child process adds BENCH_RAW_JOBS no-op jobs and processes them
 *    (jobs/s of the processing). `--raw-jobs 0` skips it.
 * 2. End to end, every piece in its own process as in production: the LS test server
 *    (`test/ls-server/main.ts`), seeded over its admin API with the NER project of
 *    `test/support/project.ts` (BENCH_TASKS tasks, plus a warm-up project of BENCH_WARMUP_TASKS,
 *    default the same size); `prelabel gateway`; `prelabel worker scan writeback`; `prelabel worker
 *    patterns`. Once all are up, a warm-up run pre-labels the warm-up project; then `POST /api/runs`
 *    (patterns, missing) on the measured project starts the clock and the poll of `GET /api/runs/:id`
 *    that sees `completed` stops it: tasks/s = tasks ÷ that wall time.
 * 3. Checks: done = tasks, failed = 0, LS holds one prediction per task (no duplicates of the run's
 *    model_version, `predictionsWritten` = tasks) and no trap call. Any miss, a failed run, a child
 *    that dies or a timeout prints the reason and exits 1, after cleaning up; nothing is written then.
 * 4. Every process's VmRSS and CPU time (/proc/<pid>/status and /stat) are sampled every 250 ms:
 *    peak RSS, "flat" (the peak of the measured run's last third is within 15 % / 16 MiB of its
 *    first third's; not judged on a run under 2 s, whose thirds are a sample or two) and the share of a core each process used during the run; Redis's CPU comes
 *    from INFO (a shared Redis counts its other clients too).
 * 5. Webhook acknowledgement, on the same LS test server, gateway and workers: a new project of
 *    BENCH_WEBHOOK_DELIVERIES × BENCH_WEBHOOK_TASKS tasks (default 20 × 5 000) is seeded and set up
 *    as Label Studio does (`POST /setup` with Extra params `{"pipeline": "patterns", "options"}`).
 *    The driver builds one Label Studio-shaped `TASKS_CREATED` payload per BENCH_WEBHOOK_TASKS tasks
 *    (the ids and texts LS holds), serializes them all, then delivers them one after another as LS
 *    does (`POST /webhook`, each waits for the previous answer) and times each acknowledgement
 *    client-side, send → full response. Each must answer 201 `{"status": "ok", "run", "duplicate":
 *    false}` with a run of its own; the first payload is then delivered twice more and must answer
 *    `duplicate: true` with the same run. Every run must complete with done = its tasks and no
 *    failure, and LS must end with exactly one prediction per task of the project (that
 *    model_version, no duplicates, no trap call). Figures: ack p50 / p99 (nearest rank: of 20
 *    deliveries, the slowest) / max against the 250 ms target, the gateway's CPU per ack, and the
 *    drain rate: tasks ÷ (first delivery sent → last run seen `completed`).
 *    `--webhook-deliveries 0` skips it.
 * 6. NER, last, once every prelabel process is idle: `ner-bench.ts` in a child process (see its
 *    header) times the `ner` model's pipeline path against bare `session.run` on the same batches
 *    (ratio, target ≥ 0.90), sweeps maxBatchSize and measures single-task latency, on CoNLL-2003
 *    sentences from `../shared/datasets/ner/conll2003/eng.testb` (skipped, saying so, when that
 *    file is absent). `--ner 0` / BENCH_NER=0 skips it.
 * 7. PDF, after NER: `pdf-bench.ts` in a child process (see its header): pages/s of the text-layer
 *    extraction pool against `pdftotext` on the same files in the same run (target ≥ 0.5×), and OCR
 *    seconds per page. `--pdf 0` / BENCH_PDF=0 skips it.
 * 8. Results: pretty JSON in `test/bench/results/latest.json` (a full-size run; other sizes go to
 *    `results/smoke.json`), and the README block between `<!-- bench:start -->` and
 *    `<!-- bench:end -->` (full-size runs only, unless `--readme`). A table is printed on stdout.
 * Cleanup, also on failure and SIGINT/SIGTERM: every child process is stopped and every Redis key
 * under this run's unique prefix is deleted (the Redis is shared).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { NER_CONFIG, PATTERN_OPTIONS, TEXTS } from '../support/project.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI_MAIN = fileURLToPath(new URL('../../apps/cli/src/main.ts', import.meta.url));
const LS_MAIN = fileURLToPath(new URL('../ls-server/main.ts', import.meta.url));
const RAW_MAIN = fileURLToPath(new URL('./raw-bullmq.ts', import.meta.url));
const NER_MAIN = fileURLToPath(new URL('./ner-bench.ts', import.meta.url));
const PDF_MAIN = fileURLToPath(new URL('./pdf-bench.ts', import.meta.url));
const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const FULL_SIZE = 100_000;
const SAMPLE_MS = 250;
const POLL_MS = 100;
const PROGRESS_MS = 5000;
/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks (100 on every mainstream kernel). */
const CLOCK_TICKS = 100;
const MiB = 1024 * 1024;
/** A measured run shorter than this (a smoke run) is not judged for flat RSS. */
const MIN_FLAT_SECONDS = 2;

// ---------------------------------------------------------------------------------------------
// Settings

/**
 * The chosen defaults, from a sweep on the 2-core reference machine (README "Performance"): the
 * product's defaults except that chunks and pages are twice as large (fewer round trips per task)
 * and LABEL_STUDIO_WRITES_PER_SEC is raised from 20 to 100. At 20 the limiter, not prelabel, sets
 * the pace: 20 write-backs/s × CHUNK_SIZE tasks (5 000 tasks/s with the product's 250), which is
 * Label Studio protection working as intended, not something a benchmark of the engine should show.
 */
const DEFAULTS = {
  tasks: FULL_SIZE,
  rawJobs: 50_000,
  rawConcurrency: 50,
  chunkSize: 500,
  scanPageSize: 1000,
  maxOutstandingChunks: 16,
  workerConcurrency: 4,
  writesPerSec: 100,
  webhookDeliveries: 20,
  webhookTasks: 5000,
};

const { values: flags } = parseArgs({
  options: {
    tasks: { type: 'string' },
    'warmup-tasks': { type: 'string' },
    'raw-jobs': { type: 'string' },
    'raw-concurrency': { type: 'string' },
    'chunk-size': { type: 'string' },
    'page-size': { type: 'string' },
    'max-outstanding': { type: 'string' },
    concurrency: { type: 'string' },
    'writes-per-sec': { type: 'string' },
    'timeout-s': { type: 'string' },
    'webhook-deliveries': { type: 'string' },
    'webhook-tasks': { type: 'string' },
    ner: { type: 'string' },
    pdf: { type: 'string' },
    out: { type: 'string' },
    'log-dir': { type: 'string' },
    readme: { type: 'boolean' },
    'no-readme': { type: 'boolean' },
  },
  strict: true,
});

function intSetting(flag: string, envName: string, fallback: number, min = 1): number {
  const raw = (flags as Record<string, string | boolean | undefined>)[flag] ?? process.env[envName];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    console.error(`bench: --${flag} / ${envName} must be an integer ≥ ${min}, got ${String(raw)}`);
    process.exit(2);
  }
  return n;
}

const tasks = intSetting('tasks', 'BENCH_TASKS', DEFAULTS.tasks);
const settings = {
  tasks,
  // As many as the measured run by default: V8 takes that long under this load to size its heap.
  warmupTasks: intSetting('warmup-tasks', 'BENCH_WARMUP_TASKS', tasks, 0),
  rawJobs: intSetting('raw-jobs', 'BENCH_RAW_JOBS', DEFAULTS.rawJobs, 0),
  rawConcurrency: intSetting('raw-concurrency', 'BENCH_RAW_CONCURRENCY', DEFAULTS.rawConcurrency),
  rawBatch: 1000,
  chunkSize: intSetting('chunk-size', 'BENCH_CHUNK_SIZE', DEFAULTS.chunkSize),
  scanPageSize: intSetting('page-size', 'BENCH_SCAN_PAGE_SIZE', DEFAULTS.scanPageSize),
  maxOutstandingChunks: intSetting('max-outstanding', 'BENCH_MAX_OUTSTANDING', DEFAULTS.maxOutstandingChunks),
  workerConcurrency: intSetting('concurrency', 'BENCH_CONCURRENCY', DEFAULTS.workerConcurrency),
  writesPerSec: intSetting('writes-per-sec', 'BENCH_WRITES_PER_SEC', DEFAULTS.writesPerSec),
  // Generous: a healthy run takes well under a minute per 100 000 tasks here.
  timeoutS: intSetting('timeout-s', 'BENCH_TIMEOUT_S', Math.max(120, Math.ceil(tasks / 200))),
  // The issue's figure: a 5 000-task TASKS_CREATED webhook, p99 over 20 deliveries.
  webhookDeliveries: intSetting('webhook-deliveries', 'BENCH_WEBHOOK_DELIVERIES', DEFAULTS.webhookDeliveries, 0),
  webhookTasks: intSetting('webhook-tasks', 'BENCH_WEBHOOK_TASKS', DEFAULTS.webhookTasks),
  // 0 skips the NER section.
  ner: intSetting('ner', 'BENCH_NER', 1, 0) > 0,
  // 0 skips the PDF section.
  pdf: intSetting('pdf', 'BENCH_PDF', 1, 0) > 0,
};
const fullSize = tasks === FULL_SIZE;
const outFile = flags.out ?? `${RESULTS_DIR}${fullSize ? 'latest.json' : 'smoke.json'}`;
const writeReadme = flags['no-readme'] ? false : (flags.readme ?? fullSize);
const logDir = flags['log-dir'] ?? process.env.BENCH_LOG_DIR;
/**
 * Extra Node flags for every process of the end-to-end run, for diagnosis (`--cpu-prof
 * --cpu-prof-dir=DIR` to see where CPU goes, `--trace-gc` with `--log-dir` to see the live heap).
 */
const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== '');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `bench-${randomBytes(4).toString('hex')}`;

// ---------------------------------------------------------------------------------------------
// Child processes, sampled

interface Sample {
  t: number;
  rssKiB: number;
  cpuTicks: number;
}

interface Proc {
  name: string;
  /** prelabel's own processes carry the "flat RSS" property; the LS stand-in stores everything. */
  prelabel: boolean;
  child: ChildProcess;
  pid: number;
  samples: Sample[];
  exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  tail: string[];
}

const procs: Proc[] = [];

function readProc(pid: number): { rssKiB: number; cpuTicks: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /^VmRSS:\s+(\d+) kB/m.exec(status);
    // The command name (field 2) may hold spaces; the fields after its closing paren are fixed.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime) are 11 and 12 after the paren.
    const cpuTicks = Number(fields[11]) + Number(fields[12]);
    return { rssKiB: rss ? Number(rss[1]) : 0, cpuTicks };
  } catch {
    return undefined; // the process is gone
  }
}

/** Samples every live child now; returns the sample time. */
function sampleAll(): number {
  const t = performance.now();
  for (const proc of procs) {
    if (proc.exited) continue;
    const now = readProc(proc.pid);
    if (now) proc.samples.push({ t, ...now });
  }
  return t;
}

function launch(name: string, args: string[], env: Record<string, string>, prelabel: boolean): Proc {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  const proc: Proc = { name, prelabel, child, pid: child.pid, samples: [], exited: undefined, tail: [] };
  let shown = 0;
  const log = logDir ? createWriteStream(`${logDir}/${name.replace(/[^a-z0-9-]+/gi, '_')}.log`) : undefined;
  const keep = (chunk: Buffer) => {
    log?.write(chunk);
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      proc.tail.push(line);
      if (proc.tail.length > 40) proc.tail.shift();
      // Services log at warn: show the first few lines as they come, keep the rest for a failure report.
      if (prelabel && shown < 10 && cleaning === undefined) {
        shown += 1;
        console.error(`  [${name}] ${line.slice(0, 400)}`);
      }
    }
  };
  child.stderr?.on('data', keep);
  // Always drained, so a chatty child (say under --trace-gc) never blocks on a full pipe.
  child.stdout?.on('data', prelabel ? keep : (chunk: Buffer) => log?.write(chunk));
  child.on('exit', (code, signal) => {
    proc.exited = { code, signal };
    log?.end();
  });
  procs.push(proc);
  return proc;
}

async function stopProc(proc: Proc): Promise<void> {
  if (proc.exited) return;
  const gone = new Promise<void>((resolve) => proc.child.once('exit', () => resolve()));
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 5000);
  await gone;
  clearTimeout(timer);
}

function assertAlive(): void {
  for (const proc of procs) {
    if (proc.exited) {
      throw new Error(
        `${proc.name} exited unexpectedly (code ${proc.exited.code}, signal ${proc.exited.signal}); last output:\n${proc.tail.join('\n')}`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US').replaceAll(',', ' ');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function http<T>(method: string, url: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(url, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
}

async function expectOk<T>(method: string, url: string, body?: unknown): Promise<T> {
  const answer = await http<T>(method, url, body);
  if (answer.status >= 300)
    throw new Error(`${method} ${url} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

function firstLine(proc: Proc, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`${proc.name} printed nothing in ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const end = buffer.indexOf('\n');
      if (end >= 0) {
        clearTimeout(timer);
        proc.child.stdout?.off('data', onData);
        resolve(buffer.slice(0, end));
      }
    };
    proc.child.stdout?.on('data', onData);
    proc.child.once('exit', () => reject(new Error(`${proc.name} exited: ${proc.tail.join('\n')}`)));
  });
}

async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const get = (key: string) => Number(new RegExp(`^${key}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return get('used_cpu_user') + get('used_cpu_sys');
}

async function redisUsedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? 0);
}

async function deleteKeys(redis: Redis): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

// ---------------------------------------------------------------------------------------------
// The baseline

interface RawResult {
  jobs: number;
  concurrency: number;
  batch: number;
  addSeconds: number;
  addJobsPerSec: number;
  processSeconds: number;
  jobsPerSec: number;
  cpuSeconds: number;
  peakRssMiB?: number;
  redisCpuSeconds?: number;
}

async function rawBaseline(redis: Redis): Promise<RawResult | undefined> {
  if (settings.rawJobs === 0) return undefined;
  console.error(
    `raw BullMQ: ${fmt(settings.rawJobs)} no-op jobs, concurrency ${settings.rawConcurrency} (own process)…`,
  );
  const redisBefore = await redisCpuSeconds(redis);
  const proc = launch(
    'raw-bullmq',
    [
      RAW_MAIN,
      '--redis',
      redisUrl,
      '--prefix',
      prefix,
      '--jobs',
      String(settings.rawJobs),
      '--concurrency',
      String(settings.rawConcurrency),
      '--batch',
      String(settings.rawBatch),
    ],
    { PATH: process.env.PATH ?? '' },
    false,
  );
  const line = await firstLine(proc, 300_000);
  await new Promise<void>((resolve) => (proc.exited ? resolve() : proc.child.once('exit', () => resolve())));
  procs.splice(procs.indexOf(proc), 1);
  if (proc.exited?.code !== 0) throw new Error(`raw-bullmq failed (${proc.exited?.code}): ${proc.tail.join('\n')}`);
  const result = JSON.parse(line) as RawResult;
  result.peakRssMiB = round(Math.max(0, ...proc.samples.map((s) => s.rssKiB)) / 1024);
  result.redisCpuSeconds = round((await redisCpuSeconds(redis)) - redisBefore, 2);
  console.error(`raw BullMQ: ${fmt(result.jobsPerSec)} jobs/s (${result.processSeconds} s)`);
  return result;
}

// ---------------------------------------------------------------------------------------------
// End to end

interface RunView {
  id: string;
  status: string;
  modelVersion: string;
  total: number;
  done: number;
  skipped: number;
  failed: number;
  ratePerSec: number;
  startedAt: string | null;
  finishedAt: string | null;
  createdAt: string;
  error?: string;
}

interface ProcessFigures {
  name: string;
  prelabel: boolean;
  peakRssMiB: number;
  rssAtStartMiB: number;
  rssAtEndMiB: number;
  firstThirdPeakMiB: number;
  lastThirdPeakMiB: number;
  growthMiB: number;
  /** null: the run was too short (under {@link MIN_FLAT_SECONDS}) for thirds to mean anything. */
  flat: boolean | null;
  cpuSeconds: number;
  /** CPU time during the run ÷ wall time: 100 means one core busy the whole run. */
  cpuPercentOfCore: number;
  /** The busiest 1-second window of the run, in % of a core; null for a run shorter than that. */
  cpuPeakPercentOfCore: number | null;
  /** RSS once a second from the run's start to its end. */
  rssTimelineMiB: number[];
}

function figuresOf(proc: Proc, t0: number, t1: number): ProcessFigures {
  const all = proc.samples;
  const run = all.filter((s) => s.t >= t0 && s.t <= t1);
  const third = (t1 - t0) / 3;
  const peak = (list: Sample[]) => Math.max(0, ...list.map((s) => s.rssKiB)) / 1024;
  const firstThird = peak(run.filter((s) => s.t <= t0 + third));
  const lastThird = peak(run.filter((s) => s.t >= t1 - third));
  const growth = lastThird - firstThird;
  const first = run[0] ?? all[0];
  const last = run.at(-1) ?? all.at(-1);
  const cpuSeconds = first && last ? (last.cpuTicks - first.cpuTicks) / CLOCK_TICKS : 0;
  const wall = first && last ? (last.t - first.t) / 1000 : 0;
  let cpuPeak: number | null = null;
  for (let i = 0, j = 0; i < run.length; i += 1) {
    while (j < run.length && run[j]!.t - run[i]!.t < 1000) j += 1;
    const end = run[j - 1]!;
    const seconds = (end.t - run[i]!.t) / 1000;
    if (seconds >= 0.75) {
      const percent = ((end.cpuTicks - run[i]!.cpuTicks) / CLOCK_TICKS / seconds) * 100;
      cpuPeak = Math.max(cpuPeak ?? 0, percent);
    }
  }
  return {
    name: proc.name,
    prelabel: proc.prelabel,
    peakRssMiB: round(peak(all)),
    rssAtStartMiB: round((first?.rssKiB ?? 0) / 1024),
    rssAtEndMiB: round((last?.rssKiB ?? 0) / 1024),
    firstThirdPeakMiB: round(firstThird),
    lastThirdPeakMiB: round(lastThird),
    growthMiB: round(growth),
    // GC makes RSS breathe; "flat" is the last third's peak within 15 % (at least 16 MiB) of the first's.
    flat: (t1 - t0) / 1000 < MIN_FLAT_SECONDS ? null : growth <= Math.max(16, firstThird * 0.15),
    cpuSeconds: round(cpuSeconds, 2),
    cpuPercentOfCore: wall > 0 ? Math.round((cpuSeconds / wall) * 100) : 0,
    cpuPeakPercentOfCore: cpuPeak === null ? null : Math.round(cpuPeak),
    rssTimelineMiB: run
      .filter((s, i) => i === 0 || Math.floor((s.t - t0) / 1000) > Math.floor((run[i - 1]!.t - t0) / 1000))
      .map((s) => round(s.rssKiB / 1024, 0)),
  };
}

/** Creates an NER project in LS with `count` tasks; returns its id and the first task's id (ids are consecutive). */
async function seedProject(lsUrl: string, title: string, count: number): Promise<{ id: number; firstId: number }> {
  const project = await expectOk<{ id: number }>('POST', `${lsUrl}/__admin/projects`, {
    title,
    label_config: NER_CONFIG,
  });
  const seeded = await expectOk<{ created: number; first_id: number; last_id: number }>(
    'POST',
    `${lsUrl}/__admin/projects/${project.id}/tasks`,
    { count, texts: TEXTS },
  );
  if (seeded.created !== count || seeded.last_id - seeded.first_id !== count - 1) {
    throw new Error(`LS seeded ${seeded.created} tasks (${seeded.first_id}…${seeded.last_id}), not ${count}`);
  }
  return { id: project.id, firstId: seeded.first_id };
}

/** Starts a `patterns` run on `project` and polls it to `completed`; t0/t1 bracket POST → completion seen. */
async function runToCompletion(gatewayUrl: string, project: number, label: string) {
  const t0 = performance.now();
  const created = await expectOk<{ id: string; modelVersion: string }>('POST', `${gatewayUrl}/api/runs`, {
    project,
    pipeline: 'patterns',
    mode: 'missing',
    options: PATTERN_OPTIONS,
  });
  let lastProgress = t0;
  for (;;) {
    const run = await expectOk<RunView>('GET', `${gatewayUrl}/api/runs/${created.id}`);
    if (run.status === 'completed') return { run, t0, t1: performance.now() };
    if (run.status === 'failed' || run.status === 'cancelled') {
      throw new Error(`${label} run ${run.id} ${run.status}: ${run.error ?? 'no reason given'}`);
    }
    assertAlive();
    const now = performance.now();
    if (now - t0 > settings.timeoutS * 1000) {
      throw new Error(
        `${label} run ${run.id} not completed after ${settings.timeoutS} s (${run.status}, ${run.done}/${run.total} done)`,
      );
    }
    if (now - lastProgress >= PROGRESS_MS) {
      lastProgress = now;
      const rss = procs.map((p) => `${p.name} ${round((p.samples.at(-1)?.rssKiB ?? 0) / 1024, 0)}`).join(', ');
      console.error(
        `  ${label} ${round((now - t0) / 1000, 0)} s: ${fmt(run.done)}/${fmt(run.total)} done, ${fmt(run.ratePerSec)}/s; RSS MiB ${rss}`,
      );
    }
    await sleep(POLL_MS);
  }
}

/** The LS test server and gateway of the end-to-end run, which the webhook part reuses. */
let services: { lsUrl: string; gatewayUrl: string } | undefined;

async function endToEnd(redis: Redis) {
  console.error(`end to end: ${fmt(settings.tasks)} tasks (warm-up ${fmt(settings.warmupTasks)}), prefix ${prefix}`);
  const ls = launch('ls-server', [...nodeFlags, LS_MAIN, '--port', '0'], { PATH: process.env.PATH ?? '' }, false);
  const lsInfo = JSON.parse(await firstLine(ls, 30_000)) as { url: string; personalAccessToken: string };
  const seedStart = performance.now();
  const warmupProject =
    settings.warmupTasks > 0 ? (await seedProject(lsInfo.url, 'bench warm-up', settings.warmupTasks)).id : undefined;
  const project = (await seedProject(lsInfo.url, `bench ${settings.tasks}`, settings.tasks)).id;
  const seedSeconds = (performance.now() - seedStart) / 1000;
  console.error(`  LS test server at ${lsInfo.url}: seeded in ${round(seedSeconds, 2)} s`);

  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    LABEL_STUDIO_URL: lsInfo.url,
    LABEL_STUDIO_API_KEY: lsInfo.personalAccessToken,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    CHUNK_SIZE: String(settings.chunkSize),
    SCAN_PAGE_SIZE: String(settings.scanPageSize),
    MAX_OUTSTANDING_CHUNKS: String(settings.maxOutstandingChunks),
    WORKER_CONCURRENCY: String(settings.workerConcurrency),
    LABEL_STUDIO_WRITES_PER_SEC: String(settings.writesPerSec),
    SHUTDOWN_TIMEOUT_MS: '3000',
  };
  launch('gateway', [...nodeFlags, CLI_MAIN, 'gateway'], env, true);
  launch('worker scan+writeback', [...nodeFlags, CLI_MAIN, 'worker', 'scan', 'writeback'], env, true);
  launch('worker patterns', [...nodeFlags, CLI_MAIN, 'worker', 'patterns'], env, true);
  const gatewayUrl = `http://127.0.0.1:${port}`;
  services = { lsUrl: lsInfo.url, gatewayUrl };

  // Ready means: the gateway answers and every queue has a worker registered in Redis, so the clock
  // does not count process start-up.
  const readyBy = Date.now() + 60_000;
  const queues = ['scan', 'writeback', 'patterns'].map((name) => new Queue(name, { connection: redis, prefix }));
  try {
    for (;;) {
      assertAlive();
      const health = await http('GET', `${gatewayUrl}/health`).catch(() => undefined);
      const workers = await Promise.all(queues.map((queue) => queue.getWorkersCount()));
      if (health?.status === 200 && workers.every((n) => n > 0)) break;
      if (Date.now() > readyBy) throw new Error(`services not ready after 60 s (workers per queue: ${workers})`);
      await sleep(100);
    }
  } finally {
    await Promise.all(queues.map((queue) => queue.close()));
  }

  // Services run for weeks: measure them warm. A cold V8 grows its heap for the first seconds of
  // load (JIT, heap sizing), which would read as "RSS grew" in a 10-second run without any leak.
  let warmup: { wallSeconds: number; tasksPerSec: number; peakRssMiB: Record<string, number> } | undefined;
  if (warmupProject !== undefined) {
    const w = await runToCompletion(gatewayUrl, warmupProject, 'warm-up');
    if (w.run.done !== settings.warmupTasks || w.run.failed !== 0) {
      throw new Error(`warm-up run: done ${w.run.done}/${settings.warmupTasks}, failed ${w.run.failed}`);
    }
    const seconds = (w.t1 - w.t0) / 1000;
    // Its peaks, next to the measured run's: another 100 000 tasks should not raise the ceiling.
    const peakRssMiB = Object.fromEntries(
      procs.map((proc) => [
        proc.name,
        round(Math.max(0, ...proc.samples.filter((s) => s.t >= w.t0 && s.t <= w.t1).map((s) => s.rssKiB)) / 1024),
      ]),
    );
    warmup = { wallSeconds: round(seconds, 2), tasksPerSec: Math.round(settings.warmupTasks / seconds), peakRssMiB };
    console.error(`  warm-up: ${fmt(settings.warmupTasks)} tasks in ${round(seconds, 2)} s`);
    // The measured run's LS counters (requests, predictions written) start from zero.
    await expectOk('DELETE', `${lsInfo.url}/__admin/counters`);
  }
  await sleep(1000); // let the services go idle, so the run starts from a settled state

  // The samples taken right before the POST and right after completion bound the run's window, so
  // even a sub-second smoke run has a sample in its first and last thirds.
  const windowStart = sampleAll();

  const redisCpuBefore = await redisCpuSeconds(redis);
  const redisMemoryBefore = await redisUsedMemory(redis);
  const driverCpuBefore = process.cpuUsage();
  const { run, t0, t1 } = await runToCompletion(gatewayUrl, project, 'measured');
  const windowEnd = sampleAll();
  const driverCpu = process.cpuUsage(driverCpuBefore);
  const redisCpu = (await redisCpuSeconds(redis)) - redisCpuBefore;
  const redisMemoryAfter = await redisUsedMemory(redis);
  const wallSeconds = (t1 - t0) / 1000;
  console.error(`  completed in ${round(wallSeconds, 2)} s: ${fmt(settings.tasks / wallSeconds)} tasks/s`);

  // Exactly once, checked on LS's side as well as on the run's.
  const duplicates = await expectOk<{ tasks_with_duplicates: number }>(
    'GET',
    `${lsInfo.url}/__admin/projects/${project}/duplicates?model_version=${encodeURIComponent(run.modelVersion)}`,
  );
  const counters = await expectOk<{
    requests: Record<string, number>;
    trapCalls: number;
    predictionsWritten: number;
    importSkipped: number;
    maxInFlight: number;
    tokenRefreshes: number;
  }>('GET', `${lsInfo.url}/__admin/counters`);
  const problems: string[] = [];
  if (run.total !== settings.tasks) problems.push(`run total is ${run.total}, expected ${settings.tasks}`);
  if (run.done !== settings.tasks) problems.push(`run done is ${run.done}, expected ${settings.tasks}`);
  if (run.failed !== 0) problems.push(`run failed is ${run.failed}, expected 0`);
  if (duplicates.tasks_with_duplicates !== 0) {
    problems.push(`LS holds duplicate predictions on ${duplicates.tasks_with_duplicates} tasks`);
  }
  if (counters.trapCalls !== 0) problems.push(`LS counted ${counters.trapCalls} trap calls (GET /api/tasks/{id})`);
  if (counters.predictionsWritten !== settings.tasks) {
    problems.push(`LS stored ${counters.predictionsWritten} predictions, expected ${settings.tasks}`);
  }
  if (problems.length > 0) throw new Error(`the run was not exactly once:\n  - ${problems.join('\n  - ')}`);

  const processes = procs.map((proc) => figuresOf(proc, windowStart, windowEnd));
  return {
    projectId: project,
    warmup,
    seedSeconds: round(seedSeconds, 2),
    run: {
      id: run.id,
      modelVersion: run.modelVersion,
      status: run.status,
      total: run.total,
      done: run.done,
      skipped: run.skipped,
      failed: run.failed,
      ratePerSec: run.ratePerSec,
      createdAt: run.createdAt,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
    },
    wallSeconds: round(wallSeconds, 2),
    tasksPerSec: Math.round(settings.tasks / wallSeconds),
    checks: {
      duplicates: duplicates.tasks_with_duplicates,
      trapCalls: counters.trapCalls,
      predictionsWritten: counters.predictionsWritten,
      importSkipped: counters.importSkipped,
    },
    labelStudio: {
      requests: counters.requests,
      tokenRefreshes: counters.tokenRefreshes,
      maxInFlight: counters.maxInFlight,
    },
    processes,
    rssFlat: processes.some((p) => p.prelabel && p.flat === null)
      ? null
      : processes.filter((p) => p.prelabel).every((p) => p.flat),
    redis: {
      cpuSeconds: round(redisCpu, 2),
      cpuPercentOfCore: Math.round((redisCpu / wallSeconds) * 100),
      usedMemoryBeforeMiB: round(redisMemoryBefore / MiB),
      usedMemoryAfterMiB: round(redisMemoryAfter / MiB),
      note: 'shared Redis: its CPU and memory include any other client of it during the run',
    },
    driver: {
      cpuSeconds: round((driverCpu.user + driverCpu.system) / 1e6, 2),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Webhook acknowledgement

/** The issue's target for the p99 acknowledgement of a 5 000-task TASKS_CREATED. */
const WEBHOOK_TARGET_P99_MS = 250;
/** Label Studio's WEBHOOK_TIMEOUT: it gives up on a delivery after 1 s, and never retries it. */
const LS_WEBHOOK_TIMEOUT_MS = 1000;

/** The text the LS test server generated for the `i`-th task (0-based in its seed call) with id `id`. */
const seededText = (i: number, id: number) =>
  TEXTS[i % TEXTS.length]!.replaceAll('{i}', String(i))
    .replaceAll('{n}', String(i + 1))
    .replaceAll('{id}', String(id));

/** Nearest rank: the smallest value with at least p % of the values at or below it (p99 of 20: the slowest). */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** What p99 means over `n` values, in words. */
function nearestRank99(n: number): string {
  const rank = Math.ceil(0.99 * n);
  return rank === n ? `of ${n} deliveries, the slowest` : `the ${rank}-th fastest of ${n} deliveries`;
}

interface Ack {
  ms: number;
  status: number;
  body: { status?: string; run?: string; duplicate?: boolean };
  /** The gateway's CPU time (user + system, 10 ms ticks) while this delivery was in flight. */
  gatewayCpuMs: number;
}

/** One delivery as LS makes it: `POST /webhook` with a JSON body, timed send → full response. */
async function deliver(gatewayUrl: string, body: Buffer, gateway: Proc | undefined): Promise<Ack> {
  const cpuBefore = gateway ? readProc(gateway.pid)?.cpuTicks : undefined;
  const t0 = performance.now();
  const response = await fetch(`${gatewayUrl}/webhook`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
  });
  const text = await response.text();
  const ms = performance.now() - t0;
  const cpuAfter = gateway ? readProc(gateway.pid)?.cpuTicks : undefined;
  let parsed: Ack['body'];
  try {
    parsed = JSON.parse(text) as Ack['body'];
  } catch {
    parsed = { status: `not JSON: ${text.slice(0, 200)}` };
  }
  return {
    ms,
    status: response.status,
    body: parsed,
    gatewayCpuMs: cpuBefore === undefined || cpuAfter === undefined ? 0 : ((cpuAfter - cpuBefore) * 1000) / CLOCK_TICKS,
  };
}

/**
 * LS's TASKS_CREATED payload for `count` consecutive tasks from `firstId` (the `index`-th seeded
 * onwards): TaskWebhookSerializer (every Task column) and ProjectWebhookSerializer (every Project
 * column plus the counters), as in /work/shared/docs/label-studio-protocol.md §3.2.
 */
function tasksCreatedPayload(
  project: Record<string, unknown>,
  firstId: number,
  index: number,
  count: number,
  stamps: { created_at: string; updated_at: string },
) {
  const tasks = Array.from({ length: count }, (_, k) => {
    const id = firstId + index + k;
    return {
      id,
      data: { text: seededText(index + k, id) },
      meta: {},
      created_at: stamps.created_at,
      updated_at: stamps.updated_at,
      is_labeled: false,
      overlap: 1,
      project: project.id,
      file_upload: null,
      inner_id: index + k + 1,
      total_annotations: 0,
      cancelled_annotations: 0,
      total_predictions: 0,
      comment_count: 0,
      unresolved_comment_count: 0,
      last_comment_updated_at: null,
      updated_by: null,
      comment_authors: [],
    };
  });
  return { action: 'TASKS_CREATED', tasks, project };
}

async function webhookAck(redis: Redis) {
  if (settings.webhookDeliveries === 0) return undefined;
  if (!services) throw new Error('webhook: the end-to-end services are not running');
  const { lsUrl, gatewayUrl } = services;
  const deliveries = settings.webhookDeliveries;
  const batch = settings.webhookTasks;
  const total = deliveries * batch;
  console.error(`webhook: ${deliveries} TASKS_CREATED deliveries of ${fmt(batch)} tasks (project of ${fmt(total)})`);
  const seedStart = performance.now();
  const seeded = await seedProject(lsUrl, `bench webhook ${total}`, total);
  const seedSeconds = (performance.now() - seedStart) / 1000;

  // Connect model, as LS does it: /setup with the label config and the Extra params as a JSON string.
  const setup = await expectOk<{ model_version: string }>('POST', `${gatewayUrl}/setup`, {
    project: `${seeded.id}.${Math.floor(Date.now() / 1000)}`,
    schema: NER_CONFIG,
    hostname: lsUrl,
    access_token: 'x',
    extra_params: JSON.stringify({ pipeline: 'patterns', options: PATTERN_OPTIONS }),
  });
  const modelVersion = setup.model_version;

  // The payloads, built and serialized before any clock starts. The project as LS serializes it:
  // its columns (created_by as an id) and counters; the tasks with the ids and texts LS holds,
  // checked against LS at both ends of every batch.
  const lsProject = await expectOk<Record<string, unknown>>('GET', `${lsUrl}/__admin/projects/${seeded.id}`);
  const project = {
    id: seeded.id,
    title: lsProject.title,
    description: lsProject.description,
    label_config: NER_CONFIG,
    expert_instruction: lsProject.expert_instruction,
    show_instruction: lsProject.show_instruction,
    show_skip_button: lsProject.show_skip_button,
    enable_empty_annotation: lsProject.enable_empty_annotation,
    show_annotation_history: lsProject.show_annotation_history,
    show_collab_predictions: true,
    evaluate_predictions_automatically: false,
    token: randomBytes(8).toString('hex'),
    result_count: 0,
    color: lsProject.color,
    maximum_annotations: lsProject.maximum_annotations,
    min_annotations_to_start_training: lsProject.min_annotations_to_start_training,
    control_weights: {},
    model_version: '',
    data_types: { text: 'Text' },
    is_draft: false,
    is_published: false,
    created_at: lsProject.created_at,
    updated_at: lsProject.created_at,
    sampling: lsProject.sampling,
    show_ground_truth_first: lsProject.show_ground_truth_first,
    show_overlap_first: lsProject.show_overlap_first,
    overlap_cohort_percentage: lsProject.overlap_cohort_percentage,
    task_data_login: null,
    task_data_password: null,
    organization: lsProject.organization,
    created_by: 1,
    task_number: total,
    finished_task_number: 0,
    total_predictions_number: 0,
    total_annotations_number: 0,
    num_tasks_with_annotations: 0,
    useful_annotation_number: 0,
    ground_truth_number: 0,
    skipped_annotations_number: 0,
  };
  const bodies: Buffer[] = [];
  for (let d = 0; d < deliveries; d += 1) {
    const index = d * batch;
    const ends = [index, index + batch - 1];
    const held = await Promise.all(
      ends.map((i) =>
        expectOk<{ id: number; data: { text?: string }; created_at: string; updated_at: string; project: number }>(
          'GET',
          `${lsUrl}/__admin/tasks/${seeded.firstId + i}`,
        ),
      ),
    );
    for (const [k, task] of held.entries()) {
      const i = ends[k]!;
      if (task.project !== seeded.id || task.data.text !== seededText(i, seeded.firstId + i)) {
        throw new Error(`webhook: task ${task.id} in LS is not the task the payload describes`);
      }
    }
    const payload = tasksCreatedPayload(project, seeded.firstId, index, batch, held[0]!);
    bodies.push(Buffer.from(JSON.stringify(payload)));
  }
  const payloadMB = bodies.reduce((sum, body) => sum + body.length, 0) / deliveries / 1e6;
  console.error(
    `  project ${seeded.id} seeded in ${round(seedSeconds, 2)} s; model_version ${modelVersion}; payloads ${round(payloadMB, 2)} MB each`,
  );
  // This part's LS counters (predictions written, trap calls) start from zero.
  await expectOk('DELETE', `${lsUrl}/__admin/counters`);
  await sleep(1000); // let the services go idle, so the first delivery meets a settled gateway

  const gateway = procs.find((proc) => proc.name === 'gateway');
  const windowStart = sampleAll();
  const redisCpuBefore = await redisCpuSeconds(redis);
  const t0 = performance.now();
  const acks: Ack[] = [];
  for (const body of bodies) acks.push(await deliver(gatewayUrl, body, gateway));
  const acksDone = performance.now();
  // Re-delivery: LS never retries, but an operator replaying a webhook (or two LS webhooks on the
  // same URL) sends the same payload again: it must be the same run, not a second one.
  const redeliveries: Ack[] = [];
  for (let k = 0; k < 2; k += 1) redeliveries.push(await deliver(gatewayUrl, bodies[0]!, gateway));

  const ackMs = acks.map((ack) => ack.ms);
  const sorted = [...ackMs].sort((a, b) => a - b);
  const p50 = percentile(sorted, 50);
  const p99 = percentile(sorted, 99);
  const max = sorted.at(-1) ?? 0;
  // Shown before any check, so the figures are seen even when a check fails below.
  console.error(
    `  acks: p50 ${round(p50)} ms, p99 ${round(p99)} ms, max ${round(max)} ms (target p99 < ${WEBHOOK_TARGET_P99_MS} ms); ` +
      `re-deliveries ${redeliveries.map((ack) => `${round(ack.ms)} ms`).join(', ')}`,
  );
  const problems: string[] = [];
  for (const [d, ack] of acks.entries()) {
    if (
      ack.status !== 201 ||
      ack.body.status !== 'ok' ||
      typeof ack.body.run !== 'string' ||
      ack.body.duplicate !== false
    ) {
      problems.push(`delivery ${d + 1} answered ${ack.status} ${JSON.stringify(ack.body)}`);
    }
  }
  const runIds = acks.map((ack) => ack.body.run).filter((id): id is string => typeof id === 'string');
  if (new Set(runIds).size !== deliveries)
    problems.push(`${deliveries} payloads gave ${new Set(runIds).size} distinct runs`);
  for (const [k, ack] of redeliveries.entries()) {
    if (ack.body.duplicate !== true || ack.body.run !== acks[0]?.body.run) {
      problems.push(
        `re-delivery ${k + 1} of payload 1 answered ${ack.status} ${JSON.stringify(ack.body)}, expected duplicate: true and run ${acks[0]?.body.run}`,
      );
    }
  }
  if (problems.length > 0) throw new Error(`webhook acknowledgements:\n  - ${problems.join('\n  - ')}`);

  // Drain: every run to `completed`.
  const finals = new Map<string, RunView>();
  let lastProgress = t0;
  for (;;) {
    const pending = runIds.filter((id) => !finals.has(id));
    const views = await Promise.all(pending.map((id) => expectOk<RunView>('GET', `${gatewayUrl}/api/runs/${id}`)));
    for (const run of views) {
      if (run.status === 'completed') finals.set(run.id, run);
      else if (run.status === 'failed' || run.status === 'cancelled') {
        throw new Error(`webhook run ${run.id} ${run.status}: ${run.error ?? 'no reason given'}`);
      }
    }
    if (finals.size === runIds.length) break;
    assertAlive();
    const now = performance.now();
    if (now - t0 > settings.timeoutS * 1000) {
      const done = views.reduce((sum, run) => sum + run.done, 0) + [...finals.values()].reduce((s, r) => s + r.done, 0);
      throw new Error(
        `webhook runs not all completed after ${settings.timeoutS} s (${finals.size}/${runIds.length} runs, ${done} tasks done)`,
      );
    }
    if (now - lastProgress >= PROGRESS_MS) {
      lastProgress = now;
      const done = views.reduce((sum, run) => sum + run.done, 0) + [...finals.values()].reduce((s, r) => s + r.done, 0);
      console.error(
        `  webhook ${round((now - t0) / 1000, 0)} s: ${finals.size}/${runIds.length} runs completed, ${fmt(done)}/${fmt(total)} tasks done`,
      );
    }
    await sleep(POLL_MS);
  }
  const t1 = performance.now();
  const windowEnd = sampleAll();
  const redisCpu = (await redisCpuSeconds(redis)) - redisCpuBefore;
  const drainSeconds = (t1 - t0) / 1000;
  console.error(`  drained in ${round(drainSeconds, 2)} s: ${fmt(total / drainSeconds)} tasks/s`);

  // Exactly once, on the runs' side and on LS's.
  const runs = runIds.map((id) => finals.get(id)!);
  for (const run of runs) {
    if (run.total !== batch || run.done !== batch || run.failed !== 0) {
      problems.push(
        `run ${run.id}: total ${run.total}, done ${run.done}, failed ${run.failed}; expected ${batch}, ${batch}, 0`,
      );
    }
    if (run.modelVersion !== modelVersion)
      problems.push(`run ${run.id} has model_version ${run.modelVersion}, /setup said ${modelVersion}`);
  }
  const predictions = await expectOk<{ task: number; model_version: string }[]>(
    'GET',
    `${lsUrl}/__admin/projects/${seeded.id}/predictions`,
  );
  const ours = predictions.filter((p) => p.model_version === modelVersion);
  const tasksPredicted = new Set(ours.map((p) => p.task));
  const duplicates = await expectOk<{ tasks_with_duplicates: number }>(
    'GET',
    `${lsUrl}/__admin/projects/${seeded.id}/duplicates?model_version=${encodeURIComponent(modelVersion)}`,
  );
  const counters = await expectOk<{ trapCalls: number; predictionsWritten: number; importSkipped: number }>(
    'GET',
    `${lsUrl}/__admin/counters`,
  );
  if (ours.length !== total) problems.push(`LS holds ${ours.length} predictions of ${modelVersion}, expected ${total}`);
  if (tasksPredicted.size !== total)
    problems.push(`LS holds predictions on ${tasksPredicted.size} tasks, expected ${total}`);
  if (predictions.length !== ours.length)
    problems.push(`LS holds ${predictions.length - ours.length} predictions of other versions`);
  if (duplicates.tasks_with_duplicates !== 0) {
    problems.push(`LS holds duplicate predictions on ${duplicates.tasks_with_duplicates} tasks`);
  }
  if (counters.trapCalls !== 0) problems.push(`LS counted ${counters.trapCalls} trap calls (GET /api/tasks/{id})`);
  if (counters.predictionsWritten !== total) {
    problems.push(`LS stored ${counters.predictionsWritten} predictions, expected ${total}`);
  }
  if (problems.length > 0) throw new Error(`the webhook runs were not exactly once:\n  - ${problems.join('\n  - ')}`);

  const started = runs.map((run) => Date.parse(run.createdAt));
  const finished = runs.map((run) => Date.parse(run.finishedAt ?? run.createdAt));
  const gatewayCpuMs = acks.map((ack) => ack.gatewayCpuMs);
  return {
    projectId: seeded.id,
    modelVersion,
    deliveries,
    tasksPerDelivery: batch,
    tasks: total,
    seedSeconds: round(seedSeconds, 2),
    payloadMB: round(payloadMB, 2),
    ack: {
      p50Ms: round(p50),
      p99Ms: round(p99),
      maxMs: round(max),
      meanMs: round(ackMs.reduce((sum, ms) => sum + ms, 0) / deliveries),
      targetP99Ms: WEBHOOK_TARGET_P99_MS,
      p99UnderTarget: p99 < WEBHOOK_TARGET_P99_MS,
      allUnderLsTimeout: max < LS_WEBHOOK_TIMEOUT_MS,
      percentile: `nearest rank: ${nearestRank99(deliveries)}`,
      latenciesMs: ackMs.map((ms) => round(ms)),
      gatewayCpuMsPerAck: round(gatewayCpuMs.reduce((sum, ms) => sum + ms, 0) / deliveries),
      gatewayCpuMs,
      deliveriesSeconds: round((acksDone - t0) / 1000, 2),
    },
    redelivery: {
      latenciesMs: redeliveries.map((ack) => round(ack.ms)),
      run: redeliveries[0]?.body.run,
      duplicate: redeliveries.every((ack) => ack.body.duplicate === true),
    },
    drain: {
      seconds: round(drainSeconds, 2),
      tasksPerSec: Math.round(total / drainSeconds),
      // The runs' own clock: first run created → last run finished (Redis timestamps).
      runsSpanSeconds: round((Math.max(...finished) - Math.min(...started)) / 1000, 2),
    },
    runs: runs.map((run) => ({
      id: run.id,
      total: run.total,
      done: run.done,
      failed: run.failed,
      createdAt: run.createdAt,
      finishedAt: run.finishedAt,
    })),
    checks: {
      predictions: ours.length,
      tasksWithPrediction: tasksPredicted.size,
      duplicates: duplicates.tasks_with_duplicates,
      trapCalls: counters.trapCalls,
      predictionsWritten: counters.predictionsWritten,
      importSkipped: counters.importSkipped,
    },
    processes: procs.map((proc) => {
      const f = figuresOf(proc, windowStart, windowEnd);
      const inWindow = proc.samples.filter((s) => s.t >= windowStart && s.t <= windowEnd);
      return {
        name: f.name,
        peakRssMiB: round(Math.max(0, ...inWindow.map((s) => s.rssKiB)) / 1024),
        cpuSeconds: f.cpuSeconds,
        cpuPercentOfCore: f.cpuPercentOfCore,
        cpuPeakPercentOfCore: f.cpuPeakPercentOfCore,
      };
    }),
    redis: { cpuSeconds: round(redisCpu, 2), cpuPercentOfCore: Math.round((redisCpu / drainSeconds) * 100) },
  };
}

// ---------------------------------------------------------------------------------------------
// NER

/** What `ner-bench.ts` prints (see its header). */
interface NerLatency {
  calls: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}
interface NerFigures {
  model: string;
  data: string;
  intraOpThreads: number | 'default';
  interOpThreads: number | 'default';
  comparison: {
    texts: number;
    contentTokens: number;
    runs: number;
    sequences: number;
    tokens: number;
    paddedTokens: number;
    maxBatchSize: number;
    reps: number;
    pipelineMs: number[];
    rawMs: number[];
    pairRatios: number[];
    ratioOfMedians: number;
    pipelineTokensPerSec: number;
    rawTokensPerSec: number;
    ratio: number;
    target: number;
    pipelineSessionRunMs: number;
    pipelineOtherMs: number;
  };
  sweep: {
    maxBatchSize: number;
    texts: number;
    runs: number;
    tokensPerSec: number;
    sequencesPerSec: number;
    paddingShare: number;
    ms: number;
  }[];
  latency: {
    maxBatchSize: number;
    maxWaitMs: number;
    meanWords: number;
    idle: NerLatency;
    underLoad: (NerLatency & { bulkChunkTexts: number; modelTokensPerSec: number; meanSequencesPerRun: number }) | null;
  } | null;
  seconds: number;
  cpuSeconds: number;
  peakRssMiB?: number;
  loadAverage1m?: number;
}
type NerResult = NerFigures | { skipped: string };

/**
 * Runs a section script (`ner-bench.ts`, `pdf-bench.ts`) as a child process, echoes its `  [tag]`
 * progress lines and parses the one JSON line it prints; its RSS samples come back too.
 */
async function childSection<T>(
  tag: string,
  main: string,
  timeoutMs: number,
): Promise<{ result: T; peakRssMiB: number }> {
  const proc = launch(`${tag}-bench`, [main], { PATH: process.env.PATH ?? '' }, false);
  proc.child.stderr?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.startsWith(`  [${tag}]`)) console.error(line);
  });
  const line = await firstLine(proc, timeoutMs);
  await new Promise<void>((resolve) => (proc.exited ? resolve() : proc.child.once('exit', () => resolve())));
  procs.splice(procs.indexOf(proc), 1);
  if (proc.exited?.code !== 0) throw new Error(`${tag}-bench failed (${proc.exited?.code}): ${proc.tail.join('\n')}`);
  return {
    result: JSON.parse(line) as T,
    peakRssMiB: round(Math.max(0, ...proc.samples.map((s) => s.rssKiB)) / 1024),
  };
}

async function nerSection(): Promise<NerResult | undefined> {
  if (!settings.ner) return undefined;
  console.error('NER: pipeline vs raw session.run, batch-size sweep, single-task latency (own process)…');
  const loadAverage = os.loadavg()[0] ?? 0;
  const { result, peakRssMiB } = await childSection<NerResult>('ner', NER_MAIN, 300_000);
  if ('skipped' in result) {
    console.error(`NER: skipped, ${result.skipped}`);
    return result;
  }
  result.peakRssMiB = peakRssMiB;
  result.loadAverage1m = round(loadAverage, 2);
  return result;
}

/** What `pdf-bench.ts` prints (see its header). */
interface PdfFigures {
  source: string;
  threads: number;
  files: number;
  pages: number;
  candidates: number;
  outcomes: Record<string, number>;
  reps: number;
  oursMs: number[];
  pdftotextMs: number[];
  oursPagesPerSec: number;
  pdftotextPagesPerSec: number;
  ratio: number;
  target: number;
  ocr: { pages: number; seconds: number; secondsPerPage: number };
  loadAverage1m?: number;
}

async function pdfSection(): Promise<PdfFigures | undefined> {
  if (!settings.pdf) return undefined;
  console.error('PDF: text layer vs pdftotext, OCR seconds per page (own process)…');
  const loadAverage = os.loadavg()[0] ?? 0;
  const { result } = await childSection<PdfFigures>('pdf', PDF_MAIN, 600_000);
  result.loadAverage1m = round(loadAverage, 2);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Reporting

type EndToEnd = Awaited<ReturnType<typeof endToEnd>>;
type Webhook = NonNullable<Awaited<ReturnType<typeof webhookAck>>>;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

function webhookRows(webhook: Webhook | undefined): string[][] {
  if (!webhook) return [['webhook acknowledgement (`BENCH_WEBHOOK_DELIVERIES=0`)', 'skipped']];
  const ms = (n: number) => `${Math.round(n)} ms`;
  const { ack } = webhook;
  return [
    [
      `webhook ack, \`TASKS_CREATED\` of ${fmt(webhook.tasksPerDelivery)} tasks (${webhook.payloadMB} MB), ${webhook.deliveries} deliveries`,
      `p50 ${ms(ack.p50Ms)}, **p99 ${ms(ack.p99Ms)}**, max ${ms(ack.maxMs)}; p99 < ${ack.targetP99Ms} ms: **${ack.p99UnderTarget ? 'yes' : 'no'}**`,
    ],
    ['gateway CPU per webhook ack (mean)', ms(ack.gatewayCpuMsPerAck)],
    [
      'same payload delivered twice more',
      `${webhook.redelivery.duplicate ? 'same run, `duplicate: true`' : '**a new run**'} (${webhook.redelivery.latenciesMs.map(ms).join(', ')})`,
    ],
    [
      `webhook drain, ${webhook.deliveries} runs × ${fmt(webhook.tasksPerDelivery)} tasks`,
      `**${fmt(webhook.drain.tasksPerSec)} tasks/s** (first delivery → last run \`completed\`: ${webhook.drain.seconds} s)`,
    ],
    [
      'webhook runs, predictions in LS',
      `${fmt(webhook.checks.predictions)} on ${fmt(webhook.checks.tasksWithPrediction)} tasks; ${webhook.checks.duplicates} duplicates, ${webhook.checks.trapCalls} trap calls`,
    ],
  ];
}

function nerRows(ner: NerResult | undefined): string[][] {
  if (!ner) return [['NER (`BENCH_NER=0`)', 'skipped']];
  if ('skipped' in ner) return [['NER', `skipped: ${ner.skipped}`]];
  const c = ner.comparison;
  const ms = (n: number) => `${round(n, 1)} ms`;
  const rows = [
    [
      `NER pipeline \`predict\`, ${fmt(c.texts)} CoNLL sentences (${fmt(c.tokens)} tokens, ${c.runs} runs of ≤ ${c.maxBatchSize})`,
      `**${fmt(c.pipelineTokensPerSec)} tokens/s** (${round(c.pipelineSessionRunMs / 1000, 2)} s in \`session.run\` + ${round(c.pipelineOtherMs / 1000, 2)} s the rest)`,
    ],
    ['raw `session.run`, the same batches and tensors', `${fmt(c.rawTokensPerSec)} tokens/s`],
    [
      'NER pipeline tokens/s ÷ raw',
      `**${c.ratio.toFixed(2)}**; ≥ ${c.target.toFixed(2)}: **${c.ratio >= c.target ? 'yes' : 'no'}** (pass pairs: ${c.pairRatios.map((r) => r.toFixed(2)).join(', ')})`,
    ],
    [
      `NER maxBatchSize sweep, ${fmt(ner.sweep[0]?.texts ?? 0)} sentences: tokens/s (sequences/s)`,
      ner.sweep.map((r) => `${r.maxBatchSize}: ${fmt(r.tokensPerSec)} (${fmt(r.sequencesPerSec)})`).join(', '),
    ],
  ];
  const latency = ner.latency;
  if (latency) {
    rows.push([
      `NER single task \`predict([text])\`, idle model, ${latency.idle.calls} calls`,
      `p50 ${ms(latency.idle.p50Ms)}, **p99 ${ms(latency.idle.p99Ms)}**, max ${ms(latency.idle.maxMs)}`,
    ]);
    const loaded = latency.underLoad;
    if (loaded) {
      rows.push([
        `NER single task while ${fmt(loaded.bulkChunkTexts)}-text chunks run, ${loaded.calls} calls`,
        `p50 ${ms(loaded.p50Ms)}, p99 ${ms(loaded.p99Ms)} (model meanwhile ${fmt(loaded.modelTokensPerSec)} tokens/s)`,
      ]);
    }
  }
  return rows;
}

function nerNotes(ner: NerResult | undefined): string[] {
  if (!ner || 'skipped' in ner) return [];
  const threads =
    ner.intraOpThreads === 'default' && ner.interOpThreads === 'default'
      ? "onnxruntime's default threads (the product's default)"
      : `intra-op ${ner.intraOpThreads}, inter-op ${ner.interOpThreads} threads`;
  return [
    '',
    `NER rows: the shipped model (\`workers/ner/model\`) on CPU with ${threads},`,
    `in its own process once the rest is done and its services stopped (1-minute load average ${ner.loadAverage1m} then; ${ner.seconds} s, peak RSS ${Math.round(ner.peakRssMiB ?? 0)} MiB),`,
    `on the first ${fmt(ner.comparison.texts)} sentences of CoNLL-2003 \`eng.testb\` (tokens joined by spaces). The pipeline row times \`model.predict(texts)\`: tokenizing, windows,`,
    'the micro-batcher, `session.run`, decoding. The raw row runs a second `InferenceSession` on the same `model.onnx` with the',
    "same options over the very batches the pipeline ran (rebuilt, and checked against the model's `stats`: runs, sequences,",
    'tokens, padded tokens), timing `session.run` only. Tokens are those fed to the model (special tokens included, padding',
    `not); ${ner.comparison.reps} alternating passes each after a warm-up, the best of each (noise on a shared host only adds time; the`,
    'ratio of each pass pair in parentheses); so does the sweep.',
    'Single-task calls take one sentence each (the sentences after the bulk set), one after another; under load each waits',
    'behind the sequences of the chunk already queued (the micro-batcher is first in, first out).',
    '`node test/bench/ner-bench.ts` runs this part alone.',
  ];
}

function pdfRows(pdf: PdfFigures | undefined): string[][] {
  if (!pdf) return [['PDF (`BENCH_PDF=0`)', 'skipped']];
  return [
    [
      `PDF text layer, ${fmt(pdf.files)} files / ${fmt(pdf.pages)} pages, ${pdf.threads} extraction threads`,
      `**${fmt(pdf.oursPagesPerSec)} pages/s**`,
    ],
    [`\`pdftotext\`, the same files, ${pdf.threads} processes in flight`, `${fmt(pdf.pdftotextPagesPerSec)} pages/s`],
    [
      'PDF pages/s ÷ pdftotext',
      `**${pdf.ratio.toFixed(2)}**; ≥ ${pdf.target.toFixed(2)}: **${pdf.ratio >= pdf.target ? 'yes' : 'no'}**`,
    ],
    [`OCR (PP-OCRv4, one thread), ${pdf.ocr.pages} dense text pages`, `**${pdf.ocr.secondsPerPage} s/page**`],
  ];
}

function pdfNotes(pdf: PdfFigures | undefined): string[] {
  if (!pdf) return [];
  return [
    '',
    `PDF rows: ${pdf.source}; the ${fmt(pdf.files)} files both prelabel and pdftotext read (of ${fmt(pdf.candidates)}).`,
    "Ours is the pdf worker's path without the download: `pool.extract` in worker threads, OCR off, layout, tables and",
    `figures included; pdftotext is one process per file. ${pdf.reps} alternating passes each, the best of each (1-minute load`,
    `average ${pdf.loadAverage1m} then). OCR renders each page at 4 px/pt and recognises it on one thread, models loaded`,
    'beforehand. `node test/bench/pdf-bench.ts` runs this part alone.',
  ];
}

function readmeBlock(
  e2e: EndToEnd,
  raw: RawResult | undefined,
  webhook: Webhook | undefined,
  ner: NerResult | undefined,
  pdf: PdfFigures | undefined,
  date: string,
  cpuModel: string,
  redisVersion: string,
  loadAverage: number,
  benchSeconds: number,
) {
  const ratio = raw ? round(e2e.tasksPerSec / raw.jobsPerSec, 2) : undefined;
  const byName = (name: string) => e2e.processes.find((p) => p.name === name);
  const mib = (n: number) => `${Math.round(n)} MiB`;
  const rssCell = (p: ProcessFigures | undefined) =>
    p
      ? `${mib(p.peakRssMiB)}; ${p.flat === null ? 'run too short to judge' : p.flat ? 'flat' : '**grew**'} (peak of 1st → last third: ${Math.round(p.firstThirdPeakMiB)} → ${Math.round(p.lastThirdPeakMiB)})`
      : '—';
  const ls = byName('ls-server');
  const cpu = [...e2e.processes.map((p) => `${p.name} ${p.cpuPercentOfCore}`), `Redis ${e2e.redis.cpuPercentOfCore}`];
  const cpuTotal = e2e.processes.reduce((sum, p) => sum + p.cpuPercentOfCore, e2e.redis.cpuPercentOfCore);
  const rows = [
    [
      `end to end, ${fmt(settings.tasks)} tasks, \`patterns\``,
      `**${fmt(e2e.tasksPerSec)} tasks/s** (the run's own \`ratePerSec\`: ${fmt(e2e.run.ratePerSec)})`,
    ],
    ['wall time, `POST /api/runs` → `completed`', `${e2e.wallSeconds} s`],
    [
      `raw BullMQ, no-op jobs (${raw ? `${fmt(raw.jobs)}, concurrency ${raw.concurrency}` : 'skipped'})`,
      raw ? `${fmt(raw.jobsPerSec)} jobs/s` : '—',
    ],
    ['end-to-end tasks/s ÷ raw jobs/s', ratio === undefined ? '—' : String(ratio)],
    ['peak RSS, `gateway`', rssCell(byName('gateway'))],
    ['peak RSS, `worker scan writeback`', rssCell(byName('worker scan+writeback'))],
    ['peak RSS, `worker patterns`', rssCell(byName('worker patterns'))],
    [
      'RSS of every prelabel process flat',
      e2e.rssFlat === null
        ? 'run too short to judge'
        : e2e.rssFlat
          ? '**yes**'
          : '**no** (see `processes` in latest.json)',
    ],
    ['peak RSS, LS test server', ls ? `${mib(ls.peakRssMiB)} (keeps every task and prediction in memory)` : '—'],
    [`CPU during the run, % of one core (of ${os.cpus().length * 100})`, `${cpu.join(', ')}; total ${cpuTotal}`],
    ...webhookRows(webhook),
    ...nerRows(ner),
    ...pdfRows(pdf),
  ];
  const warm = e2e.warmup
    ? `the measured run follows a ${fmt(settings.warmupTasks)}-task warm-up run on another project.`
    : 'no warm-up run before the measured one.';
  return [
    `Measured ${date} on ${os.cpus().length} CPUs (${cpuModel}, ${Math.round(os.totalmem() / 1024 ** 3)} GiB), Node ${process.version}, Redis ${redisVersion} on the same host`,
    `(1-minute load average ${round(loadAverage, 2)} when the bench began: the host is shared).`,
    `Every piece runs in its own process; ${warm}`,
    `Settings: CHUNK_SIZE=${settings.chunkSize}, SCAN_PAGE_SIZE=${settings.scanPageSize}, MAX_OUTSTANDING_CHUNKS=${settings.maxOutstandingChunks}, WORKER_CONCURRENCY=${settings.workerConcurrency},`,
    `LABEL_STUDIO_WRITES_PER_SEC=${settings.writesPerSec}. At its default of 20 that limiter caps any run at 20 × CHUNK_SIZE`,
    "tasks/s (5 000 with the default CHUNK_SIZE=250): Label Studio protection by design, not the engine's speed.",
    '',
    table(['figure', 'value'], rows),
    '',
    `One prelabel job carries a chunk of ${settings.chunkSize} tasks (one pipeline job and one write-back job per chunk), so the`,
    'ratio compares tasks with bare no-op jobs and can exceed 1.',
    ...(webhook
      ? [
          '',
          `Webhook rows: then, on the same processes, a new project of ${fmt(webhook.tasks)} tasks is set up through \`POST /setup\` as`,
          `Label Studio does, and ${webhook.deliveries} Label Studio-shaped \`TASKS_CREATED\` payloads of ${fmt(webhook.tasksPerDelivery)} tasks each (LS's WEBHOOK_BATCH_SIZE),`,
          'serialized beforehand, are POSTed to `/webhook` one after another, while the workers already drain the earlier ones.',
          `Latency is client-side, send → full response; p99 is by nearest rank (${nearestRank99(webhook.deliveries)}). Label Studio`,
          'waits 1 s (WEBHOOK_TIMEOUT) for an acknowledgement and never retries a delivery.',
        ]
      : []),
    ...nerNotes(ner),
    ...pdfNotes(pdf),
    '',
    `Reproduce: \`npm run bench\` (Redis at \`REDIS_URL\`; under ${Math.ceil(benchSeconds / 10) * 10} s here; \`BENCH_WEBHOOK_DELIVERIES=0\` skips the webhook part, \`BENCH_NER=0\` the NER part, \`BENCH_PDF=0\` the PDF part). Quick smoke run:`,
    '`BENCH_TASKS=5000 BENCH_RAW_JOBS=5000 BENCH_WEBHOOK_DELIVERIES=2 npm run bench` (writes `test/bench/results/smoke.json` only).',
    'All figures, settings and per-process RSS timelines: `test/bench/results/latest.json`.',
  ].join('\n');
}

async function updateReadme(block: string): Promise<void> {
  const text = await readFile(README, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md has no ${start} … ${end} block`);
  await writeFile(README, `${text.slice(0, from + start.length)}\n${block}\n${text.slice(to)}`);
}

// ---------------------------------------------------------------------------------------------
// Main

const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
const sampler = setInterval(sampleAll, SAMPLE_MS);
let cleaning: Promise<void> | undefined;
let interrupted = false;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    clearInterval(sampler);
    // prelabel first, LS last: workers that lose LS mid-job only log retries nobody needs to read.
    await Promise.allSettled(procs.filter((proc) => proc.prelabel).map(stopProc));
    await Promise.allSettled(procs.map(stopProc));
    const deleted = await deleteKeys(redis).catch((error: Error) => {
      console.error(`bench: could not delete keys ${prefix}:* (${error.message})`);
      return 0;
    });
    if (deleted > 0) console.error(`cleanup: ${deleted} Redis keys under ${prefix}: deleted`);
    redis.disconnect();
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`bench: ${signal}, cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

let exitCode = 0;
try {
  await redis.ping();
  if (logDir) await mkdir(logDir, { recursive: true });
  const started = new Date();
  // Other work on the machine skews every figure: keep the load it had when the bench began.
  const loadBefore = os.loadavg()[0] ?? 0;
  const raw = await rawBaseline(redis);
  const e2e = await endToEnd(redis);
  const loadBeforeWebhook = os.loadavg()[0] ?? 0;
  const webhook = await webhookAck(redis);
  // The NER part measures CPU-bound inference: the idle services stop first (their figures are in).
  await Promise.allSettled(procs.filter((proc) => proc.prelabel).map(stopProc));
  await Promise.allSettled(procs.map(stopProc));
  const ner = await nerSection();
  const pdf = await pdfSection();
  const cpuModel = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  const redisVersion = /^redis_version:(\S+)/m.exec(await redis.info('server'))?.[1] ?? 'unknown';
  const results = {
    date: started.toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel,
    totalMemoryGiB: round(os.totalmem() / 1024 ** 3),
    redisVersion,
    loadAverage1m: round(loadBefore, 2),
    command: 'npm run bench',
    settings,
    endToEnd: e2e,
    rawBullmq: raw ?? null,
    ratio: raw ? round(e2e.tasksPerSec / raw.jobsPerSec, 3) : null,
    webhook: webhook ? { loadAverage1m: round(loadBeforeWebhook, 2), ...webhook } : null,
    ner: ner ?? null,
    pdf: pdf ?? null,
  };
  await mkdir(RESULTS_DIR, { recursive: true });
  // Pretty, but with arrays of numbers on one line each, so the file diffs well.
  const json = JSON.stringify(results, null, 2).replace(
    /\[\s+([-\d.,\s]+?)\s+\]/g,
    (_, inner: string) => `[${inner.split(/,\s*/).join(', ')}]`,
  );
  await writeFile(outFile, `${json}\n`);
  console.error(`results: ${outFile}`);
  if (writeReadme) {
    await updateReadme(
      readmeBlock(
        e2e,
        raw,
        webhook,
        ner,
        pdf,
        started.toISOString().slice(0, 10),
        cpuModel,
        redisVersion,
        loadBefore,
        (Date.now() - started.getTime()) / 1000,
      ),
    );
    console.error('README.md: bench block rewritten');
  }
  console.log(
    table(
      ['process', 'peak RSS MiB', '1st → last third', 'flat', 'CPU s', '% core', 'peak % core'],
      e2e.processes.map((p) => [
        p.name,
        String(p.peakRssMiB),
        `${p.firstThirdPeakMiB} → ${p.lastThirdPeakMiB}`,
        !p.prelabel || p.flat === null ? 'n/a' : p.flat ? 'yes' : 'no',
        String(p.cpuSeconds),
        String(p.cpuPercentOfCore),
        p.cpuPeakPercentOfCore === null ? '—' : String(p.cpuPeakPercentOfCore),
      ]),
    ),
  );
  console.log(
    `\nend to end: ${fmt(e2e.tasksPerSec)} tasks/s (${e2e.wallSeconds} s for ${fmt(settings.tasks)} tasks; run's rate ${fmt(e2e.run.ratePerSec)}/s)` +
      `\nraw BullMQ: ${raw ? `${fmt(raw.jobsPerSec)} jobs/s` : 'skipped'}; ratio ${results.ratio ?? '—'}` +
      `\nRedis CPU during the run: ${e2e.redis.cpuPercentOfCore} % of a core; prelabel RSS flat: ${e2e.rssFlat === null ? `not judged (run under ${MIN_FLAT_SECONDS} s)` : e2e.rssFlat ? 'yes' : 'NO'}`,
  );
  console.log(
    webhook
      ? `webhook ack (${webhook.deliveries} × ${fmt(webhook.tasksPerDelivery)} tasks, ${webhook.payloadMB} MB): p50 ${webhook.ack.p50Ms} ms, p99 ${webhook.ack.p99Ms} ms, max ${webhook.ack.maxMs} ms; ` +
          `p99 < ${webhook.ack.targetP99Ms} ms: ${webhook.ack.p99UnderTarget ? 'yes' : 'NO'}; gateway CPU ${webhook.ack.gatewayCpuMsPerAck} ms/ack` +
          `\nwebhook re-deliveries: ${webhook.redelivery.duplicate ? 'duplicate, same run' : 'NEW RUN'} (${webhook.redelivery.latenciesMs.join(', ')} ms); ` +
          `drain ${fmt(webhook.drain.tasksPerSec)} tasks/s (${webhook.drain.seconds} s), ${fmt(webhook.checks.predictions)} predictions, ${webhook.checks.duplicates} duplicates`
      : 'webhook: skipped',
  );
  console.log(
    !ner
      ? 'NER: skipped (BENCH_NER=0)'
      : 'skipped' in ner
        ? `NER: skipped, ${ner.skipped}`
        : `NER: pipeline ${fmt(ner.comparison.pipelineTokensPerSec)} tokens/s, raw session.run ${fmt(ner.comparison.rawTokensPerSec)} tokens/s, ratio ${ner.comparison.ratio} (target ≥ ${ner.comparison.target})` +
          `\nNER sweep tokens/s: ${ner.sweep.map((r) => `${r.maxBatchSize}: ${fmt(r.tokensPerSec)}`).join(', ')}` +
          (ner.latency
            ? `\nNER single task: idle p50 ${ner.latency.idle.p50Ms} ms, p99 ${ner.latency.idle.p99Ms} ms` +
              (ner.latency.underLoad
                ? `; under bulk load p50 ${ner.latency.underLoad.p50Ms} ms, p99 ${ner.latency.underLoad.p99Ms} ms`
                : '')
            : ''),
  );
  console.log(
    pdf
      ? `PDF: ${fmt(pdf.oursPagesPerSec)} pages/s vs pdftotext ${fmt(pdf.pdftotextPagesPerSec)} pages/s, ratio ${pdf.ratio} (target ≥ ${pdf.target}); OCR ${pdf.ocr.secondsPerPage} s/page`
      : 'PDF: skipped (BENCH_PDF=0)',
  );
} catch (error) {
  // After a signal the children are being stopped under the driver's feet: that error is no news.
  if (!interrupted) console.error(`\nbench FAILED: ${(error as Error).message}`);
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(exitCode);
