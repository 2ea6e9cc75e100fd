#!/usr/bin/env python3
"""Train the neural text -> gloss model (tagged <asl>/<dgs>) and export it to ONNX for inference/.

Reproducible: fixed seeds, single-process data order, fixed epoch count (no wall-clock stopping).
Needs torch (training only; see requirements-train.txt). The runtime never imports torch.

    .trainvenv/bin/python training/train_glosser.py --data ../shared/data --out inference/models
"""
import argparse
import json
import math
import os
import random
import re
import sys
import time
import unicodedata

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# Same tokenizer at train and run time: the pattern is written into the vocab JSON and the runtime uses it.
TOKEN_PATTERN = r"[^\W_]+(?:'[^\W_]+)*|[^\w\s]"
SPECIALS = ["<pad>", "<unk>", "<s>", "</s>"]
PAD, UNK, BOS, EOS = 0, 1, 2, 3
TAGS = {"ASL": "<asl>", "DGS": "<dgs>"}


def tokenize(text):
    text = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'")
    return re.findall(TOKEN_PATTERN, text)


def read_pairs(src_path, tgt_path, lang):
    with open(src_path, encoding="utf-8") as fs, open(tgt_path, encoding="utf-8") as ft:
        src, tgt = fs.read().splitlines(), ft.read().splitlines()
    assert len(src) == len(tgt), (src_path, tgt_path)
    return [(lang, s.strip(), t.strip()) for s, t in zip(src, tgt) if s.strip() and t.strip()]


def load_data(root):
    """Splits. ASLG-PC12 has one 4,000-pair file: line i goes to test if i % 8 == 0, dev if i % 8 == 1."""
    ph = os.path.join(root, "phoenix14t")
    data = {f"dgs_{s}": read_pairs(os.path.join(ph, f"{s}.de"), os.path.join(ph, f"{s}.gloss"), "DGS")
            for s in ("train", "dev", "test")}
    aslg = read_pairs(os.path.join(root, "aslg_pc12", "dev.en"), os.path.join(root, "aslg_pc12", "dev.gloss"), "ASL")
    data["asl_test"] = [p for i, p in enumerate(aslg) if i % 8 == 0]
    data["asl_dev"] = [p for i, p in enumerate(aslg) if i % 8 == 1]
    data["asl_train"] = [p for i, p in enumerate(aslg) if i % 8 > 1]
    return data


def build_vocab(seqs, min_freq, extra=()):
    counts = {}
    for seq in seqs:
        for t in seq:
            counts[t] = counts.get(t, 0) + 1
    words = sorted((w for w, c in counts.items() if c >= min_freq), key=lambda w: (-counts[w], w))
    return SPECIALS + list(extra) + words


class MHA(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.h, self.dk = heads, d // heads
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x, mem, bias):
        B, T, D = x.shape
        S = mem.shape[1]
        q = self.q(x).view(B, T, self.h, self.dk).transpose(1, 2)
        k = self.k(mem).view(B, S, self.h, self.dk).transpose(1, 2)
        v = self.v(mem).view(B, S, self.h, self.dk).transpose(1, 2)
        att = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.dk) + bias
        out = torch.matmul(torch.softmax(att, dim=-1), v).transpose(1, 2).reshape(B, T, D)
        return self.o(out)


class Layer(nn.Module):
    """Pre-norm transformer layer; cross=True adds encoder-decoder attention."""

    def __init__(self, d, heads, ff, dropout, cross=False):
        super().__init__()
        self.sa, self.n1 = MHA(d, heads), nn.LayerNorm(d)
        self.ca, self.n2 = (MHA(d, heads), nn.LayerNorm(d)) if cross else (None, None)
        self.ff = nn.Sequential(nn.Linear(d, ff), nn.ReLU(), nn.Dropout(dropout), nn.Linear(ff, d))
        self.n3, self.drop = nn.LayerNorm(d), nn.Dropout(dropout)

    def forward(self, x, self_bias, mem=None, mem_bias=None):
        h = self.n1(x)
        x = x + self.drop(self.sa(h, h, self_bias))
        if self.ca is not None:
            x = x + self.drop(self.ca(self.n2(x), mem, mem_bias))
        return x + self.drop(self.ff(self.n3(x)))


