"""LoRA vs full fine-tuning: same base, same data, same steps, on this CPU.

    python benchmarks/train_lora_vs_full.py [--base DIR] [--data TRAIN.jsonl --eval EVAL.jsonl] [--steps 150]

Default base: the bundled model's merged weights. Default data: pairs mined from a few standard-library
packages that are not among the bundled model's own strongest areas, split by file. Each method trains
in its own process. Prints trainable parameters, seconds per optimizer step, peak memory and the eval
BLEU-4 / ROUGE-L after training.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PACKAGES = ["email", "http", "xml", "logging", "multiprocessing"]


def worker(method: str, base: str, train_file: str, eval_file: str, steps: int, out: str) -> dict:
    from hoverdoc.training.config import TrainOptions
    from hoverdoc.training.train import train

    options = TrainOptions(
        data=train_file,
        eval_data=eval_file,
        base=base,
        out=out,
        method=method,
        max_steps=steps,
        batch_size=16,
        eval_steps=steps,
        early_stopping_patience=0,
        eval_max_samples=200,
        logging_steps=10,
        warmup_ratio=0.1,
    )
    result = train(options)
    metrics = json.loads((Path(out) / "metrics.json").read_text())
    final = [e for e in metrics["history"] if "eval_bleu" in e][-1]
    runtime = next(e["train_runtime"] for e in metrics["history"] if "train_runtime" in e)
    return {
        "method": method,
        "trainable": result.trainable_parameters,
        "total": result.total_parameters,
        "seconds_per_step": runtime / max(1, result.steps),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "bleu": final["eval_bleu"],
        "rougeL": final["eval_rougeL"],
        "steps": result.steps,
    }


def default_data(folder: Path) -> tuple[Path, Path]:
    from hoverdoc.core.pairs import write_pairs
    from hoverdoc.training.mine import MineOptions, mine

    stdlib = Path(sysconfig.get_paths()["stdlib"])
    train, dev, _ = mine(
        [stdlib / p for p in DEFAULT_PACKAGES], MineOptions(progress=False, dev_fraction=0.2)
    )
    write_pairs(folder / "train.jsonl", train)
    write_pairs(folder / "eval.jsonl", dev)
    return folder / "train.jsonl", folder / "eval.jsonl"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", default=str(ROOT / "models" / "hoverdoc-minilm-bart-22m" / "weights"))
    parser.add_argument("--data")
    parser.add_argument("--eval")
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.base, args.data, args.eval, args.steps, args.out)))
        return 0
    scratch = Path(tempfile.mkdtemp(prefix="hoverdoc-lora-vs-full-"))
    train_file, eval_file = (Path(args.data), Path(args.eval)) if args.data else default_data(scratch)
    rows = []
    for method in ("lora", "full"):
        result = subprocess.run(
            [
                sys.executable,
                __file__,
                "--worker",
                method,
                "--base",
                args.base,
                "--data",
                str(train_file),
                "--eval",
                str(eval_file),
                "--steps",
                str(args.steps),
                "--out",
                str(scratch / method),
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            print(result.stderr[-3000:], file=sys.stderr)
            return 1
        rows.append(json.loads(result.stdout.strip().splitlines()[-1]))
    n_train = sum(1 for _ in train_file.open())
    n_eval = sum(1 for _ in eval_file.open())
    print(
        f"base: {args.base}; {n_train} training pairs, {n_eval} eval pairs; {args.steps} steps of batch 16\n"
    )
    print("| method | trainable parameters | share | s/step | peak RSS MB | eval BLEU-4 | eval ROUGE-L |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(
            f"| {row['method']} | {row['trainable']:,} | {100 * row['trainable'] / row['total']:.2f}% | "
            f"{row['seconds_per_step']:.2f} | {row['peak_rss_mb']:.0f} | {row['bleu']:.2f} | {row['rougeL']:.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
