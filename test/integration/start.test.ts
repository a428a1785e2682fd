/**
 * The quick start's `prelabel start`: one process tree with the gateway and every worker, which
 * runs a private redis-server with AOF persistence when nothing answers at REDIS_URL; and the
 * readable one-line refusal of a bad configuration.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '../../shared/src/runs/run-store.ts';
import { type LabelStudioTestServer, startLabelStudioTestServer } from '../ls-server/ls-test-server.ts';
import { lastJsonLine, runCli } from '../support/cli.ts';
import { PATTERN_OPTIONS, seedProject } from '../support/project.ts';
import { CLI_MAIN, waitFor } from '../support/stack.ts';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const redisServerOnPath = (process.env.PATH ?? '')
  .split(':')
  .some((dir) => dir && existsSync(join(dir, 'redis-server')));

describe.skipIf(!redisServerOnPath)('prelabel start (needs redis-server on PATH)', () => {
  let ls: LabelStudioTestServer;
  let dataDir: string;
  beforeAll(async () => {
    ls = await startLabelStudioTestServer();
    dataDir = mkdtempSync(join(tmpdir(), 'prelabel-start-'));
  });
  afterAll(async () => {
    await ls.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts a private Redis and every process, pre-labels a project, and stops on SIGTERM', async () => {
    const [redisPort, port] = [await freePort(), await freePort()];
    const env = {
      PATH: process.env.PATH ?? '',
      LABEL_STUDIO_URL: ls.url,
      LABEL_STUDIO_API_KEY: ls.personalAccessToken,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    };
    const start = spawn(process.execPath, [CLI_MAIN, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    start.stdout.on('data', (chunk) => {
      output += chunk;
    });
    start.stderr.on('data', (chunk) => {
      output += chunk;
    });
    try {
      const gateway = `http://127.0.0.1:${port}`;
      await waitFor(
        () =>
          fetch(`${gateway}/health`).then(
            (r) => (r.ok ? true : undefined),
            () => undefined,
          ),
        20_000,
        'the gateway',
      );
      expect(output).toContain('started a private redis-server with AOF persistence');
      expect(output).not.toContain(ls.personalAccessToken);

      const project = seedProject(ls, 200);
      const result = await runCli(
        ['run', '--project', String(project), '--options', JSON.stringify(PATTERN_OPTIONS), '--wait', '--json'],
        { PATH: env.PATH, PRELABEL_URL: gateway },
      );
      expect(result.code, result.stderr).toBe(0);
      expect(lastJsonLine<RunView>(result.stdout)).toMatchObject({ status: 'completed', done: 200 });
      expect(readdirSync(join(dataDir, 'redis')).some((name) => name.startsWith('appendonly'))).toBe(true);
    } finally {
      start.kill('SIGTERM');
    }
    const code = await new Promise((resolve) => start.once('exit', resolve));
    expect(code).toBe(0);
    expect(output).toContain('stopping every prelabel process');
  });
});

describe('configuration errors', () => {
  it.each([
    [{}, 'prelabel: invalid configuration: LABEL_STUDIO_URL is required'],
    [{ LABEL_STUDIO_URL: 'http://ls:8080' }, 'prelabel: invalid configuration: LABEL_STUDIO_API_KEY is required'],
    [
      { LABEL_STUDIO_URL: 'http://ls:8080', LABEL_STUDIO_API_KEY: 'k', PORT: 'x' },
      'prelabel: invalid configuration: PORT ',
    ],
  ])('stop the process with one line naming the variable (%o)', async (vars, line) => {
    const result = await runCli(['gateway'], { PATH: process.env.PATH ?? '', ...vars });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(line);
  });
});
