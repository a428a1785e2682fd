#!/usr/bin/env python3
"""Train the default NER model of prelabel and export it as a Hugging Face token-classification
directory (model.onnx + tokenizer.json + config.json + metrics.json).

Input: JSON lines written by encode-conll.ts (the sentences tokenized by the model's tokenizer.json
through the `tokenizers` Node binding, so training sees exactly the worker's tokenization).

Model (exports to the HF I/O contract: input_ids, attention_mask -> logits):
  token embedding + a character CNN over the characters of each WordPiece (a constant table built
  from the vocabulary, so rare sub-words still show capitalisation, digits, suffixes) -> 2-layer
  bidirectional LSTM -> linear. Padding never reaches real positions: real tokens are gathered to
  the front (any attention_mask layout), the backward LSTM reads each sequence reversed within its
  own length.
Labels: every sub-token is trained, the first sub-token of a word with the word's IOB2 tag, later
  ones with I-X (O stays O). Evaluation reads the first sub-token of each CoNLL word (CoNLL-style
  entity P/R/F1: exact span and type, conlleval chunking).

Requires Debian's python3-torch, python3-onnx, python3-numpy (libopenblas0-pthread for speed).
"""
import argparse
import hashlib
import json
import math
import os
import random
import shutil
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
L2I = {l: i for i, l in enumerate(LABELS)}
PAD, UNK = 0, 1
MAX_CHARS = 16


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


# ----------------------------------------------------------------------------- data
def load_jsonl(path):
    out = []
    with open(path) as f:
        for line in f:
            s = json.loads(line)
            ids, word, tags = s["ids"], s["word"], s["tags"]
            labels, first = [], []
            prev = -1
            for i, w in enumerate(word):
                if w < 0:
                    labels.append(-100)
                elif w != prev:
                    labels.append(L2I[tags[w]])
                    first.append(i)
                else:
                    t = tags[w]
                    labels.append(L2I["O" if t == "O" else "I-" + t[2:]])
                prev = w if w >= 0 else prev
            # a word that produced no token (cannot happen with WordPiece + [UNK]) would break eval
            assert len(first) == len(tags), (s["words"], word)
            out.append({"ids": ids, "labels": labels, "first": first, "tags": tags, "words": s["words"]})
    return out


def batches(data, batch_size, shuffle):
    idx = list(range(len(data)))
    if shuffle:
        random.shuffle(idx)
        # bucket by length inside chunks of 50 batches to limit padding
        chunk = batch_size * 50
        idx = [j for k in range(0, len(idx), chunk) for j in sorted(idx[k:k + chunk], key=lambda j: len(data[j]["ids"]))]
        groups = [idx[k:k + batch_size] for k in range(0, len(idx), batch_size)]
        random.shuffle(groups)
    else:
        idx.sort(key=lambda j: len(data[j]["ids"]))
        groups = [idx[k:k + batch_size] for k in range(0, len(idx), batch_size)]
    for g in groups:
        L = max(len(data[j]["ids"]) for j in g)
        ids = torch.zeros(len(g), L, dtype=torch.long)
        mask = torch.zeros(len(g), L, dtype=torch.long)
        lab = torch.full((len(g), L), -100, dtype=torch.long)
        for r, j in enumerate(g):
            n = len(data[j]["ids"])
            ids[r, :n] = torch.tensor(data[j]["ids"])
            mask[r, :n] = 1
            lab[r, :n] = torch.tensor(data[j]["labels"])
        yield g, ids, mask, lab


# ----------------------------------------------------------------------------- model
def char_table(vocab):
    """[V, MAX_CHARS] character ids of each vocabulary entry (## stripped; specials empty)."""
    chars = {}
    rows = []
    for tok, _ in sorted(vocab.items(), key=lambda x: x[1]):
        if tok.startswith("[") and tok.endswith("]") and tok.upper() == tok:
            s = ""
        else:
            s = tok[2:] if tok.startswith("##") else tok
        s = s[:MAX_CHARS]
        rows.append([chars.setdefault(c, len(chars) + 1) for c in s] + [0] * (MAX_CHARS - len(s)))
    return torch.tensor(rows, dtype=torch.long), len(chars) + 1


