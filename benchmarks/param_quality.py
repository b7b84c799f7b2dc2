"""Parameter and return descriptions from each source of evidence: each project of a pairs file is its
own workspace.

    python benchmarks/param_quality.py work/bundled/test.jsonl [--model DIR]

Records come from the pairs' docstrings (``hoverdoc.training.mine.param_records``). Each parameter is
described from its name (the placeholder), from the same project's other documented functions (the
most common description of a same-named parameter, the function itself left out), by the model
(when it knows the task), and by both as Generate docstring does: the workspace first, then the model.
Return values have no same-named evidence: placeholder against model.
"""

from __future__ import annotations

import argparse

from hoverdoc.core.metrics import score_all
from hoverdoc.core.model_input import RETURN_KEY
from hoverdoc.core.pairs import read_pairs
from hoverdoc.core.runtime import Summarizer
from hoverdoc.server.param_eval import placeholder, predict
from hoverdoc.training.exemplars import project_indexes
from hoverdoc.training.mine import param_records


def _by_project(records: list[dict], indexes: dict, summarizer: Summarizer | None) -> tuple[list[str], int]:
    """Predictions with each record's own project as the workspace; how many the workspace gave."""
    predictions, reused = [""] * len(records), 0
    for repo in {str(r.get("repo", "")) for r in records}:
        chosen = [i for i, r in enumerate(records) if str(r.get("repo", "")) == repo]
        texts, sources = predict([records[i] for i in chosen], indexes.get(repo), summarizer)
        reused += sources["workspace"]
        for i, text in zip(chosen, texts):
            predictions[i] = text
    return predictions, reused


def _table(title: str, references: list[str], rows: dict[str, list[str]]) -> None:
    print(f"| {title} | BLEU-4 | ROUGE-L | exact match |")
    print("| --- | ---: | ---: | ---: |")
    for name, predictions in rows.items():
        scores = score_all(predictions, references)
        print(f"| {name} | {scores['bleu']:.2f} | {scores['rougeL']:.2f} | {scores['em']:.1f} |")
    print()


def main() -> None:
    """Print the tables."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("pairs", help="pairs file with docstrings (and repo per pair)")
    parser.add_argument("--model", help="model directory that knows the param task")
    parser.add_argument(
        "--max-source-tokens", type=int, help="cut inputs to this many tokens (hoverdoc.maxSourceTokens)"
    )
    args = parser.parse_args()
    pairs = read_pairs(args.pairs)
    summarizer = Summarizer(args.model) if args.model else None
    if summarizer is not None:
        summarizer.limit_source_tokens(args.max_source_tokens)
    indexes = project_indexes(pairs)
    records = param_records(pairs)
    params = [r for r in records if r["param"] != RETURN_KEY]
    returns = [r for r in records if r["param"] == RETURN_KEY]

    rows = {"placeholder from the name": [placeholder(r) for r in params]}
    rows["workspace, else placeholder"], reused = _by_project(params, indexes, None)
    if summarizer is not None:
        rows["model, else placeholder"], _ = predict(params, None, summarizer)
        rows["workspace, else model (served)"], _ = _by_project(params, indexes, summarizer)
    _table(f"{args.pairs}: {len(params)} documented parameters", [r["description"] for r in params], rows)
    print(f"{reused} of {len(params)} ({100 * reused / max(1, len(params)):.0f}%) found in their project\n")
    rows = {"placeholder from the name and type (served)": [placeholder(r) for r in returns]}
    if summarizer is not None:  # the model's own return descriptions, which the server does not use
        written = summarizer.describe_batch([(r["code"], r["param"]) for r in returns])
        rows["model"] = [text or placeholder(r) for text, r in zip(written, returns)]
    _table(f"{len(returns)} documented return values", [r["description"] for r in returns], rows)


if __name__ == "__main__":
    main()
