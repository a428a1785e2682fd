#!/usr/bin/env python3
"""Write README.md (the model card) of a model directory from its metrics.json and file sizes.

  /usr/bin/python3 workers/ner/training/model_card.py workers/ner/model
"""
import json
import os
import sys

d = sys.argv[1]
m = json.load(open(os.path.join(d, "metrics.json")))
a = m["args"]
best_epoch = m.get("best_epoch")
if best_epoch is None and m.get("history"):
    best_epoch = max(m["history"], key=lambda h: h["dev"]["f1"])["epoch"]
command = m["command"]
if command.startswith("train_ner.py") or command.startswith("./train_ner.py"):
    command = "workers/ner/training/" + command.lstrip("./")
threads = m["args"].get("threads", 1)
command = f"OMP_NUM_THREADS={threads} OPENBLAS_NUM_THREADS={threads} nice -n 10 /usr/bin/python3 " + command
sizes = {f: os.path.getsize(os.path.join(d, f)) for f in sorted(os.listdir(d)) if f != "README.md"}


def fmt(x):
    return f"P {x['precision']:.4f} · R {x['recall']:.4f} · **F1 {x['f1']:.4f}** ({x['sentences']} sentences)"


hist = "\n".join(
    f"| {h['epoch'] if isinstance(h['epoch'], int) else round(h['epoch'], 2)} | {h['minutes']:.1f} | {h['dev']['f1']:.4f} |"
    for h in m.get("history", [])
)
card = f"""# prelabel default NER model (CoNLL-2003 English, BiLSTM + char-CNN over WordPiece)

The default model of the `ner` worker, trained offline by the project's own tool
(`workers/ner/training/`). It keeps the Hugging Face token-classification ONNX contract, so a
fine-tuned DistilBERT/BERT export can replace this directory unchanged.

## Results (Python reference evaluation)

Entity-level precision/recall/F1, CoNLL style (exact span and type, conlleval chunking), the label
of each CoNLL word read from its first sub-token:

| split | result |
|---|---|
| `eng.testa` (dev, used for early stopping) | {fmt(m['metrics']['dev'])} |
| `eng.testb` (test) | {fmt(m['metrics']['test']) if 'test' in m['metrics'] else 'not measured'} |

Training time: {m['train_minutes']} min of wall time (best epoch: {best_epoch}) on {threads} CPU
thread(s) (Debian `python3-torch` 1.13 with OpenBLAS pthreads), `nice -n 10`.

## Contract

- `model.onnx` (opset 14): inputs `input_ids`, `attention_mask` (int64 `[batch, sequence]`, both axes
  dynamic; no `token_type_ids`), output `logits` (float32 `[batch, sequence, {len(json.load(open(os.path.join(d, 'config.json')))['id2label'])}]`).
  Padding never changes the logits of real positions (whatever the mask layout: real tokens are
  gathered to the front inside the graph, the backward LSTM reads each sequence reversed within its
  own length). Logits at padded positions are meaningless. The LSTM has no position limit;
  `max_position_embeddings` is 512 to keep windows in a familiar range.
- `tokenizer.json`: cased WordPiece, {m['vocab_size']} entries, trained on the words of `eng.train` with
  Hugging Face's `tokenizers` (Node binding 0.23): BertNormalizer without lowercasing or accent
  stripping, BertPreTokenizer, `##` continuing prefix, special tokens `[PAD]`=0 `[UNK]`=1 `[CLS]`=2
  `[SEP]`=3 `[MASK]`=4, post-processor `[CLS] $A [SEP]`, WordPiece decoder.
- `config.json`: `id2label`/`label2id` in IOB2 (`O, B-PER, I-PER, B-ORG, I-ORG, B-LOC, I-LOC, B-MISC,
  I-MISC`), `num_labels`, `max_position_embeddings`; `prelabel` holds the training metadata.
- Every sub-token was trained (first sub-token of a word: the word's tag; later sub-tokens: `I-X`, `O`
  stays `O`), so the pipeline's `simple`, `first`, `average` and `max` aggregations all work.
- `metrics.json`: arguments, per-epoch dev F1, final metrics. `reference.json`: a recorded
  right-padded batch of {len(json.load(open(os.path.join(d, 'reference.json')))['sentences'])} `eng.testb` sentences
  named by index with each text's sha256 (no text: the data is never copied here), their token counts
  and PyTorch's logits rounded to 1e-6, for the parity test of the ONNX export.

## Architecture

Token embedding ({a['emb']}) + a character CNN over the characters of each WordPiece entry (a constant
[vocab, 16] table in the graph; char embedding 32, 64 filters of width 3, max-pooled, so rare
sub-words still show capitalisation, digits and affixes) → {a['layers']}-layer bidirectional LSTM
({a['hidden']} per direction) → linear to 9 labels. {m['parameters']:,} parameters, fp32.

Training: Adam, one-cycle cosine learning rate (max {a['lr']}), batch {a['batch_size']} sentences, dropout
{a['dropout']}, word dropout {a['word_dropout']} (sub-tokens replaced by `[UNK]`), gradient clipping 5,
up to {a['epochs']} epochs, the epoch with the best `eng.testa` F1 kept (patience {a['patience']}), seed {a['seed']}.

## Data

CoNLL-2003 English (Reuters), `eng.train` for training and the vocabulary, `eng.testa` for model
selection, `eng.testb` for the test figure. The data is not redistributed and is not in this
repository; the tool reads it from `../shared/datasets/ner/conll2003/`. Its license (Reuters corpus)
applies to anyone retraining.

## Reproduce

See `workers/ner/training/README.md`. Training command of this model:

```
{command}
```

## Dev F1 per evaluation

| epoch | minutes | dev F1 |
|---|---|---|
{hist}

## Files

| file | bytes |
|---|---|
""" + "\n".join(f"| `{f}` | {s:,} |" for f, s in sizes.items()) + f"""
| total (without this card) | {sum(sizes.values()):,} |
"""
open(os.path.join(d, "README.md"), "w").write(card)
print(f"wrote {os.path.join(d, 'README.md')}")
