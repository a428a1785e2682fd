/**
 * A dynamic micro-batcher in the manner of Triton's: items submitted by concurrent callers are
 * gathered into one call of `run`.
 *
 * A batch starts when `maxBatchSize` items wait, or when the oldest waiting item has waited
 * `maxWaitMs`. One batch runs at a time: what arrives meanwhile gathers into the next one, which
 * starts as soon as the running one ends if it is full or already old enough. `run` returns one
 * output per item, in order; when it throws (or returns another count), every item of that batch
 * is rejected with the error. An item whose signal aborts before its batch starts is dropped and
 * rejected with the signal's reason; once its batch runs, its output is simply not awaited.
 * An `urgent` item (a small interactive call) goes ahead of every waiting non-urgent item, so a
 * bulk backlog delays it by at most the batch already running.
 */

export interface MicroBatcherOptions<Item, Output> {
  /** Most items in one `run`. */
  maxBatchSize: number;
  /** Longest an item waits for companions before its batch starts, in milliseconds. */
  maxWaitMs: number;
  run(items: Item[]): Promise<Output[]>;
}

export interface MicroBatcher<Item, Output> {
  submit(item: Item, signal?: AbortSignal, urgent?: boolean): Promise<Output>;
  /** Items waiting for a batch (not those running). */
  readonly waiting: number;
}

interface Entry<Item, Output> {
  item: Item;
  urgent: boolean;
  enqueuedAt: number;
  resolve(output: Output): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export function createMicroBatcher<Item, Output>(
  options: MicroBatcherOptions<Item, Output>,
): MicroBatcher<Item, Output> {
  const { maxBatchSize, maxWaitMs, run } = options;
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) {
    throw new RangeError(`maxBatchSize ${maxBatchSize} must be a positive integer`);
  }
  if (!(maxWaitMs >= 0)) throw new RangeError(`maxWaitMs ${maxWaitMs} must be 0 or more`);

  const queue: Entry<Item, Output>[] = [];
  let running = false;
  let timer: NodeJS.Timeout | undefined;

  const settle = (entry: Entry<Item, Output>) => {
    if (entry.onAbort !== undefined) entry.signal?.removeEventListener('abort', entry.onAbort);
  };

  const schedule = () => {
    if (running || queue.length === 0) return;
    const waitedMs = performance.now() - queue[0]!.enqueuedAt;
    if (queue.length >= maxBatchSize || waitedMs >= maxWaitMs) {
      start();
      return;
    }
    timer ??= setTimeout(
      () => {
        timer = undefined;
        schedule();
      },
      Math.max(0, maxWaitMs - waitedMs),
    );
  };

  const start = () => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    const batch = queue.splice(0, maxBatchSize);
    for (const entry of batch) settle(entry);
    running = true;
    const finish = () => {
      running = false;
      schedule();
    };
    // Through a promise, so that a `run` that throws synchronously still settles its batch.
    Promise.resolve(batch.map((entry) => entry.item))
      .then(run)
      .then(
        (outputs) => {
          if (outputs.length !== batch.length) {
            const error = new Error(`batch run returned ${outputs.length} outputs for ${batch.length} items`);
            for (const entry of batch) entry.reject(error);
          } else {
            batch.forEach((entry, i) => {
              entry.resolve(outputs[i]!);
            });
          }
          finish();
        },
        (error: unknown) => {
          for (const entry of batch) entry.reject(error);
          finish();
        },
      );
  };

  return {
    get waiting() {
      return queue.length;
    },
    submit(item, signal, urgent = false) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      return new Promise<Output>((resolve, reject) => {
        const entry: Entry<Item, Output> = {
          item,
          urgent,
          enqueuedAt: performance.now(),
          resolve,
          reject,
          signal,
          onAbort: undefined,
        };
        if (signal !== undefined) {
          entry.onAbort = () => {
            const index = queue.indexOf(entry);
            if (index >= 0) queue.splice(index, 1);
            reject(signal.reason);
          };
          signal.addEventListener('abort', entry.onAbort, { once: true });
        }
        if (urgent) {
          const firstBulk = queue.findIndex((waiting) => !waiting.urgent);
          queue.splice(firstBulk === -1 ? queue.length : firstBulk, 0, entry);
        } else queue.push(entry);
        // A zero wait still lets callers in the same tick join the batch.
        if (queue.length >= maxBatchSize) schedule();
        else
          timer ??= setTimeout(() => {
            timer = undefined;
            schedule();
          }, maxWaitMs);
      });
    },
  };
}
