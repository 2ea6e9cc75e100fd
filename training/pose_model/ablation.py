"""Priority sampling ablation: train the same model with uniform and with priority sampling (same seeds, same
steps, same corpus) and report, per run, the steps and the training time (s, dev evaluation excluded) to reach
a target dev loss, plus the best and final dev loss.

    .trainvenv/bin/python training/pose_model/ablation.py --data .trainout/corpus.npz --steps 400 \
        --eval-every 25 --seeds 0 1 [--alpha 0.6 --beta 0.4] [--target 0.02 0.01] [--json .trainout/ablation.json]
    .trainvenv/bin/python training/pose_model/ablation.py --summarise .trainout/ablation.json --target 0.02 0.01

Without --target, the target is the highest of the runs' best dev losses, so every run reaches it and the
comparison is "who gets there first". Any other train.py option can follow `--` (e.g. -- --d 96 --noise 0.3).
Needs torch (training only); nothing is exported.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train as trainer  # noqa: E402  (torch)


def reach(log, target):
    """(step, train_s) of the first dev evaluation at or below target, or (None, None)."""
    for r in log:
        if r["dev_loss"] <= target:
            return r["step"], r["train_s"]
    return None, None


def run(data, steps, eval_every, seed, alpha, beta, extra):
    argv = ["--data", data, "--out", os.devnull, "--steps", str(steps), "--log-every", str(eval_every),
            "--seed", str(seed), "--priority-alpha", str(alpha), "--priority-beta", str(beta)] + list(extra)
    args = trainer.build_parser().parse_args(argv)
    _, _, _, _, log = trainer.train(args)
    return log


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=None, help="corpus.npz (make_data.py)")
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--eval-every", type=int, default=25)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--alpha", type=float, default=0.6, help="priority exponent of the priority run")
    ap.add_argument("--beta", type=float, default=0.4, help="importance-weight exponent of the priority run")
    ap.add_argument("--target", type=float, nargs="+", default=None, help="dev loss(es) to reach (default: see above)")
    ap.add_argument("--summarise", default=None, metavar="JSON", help="report a saved --json run again (no training)")
    ap.add_argument("--json", default=None, help="write the logs and the summary here")
    a = ap.parse_args(argv)
    if not a.summarise and not a.data:
        ap.error("--data is required (or --summarise a saved run)")
    if a.summarise:
        with open(a.summarise) as f:
            saved = json.load(f)
        runs, a.steps, a.eval_every = saved["runs"], saved["steps"], saved["eval_every"]
    else:
        runs = []
        for seed in a.seeds:
            for name, alpha in (("uniform", 0.0), (f"priority a={a.alpha:g} b={a.beta:g}", a.alpha)):
                print(f"# {name}, seed {seed}", flush=True)
                runs.append({"sampling": name, "seed": seed,
                             "log": run(a.data, a.steps, a.eval_every, seed, alpha, a.beta, extra)})
    targets = a.target or [max(min(r["dev_loss"] for r in x["log"]) for x in runs)]
    print(f"\n{a.steps} steps, dev evaluated every {a.eval_every} steps; train s excludes dev evaluation\n")
    print("| sampling | seed | " + " | ".join(f"steps / s to dev {t:.4g}" for t in targets) +
          " | best dev | final dev | train s (all steps) |")
    print("|---|---|" + "---|" * len(targets) + "---|---|---|")
    for x in runs:
        hits = [reach(x["log"], t) for t in targets]
        x.update(targets=targets, reached=hits, best_dev=min(r["dev_loss"] for r in x["log"]),
                 final_dev=x["log"][-1]["dev_loss"], total_train_s=x["log"][-1]["train_s"])
        cells = [f"{st} / {sec:.1f}" if st else "not reached" for st, sec in hits]
        print(f"| {x['sampling']} | {x['seed']} | " + " | ".join(cells) +
              f" | {x['best_dev']:.4f} | {x['final_dev']:.4f} | {x['total_train_s']:.1f} |")
    if a.json and not a.summarise:
        with open(a.json, "w") as f:
            json.dump({"steps": a.steps, "eval_every": a.eval_every, "runs": runs}, f, indent=1)
    return runs


if __name__ == "__main__":
    main()
