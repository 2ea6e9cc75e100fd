"""Train the gloss -> pose model on a corpus .npz (from make_data.py) and export it to ONNX.

    .trainvenv/bin/python training/pose_model/train.py --data .trainout/corpus.npz --out .trainout/run \
        --steps 1500 [--noise 0.05] [--priority-alpha 0.6 --priority-beta 0.4]

Needs only torch + numpy (+ onnx for the export check). Options:
- --noise: Gaussian noise on the decoder's input frames (std = noise x per-value std of the data), so the
  model learns to recover from its own drift at inference time (Progressive Transformers' augmentation).
- --priority-alpha: SignLLM-style priority sampling: sample i is drawn with P(i) ~ priority_i^alpha
  (priority = its latest loss), and its loss is weighted by the importance weight (N P(i))^-beta / max.
  0 = uniform sampling.
Stopping at inference: the predicted progress counter reaching --stop (default 0.98).
"""
import argparse
import json
import os
import time

import numpy as np
import torch

try:
    from .make_data import load_corpus
    from .model import N_FEAT, ProgressiveTransformer, StepModel
    from .sampling import draw
except ImportError:  # run as a script
    import sys
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from make_data import load_corpus
    from model import N_FEAT, ProgressiveTransformer, StepModel
    from sampling import draw


def corpus_info(path):
    """(source, fps) stored by make_data.py (None for corpora written before they were stored)."""
    z = np.load(path, allow_pickle=False)
    return (str(z["source"]) if "source" in z else None), (float(z["fps"]) if "fps" in z else None)


def batchify(samples, idx, tok, start, noise_std=None, rng=None, counter_noise=0.0):
    S = max(len(samples[i][0]) for i in idx)
    T = max(len(samples[i][1]) for i in idx)
    B = len(idx)
    src = np.zeros((B, S), np.int64)
    tgt = np.zeros((B, T, N_FEAT), np.float32)
    mask = np.zeros((B, T), np.float32)
    for b, i in enumerate(idx):
        g, f = samples[i]
        src[b, :len(g)] = [tok[x] for x in g]
        tgt[b, :len(f)] = f
        tgt[b, len(f):] = f[-1]            # pad with the last frame (counter 1)
        mask[b, :len(f)] = 1.0
    inp = np.concatenate([np.broadcast_to(start, (B, 1, N_FEAT)), tgt[:, :-1]], 1).copy()
    if noise_std is not None:
        inp[:, 1:, :150] += rng.normal(size=inp[:, 1:, :150].shape).astype(np.float32) * noise_std
        inp[:, 1:, 150] += rng.normal(size=inp[:, 1:, 150].shape).astype(np.float32) * counter_noise
    return (torch.from_numpy(src), torch.from_numpy(inp), torch.from_numpy(tgt), torch.from_numpy(mask),
            torch.from_numpy(src == 0))


def per_sample_loss(pred, tgt, mask, counter_weight=5.0):
    j = ((pred[..., :150] - tgt[..., :150]) ** 2).mean(-1)
    c = (pred[..., 150] - tgt[..., 150]) ** 2
    return ((j + counter_weight * c) * mask).sum(1) / mask.sum(1)


@torch.no_grad()
def generate(model, src_ids, start, max_frames=120, stop=0.98):
    """Autoregressive decoding with counter-based stopping; returns (T, 151) numpy frames."""
    model.eval()
    src = torch.tensor([src_ids], dtype=torch.int64)
    mem, _ = model.encode(src)
    inp = torch.from_numpy(start[None, None].astype(np.float32))
    frames = []
    for _ in range(max_frames):
        nxt = model.decode(inp, mem)[:, -1:]
        frames.append(nxt[0, 0].numpy())
        if float(nxt[0, 0, 150]) >= stop:
            break
        inp = torch.cat([inp, nxt], 1)
    return np.stack(frames)


