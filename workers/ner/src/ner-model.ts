/**
 * A Hugging Face token-classification ONNX export, loaded once and served with onnxruntime-node.
 *
 * `loadNerModel({dir, device, …})` reads a model directory, the contract of HF's ONNX export:
 * - `model.onnx`: inputs `input_ids`, `attention_mask` and optionally `token_type_ids` (int64
 *   [batch, sequence]); output `logits` (float32 [batch, sequence, labels]);
 * - `tokenizer.json`: a `tokenizers` tokenizer (its truncation and padding settings are ignored);
 * - `config.json`: `id2label` (classes 0…n-1) and `max_position_embeddings` (the window).
 * Everything is checked before the model serves: missing or unreadable files, the graph's inputs
 * and outputs, and one probe run whose logits must have one column per `id2label` entry. Any
 * mismatch throws {@link NerModelError} with a message naming the file and what to fix.
 *
 * `device: 'cuda'` asks for onnxruntime's CUDA execution provider; when it cannot load (no GPU,
 * CPU-only binaries, missing CUDA libraries), the model runs on CPU and logs one warning.
 *
 * `predict(texts, signal, options)` runs three stages: tokenize every text with offsets (the
 * binding reports them in Unicode code points, the unit Label Studio stores), run the model over
 * overlapping windows (see token-windows.ts) through one micro-batcher per model, so sequences of
 * concurrent calls share `session.run`s padded to their longest member (a call submits its
 * windows shortest first, so batches pad little), then decode each text's merged per-token
 * scores (bio-spans.ts). It returns per text the entity spans in code points and the
 * number of tokens. `dispose()` releases the session; predicting afterwards throws.
 *
 * `describeNerModel(dir)` reads and checks the files (config, tokenizer, digest) without starting
 * onnxruntime, for processes that only prepare the pipeline.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InferenceSession, env as ortEnv, Tensor } from 'onnxruntime-node';
import { Tokenizer } from 'tokenizers';
import type { AggregationStrategy, EntitySpan, ScoredToken, WordSplit } from './bio-spans.ts';
import { decodeEntities, entityTypesOf, softmaxRows, whitespaceWordIds } from './bio-spans.ts';
import { createMicroBatcher } from './micro-batcher.ts';
import type { TokenWindow } from './token-windows.ts';
import { planWindows } from './token-windows.ts';

export const NER_DEVICES = ['cpu', 'cuda'] as const;
export type NerDevice = (typeof NER_DEVICES)[number];

/** The model directory breaks the contract; the message says which file and what to fix. */
export class NerModelError extends Error {
  override name = 'NerModelError';
}

export interface NerModelOptions {
  /** Directory holding `model.onnx`, `tokenizer.json` and `config.json`. */
  dir: string;
  /** @defaultValue 'cpu' */
  device?: NerDevice;
  /** Threads inside one operator; default: onnxruntime's (one per core). */
  intraOpThreads?: number;
  /** Threads across operators; default: onnxruntime's. */
  interOpThreads?: number;
  /** Most sequences in one `session.run`. @defaultValue 16 */
  maxBatchSize?: number;
  /** Longest a sequence waits for others to share its run, in milliseconds. @defaultValue 2 */
  maxWaitMs?: number;
  /** Tokens per window, special tokens included; default and maximum: `max_position_embeddings`. */
  maxTokens?: number;
  /** Receives the CUDA fallback warning. */
  log?: { warn(fields: object, message: string): void };
}

export interface NerPredictOptions {
  /** @defaultValue 'first' */
  aggregation?: AggregationStrategy;
  /** Tokens shared by consecutive windows of a long text; default: a quarter of a window. */
  stride?: number;
  /** What a word is for word-level aggregation. @defaultValue 'tokenizer' */
  words?: WordSplit;
}

export interface TextEntities {
  /** Entity spans in text order, offsets in code points. */
  spans: EntitySpan[];
  /** Content tokens of the text (special tokens excluded). */
  tokens: number;
}

export interface NerModelStats {
  runs: number;
  sequences: number;
  tokens: number;
  paddedTokens: number;
  runMs: number;
}