class Seq2Seq(nn.Module):
    def __init__(self, n_src, n_tgt, d=256, heads=4, ff=512, enc_layers=3, dec_layers=3, dropout=0.1, max_len=256):
        super().__init__()
        self.d = d
        self.src_emb, self.tgt_emb = nn.Embedding(n_src, d, padding_idx=PAD), nn.Embedding(n_tgt, d, padding_idx=PAD)
        pos = torch.arange(max_len).unsqueeze(1)
        div = torch.exp(torch.arange(0, d, 2) * (-math.log(10000.0) / d))
        pe = torch.zeros(max_len, d)
        pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * div), torch.cos(pos * div)
        self.register_buffer("pe", pe)
        self.enc = nn.ModuleList(Layer(d, heads, ff, dropout) for _ in range(enc_layers))
        self.dec = nn.ModuleList(Layer(d, heads, ff, dropout, cross=True) for _ in range(dec_layers))
        self.enc_norm, self.dec_norm = nn.LayerNorm(d), nn.LayerNorm(d)
        self.drop = nn.Dropout(dropout)
        for emb in (self.src_emb, self.tgt_emb):  # unit scale after * sqrt(d); keeps tied logits sane
            nn.init.normal_(emb.weight, 0.0, d ** -0.5)
            with torch.no_grad():
                emb.weight[PAD].zero_()

    def _embed(self, emb, ids):
        return self.drop(emb(ids) * math.sqrt(self.d) + self.pe[: ids.shape[1]].unsqueeze(0))

    @staticmethod
    def pad_bias(ids):
        return (ids == PAD).to(torch.float32).unsqueeze(1).unsqueeze(1) * -1e9  # [B,1,1,S]

    def encode(self, src):
        x, bias = self._embed(self.src_emb, src), self.pad_bias(src)
        for layer in self.enc:
            x = layer(x, bias)
        return self.enc_norm(x)

    def decode(self, tgt, mem, src):
        T = tgt.shape[1]
        causal = torch.triu(torch.ones(T, T, dtype=torch.float32, device=tgt.device), diagonal=1) * -1e9
        x, mem_bias = self._embed(self.tgt_emb, tgt), self.pad_bias(src)
        for layer in self.dec:
            x = layer(x, causal, mem, mem_bias)
        return torch.matmul(self.dec_norm(x), self.tgt_emb.weight.t())  # tied output projection

    def forward(self, src, tgt):
        return self.decode(tgt, self.encode(src), src)


class EncoderONNX(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, src):
        return self.m.encode(src)


