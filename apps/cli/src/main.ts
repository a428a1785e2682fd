#!/usr/bin/env node
/**
 * `prelabel`: the one entry point of every prelabel process, and the only module that reads the
 * environment, creates clients (through services.ts) and installs signal handling.
 *
 *   prelabel start                       gateway + every worker as one process tree (+ a private Redis if needed)
 *   prelabel gateway                     the HTTP gateway alone
 *   prelabel worker <queue...>           workers for the named queues (scan, writeback, patterns, ner, pdf)
 *   prelabel eval ner --conll FILE       entity F1 of the NER pipeline on a CoNLL file
 *   prelabel extract pdf FILE [--json]   a PDF's text in reading order (or its structure) as the pdf pipeline sees it
 *   prelabel run --project ID [...]      start a run through the gateway; --wait follows it
 *   prelabel status [RUN_ID]             one run, or the latest runs
 *   prelabel connect --project P [...]   register the gateway as the project's ML backend in Label Studio
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadClientConfig, loadServiceConfig, type ServiceConfig } from '@prelabel/shared/config/config';
import { createLabelStudioClient } from '@prelabel/shared/label-studio/client';
import { LabelStudioError } from '@prelabel/shared/label-studio/errors';
import { createLogger, type Logger } from '@prelabel/shared/logging/logger';
import type { RunView } from '@prelabel/shared/runs/run-store';
import { createShutdown } from '@prelabel/shared/runtime/shutdown';
import { ConllFormatError } from '@prelabel/worker-ner/conll';
import { DEFAULT_NER_MODEL_DIR } from '@prelabel/worker-ner/default-model';
import { NerModelError } from '@prelabel/worker-ner/ner-model';
import { DEFAULT_EXTRACT_LIMITS, type OcrMode } from '@prelabel/worker-pdf/extract/document';
import { Presets, SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConnectError, connectBackend, DEFAULT_BACKEND_TITLE } from './connect.ts';
import { runNerEval } from './eval-ner.ts';
import { runExtractPdf } from './extract-pdf.ts';
import { createGatewayClient, GatewayError } from './gateway-client.ts';
import { ensureRedis } from './local-redis.ts';
import { runGateway, runWorkers, WORKER_QUEUES } from './services.ts';

const env = process.env;

function serviceConfig(): ServiceConfig {
  return loadServiceConfig(env);
}

function gatewayClient() {
  const config = loadClientConfig(env);
  return createGatewayClient(config.gatewayUrl, config.basicAuth);
}

function positiveInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError('must be a positive integer');
  return parsed;
}

async function startAll(config: ServiceConfig, log: Logger) {
  const redis = await ensureRedis(
    {
      url: config.redis.url,
      autostart: config.redis.autostart,
      dataDir: config.redis.dataDir,
      pathVariable: env.PATH ?? '',
    },
    log,
  );
  const self = fileURLToPath(import.meta.url);
  // One process per pool, as in production: NER holds its model and keeps its CPU to itself.
  const groups = [
    ['gateway'],
    ['worker', 'scan', 'writeback'],
    ['worker', 'patterns'],
    ['worker', 'ner'],
    ['worker', 'pdf'],
  ];
  const children = new Map<string, ChildProcess>();
  let stopping = false;
  const launch = (args: string[], restarts = 0) => {
    const name = args.join(' ');
    const child = spawn(process.execPath, [...process.execArgv, self, ...args], { stdio: 'inherit', env });
    children.set(name, child);
    child.on('exit', (code, signal) => {
      children.delete(name);
      if (stopping) return;
      const delayMs = Math.min(30_000, 500 * 2 ** restarts);
      log.error({ process: name, code, signal, restartInMs: delayMs }, 'child process exited; restarting');
      setTimeout(() => launch(args, restarts + 1), delayMs).unref();
    });
  };
  for (const group of groups) launch(group);
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping every prelabel process');
    await Promise.all(
      [...children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    if (redis) {
      await new Promise<void>((resolve) => {
        redis.once('exit', () => resolve());
        redis.kill('SIGTERM');
      });
    }
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function printRun(run: RunView) {
  const skipped = run.skipped ? `, ${run.skipped} skipped` : '';
  const failed = run.failed ? `, ${run.failed} failed` : '';
  const error = run.error ? ` — ${run.error}` : '';
  console.log(
    `${run.id}  ${run.status.padEnd(9)} project ${run.project} ${run.pipeline} (${run.mode}) ${run.done}/${run.total} done${skipped}${failed}${error}`,
  );
}

async function follow(client: ReturnType<typeof createGatewayClient>, id: string, showBar: boolean): Promise<RunView> {
  const bar = showBar
    ? new SingleBar(
        {
          format: ' {bar} {percentage}% | {value}/{total} tasks | {rate} tasks/s | ETA {eta_formatted} | {status}',
          stream: process.stderr,
          hideCursor: true,
          etaBuffer: 50,
        },
        Presets.shades_classic,
      )
    : undefined;
  let started = false;
  for (;;) {
    const run = await client.getRun(id);
    const processed = run.done + run.skipped + run.failed;
    if (bar && !started) {
      bar.start(Math.max(run.total, 1), processed, { rate: run.ratePerSec, status: run.status });
      started = true;
    }
    bar?.setTotal(Math.max(run.total, 1));
    bar?.update(processed, { rate: run.ratePerSec, status: run.status });
    if (run.status === 'completed' || run.status === 'cancelled' || run.status === 'failed') {
      bar?.stop();
      return run;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const program = new Command('prelabel')
  .description('Pre-annotate Label Studio projects of any size through Redis queues.')
  .showHelpAfterError();

program
  .command('start')
  .description('run the gateway and every worker as one process tree')
  .action(async () => {
    const config = serviceConfig();
    await startAll(config, createLogger({ level: config.logLevel, name: 'start' }));
  });

program
  .command('gateway')
  .description('run the HTTP gateway (Label Studio ML-backend routes and the runs API)')
  .action(async () => {
    const config = serviceConfig();
    const log = createLogger({ level: config.logLevel, name: 'gateway' });
    const shutdown = createShutdown(log, config.worker.shutdownTimeoutMs);
    shutdown.installSignalHandlers();
    await runGateway(config, log, shutdown);
  });

program
  .command('worker')
  .description(`run workers for the named queues (${WORKER_QUEUES.join(', ')})`)
  .argument('<queues...>', 'queue names')
  .option('--concurrency <n>', 'jobs at once per queue in this process', positiveInt)
  .option('--device <device>', 'ner: where the model runs, cpu or cuda (default NER_DEVICE)')
  .option('--threads <n>', 'ner: onnxruntime threads inside one operator (default NER_INTRA_OP_THREADS)', positiveInt)
  .action(async (queues: string[], options: { concurrency?: number; device?: string; threads?: number }) => {
    const config = serviceConfig();
    if (options.device !== undefined) {
      if (options.device !== 'cpu' && options.device !== 'cuda')
        throw new InvalidArgumentError('--device must be cpu or cuda');
      config.ner.device = options.device;
    }
    if (options.threads !== undefined) config.ner.intraOpThreads = options.threads;
    const unknown = queues.filter((queue) => !WORKER_QUEUES.includes(queue));
    if (unknown.length > 0)
      throw new InvalidArgumentError(`unknown queue ${unknown.join(', ')} (known: ${WORKER_QUEUES.join(', ')})`);
    const log = createLogger({ level: config.logLevel, name: `worker ${queues.join(',')}` });
    const shutdown = createShutdown(log, config.worker.shutdownTimeoutMs);
    shutdown.installSignalHandlers();
    await runWorkers(config, log, shutdown, queues, options.concurrency ?? config.worker.concurrency);
  });

program
  .command('run')
  .description('pre-label a project: start a run through the gateway (PRELABEL_URL)')
  .requiredOption('--project <id>', 'Label Studio project id', positiveInt)
  .option('--pipeline <name>', 'pipeline', 'patterns')
  .option(
    '--mode <mode>',
    'missing: only tasks without a prediction of this version; all: re-predict every task',
    'missing',
  )
  .option('--options <json>', 'pipeline options as JSON', '{}')
  .option('--wait', 'follow the run with a progress bar; exit 0 only when it completes with no failures')
  .option('--json', 'print the final run object as JSON')
  .action(
    async (options: {
      project: number;
      pipeline: string;
      mode: string;
      options: string;
      wait?: boolean;
      json?: boolean;
    }) => {
      const client = gatewayClient();
      let pipelineOptions: unknown;
      try {
        pipelineOptions = JSON.parse(options.options);
      } catch (error) {
        throw new InvalidArgumentError(`--options is not valid JSON: ${(error as Error).message}`);
      }
      const created = await client.createRun({
        project: options.project,
        pipeline: options.pipeline,
        mode: options.mode,
        options: pipelineOptions,
      });
      if (!options.wait) {
        if (options.json) console.log(JSON.stringify(await client.getRun(created.id)));
        else console.log(created.id);
        return;
      }
      const run = await follow(client, created.id, !options.json && process.stderr.isTTY === true);
      if (options.json) console.log(JSON.stringify(run));
      else printRun(run);
      process.exitCode = run.status === 'completed' && run.failed === 0 ? 0 : 1;
    },
  );

program
  .command('connect')
  .description(
    'register the gateway as the ML backend of a Label Studio project and show its predictions to annotators',
  )
  .requiredOption('--project <id or title>', 'Label Studio project id or exact title')
  .option('--url <url>', 'the gateway URL as Label Studio reaches it (default: http://localhost:PORT)')
  .option('--title <title>', 'the backend title, also the project model_version in live mode', DEFAULT_BACKEND_TITLE)
  .option('--interactive', 'enable interactive pre-annotation (smart tools)')
  .option('--pipeline <name>', "pipeline stored as the backend's Extra params")
  .option('--options <json>', 'pipeline options stored with it')
  .option('--prelabel', 'then start a missing run through the gateway (PRELABEL_URL) and print its id')
  .action(
    async (options: {
      project: string;
      url?: string;
      title: string;
      interactive?: boolean;
      pipeline?: string;
      options?: string;
      prelabel?: boolean;
    }) => {
      const config = serviceConfig();
      const log = createLogger({ level: config.logLevel, name: 'connect' });
      let extraParams: unknown;
      if (options.pipeline !== undefined || options.options !== undefined) {
        let parsed: unknown = {};
        try {
          parsed = JSON.parse(options.options ?? '{}');
        } catch (error) {
          throw new InvalidArgumentError(`--options is not valid JSON: ${(error as Error).message}`);
        }
        extraParams = { ...(options.pipeline ? { pipeline: options.pipeline } : {}), options: parsed };
      }
      const result = await connectBackend(
        {
          project: options.project,
          url: options.url ?? `http://localhost:${config.gateway.port}`,
          title: options.title,
          ...(options.interactive ? { interactive: true } : {}),
          ...(config.gateway.basicAuth ? { basicAuth: config.gateway.basicAuth } : {}),
          ...(config.gateway.webhookSecret
            ? { webhookSecret: { header: 'X-Prelabel-Webhook-Secret', value: config.gateway.webhookSecret } }
            : {}),
          ...(extraParams === undefined ? {} : { extraParams }),
        },
        {
          labelStudio: createLabelStudioClient({ baseUrl: config.labelStudio.url, apiKey: config.labelStudio.apiKey }),
          log,
        },
      );
      console.log(
        `${result.created ? 'connected' : 'updated'} backend #${result.backend.id} "${result.backend.title}" on project ${result.project} (${result.backend.state}, model_version ${result.backend.model_version})`,
      );
      if (options.prelabel) {
        const client = gatewayClient();
        const run = await client.createRun({ project: result.project, mode: 'missing' });
        console.log(run.id);
      }
    },
  );

program
  .command('eval')
  .description('evaluate a pipeline on a labelled corpus')
  .command('ner')
  .description('entity-level precision, recall and F1 (CoNLL style) of the NER pipeline on a CoNLL file')
  .requiredOption(
    '--conll <file>',
    'CoNLL file: whitespace-separated columns, the tag last, blank lines between sentences',
  )
  .option('--model <dir>', 'model directory (model.onnx, tokenizer.json, config.json)', DEFAULT_NER_MODEL_DIR)
  .option('--json', 'print {"precision","recall","f1","sentences","tokensPerSec"} as the last line')
  .action(async (options: { conll: string; model: string; json?: boolean }) => {
    await runNerEval({ conll: options.conll, modelDir: options.model, json: options.json === true });
  });

program
  .command('extract')
  .description('extract content from a local file as a pipeline would')
  .command('pdf')
  .description(
    'print a PDF\'s text in reading order (pages separated by a form feed), or with --json its structure; a file it cannot read exits 2 with {"error":{"code","message"}} on stderr',
  )
  .argument('<file>', 'the PDF')
  .option('--json', 'print the extracted document (pages, blocks, tables, timings) as JSON')
  .addOption(
    new Option('--ocr <mode>', 'auto: OCR pages without a text layer; never; always')
      .choices(['auto', 'never', 'always'])
      .default('auto'),
  )
  .option('--password <password>', 'password of an encrypted PDF')
  .option('--max-pages <n>', 'refuse documents with more pages', positiveInt, DEFAULT_EXTRACT_LIMITS.maxPages)
  .option('--max-bytes <n>', 'refuse larger files', positiveInt, DEFAULT_EXTRACT_LIMITS.maxBytes)
  .option(
    '--page-timeout-ms <n>',
    "one page's text, tables and OCR must finish within this",
    positiveInt,
    DEFAULT_EXTRACT_LIMITS.pageTimeoutMs,
  )
  .action(
    async (
      file: string,
      options: {
        json?: boolean;
        ocr: OcrMode;
        password?: string;
        maxPages: number;
        maxBytes: number;
        pageTimeoutMs: number;
      },
    ) => {
      process.exitCode = await runExtractPdf({
        file,
        json: options.json === true,
        ocr: options.ocr,
        password: options.password,
        maxPages: options.maxPages,
        maxBytes: options.maxBytes,
        pageTimeoutMs: options.pageTimeoutMs,
      });
    },
  );

program
  .command('status')
  .description('show one run, or the latest runs')
  .argument('[runId]')
  .option('--json', 'print JSON')
  .action(async (runId: string | undefined, options: { json?: boolean }) => {
    const client = gatewayClient();
    const runs = runId ? [await client.getRun(runId)] : (await client.listRuns()).runs;
    if (options.json) console.log(JSON.stringify(runId ? runs[0] : runs));
    else for (const run of runs) printRun(run);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (
    error instanceof ConfigError ||
    error instanceof GatewayError ||
    error instanceof InvalidArgumentError ||
    error instanceof ConnectError ||
    error instanceof LabelStudioError ||
    error instanceof NerModelError ||
    error instanceof ConllFormatError
  ) {
    console.error(`prelabel: ${error.message}`);
    process.exit(2);
  }
  console.error(`prelabel: ${(error as Error).message ?? error}`);
  process.exit(1);
});
