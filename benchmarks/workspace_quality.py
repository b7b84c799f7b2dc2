"""Summary quality with and without the workspace: each project of a pairs file is its own workspace.

    python benchmarks/workspace_quality.py --model MODEL_DIR --data work/bundled/test.jsonl

Rows: the name-as-sentence baseline, copying the nearest documented neighbour's summary, the model
on the function alone, and the model with its workspace exemplars (the pair itself always left out).
"""

from __future__ import annotations

import argparse
import json

from hoverdoc.core.evaluate import baseline_predictions
from hoverdoc.core.metrics import score_all
from hoverdoc.core.model_loading import load_model
from hoverdoc.core.pairs import read_pairs
from hoverdoc.training.exemplars import project_contexts


def main() -> None:
    """Print the table (and write it as JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--json")
    parser.add_argument(
        "--max-source-tokens", type=int, help="cut inputs to this many tokens (hoverdoc.maxSourceTokens)"
    )
    args = parser.parse_args()
    records = read_pairs(args.data)[: args.limit or None]
    references = [r["summary"] for r in records]
    contexts = project_contexts(records)
    summarizer = load_model(args.model, workspace_root=None).summarizer
    summarizer.limit_source_tokens(args.max_source_tokens)
    rows = {
        "name as sentence": baseline_predictions(records),
        "copy the nearest neighbour": [c.hits[0].entry.summary if c.hits else "" for c in contexts],
        "model, function alone": summarizer.summarize([r["code"] for r in records]),
    }
    if summarizer.uses_exemplars:
        shown = [c.exemplars() for c in contexts]
        generated = summarizer.summarize([r["code"] for r in records], exemplars=shown)
        rows["model reading the workspace"] = generated
        threshold = summarizer.manifest.copy_similarity
        if threshold is not None:
            quoted = [c.quoted(threshold) for c in contexts]
            rows[f"model with workspace (quotes above {threshold})"] = [
                q.entry.summary if q is not None else g for q, g in zip(quoted, generated)
            ]
    table = {name: score_all(predictions, references) for name, predictions in rows.items()}
    print(f"| {args.data} ({len(records)} pairs) | BLEU-4 | ROUGE-L |\n| --- | ---: | ---: |")
    for name, scores in table.items():
        print(f"| {name} | {scores['bleu']:.2f} | {scores['rougeL']:.2f} |")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(table, handle, indent=2)


if __name__ == "__main__":
    main()
