"""Both tasks of a multitask run's checkpoints, on the dev split: which checkpoint to export.

    python benchmarks/multitask_checkpoints.py work/bundled/multitask --dev work/bundled/dev.jsonl \
        [--checkpoint checkpoint-400 ...] [--baseline models/hoverdoc-minilm-bart-22m]

The run's own evaluation (and so its "best" checkpoint) scores summaries only. Each checkpoint is
exported as the server would read it (int8 ONNX) and scored on both tasks: summary BLEU-4 with each
dev project as its own workspace (the model reading its neighbours, never quoting, and as served at
the baseline's copy threshold), and parameter-description BLEU-4 (the model, else the placeholder,
as ``hoverdoc eval --task params`` without a workspace).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from hoverdoc.core.metrics import bleu4
from hoverdoc.core.model_dir import load_manifest
from hoverdoc.core.model_input import RETURN_KEY
from hoverdoc.core.pairs import read_pairs
from hoverdoc.core.runtime import Summarizer
from hoverdoc.server.param_eval import placeholder, predict
from hoverdoc.training.mine import param_records
from hoverdoc.training.recipes.bundled_export import choose_copy_similarity


def export_checkpoint(run_dir: Path, checkpoint: Path, out: Path, dev: Path) -> Path:
    """The checkpoint as an int8 ONNX model directory (reused when already exported)."""
    target = out / checkpoint.name
    if not (target / "manifest.json").is_file():
        command = [
            sys.executable, "-m", "hoverdoc.core.cli", "export", str(run_dir), "--checkpoint", checkpoint,
            "--out", str(target), "--quantize", "int8", "--parity-sample", "8",
            "--parity-data", str(dev), "--save-weights", "none",
        ]  # fmt: skip
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return target


def scores(model_dir: Path, dev: Path, params: list[dict], threshold: float | None) -> dict:
    """Summary BLEU-4 (never quoting; as served at ``threshold``) and parameter BLEU-4."""
    _, by_threshold = choose_copy_similarity(model_dir, dev)
    described, _ = predict(params, None, Summarizer(model_dir))
    return {
        "summary_never_quoting": by_threshold["never"],
        "summary_served": by_threshold.get(str(threshold), by_threshold["never"]),
        "param_model": bleu4(described, [r["description"] for r in params]),
    }


def main() -> None:
    """Print one row per checkpoint (and the baseline model)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--dev", type=Path, required=True)
    parser.add_argument(
        "--checkpoint",
        action="append",
        type=Path,
        help="a checkpoint folder (default: each of the run's checkpoints)",
    )
    parser.add_argument("--baseline", type=Path, help="an installed model to score beside them")
    parser.add_argument("--out", type=Path, default=Path("work/checkpoint-exports"))
    args = parser.parse_args()
    records = read_pairs(args.dev)
    params = [r for r in param_records(records) if r["param"] != RETURN_KEY]
    names = args.checkpoint or sorted(
        (args.run_dir / "checkpoints").glob("checkpoint-*"), key=lambda p: int(p.name.rsplit("-", 1)[1])
    )
    threshold = load_manifest(args.baseline).copy_similarity if args.baseline else 0.5
    described = [r["description"] for r in params]
    rows = {"placeholder": {"param_model": bleu4([placeholder(r) for r in params], described)}}
    if args.baseline:
        rows[f"baseline {args.baseline.name}"] = scores(args.baseline, args.dev, params, threshold)
    print(f"{len(records)} dev functions, {len(params)} documented parameters; copy threshold {threshold}")
    print("| model | summary, never quoting | summary, as served | parameters (model, else placeholder) |")
    print("| --- | ---: | ---: | ---: |")
    for name, row in rows.items():
        print(_row(name, row))
    for name in names:
        model_dir = export_checkpoint(args.run_dir, name, args.out, args.dev)
        print(_row(name.name, scores(model_dir, args.dev, params, threshold)), flush=True)


def _row(name: str, row: dict) -> str:
    keys = ("summary_never_quoting", "summary_served", "param_model")
    cells = [f"{row[k]:.2f}" if k in row else "" for k in keys]
    return f"| {name} | " + " | ".join(cells) + " |"


if __name__ == "__main__":
    main()