class BiLSTMTagger(nn.Module):
    def __init__(self, chars, n_chars, vocab_size, num_labels, emb=128, char_emb=32, char_out=64, hidden=192,
                 layers=2, dropout=0.5):
        super().__init__()
        self.register_buffer("chars", chars)
        self.emb = nn.Embedding(vocab_size, emb, padding_idx=PAD)
        self.char_emb = nn.Embedding(n_chars, char_emb, padding_idx=0)
        self.char_conv = nn.Conv1d(char_emb, char_out, kernel_size=3, padding=1)
        self.fwd = nn.ModuleList()
        self.bwd = nn.ModuleList()
        d = emb + char_out
        for _ in range(layers):
            self.fwd.append(nn.LSTM(d, hidden, batch_first=True))
            self.bwd.append(nn.LSTM(d, hidden, batch_first=True))
            d = 2 * hidden
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(d, num_labels)

    def forward(self, input_ids, attention_mask):
        B, L = input_ids.shape
        mask = attention_mask.long()
        ar = torch.arange(L, device=input_ids.device).unsqueeze(0)
        # real tokens to the front in order, padding behind: works for any mask layout
        perm = torch.argsort((1 - mask) * L + ar, dim=1)
        inv = torch.argsort(perm, dim=1)
        lengths = mask.sum(1, keepdim=True)
        ids = torch.gather(input_ids, 1, perm) * torch.gather(mask, 1, perm)
        rev = torch.where(ar < lengths, lengths - 1 - ar, ar)

        ch = self.chars[ids]  # [B, L, C]
        ce = self.char_emb(ch.reshape(B * L, MAX_CHARS)).transpose(1, 2)  # [BL, E, C]
        cf = self.char_conv(ce)
        cf = cf.masked_fill((ch.reshape(B * L, 1, MAX_CHARS) == 0), -1e4).max(dim=2).values
        cf = torch.where(cf < -1e3, torch.zeros_like(cf), cf).reshape(B, L, -1)
        h = self.drop(torch.cat([self.emb(ids), cf], dim=-1))
        for f, b in zip(self.fwd, self.bwd):
            ridx = rev.unsqueeze(-1).expand(-1, -1, h.shape[-1])
            hf = f(h)[0]
            hb = b(torch.gather(h, 1, ridx))[0]
            hb = torch.gather(hb, 1, rev.unsqueeze(-1).expand(-1, -1, hb.shape[-1]))
            h = self.drop(torch.cat([hf, hb], dim=-1))
        logits = self.out(h)
        return torch.gather(logits, 1, inv.unsqueeze(-1).expand(-1, -1, logits.shape[-1]))


# ----------------------------------------------------------------------------- eval
def chunks(tags):
    """conlleval-style chunks (type, start, end) from IOB2/IOB1 tags; I-X after O or another type starts a chunk."""
    out, start, typ = [], None, None
    for i, t in enumerate(list(tags) + ["O"]):
        b = t.startswith("B-")
        ty = t[2:] if t != "O" else None
        if start is not None and (t == "O" or b or ty != typ):
            out.append((typ, start, i))
            start, typ = None, None
        if t != "O" and start is None:
            start, typ = i, ty
    return out


def prf(gold_sets, pred_sets):
    tp = sum(len(g & p) for g, p in zip(gold_sets, pred_sets))
    ng = sum(len(g) for g in gold_sets)
    npred = sum(len(p) for p in pred_sets)
    p = tp / npred if npred else 0.0
    r = tp / ng if ng else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "sentences": len(gold_sets)}


@torch.no_grad()
def evaluate(model, data, batch_size=64):
    model.eval()
    preds = [None] * len(data)
    for g, ids, mask, _ in batches(data, batch_size, False):
        am = model(ids, mask).argmax(-1)
        for r, j in enumerate(g):
            preds[j] = [LABELS[am[r, i]] for i in data[j]["first"]]
    model.train()
    gold = [set(chunks(s["tags"])) for s in data]
    pred = [set(chunks(p)) for p in preds]
    return prf(gold, pred)


# ----------------------------------------------------------------------------- export
def export(model, tokenizer_path, out_dir, meta):
    import onnx

    os.makedirs(out_dir, exist_ok=True)
    model.eval()
    ids = torch.tensor([[2, 100, 200, 300, 3], [2, 400, 3, 0, 0]])
    mask = (ids != 0).long()
    path = os.path.join(out_dir, "model.onnx")
    torch.onnx.export(
        model, (ids, mask), path, input_names=["input_ids", "attention_mask"], output_names=["logits"],
        dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
                      "logits": {0: "batch", 1: "sequence"}},
        opset_version=14, do_constant_folding=True,
    )
    onnx.checker.check_model(onnx.load(path))
    if os.path.abspath(tokenizer_path) != os.path.abspath(os.path.join(out_dir, "tokenizer.json")):
        shutil.copyfile(tokenizer_path, os.path.join(out_dir, "tokenizer.json"))
    config = {
        "model_type": "bilstm-charcnn-tagger",
        "architectures": ["BiLSTMForTokenClassification"],
        "id2label": {str(i): l for i, l in enumerate(LABELS)},
        "label2id": dict(L2I),
        "num_labels": len(LABELS),
        "max_position_embeddings": 512,
        "vocab_size": meta["vocab_size"],
        "pad_token_id": PAD,
        "hidden_size": meta["hidden"],
        "num_hidden_layers": meta["layers"],
        "prelabel": meta,
    }
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")


