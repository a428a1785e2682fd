/**
 * A queue contract: the one typed definition of a BullMQ queue that producers and consumers share.
 * It fixes the queue name, the job name, the zod payload and result, the job options (attempts,
 * backoff, retention of failed jobs as the dead-letter set) and the deterministic job id. Every
 * enqueue and dequeue goes through {@link openQueue} / the worker adapter, so payloads are parsed
 * at both ends and BullMQ's `any` generics never leak.
 */
import { createHash } from 'node:crypto';
import { type ConnectionOptions, type JobsOptions, Queue } from 'bullmq';
import type { z } from 'zod';

export interface QueueContract<P extends z.ZodType, R extends z.ZodType> {
  name: string;
  jobName: string;
  payload: P;
  result: R;
  jobOptions: JobsOptions;
  /** Deterministic id: the same work enqueued twice is one job while the first one exists. */
  jobId(payload: z.infer<P>): string;
}

export function defineQueue<P extends z.ZodType, R extends z.ZodType>(contract: QueueContract<P, R>) {
  return contract;
}

/** Short stable digest for job ids (BullMQ ids must not contain `:`). */
export function digest(value: string, length = 12): string {
  return createHash('sha256').update(value).digest('hex').slice(0, length);
}

export interface TypedQueue<P extends z.ZodType> {
  readonly queue: Queue;
  readonly name: string;
  add(payload: z.infer<P>, options?: JobsOptions): Promise<string>;
  /** Many jobs in one Redis round trip. */
  addBulk(payloads: readonly z.infer<P>[], options?: JobsOptions): Promise<void>;
  close(): Promise<void>;
}

export function openQueue<P extends z.ZodType, R extends z.ZodType>(
  contract: QueueContract<P, R>,
  connection: ConnectionOptions,
  prefix: string,
): TypedQueue<P> {
  const queue = new Queue(contract.name, { connection, prefix, defaultJobOptions: contract.jobOptions });
  return {
    queue,
    name: contract.name,
    async add(payload, options) {
      const data = contract.payload.parse(payload);
      const job = await queue.add(contract.jobName, data, { jobId: contract.jobId(data), ...options });
      return job.id ?? contract.jobId(data);
    },
    async addBulk(payloads, options) {
      await queue.addBulk(
        payloads.map((payload) => {
          const data = contract.payload.parse(payload);
          return { name: contract.jobName, data, opts: { jobId: contract.jobId(data), ...options } };
        }),
      );
    },
    close: () => queue.close(),
  };
}