def train(args):
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    torch.set_num_threads(1)
    vocab, data = load_corpus(args.data)
    tok = {g: i + 1 for i, g in enumerate(vocab)}       # 0 = padding
    train_s = data["train"]
    allf = np.concatenate([f for _, f in train_s])
    std = allf[:, :150].std(0).astype(np.float32) + 1e-4
    start = np.mean([f[0] for _, f in train_s], 0).astype(np.float32)
    start[150] = 0.0
    model = ProgressiveTransformer(len(vocab) + 1, d=args.d, layers=args.layers, ff=2 * args.d,
                                   residual=args.residual)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, args.lr, total_steps=args.steps, pct_start=0.1)
    N = len(train_s)
    prio = np.ones(N)
    log = []
    t0 = time.time()
    t_eval = 0.0                                         # time spent on dev evaluation (not training)
    for step in range(1, args.steps + 1):
        model.train()
        idx, w = draw(prio, args.batch, args.priority_alpha, args.priority_beta, rng)
        w = torch.from_numpy(w.astype(np.float32))
        src, inp, tgt, mask, pad = batchify(train_s, idx, tok, start, std * args.noise if args.noise > 0 else None, rng,
                                             args.counter_noise)
        pred = model(src, inp, pad)
        ls = per_sample_loss(pred, tgt, mask)
        loss = (ls * w).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        prio[idx] = ls.detach().numpy() + 1e-6
        if step % args.log_every == 0 or step == args.steps:
            te = time.time()
            dev = evaluate_loss(model, data["dev"], tok, start)
            t_eval += time.time() - te
            log.append({"step": step, "train_loss": float(ls.mean()), "dev_loss": dev, "s": round(time.time() - t0, 1),
                        "train_s": round(time.time() - t0 - t_eval, 2)})
            print(json.dumps(log[-1]), flush=True)
    return model, vocab, tok, start, log


@torch.no_grad()
def evaluate_loss(model, samples, tok, start):
    model.eval()
    idx = np.arange(len(samples))
    src, inp, tgt, mask, pad = batchify(samples, idx, tok, start)
    return float(per_sample_loss(model(src, inp, pad), tgt, mask).mean())


def export(model, vocab, start, out, args, log):
    os.makedirs(out, exist_ok=True)
    model.eval()
    src = torch.tensor([[1, 2, 3]], dtype=torch.int64)
    inp = torch.from_numpy(np.stack([start] * 5)[None].astype(np.float32))
    path = os.path.join(out, "gloss2pose.onnx")
    torch.onnx.export(StepModel(model), (src, inp), path, input_names=["gloss_ids", "frames"],
                      output_names=["next_frames"], opset_version=17, dynamo=False,
                      dynamic_axes={"gloss_ids": {1: "glosses"}, "frames": {1: "frames"},
                                    "next_frames": {1: "frames"}})
    meta = {"vocab": vocab, "start_frame": start.tolist(), "fps": args.fps, "scale": 3.0, "stop": args.stop,
            "counter": "i / (T - 1)", "layout": "progressive-transformers 50 joints x 3 + counter",
            "trained": {"steps": args.steps, "noise": args.noise, "priority_alpha": args.priority_alpha,
                        "priority_beta": args.priority_beta, "residual": args.residual, "counter_noise": args.counter_noise, "d": args.d, "layers": args.layers,
                        "seed": args.seed, "final": log[-1] if log else None},
            "data": corpus_info(args.data)[0] or "synthetic: this project's own rule-based synthesiser (no third-party corpus)"}
    with open(os.path.join(out, "gloss2pose.json"), "w") as f:
        json.dump(meta, f)
    return path


def build_parser():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--d", type=int, default=64)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--noise", type=float, default=0.5)
    ap.add_argument("--counter-noise", type=float, default=0.02, help="noise std on the input counter")
    ap.add_argument("--priority-alpha", type=float, default=0.0)
    ap.add_argument("--priority-beta", type=float, default=0.4)
    ap.add_argument("--stop", type=float, default=0.98)
    ap.add_argument("--fps", type=float, default=None, help="default: the corpus's (make_data.py --fps), else 12.5")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--residual", action="store_true", help="predict frame deltas (diverges; kept to compare)")
    ap.add_argument("--log-every", type=int, default=100)
    return ap


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.fps is None:
        args.fps = corpus_info(args.data)[1] or 12.5
    model, vocab, tok, start, log = train(args)
    path = export(model, vocab, start, args.out, args, log)
    # torch-side generations of the test split, for checking the ONNX runtime against torch
    _, data = load_corpus(args.data)
    gens = [generate(model, [tok[g] for g in gl], start, stop=args.stop) for gl, _ in data["test"][:5]]
    np.savez(os.path.join(args.out, "torch_test_generations.npz"), *gens)
    print("exported", path, flush=True)


if __name__ == "__main__":
    main()
