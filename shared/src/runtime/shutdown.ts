/**
 * One shutdown routine for every process: named steps run in order, each isolated (a failing step
 * is logged and the next still runs), under a deadline whose timer never keeps the process alive.
 * Idempotent: a second signal while stopping returns the same promise.
 */
import type { Logger } from '../logging/logger.ts';

export interface Shutdown {
  /** Adds a step; steps run in the order they were added. */
  add(name: string, step: () => Promise<unknown>): void;
  run(reason: string): Promise<void>;
  /** Calls `run` on SIGINT and SIGTERM, then exits with `exitCode`. */
  installSignalHandlers(exitCode?: number): void;
}

export function createShutdown(log: Logger, deadlineMs: number): Shutdown {
  const steps: { name: string; step: () => Promise<unknown> }[] = [];
  let running: Promise<void> | undefined;

  async function runSteps(reason: string) {
    log.info({ reason }, 'shutting down');
    for (const { name, step } of steps) {
      try {
        await step();
      } catch (error) {
        log.error({ err: error, step: name }, 'shutdown step failed');
      }
    }
    log.info('stopped');
  }

  const shutdown: Shutdown = {
    add(name, step) {
      steps.push({ name, step });
    },
    run(reason) {
      running ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          log.warn({ deadlineMs }, 'shutdown deadline passed; leaving in-flight work to other workers');
          resolve();
        }, deadlineMs);
        timer.unref();
        runSteps(reason).finally(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      return running;
    },
    installSignalHandlers(exitCode = 0) {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => {
          void shutdown.run(signal).then(() => process.exit(exitCode));
        });
      }
    },
  };
  return shutdown;
}
