/**
 * A tiny token-classification model directory for tests, written on demand (no binary fixture):
 * a cased WordPiece `tokenizer.json` built with the `tokenizers` binding, a `config.json` and a
 * `model.onnx` whose logits depend on the token id alone (a `Gather` from a table), so every
 * token of the vocabulary below has a known label wherever it appears.
 *
 * The ONNX file is encoded here by hand (a few protobuf fields of `onnx.proto`), since no ONNX
 * writer is installed for Node. `TinyModelOptions` breaks the contract on purpose for the
 * validation tests.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bertNormalizer, bertPreTokenizer, bertProcessing, Tokenizer, WordPiece } from 'tokenizers';

export const TINY_LABELS = ['O', 'B-PER', 'I-PER', 'B-ORG', 'I-ORG', 'B-LOC', 'I-LOC'];

/** Vocabulary of the tiny model: token → the label its logits favour. */
export const TINY_VOCAB: Record<string, string> = {
  '[PAD]': 'O',
  '[UNK]': 'O',
  '[CLS]': 'O',
  '[SEP]': 'O',
  John: 'B-PER',
  Smith: 'I-PER',
  Mary: 'B-PER',
  Ac: 'B-ORG',
  '##me': 'I-ORG',
  Corp: 'I-ORG',
  New: 'B-LOC',
  York: 'I-LOC',
  Paris: 'B-LOC',
  'Zu\u0308rich': 'B-LOC',
  Zürich: 'B-LOC',
  東: 'B-LOC',
  京: 'I-LOC',
  '😀': 'O',
  the: 'O',
  in: 'O',
  and: 'O',
  visited: 'O',
  met: 'O',
  '.': 'O',
  ',': 'O',
};

export interface TinyModelOptions {
  /** Graph input names; default `input_ids`, `attention_mask`. */
  inputs?: string[];
  /** Graph output name; default `logits`. */
  output?: string;
  /** `id2label` written to config.json; default {@link TINY_LABELS}. */
  id2label?: Record<string, string>;
  /** `max_position_embeddings`; default 16, so that windows are exercised. */
  maxPositions?: number;
  /** Files not to write. */
  omit?: ('model.onnx' | 'tokenizer.json' | 'config.json')[];
}

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return bytes;
}

type Field = number[];
const int = (field: number, value: number): Field => [...varint(field << 3), ...varint(value)];
const bytes = (field: number, payload: ArrayLike<number>): Field => [
  ...varint((field << 3) | 2),
  ...varint(payload.length),
  ...Array.from(payload),
];
const text = (field: number, value: string): Field => bytes(field, new TextEncoder().encode(value));
const message = (field: number, ...fields: Field[]): Field => bytes(field, fields.flat());

const ELEM_FLOAT = 1;
const ELEM_INT64 = 7;

function valueInfo(field: number, name: string, elemType: number, dims: (number | string)[]): Field {
  const shape = dims.map((dim) => message(1, typeof dim === 'number' ? int(1, dim) : text(2, dim)));
  return message(field, text(1, name), message(2, message(1, int(1, elemType), message(2, ...shape))));
}

/** `logits[b, s, :] = table[input_ids[b, s], :]`, with extra inputs declared and unused. */
export function encodeGatherModel(
  table: Float32Array,
  vocabSize: number,
  labels: number,
  options: TinyModelOptions = {},
): Uint8Array {
  const inputs = options.inputs ?? ['input_ids', 'attention_mask'];
  const idsInput = inputs[0]!;
  const initializer = message(
    5,
    int(1, vocabSize),
    int(1, labels),
    int(2, ELEM_FLOAT),
    text(8, 'table'),
    bytes(9, new Uint8Array(table.buffer, table.byteOffset, table.byteLength)),
  );
  const node = message(1, text(1, 'table'), text(1, idsInput), text(2, options.output ?? 'logits'), text(4, 'Gather'));
  const graph = message(
    7,
    node,
    text(2, 'tiny-ner'),
    initializer,
    ...inputs.map((name) => valueInfo(11, name, ELEM_INT64, ['batch', 'sequence'])),
    valueInfo(12, options.output ?? 'logits', ELEM_FLOAT, ['batch', 'sequence', labels]),
  );
  return new Uint8Array([...int(1, 8), ...text(2, 'prelabel-tests'), ...graph, ...message(8, text(1, ''), int(2, 13))]);
}

/** Writes the tiny model into `dir` (created if needed) and returns `dir`. */
export async function writeTinyModel(dir: string, options: TinyModelOptions = {}): Promise<string> {
  await mkdir(dir, { recursive: true });
  const tokens = Object.keys(TINY_VOCAB);
  const vocab = Object.fromEntries(tokens.map((token, id) => [token, id]));
  const omit = new Set(options.omit ?? []);

  if (!omit.has('tokenizer.json')) {
    const tokenizer = new Tokenizer(WordPiece.init(vocab, { unkToken: '[UNK]' }));
    tokenizer.setNormalizer(
      bertNormalizer({ cleanText: true, handleChineseChars: true, stripAccents: false, lowercase: false }),
    );
    tokenizer.setPreTokenizer(bertPreTokenizer());
    tokenizer.setPostProcessor(bertProcessing(['[SEP]', vocab['[SEP]']!], ['[CLS]', vocab['[CLS]']!]));
    tokenizer.save(join(dir, 'tokenizer.json'));
  }
  if (!omit.has('config.json')) {
    const id2label = options.id2label ?? Object.fromEntries(TINY_LABELS.map((label, id) => [String(id), label]));
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({ model_type: 'bert', id2label, max_position_embeddings: options.maxPositions ?? 16 }),
    );
  }
  if (!omit.has('model.onnx')) {
    const table = new Float32Array(tokens.length * TINY_LABELS.length);
    tokens.forEach((token, id) => {
      table[id * TINY_LABELS.length + TINY_LABELS.indexOf(TINY_VOCAB[token]!)] = 4;
    });
    await writeFile(join(dir, 'model.onnx'), encodeGatherModel(table, tokens.length, TINY_LABELS.length, options));
  }
  return dir;
}
