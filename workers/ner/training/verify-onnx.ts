// Checks a model directory against the worker's contract with onnxruntime-node: inputs input_ids and
// attention_mask (int64 [batch, sequence], dynamic), output logits float32 [batch, sequence, num_labels];
// batch 3 with right padding, sequence lengths 5 and 300, and padding that never changes real positions.
// Parity with PyTorch's logits is the suite's test: npx vitest run workers/ner/src/model-parity.test.ts
//
//   node workers/ner/training/verify-onnx.ts --model workers/ner/model
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { Tokenizer } from 'tokenizers';

const { values } = parseArgs({ options: { model: { type: 'string' } } });
const dir = values.model ?? 'workers/ner/model';
const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
const numLabels: number = config.num_labels;
const tok = Tokenizer.fromFile(join(dir, 'tokenizer.json'));
const session = await InferenceSession.create(join(dir, 'model.onnx'));
console.log(`inputs ${session.inputNames.join(',')} outputs ${session.outputNames.join(',')}`);
if (session.inputNames.join(',') !== 'input_ids,attention_mask' || session.outputNames.join(',') !== 'logits') {
  throw new Error('unexpected model inputs/outputs');
}

async function run(seqs: number[][], masks?: number[][]): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const L = Math.max(...seqs.map((s) => s.length));
  const ids = new BigInt64Array(seqs.length * L);
  const mask = new BigInt64Array(seqs.length * L);
  seqs.forEach((s, r) => {
    s.forEach((id, i) => {
      ids[r * L + i] = BigInt(id);
      mask[r * L + i] = BigInt(masks ? masks[r]![i]! : 1);
    });
  });
  const out = await session.run({
    input_ids: new Tensor('int64', ids, [seqs.length, L]),
    attention_mask: new Tensor('int64', mask, [seqs.length, L]),
  });
  const logits = out['logits']!;
  if (logits.type !== 'float32') throw new Error(`logits type ${logits.type}`);
  return { data: logits.data as Float32Array, dims: logits.dims };
}

const texts = [
  'EU rejects German call to boycott British lamb .',
  'Peter Blackburn',
  'The European Commission said on Thursday it disagreed with German advice to consumers to shun British lamb until scientists determine whether mad cow disease can be transmitted to sheep .',
];
const seqs = await Promise.all(texts.map(async (t) => (await tok.encode(t)).getIds()));
const long = Array.from({ length: 300 }, (_, i) => (i === 0 ? 2 : i === 299 ? 3 : 5 + ((i * 37) % 11990)));
const short = seqs[1]!.slice(0, 5);
while (short.length < 5) short.push(3);

let worst = 0;
const batch = await run(seqs);
const L = batch.dims[1]!;
console.log(`batch of 3 -> logits [${batch.dims.join(', ')}]`);
for (const [r, s] of seqs.entries()) {
  const alone = await run([s]);
  for (let i = 0; i < s.length * numLabels; i++) {
    worst = Math.max(worst, Math.abs(alone.data[i]! - batch.data[r * L * numLabels + i]!));
  }
}
console.log(`max |padded - unpadded| over real positions: ${worst.toExponential(2)}`);
if (worst > 1e-4) throw new Error('padding changes the logits of real positions');
// left padding and a fully padded row must not disturb the real positions either
{
  const s = seqs[0]!;
  const alone = await run([s]);
  const padded = [...Array(4).fill(0), ...s];
  const mask = padded.map((_, i) => (i < 4 ? 0 : 1));
  const r = await run([padded, Array(padded.length).fill(0), [2, 3]], [mask, Array(padded.length).fill(0), [1, 1]]);
  let d = 0;
  for (let i = 0; i < s.length * numLabels; i++) d = Math.max(d, Math.abs(alone.data[i]! - r.data[4 * numLabels + i]!));
  console.log(`left padding + an empty row: max diff ${d.toExponential(2)}`);
  if (d > 1e-4 || !r.data.every(Number.isFinite)) throw new Error('left padding changes the logits');
}
for (const s of [short, long]) {
  const r = await run([s, s.slice(0, 3)]);
  console.log(`length ${s.length}: logits [${r.dims.join(', ')}]`);
}
const labels = config.id2label as Record<string, string>;
for (const [r, t] of texts.entries()) {
  const enc = await tok.encode(t);
  const tags = enc.getTokens().map((tk, i) => {
    let best = 0;
    for (let k = 1; k < numLabels; k++) {
      if (batch.data[(r * L + i) * numLabels + k]! > batch.data[(r * L + i) * numLabels + best]!) best = k;
    }
    return `${tk}/${labels[String(best)]}`;
  });
  console.log(tags.join(' '));
}
console.log('OK');
