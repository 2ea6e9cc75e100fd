"""Train the glosser's English part-of-speech tagger (inference/pos.py) on UD English-EWT and score it.

    .venv/bin/python training/train_pos_tagger.py --data ../shared/data/ud_english_ewt \
        --out inference/data/pos/en_ewt_upos.json.gz

Trains on en_ewt-ud-dev.conllu (the train split is not in ../shared/data) plus training/pos_extra.txt (our
hand-tagged homograph sentences), reports UPOS accuracy on
en_ewt-ud-test.conllu (all tokens and words unseen in training). Deterministic: seeded shuffles, fixed
iterations. The weights are a derived work of EWT: CC BY-SA 4.0 (inference/data/pos/README.md).
"""
import argparse
import gzip
import json
import os
import random
import sys
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
import build  # noqa: E402

build.import_package()
from signllm.inference.pos import END, START, Tagger, features, normalize  # noqa: E402


def read_conllu(path):
    """[(words, upos tags)] per sentence (multi-word token lines and empty nodes skipped)."""
    sents, words, tags = [], [], []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line:
                if words:
                    sents.append((words, tags))
                words, tags = [], []
                continue
            if line.startswith("#"):
                continue
            cols = line.split("\t")
            if "-" in cols[0] or "." in cols[0]:
                continue
            words.append(cols[1])
            tags.append(cols[3])
    if words:
        sents.append((words, tags))
    return sents


def read_extra(path):
    """[(words, tags)] from training/pos_extra.txt (word/TAG per token)."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip() and not line.startswith("#"):
                pairs = [tok.rsplit("/", 1) for tok in line.split()]
                out.append(([w for w, _ in pairs], [t for _, t in pairs]))
    return out


class Trainer(Tagger):
    def __init__(self, classes):
        super().__init__({}, {}, classes)
        self._totals = defaultdict(float)
        self._stamps = defaultdict(int)
        self.i = 0

    def update(self, truth, guess, feats):
        self.i += 1
        if truth == guess:
            return
        for f in feats:
            ws = self.weights.setdefault(f, {})
            for tag, delta in ((truth, 1.0), (guess, -1.0)):
                w = ws.get(tag, 0.0)
                key = (f, tag)
                self._totals[key] += (self.i - self._stamps[key]) * w
                self._stamps[key] = self.i
                ws[tag] = w + delta

    def average(self, prune=0.05):
        out = {}
        for f, ws in self.weights.items():
            kept = {}
            for tag, w in ws.items():
                key = (f, tag)
                total = self._totals[key] + (self.i - self._stamps[key]) * w
                avg = round(total / max(self.i, 1), 3)
                if abs(avg) >= prune:
                    kept[tag] = avg
            if kept:
                out[f] = kept
        self.weights = out


def make_tagdict(sents, freq=20, ambiguity=0.97):
    counts = defaultdict(lambda: defaultdict(int))
    for words, tags in sents:
        for w, t in zip(words, tags):
            counts[normalize(w)][t] += 1
    out = {}
    for w, c in counts.items():
        tag, n = max(c.items(), key=lambda x: x[1])
        total = sum(c.values())
        if total >= freq and n / total >= ambiguity:
            out[w] = tag
    return out


def train(sents, iterations=8, seed=0):
    classes = sorted({t for _, tags in sents for t in tags})
    model = Trainer(classes)
    model.tagdict = make_tagdict(sents)
    rng = random.Random(seed)
    data = list(sents)
    for it in range(iterations):
        right = total = 0
        for words, tags in data:
            context = list(START) + [normalize(w) for w in words] + list(END)
            prev, prev2 = START
            for i, word in enumerate(words):
                guess = model.tagdict.get(context[i + 2])
                if guess is None:
                    feats = features(i, word, context, prev, prev2)
                    guess = model.predict(feats)
                    model.update(tags[i], guess, feats)
                prev2, prev = prev, guess
                right += guess == tags[i]
                total += 1
        rng.shuffle(data)
        print(f"iteration {it + 1}: training accuracy {right / total:.4f}", flush=True)
    model.average()
    return model


def evaluate(model, sents, seen):
    right = total = uright = utotal = 0
    for words, tags in sents:
        for w, g, t in zip(words, model.tag(words), tags):
            right += g == t
            total += 1
            if normalize(w) not in seen:
                uright += g == t
                utotal += 1
    return right / total, uright / max(utotal, 1), total, utotal


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(os.path.dirname(ROOT), "shared", "data", "ud_english_ewt"))
    ap.add_argument("--out", default=os.path.join(ROOT, "inference", "data", "pos", "en_ewt_upos.json.gz"))
    ap.add_argument("--iterations", type=int, default=8)
    args = ap.parse_args()
    tr = read_conllu(os.path.join(args.data, "en_ewt-ud-dev.conllu"))
    extra = read_extra(os.path.join(ROOT, "training", "pos_extra.txt"))
    tr = tr + extra * 3     # our hand-tagged homograph sentences, weighted
    te = read_conllu(os.path.join(args.data, "en_ewt-ud-test.conllu"))
    model = train(tr, args.iterations)
    seen = {normalize(w) for words, _ in tr for w in words}
    acc, unk, n, nu = evaluate(model, te, seen)
    print(f"UD EWT test: UPOS accuracy {acc:.4f} on {n} tokens; {unk:.4f} on {nu} words unseen in training")
    blob = {"about": "Averaged-perceptron UPOS tagger trained on UD English-EWT dev (CC BY-SA 4.0); "
                     "training/train_pos_tagger.py", "licence": "CC-BY-SA-4.0",
            "test_accuracy": round(acc, 4), "test_unseen_accuracy": round(unk, 4),
            "classes": model.classes, "tagdict": model.tagdict, "weights": model.weights}
    with gzip.GzipFile(args.out, "wb", mtime=0) as fh:
        fh.write(json.dumps(blob, sort_keys=True, separators=(",", ":")).encode("utf-8"))
    print(f"wrote {args.out} ({os.path.getsize(args.out) / 1e6:.2f} MB, {len(model.weights)} features)")


if __name__ == "__main__":
    main()
