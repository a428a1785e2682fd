/**
 * The benchmark's NER section: the `ner` model's throughput through the whole pipeline path, next to
 * bare onnxruntime on the very same batches, a batch-size sweep and single-task latency.
 *
 *   node test/bench/ner-bench.ts [--model DIR] [--data FILE] [--sentences N] [--reps N]
 *     [--sweep-sentences N] [--latency N] [--loaded-latency N] [--bulk-chunk N]
 *     [--intra-op-threads N] [--inter-op-threads N]
 *
 * Texts: the first N sentences (default 2 000) of a CoNLL file (default
 * `../shared/datasets/ner/conll2003/eng.testb`), tokens joined by single spaces. Missing file: it
 * prints `{"skipped": "…"}` and exits 0.
 *
 * 1. Pipeline vs raw. `model.predict(texts)` (tokenize, windows, micro-batcher, `session.run`,
 *    decoding) is timed end to end. The batches it ran are rebuilt here the way `predict` builds
 *    them (the model's tokenizer without special tokens, its windows, [CLS] … [SEP], sorted
 *    shortest first, cut every maxBatchSize by the micro-batcher, padded by `padBatch`), and the
 *    model's own `stats` (runs, sequences, tokens, padded tokens) must match them exactly, else the
 *    script fails. Then a second `InferenceSession` on the same model.onnx with the same session
 *    options (graph optimization `all`, the same thread counts) runs only `session.run` over those
 *    tensors, built beforehand. Both are warmed up; the two are timed alternately, `--reps` (4)
 *    times each, and the best pass of each gives tokens/s (on a shared host, noise only adds
 *    time; every pass, the medians and each pass pair's ratio are in the output too). tokens/s
 *    counts the tokens fed to the model (special tokens included, padding excluded), the same
 *    number on both sides, so the ratio is raw time ÷ pipeline time. The pipeline's own
 *    `stats.runMs` splits its best pass into `session.run` and the rest.
 * 2. Sweep: a fresh model per maxBatchSize ∈ {1, 4, 8, 16, 32} over the first `--sweep-sentences`
 *    texts (default 500, to keep the section short), tokens/s and sequences/s (best of the
 *    reps), plus the padding share.
 * 3. Latency: `--latency` (200) single-text `predict([text])` calls one after another on an idle
 *    model (the default maxBatchSize 16, maxWaitMs 2), p50 / p99 / max, after 50 warm-up calls;
 *    then `--loaded-latency` (20) such calls while a loop predicts `--bulk-chunk`-text (250) chunks
 *    on the same model, the shape of a pipeline job, with the model's tokens/s meanwhile. The
 *    texts are the sentences after the bulk set. Few calls under load: each waits behind the
 *    chunk's sequences already queued (the micro-batcher is first in, first out).
 * Prints one JSON line on stdout, progress on stderr. The driver (`bench.ts`) runs it as a child
 * process, so that its event loop and onnxruntime's threads share nothing with the driver's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { joinTokens, parseConll } from '@prelabel/worker-ner/conll';
import { DEFAULT_NER_MODEL_DIR } from '@prelabel/worker-ner/default-model';
import type { NerModel, NerModelStats } from '@prelabel/worker-ner/ner-model';
import { loadNerModel, padBatch } from '@prelabel/worker-ner/ner-model';
import { planWindows } from '@prelabel/worker-ner/token-windows';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { Tokenizer } from 'tokenizers';

const DEFAULT_DATA = fileURLToPath(new URL('../../../shared/datasets/ner/conll2003/eng.testb', import.meta.url));
/** The product's defaults (NER_MAX_BATCH_SIZE, NER_MAX_WAIT_MS). */
const MAX_BATCH_SIZE = 16;
const MAX_WAIT_MS = 2;
const SWEEP = [1, 4, 8, 16, 32];

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: DEFAULT_NER_MODEL_DIR },
    data: { type: 'string', default: DEFAULT_DATA },
    sentences: { type: 'string', default: '2000' },
    reps: { type: 'string', default: '4' },
    'sweep-sentences': { type: 'string', default: '500' },
    latency: { type: 'string', default: '200' },
    'loaded-latency': { type: 'string', default: '20' },
    'bulk-chunk': { type: 'string', default: '250' },
    'intra-op-threads': { type: 'string', default: '0' },
    'inter-op-threads': { type: 'string', default: '0' },
  },
  strict: true,
});

