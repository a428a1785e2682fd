/**
 * The test stack: an LS test server, a gateway and workers wired exactly as `prelabel` wires them
 * (services.ts), on the real Redis at REDIS_URL with a unique key prefix per stack, so suites can
 * run side by side and clean up after themselves. Workers run in this process, or as a separate
 * `prelabel worker` process that a test can kill -9.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { runGateway, runWorkers, WORKER_QUEUES } from '../../apps/cli/src/services.ts';
import { loadServiceConfig, type ServiceConfig } from '../../shared/src/config/config.ts';
import { createLogger } from '../../shared/src/logging/logger.ts';
import { createShutdown, type Shutdown } from '../../shared/src/runtime/shutdown.ts';
import {
  type LabelStudioTestServer,
  type LabelStudioTestServerOptions,
  startLabelStudioTestServer,
} from '../ls-server/ls-test-server.ts';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const CLI_MAIN = fileURLToPath(new URL('../../apps/cli/src/main.ts', import.meta.url));

export interface StackOptions {
  ls?: LabelStudioTestServerOptions;
  /** Extra service environment (e.g. CHUNK_SIZE). */
  env?: Record<string, string>;
  /** `in-process` (default), `none` (the test starts worker processes itself). */
  workers?: 'in-process' | 'none';
  /** Authenticate with the PAT (default) or the legacy token. */
  auth?: 'pat' | 'legacy';
  /** Point the services at this LS URL instead of the test server (unreachable LS). */
  labelStudioUrl?: string;
  /** Also run the ner pool (loads the model); off by default to keep stacks light. */
  ner?: boolean;
}

export interface Stack {
  ls: LabelStudioTestServer;
  gatewayUrl: string;
  prefix: string;
  config: ServiceConfig;
  /** The service environment, for child processes (`prelabel worker`, `prelabel run`). */
  env: Record<string, string>;
  redis: Redis;
  startWorkerProcess(queues?: string[]): ChildProcess;
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const ls = await startLabelStudioTestServer(options.ls);
  const prefix = `test-${randomBytes(4).toString('hex')}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    LABEL_STUDIO_URL: options.labelStudioUrl ?? ls.url,
    LABEL_STUDIO_API_KEY: options.auth === 'legacy' ? ls.legacyToken : ls.personalAccessToken,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    LABEL_STUDIO_WRITES_PER_SEC: '1000',
    SHUTDOWN_TIMEOUT_MS: '3000',
    ...options.env,
  };
  const config = loadServiceConfig(env);
  const queues = WORKER_QUEUES.filter((queue) => queue !== 'ner' || options.ner);
  const log = createLogger({ level: config.logLevel, name: prefix });
  const shutdowns: Shutdown[] = [];
  const gatewayShutdown = createShutdown(log, 5000);
  shutdowns.push(gatewayShutdown);
  const { address } = await runGateway(config, log, gatewayShutdown);
  if ((options.workers ?? 'in-process') === 'in-process') {
    const workerShutdown = createShutdown(log, 5000);
    shutdowns.unshift(workerShutdown);
    await runWorkers(config, log, workerShutdown, queues, config.worker.concurrency);
  }
  const redis = new Redis(REDIS_URL);
  const children: ChildProcess[] = [];

  return {
    ls,
    gatewayUrl: address,
    prefix,
    config,
    env: { ...env, PRELABEL_URL: address },
    redis,
    startWorkerProcess(workerQueues = queues) {
      const child = spawn(process.execPath, [CLI_MAIN, 'worker', ...workerQueues], {
        env,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
      return child;
    },
    async api(method, path, body) {
      const response = await fetch(`${address}${path}`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
      const text = await response.text();
      return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
    },
    async close() {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      for (const shutdown of shutdowns) await shutdown.run('test done');
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== '0');
      redis.disconnect();
      await ls.close();
    },
  };
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
