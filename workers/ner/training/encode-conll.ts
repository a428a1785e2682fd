// Tokenizes CoNLL files with the model's tokenizer.json through the `tokenizers` Node binding (the same
// code path the worker uses) and writes one JSON line per sentence for train_ner.py:
//   {"words": [...], "tags": [...IOB2...], "ids": [...], "word": [token -> CoNLL word index or -1]}
//
//   node workers/ner/training/encode-conll.ts --tokenizer workers/ner/model/tokenizer.json \
//     --conll ../shared/datasets/ner/conll2003/eng.train --out /tmp/ner/eng.train.jsonl
//
// Sentences are the words joined by single spaces; a token belongs to the word its character offsets
// start in (offsets are code points, so they are compared with code-point word starts).
import { createWriteStream, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Tokenizer } from 'tokenizers';

const { values } = parseArgs({
  options: { tokenizer: { type: 'string' }, conll: { type: 'string' }, out: { type: 'string' } },
});
if (!values.tokenizer || !values.conll || !values.out) {
  console.error('usage: encode-conll.ts --tokenizer tokenizer.json --conll FILE --out FILE.jsonl');
  process.exit(2);
}

/** IOB1 or IOB2 tags -> IOB2. */
function toIob2(tags: string[]): string[] {
  return tags.map((t, i) => {
    if (!t.startsWith('I-')) return t;
    const prev = i > 0 ? tags[i - 1]! : 'O';
    return prev === 'O' || prev.slice(2) !== t.slice(2) ? `B-${t.slice(2)}` : t;
  });
}

function readConll(file: string): { words: string[]; tags: string[] }[] {
  const out: { words: string[]; tags: string[] }[] = [];
  let words: string[] = [];
  let tags: string[] = [];
  const flush = () => {
    if (words.length) out.push({ words, tags: toIob2(tags) });
    words = [];
    tags = [];
  };
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const cols = line.trim().split(/\s+/);
    if (!line.trim() || cols[0] === '-DOCSTART-') {
      flush();
      continue;
    }
    words.push(cols[0]!);
    tags.push(cols[cols.length - 1]!);
  }
  flush();
  return out;
}

const tok = Tokenizer.fromFile(values.tokenizer);
const out = createWriteStream(values.out);
let n = 0;
let tokens = 0;
let maxLen = 0;
for (const s of readConll(values.conll)) {
  const text = s.words.join(' ');
  const starts: number[] = [];
  let pos = 0;
  for (const w of s.words) {
    starts.push(pos);
    pos += [...w].length + 1;
  }
  const enc = await tok.encode(text);
  const special = enc.getSpecialTokensMask();
  let w = 0;
  const word = enc.getOffsets().map(([start], i) => {
    if (special[i]) return -1;
    while (w + 1 < starts.length && starts[w + 1]! <= start) w++;
    return w;
  });
  out.write(`${JSON.stringify({ words: s.words, tags: s.tags, ids: enc.getIds(), word })}\n`);
  n++;
  tokens += enc.getIds().length;
  maxLen = Math.max(maxLen, enc.getIds().length);
}
out.end();
console.log(`${values.conll}: ${n} sentences, ${tokens} tokens (longest ${maxLen}) -> ${values.out}`);