@torch.no_grad()
def reference(model, sents, source, path):
    """A recorded, right-padded batch with PyTorch's logits, for the parity test of the ONNX export
    (workers/ner/src/model-parity.test.ts). It names the sentences of `source` by index, with the
    sha256 of each text, and holds no text: the dataset is never copied into the repository."""
    model.eval()
    _, ids, mask, _ = next(batches(sents, len(sents), False))
    order = sorted(range(len(sents)), key=lambda j: len(sents[j]["ids"]))
    logits = model(ids, mask)
    model.train()
    lengths = [int(m.sum()) for m in mask]
    with open(path, "w") as f:
        json.dump({
            "source": source,
            "sentences": order,
            "sha256": [hashlib.sha256(" ".join(sents[j]["words"]).encode("utf-8")).hexdigest() for j in order],
            "lengths": lengths,
            "sequence": int(mask.shape[1]),
            "logits": [[[round(v, 6) for v in row] for row in b[:n]] for b, n in zip(logits.tolist(), lengths)],
        }, f)
        f.write("\n")


# ----------------------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--train", required=True)
    ap.add_argument("--dev", required=True)
    ap.add_argument("--test")
    ap.add_argument("--out", required=True, help="model directory to write (best epoch on --dev)")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--max-minutes", type=float, default=0, help="stop after this much training time (0: no limit)")
    ap.add_argument("--patience", type=int, default=5)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--emb", type=int, default=128)
    ap.add_argument("--hidden", type=int, default=192)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--dropout", type=float, default=0.5)
    ap.add_argument("--word-dropout", type=float, default=0.05)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--export-each-best", action="store_true", help="rewrite --out at every dev improvement")
    ap.add_argument("--eval-every", type=int, default=0, help="also evaluate every N steps (0: once per epoch)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    vocab = json.load(open(args.tokenizer))["model"]["vocab"]
    chars, n_chars = char_table(vocab)
    train, dev = load_jsonl(args.train), load_jsonl(args.dev)
    test = load_jsonl(args.test) if args.test else None
    log(f"train {len(train)} dev {len(dev)} test {len(test) if test else 0} sentences, vocab {len(vocab)}")

    model = BiLSTMTagger(chars, n_chars, len(vocab), len(LABELS), emb=args.emb, hidden=args.hidden,
                         layers=args.layers, dropout=args.dropout)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"parameters {n_params}")
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps_per_epoch = math.ceil(len(train) / args.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch,
                                                pct_start=0.1, anneal_strategy="cos", div_factor=10,
                                                final_div_factor=100)
    best, best_state, best_epoch, bad, t0, step = -1.0, None, None, 0, time.time(), 0
    history = []
    stop = False

    def check(epoch):
        nonlocal best, best_state, best_epoch, bad
        m = evaluate(model, dev)
        history.append({"epoch": epoch, "step": step, "minutes": (time.time() - t0) / 60, "dev": m})
        improved = m["f1"] > best
        if improved:
            best, best_epoch, bad = m["f1"], epoch, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
            if args.export_each_best:
                write(epoch, {"dev": m})
        log(f"epoch {epoch} step {step} dev P {m['precision']:.4f} R {m['recall']:.4f} F1 {m['f1']:.4f}"
            f"{' *' if improved else ''} ({(time.time() - t0) / 60:.1f} min)")
        return improved

    def write(epoch, metrics):
        meta = {
            "vocab_size": len(vocab), "hidden": args.hidden, "layers": args.layers, "parameters": n_params,
            "args": vars(args), "train_minutes": round((time.time() - t0) / 60, 1), "best_epoch": epoch,
            "metrics": metrics, "history": history, "command": " ".join(sys.argv),
        }
        export(model, args.tokenizer, args.out, {k: v for k, v in meta.items() if k != "history"})
        reference(model, (test or dev)[:8], os.path.basename(args.test or args.dev).split(".jsonl")[0], os.path.join(args.out, "reference.json"))
        with open(os.path.join(args.out, "metrics.json"), "w") as f:
            json.dump(meta, f, indent=2)
            f.write("\n")
        log(f"wrote {args.out}" + (f" (epoch {epoch})" if epoch is not None else ""))

    for epoch in range(1, args.epochs + 1):
        tot, n = 0.0, 0
        for _, ids, mask, lab in batches(train, args.batch_size, True):
            if args.word_dropout > 0:
                drop = (torch.rand(ids.shape) < args.word_dropout) & (lab != -100)
                ids = ids.masked_fill(drop, UNK)
            logits = model(ids, mask)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), lab.reshape(-1), ignore_index=-100)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            sched.step()
            step += 1
            tot, n = tot + loss.item(), n + 1
            if args.eval_every and step % args.eval_every == 0:
                check(epoch - 1 + n / steps_per_epoch)
            if args.max_minutes and (time.time() - t0) / 60 > args.max_minutes:
                stop = True
                break
        log(f"epoch {epoch} loss {tot / max(n, 1):.4f} lr {sched.get_last_lr()[0]:.2e}")
        if check(epoch):
            pass
        elif bad + 1 >= args.patience:
            log("early stop")
            break
        else:
            bad += 1
        if stop:
            log("time budget reached")
            break

    model.load_state_dict(best_state)
    metrics = {"dev": evaluate(model, dev)}
    if test:
        metrics["test"] = evaluate(model, test)
    log("best: " + json.dumps(metrics))
    write(best_epoch, metrics)


if __name__ == "__main__":
    main()