export interface NerModel extends NerModelInfo {
  /** The device the session actually runs on. */
  readonly device: NerDevice;
  /**
   * Work done so far: `session.run` calls, sequences, their tokens, tokens fed with padding, and
   * milliseconds spent in `session.run`.
   */
  readonly stats: Readonly<NerModelStats>;
  predict(texts: readonly string[], signal?: AbortSignal, options?: NerPredictOptions): Promise<TextEntities[]>;
  dispose(): Promise<void>;
}

const MODEL_FILE = 'model.onnx';
const TOKENIZER_FILE = 'tokenizer.json';
const CONFIG_FILE = 'config.json';
const REQUIRED_INPUTS = ['input_ids', 'attention_mask'];
const OPTIONAL_INPUTS = ['token_type_ids'];
const LOGITS = 'logits';

async function readModelFile(dir: string, file: string): Promise<Buffer> {
  try {
    return await readFile(join(dir, file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new NerModelError(
      code === 'ENOENT'
        ? `NER model directory ${dir} has no ${file} (expected model.onnx, tokenizer.json and config.json of a Hugging Face token-classification ONNX export)`
        : `cannot read ${join(dir, file)}: ${(error as Error).message}`,
    );
  }
}

interface ModelConfig {
  labels: string[];
  maxPositions: number | undefined;
  padTokenId: number | undefined;
}

/** Parses `config.json`: `id2label` must number its classes 0…n-1. */
export function parseModelConfig(raw: string, where: string): ModelConfig {
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(raw) as Record<string, unknown>;
  } catch (error) {
    throw new NerModelError(`${where} is not valid JSON: ${(error as Error).message}`);
  }
  const id2label = config['id2label'];
  if (id2label === null || typeof id2label !== 'object' || Array.isArray(id2label)) {
    throw new NerModelError(`${where} has no "id2label" object (class id → tag, e.g. {"0": "O", "1": "B-PER"})`);
  }
  const entries = Object.entries(id2label as Record<string, unknown>);
  const labels: string[] = [];
  for (const [key, label] of entries) {
    const id = Number(key);
    if (!Number.isInteger(id) || id < 0 || id >= entries.length || typeof label !== 'string' || label === '') {
      throw new NerModelError(
        `${where} "id2label" must map the ids 0…${entries.length - 1} to tag names; entry ${JSON.stringify(key)}: ${JSON.stringify(label)} does not`,
      );
    }
    labels[id] = label;
  }
  if (labels.length < 2)
    throw new NerModelError(`${where} "id2label" needs at least two classes, has ${labels.length}`);
  if (entityTypesOf(labels).length === 0)
    throw new NerModelError(`${where} "id2label" names no entity type (only "O")`);
  const positiveInt = (name: string) => {
    const value = config[name];
    if (value === undefined || value === null) return undefined;
    if (!Number.isInteger(value) || (value as number) < 0) {
      throw new NerModelError(`${where} "${name}" must be a non-negative integer, got ${JSON.stringify(value)}`);
    }
    return value as number;
  };
  return { labels, maxPositions: positiveInt('max_position_embeddings'), padTokenId: positiveInt('pad_token_id') };
}

/** Why the graph's inputs/outputs break the contract, or undefined when they fit. */
export function describeGraphProblem(
  inputNames: readonly string[],
  outputNames: readonly string[],
): string | undefined {
  const missing = REQUIRED_INPUTS.filter((name) => !inputNames.includes(name));
  const extra = inputNames.filter((name) => !REQUIRED_INPUTS.includes(name) && !OPTIONAL_INPUTS.includes(name));
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`lacks input${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  if (extra.length > 0) problems.push(`has unexpected input${extra.length > 1 ? 's' : ''} ${extra.join(', ')}`);
  if (!outputNames.includes(LOGITS)) problems.push(`has no output "${LOGITS}"`);
  if (problems.length === 0) return undefined;
  return `${problems.join(', ')} (inputs: ${inputNames.join(', ') || 'none'}; outputs: ${outputNames.join(', ') || 'none'}); a token-classification export has inputs input_ids, attention_mask (and optionally token_type_ids) and output logits`;
}

/** Pads sequences to the longest one: ids with `padId`, attention mask 0 past each sequence's end. */
export function padBatch(sequences: readonly (readonly number[])[], padId: number) {
  const length = Math.max(0, ...sequences.map((sequence) => sequence.length));
  const ids = new BigInt64Array(sequences.length * length).fill(BigInt(padId));
  const mask = new BigInt64Array(sequences.length * length);
  sequences.forEach((sequence, row) => {
    for (let i = 0; i < sequence.length; i++) {
      ids[row * length + i] = BigInt(sequence[i]!);
      mask[row * length + i] = 1n;
    }
  });
  return { ids, mask, length };
}

async function createSession(
  modelPath: string,
  options: NerModelOptions,
): Promise<{ session: InferenceSession; device: NerDevice }> {
  const base: InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    ...(options.intraOpThreads !== undefined ? { intraOpNumThreads: options.intraOpThreads } : {}),
    ...(options.interOpThreads !== undefined ? { interOpNumThreads: options.interOpThreads } : {}),
  };
  const create = async (executionProviders: InferenceSession.ExecutionProviderConfig[]) => {
    try {
      return await InferenceSession.create(modelPath, { ...base, executionProviders });
    } catch (error) {
      throw new NerModelError(`onnxruntime cannot load ${modelPath}: ${(error as Error).message}`);
    }
  };
  if ((options.device ?? 'cpu') === 'cuda') {
    // The native provider bridge would print its own error line when CUDA cannot load; the
    // warning below says it once, readably.
    ortEnv.logLevel = 'fatal';
    try {
      return { session: await create(['cuda', 'cpu']), device: 'cuda' };
    } catch (error) {
      options.log?.warn(
        { err: (error as Error).message, device: 'cpu' },
        'CUDA execution provider unavailable, running the NER model on CPU',
      );
    }
  }
  return { session: await create(['cpu']), device: 'cpu' };
}

/** What a model directory declares, read and checked without starting onnxruntime. */
export interface NerModelInfo {
  readonly dir: string;
  /** sha256 (hex) of the three files: equal digests predict alike. */
  readonly digest: string;
  /** `id2label` as a list. */
  readonly labels: readonly string[];
  /** Entity types the labels name, without tag prefixes. */
  readonly entityTypes: readonly string[];
  /** Tokens per window, special tokens included. */
  readonly maxTokens: number;
  /** Content tokens per window. */
  readonly windowTokens: number;
}

interface ModelDirectory {
  info: NerModelInfo;
  tokenizer: Tokenizer;
  /** Special tokens before and after the text of one sequence ([CLS] and [SEP] for BERT). */
  prefixIds: number[];
  suffixIds: number[];
  /** A short valid sequence, for the probe run. */
  probeSequence: number[];
  padId: number;
}

async function readModelDirectory(dir: string, requestedMaxTokens: number | undefined): Promise<ModelDirectory> {
  // Read in parallel, but report the first missing file in a fixed order (model.onnx first).
  const settled = await Promise.allSettled(
    [MODEL_FILE, TOKENIZER_FILE, CONFIG_FILE].map((file) => readModelFile(dir, file)),
  );
  const failure = settled.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  const [modelBytes, tokenizerBytes, configBytes] = settled.map(
    (result) => (result as PromiseFulfilledResult<Buffer>).value,
  );
  const config = parseModelConfig(configBytes!.toString('utf8'), join(dir, CONFIG_FILE));
  const digestHash = createHash('sha256');
  for (const bytes of [modelBytes!, tokenizerBytes!, configBytes!]) digestHash.update(bytes);
  const digest = digestHash.digest('hex');

  let tokenizer: Tokenizer;
  try {
    tokenizer = Tokenizer.fromString(tokenizerBytes!.toString('utf8'));
  } catch (error) {
    throw new NerModelError(`${join(dir, TOKENIZER_FILE)} is not a tokenizers tokenizer: ${(error as Error).message}`);
  }
  tokenizer.disableTruncation();
  tokenizer.disablePadding();
  // The special tokens framing one sequence, read off a probe encoding.
  const probe = await tokenizer.encode('a');
  const probeIds = probe.getIds();
  const probeSpecial = probe.getSpecialTokensMask();
  const firstContent = probeSpecial.indexOf(0);
  const lastContent = probeSpecial.lastIndexOf(0);
  if (firstContent < 0) {
    throw new NerModelError(`${join(dir, TOKENIZER_FILE)} encodes the text "a" as special tokens only`);
  }
  const prefixIds = probeIds.slice(0, firstContent);
  const suffixIds = probeIds.slice(lastContent + 1);

  const maxTokens = requestedMaxTokens ?? config.maxPositions;
  if (maxTokens === undefined) {
    throw new NerModelError(
      `${join(dir, CONFIG_FILE)} has no "max_position_embeddings"; set the window with maxTokens`,
    );
  }
  if (config.maxPositions !== undefined && maxTokens > config.maxPositions) {
    throw new NerModelError(
      `maxTokens ${maxTokens} exceeds the model's max_position_embeddings ${config.maxPositions}`,
    );
  }
  const windowTokens = maxTokens - prefixIds.length - suffixIds.length;
  if (windowTokens < 2) {
    throw new NerModelError(`a window of ${maxTokens} tokens leaves ${windowTokens} for text after the special tokens`);
  }
  return {
    info: {
      dir,
      digest,
      labels: config.labels,
      entityTypes: entityTypesOf(config.labels),
      maxTokens,
      windowTokens,
    },
    tokenizer,
    prefixIds,
    suffixIds,
    probeSequence: probeIds,
    padId: config.padTokenId ?? tokenizer.tokenToId('[PAD]') ?? 0,
  };
}

