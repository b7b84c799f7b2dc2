"""Parameter descriptions with and without the workspace: each project of a pairs file its own workspace.

    python benchmarks/param_quality.py work/bundled/test.jsonl

Param records come from the pairs' docstrings (``hoverdoc.training.mine.param_records``); each is
predicted from the name (the placeholder) and from the same project's other documented functions
(the most common description of a same-named parameter, the function itself left out).
"""

from __future__ import annotations

import sys

from hoverdoc.core.metrics import score_all
from hoverdoc.core.pairs import read_pairs
from hoverdoc.server.param_eval import placeholder, predict
from hoverdoc.training.exemplars import project_indexes
from hoverdoc.training.mine import param_records


def main(path: str) -> None:
    """Print the table."""
    pairs = read_pairs(path)
    records = param_records(pairs)
    indexes = project_indexes(pairs)
    references = [r["description"] for r in records]
    placeholders = [placeholder(r) for r in records]
    workspace = []
    reused = 0
    for record in records:
        predictions, found = predict([record], indexes[str(record.get("repo", ""))])
        workspace += predictions
        reused += found
    rows = {"placeholder from the name": placeholders, "workspace, else placeholder": workspace}
    print(f"| {path}: {len(records)} documented parameters | BLEU-4 | ROUGE-L | exact match |")
    print("| --- | ---: | ---: | ---: |")
    for name, predictions in rows.items():
        scores = score_all(predictions, references)
        print(f"| {name} | {scores['bleu']:.2f} | {scores['rougeL']:.2f} | {scores['em']:.1f} |")
    print(f"\n{reused} of {len(records)} ({100 * reused / max(1, len(records)):.0f}%) found in their project")


if __name__ == "__main__":
    main(sys.argv[1])