function int(name: string, raw: string, min: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    console.error(`ner-bench: --${name} must be an integer ≥ ${min}, got ${raw}`);
    process.exit(2);
  }
  return n;
}

const sentenceCount = int('sentences', values.sentences, 1);
const reps = int('reps', values.reps, 1);
const sweepCount = int('sweep-sentences', values['sweep-sentences'], 1);
const latencyCalls = int('latency', values.latency, 0);
const loadedCalls = int('loaded-latency', values['loaded-latency'], 0);
const bulkChunk = int('bulk-chunk', values['bulk-chunk'], 1);
const intraOpThreads = int('intra-op-threads', values['intra-op-threads'], 0) || undefined;
const interOpThreads = int('inter-op-threads', values['inter-op-threads'], 0) || undefined;
const modelDir = values.model;

if (!existsSync(values.data)) {
  console.log(JSON.stringify({ skipped: `no CoNLL file at ${values.data} (the NER texts)` }));
  process.exit(0);
}

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
/** Nearest rank. */
const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
const log = (message: string) => console.error(`  [ner] ${message}`);

const sentences = parseConll(readFileSync(values.data, 'utf8'));
const texts = sentences.slice(0, sentenceCount).map((s) => joinTokens(s.tokens).text);
/** Texts for the single-task calls: the sentences after the bulk set, cycled. */
const rest = sentences.slice(sentenceCount).map((s) => joinTokens(s.tokens).text);
const singles = rest.length > 0 ? rest : texts;

const threadOptions = {
  ...(intraOpThreads !== undefined ? { intraOpThreads } : {}),
  ...(interOpThreads !== undefined ? { interOpThreads } : {}),
};
const load = (maxBatchSize: number) =>
  loadNerModel({ dir: modelDir, device: 'cpu', maxBatchSize, maxWaitMs: MAX_WAIT_MS, ...threadOptions });

const snapshot = (model: NerModel): NerModelStats => ({ ...model.stats });
const delta = (after: NerModelStats, before: NerModelStats): NerModelStats => ({
  runs: after.runs - before.runs,
  sequences: after.sequences - before.sequences,
  tokens: after.tokens - before.tokens,
  paddedTokens: after.paddedTokens - before.paddedTokens,
  runMs: after.runMs - before.runMs,
});

// ---------------------------------------------------------------------------------------------
// The pipeline's batches, rebuilt

interface Batch {
  ids: BigInt64Array;
  mask: BigInt64Array;
  dims: number[];
  tokens: number;
}

/** What `predict(texts)` feeds `session.run`, batch by batch (see ner-model.ts). */
async function pipelineBatches(model: NerModel, maxBatchSize: number): Promise<Batch[]> {
  const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')) as { pad_token_id?: number };
  const tokenizer = Tokenizer.fromFile(join(modelDir, 'tokenizer.json'));
  tokenizer.disableTruncation();
  tokenizer.disablePadding();
  const probe = await tokenizer.encode('a');
  const special = probe.getSpecialTokensMask();
  const prefix = probe.getIds().slice(0, special.indexOf(0));
  const suffix = probe.getIds().slice(special.lastIndexOf(0) + 1);
  const padId = config.pad_token_id ?? tokenizer.tokenToId('[PAD]') ?? 0;
  const stride = Math.floor(model.windowTokens / 4);
  const sequences: number[][] = [];
  for (const text of texts) {
    const ids = (await tokenizer.encode(text, null, { addSpecialTokens: false })).getIds();
    for (const window of planWindows(ids.length, model.windowTokens, stride)) {
      sequences.push([...prefix, ...ids.slice(window.start, window.end), ...suffix]);
    }
  }
  // Stable, as predict's sort; the micro-batcher then takes them maxBatchSize at a time.
  sequences.sort((a, b) => a.length - b.length);
  const batches: Batch[] = [];
  for (let i = 0; i < sequences.length; i += maxBatchSize) {
    const group = sequences.slice(i, i + maxBatchSize);
    const { ids, mask, length } = padBatch(group, padId);
    batches.push({ ids, mask, dims: [group.length, length], tokens: group.reduce((n, s) => n + s.length, 0) });
  }
  return batches;
}

// ---------------------------------------------------------------------------------------------
// Timings

async function timePipeline(model: NerModel, input: readonly string[]) {
  const before = snapshot(model);
  const started = performance.now();
  const out = await model.predict(input);
  const ms = performance.now() - started;
  return { ms, stats: delta(snapshot(model), before), contentTokens: out.reduce((n, t) => n + t.tokens, 0) };
}

