/**
 * `prelabel start` on a laptop: when nothing answers at REDIS_URL (a local address) and
 * `redis-server` is on PATH, run a private one with persistence (AOF) under DATA_DIR, so queued
 * work survives a restart. Anything else (a remote Redis that is down) is an error to report.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from '@prelabel/shared/logging/logger';
import { Redis } from 'ioredis';

async function answers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1500,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

function onPath(command: string, pathVariable: string): boolean {
  return pathVariable.split(':').some((dir) => dir !== '' && existsSync(`${dir}/${command}`));
}

export async function ensureRedis(
  options: { url: string; autostart: boolean; dataDir: string; pathVariable: string },
  log: Logger,
): Promise<ChildProcess | undefined> {
  if (await answers(options.url)) return undefined;
  const target = new URL(options.url);
  const local = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(target.hostname);
  if (!options.autostart || !local) {
    throw new Error(
      `nothing answers at REDIS_URL ${target.protocol}//${target.host} (set REDIS_URL to a running Redis)`,
    );
  }
  if (!onPath('redis-server', options.pathVariable)) {
    throw new Error(
      `nothing answers at REDIS_URL ${target.protocol}//${target.host} and redis-server is not on PATH: install Redis (Debian: apt-get install redis-server) or set REDIS_URL`,
    );
  }
  const dir = resolve(options.dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const port = target.port || '6379';
  const child = spawn(
    'redis-server',
    [
      '--port',
      port,
      '--bind',
      '127.0.0.1',
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--dir',
      dir,
    ],
    { stdio: 'ignore' },
  );
  log.info(
    { port: Number(port), dir },
    'no Redis answered at REDIS_URL: started a private redis-server with AOF persistence',
  );
  for (let i = 0; i < 50; i += 1) {
    if (await answers(options.url)) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('the private redis-server did not start within 5 s');
}
