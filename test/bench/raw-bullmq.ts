/**
 * The benchmark's baseline: BullMQ's raw throughput on a given Redis, with nothing of prelabel in it.
 *
 *   node test/bench/raw-bullmq.ts --redis URL --prefix P --jobs N [--concurrency C] [--batch B]
 *
 * One Queue and one Worker (queue `raw-noop` under prefix P) in this process: `addBulk` N jobs in
 * batches of B (`removeOnComplete: true`), then a Worker with concurrency C and a processor that does
 * nothing runs them all. Prints one JSON line `{jobs, concurrency, batch, addSeconds, addJobsPerSec,
 * processSeconds, jobsPerSec, cpuSeconds}` on stdout and exits 0; jobs/s is measured from the
 * worker's start to its N-th `completed` event. It deletes its queue's keys before exiting (the
 * driver deletes the whole prefix anyway). The driver runs it as a child process so the baseline
 * never shares an event loop with the driver or with prelabel's processes.
 */
import { parseArgs } from 'node:util';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';

const { values } = parseArgs({
  options: {
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    prefix: { type: 'string' },
    jobs: { type: 'string', default: '50000' },
    concurrency: { type: 'string', default: '50' },
    batch: { type: 'string', default: '1000' },
  },
  strict: true,
});

function positive(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`raw-bullmq: --${name} must be a positive integer, got ${raw}`);
    process.exit(2);
  }
  return n;
}

if (values.prefix === undefined) {
  console.error('raw-bullmq: --prefix is required (a unique key prefix on the shared Redis)');
  process.exit(2);
}
const prefix = values.prefix;
const jobs = positive('jobs', values.jobs);
const concurrency = positive('concurrency', values.concurrency);
const batch = positive('batch', values.batch);
const QUEUE = 'raw-noop';

// BullMQ wants maxRetriesPerRequest null on a worker's connection (it blocks on Redis).
const connection = new Redis(values.redis, { maxRetriesPerRequest: null });
const queue = new Queue(QUEUE, { connection, prefix });
const cpuBefore = process.cpuUsage();

const addStart = performance.now();
for (let added = 0; added < jobs; added += batch) {
  const size = Math.min(batch, jobs - added);
  await queue.addBulk(
    Array.from({ length: size }, (_, i) => ({
      name: 'noop',
      data: { i: added + i },
      opts: { removeOnComplete: true },
    })),
  );
}
const addSeconds = (performance.now() - addStart) / 1000;

let completed = 0;
let processStart = 0;
const finished = Promise.withResolvers<number>();
const worker = new Worker(QUEUE, async () => undefined, { connection, prefix, concurrency, autorun: false });
worker.on('completed', () => {
  completed += 1;
  if (completed === jobs) finished.resolve(performance.now());
});
worker.on('failed', (_job, error) => finished.reject(error));
processStart = performance.now();
void worker.run();
const processEnd = await finished.promise;
const processSeconds = (processEnd - processStart) / 1000;
const cpu = process.cpuUsage(cpuBefore);

await worker.close();
await queue.obliterate({ force: true });
await queue.close();
connection.disconnect();

console.log(
  JSON.stringify({
    jobs,
    concurrency,
    batch,
    addSeconds: round(addSeconds, 3),
    addJobsPerSec: Math.round(jobs / addSeconds),
    processSeconds: round(processSeconds, 3),
    jobsPerSec: Math.round(jobs / processSeconds),
    cpuSeconds: round((cpu.user + cpu.system) / 1e6, 2),
  }),
);

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