async function timeRaw(session: InferenceSession, feeds: Record<string, Tensor>[]) {
  const started = performance.now();
  for (const feed of feeds) await session.run(feed);
  return performance.now() - started;
}

async function pipelineVsRaw() {
  const model = await load(MAX_BATCH_SIZE);
  const batches = await pipelineBatches(model, MAX_BATCH_SIZE);
  const sessionOptions: InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    executionProviders: ['cpu'],
    ...(intraOpThreads !== undefined ? { intraOpNumThreads: intraOpThreads } : {}),
    ...(interOpThreads !== undefined ? { interOpNumThreads: interOpThreads } : {}),
  };
  const session = await InferenceSession.create(join(modelDir, 'model.onnx'), sessionOptions);
  const tokenTypes = session.inputNames.includes('token_type_ids');
  const feeds = batches.map(({ ids, mask, dims }) => {
    const feed: Record<string, Tensor> = {
      input_ids: new Tensor('int64', ids, dims),
      attention_mask: new Tensor('int64', mask, dims),
    };
    if (tokenTypes) feed['token_type_ids'] = new Tensor('int64', new BigInt64Array(ids.length), dims);
    return feed;
  });
  const expected = {
    runs: batches.length,
    sequences: batches.reduce((n, b) => n + b.dims[0]!, 0),
    tokens: batches.reduce((n, b) => n + b.tokens, 0),
    paddedTokens: batches.reduce((n, b) => n + b.ids.length, 0),
  };

  // Warm-up, which also checks that the rebuilt batches are the pipeline's.
  const warm = await timePipeline(model, texts);
  for (const key of ['runs', 'sequences', 'tokens', 'paddedTokens'] as const) {
    if (warm.stats[key] !== expected[key]) {
      throw new Error(
        `rebuilt batches differ from the pipeline's: ${key} ${expected[key]} here, ${warm.stats[key]} in model.stats`,
      );
    }
  }
  await timeRaw(session, feeds);
  log(
    `${texts.length} texts → ${expected.sequences} sequences, ${expected.runs} runs, ${expected.tokens} tokens (${expected.paddedTokens} with padding); batches match model.stats`,
  );

  const pipelineMs: number[] = [];
  const pipelineRunMs: number[] = [];
  const rawMs: number[] = [];
  for (let r = 0; r < reps; r++) {
    const p = await timePipeline(model, texts);
    pipelineMs.push(p.ms);
    pipelineRunMs.push(p.stats.runMs);
    rawMs.push(await timeRaw(session, feeds));
  }
  await session.release();
  await model.dispose();
  // Best of the passes: on a shared host noise only ever adds time.
  const pMs = Math.min(...pipelineMs);
  const rMs = Math.min(...rawMs);
  // Each pipeline pass and the raw pass right after it share the host's conditions of the moment.
  const pairRatios = pipelineMs.map((ms, r) => rawMs[r]! / ms);
  const best = pipelineMs.indexOf(pMs);
  const result = {
    texts: texts.length,
    contentTokens: warm.contentTokens,
    ...expected,
    maxBatchSize: MAX_BATCH_SIZE,
    reps,
    pipelineMs: pipelineMs.map((ms) => round(ms)),
    rawMs: rawMs.map((ms) => round(ms)),
    pipelineTokensPerSec: Math.round(expected.tokens / (pMs / 1000)),
    rawTokensPerSec: Math.round(expected.tokens / (rMs / 1000)),
    /** Pipeline tokens/s ÷ raw tokens/s, best pass of each. */
    ratio: round(rMs / pMs, 3),
    /** Raw time ÷ pipeline time of each pass pair (a raw pass right after its pipeline pass). */
    pairRatios: pairRatios.map((r) => round(r, 3)),
    /** The same of the medians. */
    ratioOfMedians: round(median(rawMs) / median(pipelineMs), 3),
    target: 0.9,
    /** Of the pipeline's best pass: inside its session.run calls, and everything else. */
    pipelineSessionRunMs: round(pipelineRunMs[best]!),
    pipelineOtherMs: round(pMs - pipelineRunMs[best]!),
  };
  log(
    `pipeline ${result.pipelineTokensPerSec} tokens/s, raw session.run ${result.rawTokensPerSec} tokens/s, ratio ${result.ratio}`,
  );
  return result;
}

