// Trains a cased WordPiece vocabulary on the words of a CoNLL training file with Hugging Face's
// `tokenizers` Node binding and writes a BERT-style `tokenizer.json`.
//
//   node workers/ner/training/build-tokenizer.ts --train ../shared/datasets/ner/conll2003/eng.train \
//     --out workers/ner/model/tokenizer.json --vocab-size 12000
//
// The binding exposes `Tokenizer.train(files)` with the model's default trainer only (WordPiece:
// BPE-style merges, `##` continuing prefix, 30 000 entries, no special tokens). BPE/WordPiece training
// appends one entry per merge in order, so the first N entries of that vocabulary are exactly what a
// trainer with `vocab_size = N` would have produced; we keep the first N - 5 and put the special tokens
// [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4 in front. No lowercasing, no accent stripping.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bertNormalizer, bertPreTokenizer, bertProcessing, Tokenizer, WordPiece, wordPieceDecoder } from 'tokenizers';

const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

const { values } = parseArgs({
  options: {
    train: { type: 'string', multiple: true },
    out: { type: 'string' },
    'vocab-size': { type: 'string', default: '12000' },
  },
});
if (!values.train?.length || !values.out) {
  console.error('usage: build-tokenizer.ts --train CONLL_FILE [--train ...] --out tokenizer.json [--vocab-size N]');
  process.exit(2);
}
const vocabSize = Number(values['vocab-size']);

/** The sentences of a CoNLL file as space-joined words (first column). */
function conllSentences(file: string): string[] {
  const out: string[] = [];
  let words: string[] = [];
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const cols = line.trim().split(/\s+/);
    if (!line.trim() || cols[0] === '-DOCSTART-') {
      if (words.length) out.push(words.join(' '));
      words = [];
      continue;
    }
    words.push(cols[0]!);
  }
  if (words.length) out.push(words.join(' '));
  return out;
}

function configure(tok: Tokenizer): void {
  tok.setNormalizer(
    bertNormalizer({ cleanText: true, handleChineseChars: true, stripAccents: false, lowercase: false }),
  );
  tok.setPreTokenizer(bertPreTokenizer());
}

const dir = mkdtempSync(join(tmpdir(), 'prelabel-wordpiece-'));
try {
  const textFile = join(dir, 'train.txt');
  const sentences = values.train.flatMap(conllSentences);
  writeFileSync(textFile, `${sentences.join('\n')}\n`);

  const trainer = new Tokenizer(WordPiece.empty() as never);
  configure(trainer);
  trainer.train([textFile]);
  const trained = trainer.getVocab(false);
  const ordered = Object.entries(trained)
    .filter(([t]) => !SPECIALS.includes(t))
    .sort((a, b) => a[1] - b[1])
    .map(([t]) => t);

  const vocab: Record<string, number> = {};
  for (const t of [...SPECIALS, ...ordered].slice(0, vocabSize)) vocab[t] = Object.keys(vocab).length;

  const tok = new Tokenizer(
    WordPiece.init(vocab, { unkToken: '[UNK]', continuingSubwordPrefix: '##', maxInputCharsPerWord: 100 }),
  );
  configure(tok);
  tok.setDecoder(wordPieceDecoder('##', true));
  tok.setPostProcessor(bertProcessing(['[SEP]', 3], ['[CLS]', 2]));
  tok.addSpecialTokens(SPECIALS);
  tok.save(values.out, true);

  const check = Tokenizer.fromFile(values.out);
  const enc = await check.encode(sentences[0] ?? 'EU rejects German call');
  console.log(
    `trained ${ordered.length} entries, kept ${Object.keys(vocab).length} (${sentences.length} sentences) -> ${values.out}`,
  );
  console.log(`sample: ${sentences[0]}\n  ${enc.getTokens().join(' ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
