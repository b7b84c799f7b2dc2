"""Each adaptation method on real repositories: what it trains, costs and gains on held-out files.

    python benchmarks/adaptation_methods.py REPO [REPO ...] [--methods lora ia3 prompt-tuning full]
        [--max-train N]

For every repository and method, ``hoverdoc retrain REPO --set method=M`` runs in its own process (the
same mining, file split, training recipe, export and held-out scoring as ``retrain``; nothing is
installed in the repository). The table gives trainable parameters, the size of what training
produced (adapter, soft prompt or full weights), wall time, the process's peak RSS, and BLEU-4 and
ROUGE-L of the base and the adapted model on the held-out files. Use repositories that are not in
the bundled model's training data (e.g. Twisted, matplotlib and one more of a different kind).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

METHODS = ["lora", "ia3", "prompt-tuning", "full"]


def _size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def measure(repo: Path, method: str, scratch: Path, max_train: int | None = None) -> dict:
    """One ``retrain`` run of ``method`` on ``repo`` in a child process, with its cost."""
    work, report = scratch / f"{repo.name}-{method}", scratch / f"{repo.name}-{method}.json"
    command = [sys.executable, "-m", "hoverdoc.core.cli", "retrain", str(repo), "--set", f"method={method}"]
    command += ["--work-dir", str(work), "--out", str(scratch / "installed" / method), "--json", str(report)]
    if max_train:
        command += ["--max-train", str(max_train)]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if not report.is_file():
        raise SystemExit(
            f"{repo.name} {method}: retrain failed (status {status}): {child.stderr.read()[-800:]}"
        )
    data = json.loads(report.read_text())
    produced = work / "run" / ("model" if method == "full" else "adapter")
    info = json.loads((work / "run" / "run.json").read_text())
    return {
        "repo": repo.name,
        "method": method,
        "trainable": info["trainable_parameters"],
        "artefact_mb": _size_mb(produced),
        "seconds": seconds,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "before": data["before"],
        "after": data["after"],
        "n_train": data["n_train"],
        "n_heldout": data["n_heldout"],
    }


def main() -> None:
    """Print the table (and write every row as JSON with --json)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("repos", nargs="+", type=Path)
    parser.add_argument("--methods", nargs="+", default=METHODS, choices=METHODS)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--max-train", type=int, help="cap on each repository's training pairs (a quicker comparison)"
    )
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="hoverdoc-methods-") as scratch:
        for repo in args.repos:
            for method in args.methods:
                rows.append(measure(repo.resolve(), method, Path(scratch), args.max_train))
                print(f"done: {repo.name} {method}", file=sys.stderr)
    print(
        "| repository | method | trainable | artefact MB | minutes | peak RSS MB | BLEU-4 before → after | ROUGE-L before → after |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r['repo']} ({r['n_train']}/{r['n_heldout']}) | {r['method']} | {r['trainable']:,} | "
            f"{r['artefact_mb']:.2f} | {r['seconds'] / 60:.1f} | {r['peak_rss_mb']:.0f} | "
            f"{r['before']['bleu']:.2f} → {r['after']['bleu']:.2f} | {r['before']['rougeL']:.2f} → {r['after']['rougeL']:.2f} |"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