async function sweep() {
  const rows = [];
  for (const maxBatchSize of SWEEP) {
    const model = await load(maxBatchSize);
    const input = texts.slice(0, sweepCount);
    await model.predict(input.slice(0, 100));
    const runs = [];
    for (let r = 0; r < reps; r++) runs.push(await timePipeline(model, input));
    await model.dispose();
    const ms = Math.min(...runs.map((run) => run.ms));
    const { stats } = runs[0]!;
    const row = {
      maxBatchSize,
      texts: input.length,
      runs: stats.runs,
      tokensPerSec: Math.round(stats.tokens / (ms / 1000)),
      sequencesPerSec: Math.round(stats.sequences / (ms / 1000)),
      paddingShare: round(1 - stats.tokens / stats.paddedTokens, 3),
      ms: round(ms),
    };
    log(`maxBatchSize ${maxBatchSize}: ${row.tokensPerSec} tokens/s, ${row.sequencesPerSec} sequences/s`);
    rows.push(row);
  }
  return rows;
}

function latencyFigures(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  return {
    calls: ms.length,
    p50Ms: round(percentile(sorted, 50), 2),
    p99Ms: round(percentile(sorted, 99), 2),
    maxMs: round(sorted[sorted.length - 1] ?? 0, 2),
  };
}

async function singleCalls(model: NerModel, calls: number): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < calls; i++) {
    const text = singles[i % singles.length]!;
    const started = performance.now();
    await model.predict([text]);
    ms.push(performance.now() - started);
  }
  return ms;
}

async function latency() {
  if (latencyCalls === 0) return null;
  const model = await load(MAX_BATCH_SIZE);
  await singleCalls(model, Math.min(50, latencyCalls));
  const idle = latencyFigures(await singleCalls(model, latencyCalls));
  const textTokens = singles.slice(0, latencyCalls).map((t) => t.split(' ').length);
  log(`single task, idle: p50 ${idle.p50Ms} ms, p99 ${idle.p99Ms} ms`);
  const base = {
    maxBatchSize: MAX_BATCH_SIZE,
    maxWaitMs: MAX_WAIT_MS,
    meanWords: round(textTokens.reduce((a, b) => a + b, 0) / Math.max(1, textTokens.length)),
    idle,
  };
  if (loadedCalls === 0) {
    await model.dispose();
    return { ...base, underLoad: null };
  }

  // The same calls while a bulk loop keeps the model busy with chunk-sized predicts.
  let stop = false;
  let bulkTokens = 0;
  let bulkChunks = 0;
  const bulkLoop = (async () => {
    for (let c = 0; !stop; c++) {
      const from = (c * bulkChunk) % texts.length;
      const chunk = texts.slice(from, from + bulkChunk);
      const out = await model.predict(chunk);
      bulkTokens += out.reduce((n, t) => n + t.tokens, 0);
      bulkChunks++;
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const before = snapshot(model);
  const started = performance.now();
  const loadedMs = await singleCalls(model, loadedCalls);
  const seconds = (performance.now() - started) / 1000;
  const stats = delta(snapshot(model), before);
  stop = true;
  await bulkLoop;
  await model.dispose();
  const underLoad = {
    ...latencyFigures(loadedMs),
    bulkChunkTexts: bulkChunk,
    bulkChunksDone: bulkChunks,
    modelTokensPerSec: Math.round(stats.tokens / seconds),
    meanSequencesPerRun: round(stats.sequences / Math.max(1, stats.runs), 2),
  };
  log(`single task under bulk load: p50 ${underLoad.p50Ms} ms, p99 ${underLoad.p99Ms} ms`);
  return { ...base, underLoad: { ...underLoad, bulkContentTokens: bulkTokens } };
}

const cpuBefore = process.cpuUsage();
const started = performance.now();
const comparison = await pipelineVsRaw();
const batchSweep = await sweep();
const single = await latency();
const cpu = process.cpuUsage(cpuBefore);
console.log(
  JSON.stringify({
    model: modelDir,
    data: values.data,
    intraOpThreads: intraOpThreads ?? 'default',
    interOpThreads: interOpThreads ?? 'default',
    comparison,
    sweep: batchSweep,
    latency: single,
    seconds: round((performance.now() - started) / 1000),
    cpuSeconds: round((cpu.user + cpu.system) / 1e6, 2),
  }),
);