/**
 * Reads and checks a model directory's files without starting onnxruntime: enough for a process
 * that only prepares the pipeline (its version and label mapping), such as the gateway.
 */
export async function describeNerModel(dir: string, options: { maxTokens?: number } = {}): Promise<NerModelInfo> {
  return (await readModelDirectory(dir, options.maxTokens)).info;
}

export async function loadNerModel(options: NerModelOptions): Promise<NerModel> {
  const { dir } = options;
  const { info, tokenizer, prefixIds, suffixIds, probeSequence, padId } = await readModelDirectory(
    dir,
    options.maxTokens,
  );
  const { labels, windowTokens } = info;

  const modelPath = join(dir, MODEL_FILE);
  const { session, device } = await createSession(modelPath, options);
  const graphProblem = describeGraphProblem(session.inputNames, session.outputNames);
  if (graphProblem !== undefined) {
    await session.release();
    throw new NerModelError(`${modelPath} ${graphProblem}`);
  }
  const feedsTokenTypes = session.inputNames.includes('token_type_ids');
  const labelCount = labels.length;

  const stats: NerModelStats = { runs: 0, sequences: 0, tokens: 0, paddedTokens: 0, runMs: 0 };
  const runBatch = async (sequences: number[][]): Promise<Float32Array[]> => {
    const { ids, mask, length } = padBatch(sequences, padId);
    stats.runs++;
    stats.sequences += sequences.length;
    stats.paddedTokens += ids.length;
    for (const sequence of sequences) stats.tokens += sequence.length;
    const dims = [sequences.length, length];
    const feeds: Record<string, Tensor> = {
      input_ids: new Tensor('int64', ids, dims),
      attention_mask: new Tensor('int64', mask, dims),
    };
    if (feedsTokenTypes) feeds['token_type_ids'] = new Tensor('int64', new BigInt64Array(ids.length), dims);
    const runStarted = performance.now();
    const output = (await session.run(feeds))[LOGITS]!;
    stats.runMs += performance.now() - runStarted;
    if (output.type !== 'float32') {
      throw new NerModelError(`${modelPath} returns ${output.type} logits; the NER pipeline reads float32 logits`);
    }
    const [batch, sequence, width] = output.dims;
    if (batch !== sequences.length || sequence !== length || width !== labelCount) {
      throw new NerModelError(
        `${modelPath} returned logits of shape [${output.dims.join(', ')}] for a batch of [${dims.join(', ')}]; config.json's id2label has ${labelCount} classes`,
      );
    }
    const logits = output.data as Float32Array;
    return sequences.map((sequence, row) =>
      logits.slice(row * length * labelCount, (row * length + sequence.length) * labelCount),
    );
  };

  try {
    await runBatch([probeSequence]);
  } catch (error) {
    await session.release();
    if (error instanceof NerModelError) throw error;
    throw new NerModelError(`${modelPath} fails on a probe input: ${(error as Error).message}`);
  }

  const maxBatchSize = options.maxBatchSize ?? 16;
  const batcher = createMicroBatcher({
    maxBatchSize,
    maxWaitMs: options.maxWaitMs ?? 2,
    run: runBatch,
  });
  let disposed = false;

  interface EncodedText {
    ids: number[];
    offsets: number[][];
    words: (number | null | undefined)[];
    windows: TokenWindow[];
  }

  const encodeText = async (text: string, stride: number, wordSplit: WordSplit): Promise<EncodedText> => {
    const encoding = await tokenizer.encode(text, null, { addSpecialTokens: false });
    const ids = encoding.getIds();
    const offsets = encoding.getOffsets();
    const words =
      wordSplit === 'whitespace'
        ? whitespaceWordIds(
            text,
            offsets.map(([start]) => start!),
          )
        : encoding.getWordIds();
    return { ids, offsets, words, windows: planWindows(ids.length, windowTokens, stride) };
  };

  const decodeText = (encoded: EncodedText, rows: Float32Array[], aggregation: AggregationStrategy): TextEntities => {
    const { ids, offsets, words, windows } = encoded;
    const tokens: ScoredToken[] = [];
    windows.forEach((window, k) => {
      const own = window.ownEnd - window.ownStart;
      const first = prefixIds.length + window.ownStart - window.start;
      const probs = softmaxRows(rows[k]!.subarray(first * labelCount, (first + own) * labelCount), own, labelCount);
      for (let i = 0; i < own; i++) {
        const index = window.ownStart + i;
        const [start, end] = offsets[index]!;
        // Tokens without characters (inserted by some tokenizers) cannot anchor a span.
        if (end! <= start!) continue;
        tokens.push({
          start: start!,
          end: end!,
          word: words[index] ?? -1 - index,
          probs: probs.subarray(i * labelCount, (i + 1) * labelCount),
        });
      }
    });
    return { spans: decodeEntities(tokens, labels, aggregation), tokens: ids.length };
  };

  return {
    ...info,
    device,
    stats,
    async predict(texts, signal, predictOptions = {}) {
      if (disposed) throw new Error(`the NER model of ${dir} was disposed`);
      signal?.throwIfAborted();
      const stride = predictOptions.stride ?? Math.floor(windowTokens / 4);
      const aggregation = predictOptions.aggregation ?? 'first';
      const words = predictOptions.words ?? 'tokenizer';
      const encoded = await Promise.all(texts.map((text) => encodeText(text, stride, words)));
      // Submitted shortest first, so that each batch gathers sequences of similar length and
      // pads little.
      const requests = encoded.flatMap((text, t) =>
        text.windows.map((window, k) => ({
          t,
          k,
          sequence: [...prefixIds, ...text.ids.slice(window.start, window.end), ...suffixIds],
        })),
      );
      requests.sort((a, b) => a.sequence.length - b.sequence.length);
      // A call that fits in one batch (an annotator's single task) goes ahead of bulk chunks.
      const urgent = requests.length <= maxBatchSize;
      const rows = encoded.map((text) => new Array<Float32Array>(text.windows.length));
      await Promise.all(
        requests.map(async ({ t, k, sequence }) => {
          rows[t]![k] = await batcher.submit(sequence, signal, urgent);
        }),
      );
      return encoded.map((text, t) => decodeText(text, rows[t]!, aggregation));
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await session.release();
    },
  };
}