class DecoderONNX(nn.Module):
    """Whole prefix in, log-probabilities of the next token out (no cache: glosses are short)."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, tgt, memory, src):
        return torch.log_softmax(self.m.decode(tgt, memory, src)[:, -1, :], dim=-1)


def encode_pairs(pairs, sv, tv):
    si, ti = {w: i for i, w in enumerate(sv)}, {w: i for i, w in enumerate(tv)}
    out = []
    for lang, s, t in pairs:
        src = [si[TAGS[lang]]] + [si.get(w, UNK) for w in tokenize(s)][:126] + [EOS]
        tgt = [BOS] + [ti.get(w, UNK) for w in t.split()][:126] + [EOS]
        out.append((src, tgt))
    return out


def batches(encoded, max_tokens, rng):
    """Length-bucketed batches, shuffled with the seeded rng."""
    order = sorted(range(len(encoded)), key=lambda i: (len(encoded[i][0]), rng.random()))
    out, cur, longest = [], [], 0
    for i in order:
        longest_new = max(longest, len(encoded[i][0]), len(encoded[i][1]))
        if cur and longest_new * (len(cur) + 1) > max_tokens:
            out.append(cur)
            cur, longest_new = [], max(len(encoded[i][0]), len(encoded[i][1]))
        cur.append(i)
        longest = longest_new
    if cur:
        out.append(cur)
    rng.shuffle(out)
    return out


DEVICE = torch.device("cpu")


def pad(seqs):
    n = max(len(s) for s in seqs)
    return torch.tensor([s + [PAD] * (n - len(s)) for s in seqs], dtype=torch.long, device=DEVICE)


@torch.no_grad()
def greedy(model, pairs, sv, tv, max_len=60, bs=128):
    model.eval()
    enc = encode_pairs(pairs, sv, tv)
    hyps = []
    for k in range(0, len(enc), bs):
        src = pad([e[0] for e in enc[k:k + bs]])
        mem = model.encode(src)
        ys = torch.full((src.shape[0], 1), BOS, dtype=torch.long, device=src.device)
        done = torch.zeros(src.shape[0], dtype=torch.bool, device=src.device)
        for _ in range(max_len):
            nxt = model.decode(ys, mem, src)[:, -1].argmax(-1)
            nxt = torch.where(done, torch.full_like(nxt, PAD), nxt)
            ys = torch.cat([ys, nxt[:, None]], 1)
            done |= nxt == EOS
            if done.all():
                break
        for row in ys.tolist():
            words = []
            for i in row[1:]:
                if i in (EOS, PAD):
                    break
                words.append(tv[i])
            hyps.append(" ".join(words))
    model.train()
    return hyps


def bleu(hyps, pairs):
    """sacrebleu BLEU-4; a plain whitespace-token corpus BLEU-4 where sacrebleu is not installed."""
    refs = [t for _, _, t in pairs]
    try:
        import sacrebleu
        return sacrebleu.corpus_bleu(hyps, [refs]).score
    except ImportError:
        from collections import Counter
        match, total, hl, rl = [0] * 4, [0] * 4, 0, 0
        for h, r in zip(hyps, refs):
            h, r = h.split(), r.split()
            hl, rl = hl + len(h), rl + len(r)
            for n in range(4):
                hc = Counter(tuple(h[i:i + n + 1]) for i in range(len(h) - n))
                rc = Counter(tuple(r[i:i + n + 1]) for i in range(len(r) - n))
                match[n] += sum(min(c, rc[g]) for g, c in hc.items())
                total[n] += max(len(h) - n, 0)
        if min(match) == 0:
            return 0.0
        lp = sum(math.log(m / t) for m, t in zip(match, total)) / 4
        return 100 * math.exp(min(0.0, 1 - rl / max(hl, 1)) + lp)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "inference", "models"))
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--d-model", type=int, default=256)
    p.add_argument("--ff", type=int, default=512)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--dropout", type=float, default=0.2)
    p.add_argument("--max-tokens", type=int, default=2048)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--warmup", type=int, default=800)
    p.add_argument("--min-freq", type=int, default=2)
    p.add_argument("--eval-every", type=int, default=5)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--limit", type=int, default=0, help="use only N training pairs per language (smoke test)")
    p.add_argument("--device", default="cpu", help="cpu or cuda (the shipped model: see MODEL_CARD.md)")
    p.add_argument("--checkpoint", default="", help="write the trained weights here (.pt) and skip export")
    p.add_argument("--export-from", default="", help="export a --checkpoint file to ONNX without training")
    p.add_argument("--no-quantize", action="store_true", help="ship fp32 weights instead of int8 (bigger)")
    a = p.parse_args(argv)

    global DEVICE
    DEVICE = torch.device(a.device)
    if a.export_from:
        ck = torch.load(a.export_from, map_location="cpu")
        cfg = ck["settings"]
        model = Seq2Seq(len(ck["sv"]), len(ck["tv"]), cfg["d_model"], cfg["heads"], cfg["ff"], cfg["layers"],
                        cfg["layers"], cfg["dropout"])
        model.load_state_dict(ck["state"])
        model.eval()
        a.seed, a.epochs = cfg["seed"], cfg["epochs"]
        for k in ("d_model", "heads", "ff", "layers", "dropout", "max_tokens", "lr", "warmup", "min_freq",
                  "device", "threads", "limit"):
            setattr(a, k, cfg[k])
        export(model, ck["sv"], ck["tv"], a, ck["info"])
        return 0
    t0 = time.time()
    torch.set_num_threads(a.threads)
    if a.device.startswith("cuda"):
        torch.cuda.manual_seed_all(a.seed)
    random.seed(a.seed)
    np.random.seed(a.seed)
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)

    data = load_data(a.data)
    train = data["dgs_train"] + data["asl_train"]
    if a.limit:
        train = data["dgs_train"][: a.limit] + data["asl_train"][: a.limit]
    sv = build_vocab((tokenize(s) for _, s, _ in train), a.min_freq, extra=sorted(TAGS.values()))
    tv = build_vocab((t.split() for _, _, t in train), a.min_freq)
    print(f"train pairs {len(train)}; src vocab {len(sv)}; tgt vocab {len(tv)}", flush=True)
    enc = encode_pairs(train, sv, tv)

    model = Seq2Seq(len(sv), len(tv), a.d_model, a.heads, a.ff, a.layers, a.layers, a.dropout).to(DEVICE)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"parameters {n_params:,}", flush=True)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr, betas=(0.9, 0.98), eps=1e-9)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / a.warmup, math.sqrt(a.warmup / (s + 1))))
    dev = data["dgs_dev"] + data["asl_dev"]
    best, best_state, best_epoch, step, log = -1.0, None, 0, 0, []
    for epoch in range(1, a.epochs + 1):
        te, tot, ntok = time.time(), 0.0, 0
        for b in batches(enc, a.max_tokens, rng):
            src, tgt = pad([enc[i][0] for i in b]), pad([enc[i][1] for i in b])
            logits = model(src, tgt[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt[:, 1:].reshape(-1),
                                   ignore_index=PAD, label_smoothing=0.1, reduction="sum")
            n = int((tgt[:, 1:] != PAD).sum())
            opt.zero_grad()
            (loss / n).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            tot, ntok = tot + loss.item(), ntok + n
        msg = f"epoch {epoch} loss {tot / ntok:.3f} ({time.time() - te:.0f} s)"
        if epoch % a.eval_every == 0 or epoch == a.epochs:
            dd = bleu(greedy(model, data["dgs_dev"], sv, tv), data["dgs_dev"])
            da = bleu(greedy(model, data["asl_dev"], sv, tv), data["asl_dev"])
            score = (dd + da) / 2
            msg += f"; dev BLEU-4 DGS {dd:.2f} ASL {da:.2f}"
            if score > best:
                best, best_epoch = score, epoch
                best_state = {k: v.clone() for k, v in model.state_dict().items()}
        print(msg, flush=True)
        log.append(msg)
    model.load_state_dict(best_state)
    model.eval()
    train_s = time.time() - t0
    scores = {}
    for name in ("dgs_dev", "dgs_test", "asl_dev", "asl_test"):
        scores[name] = round(bleu(greedy(model, data[name], sv, tv), data[name]), 2)
    print(f"best epoch {best_epoch}; torch greedy BLEU-4 {scores}; wall {train_s:.0f} s", flush=True)
    info = {"train_pairs": len(train), "parameters": n_params, "best_epoch": best_epoch,
            "train_wall_s": round(train_s), "torch_bleu4_greedy": scores, "log": log, "dev_pairs": len(dev),
            "torch": torch.__version__, "device": a.device}
    model = model.cpu()
    if a.checkpoint:
        torch.save({"state": model.state_dict(), "sv": sv, "tv": tv, "settings": vars(a), "info": info},
                   a.checkpoint)
        print("checkpoint", a.checkpoint, flush=True)
        return 0
    export(model, sv, tv, a, info)
    return 0


def export(model, sv, tv, a, info):
    os.makedirs(a.out, exist_ok=True)
    global DEVICE
    DEVICE = torch.device("cpu")
    src = torch.tensor([[sv.index("<asl>"), 5, 6, EOS]], dtype=torch.long)
    mem = model.encode(src)
    tgt = torch.tensor([[BOS, 4]], dtype=torch.long)
    paths = {}
    for name, mod, args, inputs, outputs, axes in (
            ("encoder", EncoderONNX(model), (src,), ["src"], ["memory"],
             {"src": {0: "batch", 1: "src_len"}, "memory": {0: "batch", 1: "src_len"}}),
            ("decoder", DecoderONNX(model), (tgt, mem, src), ["tgt", "memory", "src"], ["log_probs"],
             {"tgt": {0: "batch", 1: "tgt_len"}, "memory": {0: "batch", 1: "src_len"},
              "src": {0: "batch", 1: "src_len"}, "log_probs": {0: "batch"}})):
        fp32 = os.path.join(a.out, f"glosser_{name}.fp32.onnx")
        torch.onnx.export(mod, args, fp32, input_names=inputs, output_names=outputs, dynamic_axes=axes,
                          opset_version=17, dynamo=False, do_constant_folding=True)
        final = os.path.join(a.out, f"glosser_{name}.onnx")
        if a.no_quantize:
            os.replace(fp32, final)
        else:
            from onnxruntime.quantization import QuantType, quantize_dynamic
            quantize_dynamic(fp32, final, weight_type=QuantType.QInt8)
            os.remove(fp32)
        paths[name] = os.path.basename(final)
    vocab = {
        "schema": "signllm.neural_glosser/1",
        "about": "Vocabulary and settings of the ONNX text->gloss model next to this file (training/train_glosser.py).",
        "tokenizer": {"pattern": TOKEN_PATTERN, "lowercase": True, "normalize": "NFKC"},
        "specials": {"pad": PAD, "unk": UNK, "bos": BOS, "eos": EOS},
        "tags": TAGS,
        "max_len": 120,
        "encoder": paths["encoder"], "decoder": paths["decoder"],
        "quantized": "none" if a.no_quantize else "dynamic int8 (onnxruntime.quantization)",
        "settings": {k: v for k, v in vars(a).items() if k not in ("data", "out")},
        "training": info,
        "src_vocab": sv, "tgt_vocab": tv,
    }
    with open(os.path.join(a.out, "glosser_vocab.json"), "w", encoding="utf-8") as fh:
        json.dump(vocab, fh, ensure_ascii=False, indent=0)
    print("exported", ", ".join(sorted(os.listdir(a.out))), flush=True)


if __name__ == "__main__":
    sys.exit(main())
