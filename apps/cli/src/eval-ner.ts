/**
 * `prelabel eval ner --conll FILE [--model DIR] [--json]`: entity-level precision, recall and F1 of
 * the Node `ner` pipeline on a CoNLL-format file, scored CoNLL-style (exact token span and type).
 *
 * Each sentence becomes one task whose text is its tokens joined by single spaces; the tasks go
 * through `createNerPipeline(model).prepare(…).predict` in chunks, as a worker would run them, with
 * a label config offering one label per entity type of the model. Predicted regions are mapped back
 * to the tokens they overlap. Gold entity types are matched to the model's by name,
 * case-insensitively; a gold type the model does not know still counts as missed.
 *
 * Prints a readable report, or with `json` only `{"precision", "recall", "f1", "sentences",
 * "tokensPerSec"}` on one line; `tokensPerSec` is CoNLL tokens per second of prediction time
 * (model loading and file reading excluded). Returns the full report.
 */
import { readFile } from 'node:fs/promises';
import { parseLabelConfig } from '@prelabel/shared/label-studio/label-config';
import type { AggregationStrategy, WordSplit } from '@prelabel/worker-ner/bio-spans';
import type { Chunk, Counts } from '@prelabel/worker-ner/conll';
import { conllChunks, joinTokens, parseConll, scoreChunks, spanToTokens } from '@prelabel/worker-ner/conll';
import { createNerPipeline } from '@prelabel/worker-ner/ner.pipeline';
import type { NerDevice } from '@prelabel/worker-ner/ner-model';
import { loadNerModel } from '@prelabel/worker-ner/ner-model';

export interface NerEvalOptions {
  /** Path of the CoNLL file. */
  conll: string;
  /** Model directory (model.onnx, tokenizer.json, config.json). */
  modelDir: string;
  /** Print only the JSON summary line. */
  json: boolean;
  /** @defaultValue 'first' */
  aggregation?: AggregationStrategy;
  /**
   * Words for `first`/`average`/`max`; whitespace makes them the CoNLL tokens, so each token's
   * class is read as the reference evaluation reads it.
   * @defaultValue 'whitespace'
   */
  words?: WordSplit;
  /** @defaultValue 'cpu' */
  device?: NerDevice;
  /** Tasks per `predict` call, as a worker's chunk. @defaultValue 250 */
  chunkSize?: number;
  /** Where lines go. @defaultValue console.log */
  print?: (line: string) => void;
}

export interface NerEvalReport extends Counts {
  sentences: number;
  tokens: number;
  tokensPerSec: number;
  predictSeconds: number;
  byType: Record<string, Counts>;
  /** Gold entity types with no model type of the same name. */
  unknownGoldTypes: string[];
}

const escapeXml = (text: string) =>
  text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

export async function runNerEval(options: NerEvalOptions): Promise<NerEvalReport> {
  const print = options.print ?? ((line: string) => console.log(line));
  const sentences = parseConll(await readFile(options.conll, 'utf8'));
  const model = await loadNerModel({ dir: options.modelDir, device: options.device ?? 'cpu' });
  try {
    const pipeline = createNerPipeline(model);
    const labels = model.entityTypes.map((type) => `<Label value="${escapeXml(type)}"/>`).join('');
    const config = parseLabelConfig(
      `<View><Text name="text" value="$text"/><Labels name="label" toName="text">${labels}</Labels></View>`,
    );
    const aggregation = options.aggregation ?? 'first';
    const words = options.words ?? 'whitespace';
    const prepared = pipeline.prepare(config, { aggregation, words, minScore: 0, labelAliases: {} });

    const modelTypeOf = new Map(model.entityTypes.map((type) => [type.toLowerCase(), type]));
    const unknownGoldTypes = new Set<string>();
    const joined = sentences.map((sentence) => joinTokens(sentence.tokens));
    const gold = sentences.map((sentence) =>
      conllChunks(sentence.tags).map((chunk) => {
        const type = modelTypeOf.get(chunk.type.toLowerCase());
        if (type === undefined) unknownGoldTypes.add(chunk.type);
        return { ...chunk, type: type ?? chunk.type };
      }),
    );

    const predicted: Chunk[][] = [];
    const chunkSize = options.chunkSize ?? 250;
    const signal = new AbortController().signal;
    const started = performance.now();
    for (let first = 0; first < sentences.length; first += chunkSize) {
      const tasks = joined.slice(first, first + chunkSize).map((sentence, i) => ({
        id: first + i,
        data: { text: sentence.text },
      }));
      for (const outcome of await prepared.predict(tasks, signal)) {
        if ('error' in outcome) throw new Error(`sentence ${outcome.task + 1}: ${outcome.error}`);
        const chunks: Chunk[] = [];
        for (const region of outcome.result) {
          const value = region.value as { start: number; end: number; labels: string[] };
          const tokens = spanToTokens(joined[outcome.task]!, value);
          if (tokens !== undefined) chunks.push({ ...tokens, type: value.labels[0]! });
        }
        predicted[outcome.task] = chunks;
      }
    }
    const predictSeconds = (performance.now() - started) / 1000;

    const tokens = sentences.reduce((sum, sentence) => sum + sentence.tokens.length, 0);
    const scores = scoreChunks(gold.map((chunks, i) => ({ gold: chunks, predicted: predicted[i] ?? [] })));
    const report: NerEvalReport = {
      ...scores,
      sentences: sentences.length,
      tokens,
      tokensPerSec: predictSeconds > 0 ? tokens / predictSeconds : 0,
      predictSeconds,
      unknownGoldTypes: [...unknownGoldTypes].sort(),
    };

    if (options.json) {
      const round = (value: number) => Math.round(value * 10_000) / 10_000;
      print(
        JSON.stringify({
          precision: round(report.precision),
          recall: round(report.recall),
          f1: round(report.f1),
          sentences: report.sentences,
          tokensPerSec: Math.round(report.tokensPerSec),
        }),
      );
      return report;
    }
    const percent = (value: number) => `${(value * 100).toFixed(2)}`.padStart(9);
    const row = (name: string, counts: Counts) =>
      `${name.padEnd(8)}${percent(counts.precision)}${percent(counts.recall)}${percent(counts.f1)}${String(counts.truePositives + counts.falseNegatives).padStart(8)}${String(counts.truePositives + counts.falsePositives).padStart(10)}`;
    print(`NER evaluation of ${options.conll}: ${report.sentences} sentences, ${tokens} tokens`);
    print(
      `model ${options.modelDir} (sha256 ${model.digest.slice(0, 12)}, ${model.device}), aggregation ${aggregation} over ${words} words`,
    );
    print(
      `${'type'.padEnd(8)}${'precision'.padStart(9)}${'recall'.padStart(9)}${'F1'.padStart(9)}${'gold'.padStart(8)}${'predicted'.padStart(10)}`,
    );
    for (const [type, counts] of Object.entries(report.byType)) print(row(type, counts));
    print(row('overall', report));
    if (report.unknownGoldTypes.length > 0) {
      print(`gold types the model does not predict (counted as missed): ${report.unknownGoldTypes.join(', ')}`);
    }
    print(`${tokens} tokens in ${predictSeconds.toFixed(1)} s: ${Math.round(report.tokensPerSec)} tokens/s`);
    return report;
  } finally {
    await model.dispose();
  }
}
