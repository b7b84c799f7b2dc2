"""``hoverdoc eval --task params``: how well parameter descriptions are written.

Each record (``task: "param"``, from ``hoverdoc.training.mine.param_records``) names a function's
``code``, its qualified ``name``, ``path``, one ``param`` and the human ``description``. Predictions,
best evidence first, as Generate docstring writes them: with ``--workspace DIR`` the workspace's most
common description of a same-named parameter (the function itself left out by path and name), else
the description derived from the parameter's name and type (the placeholder).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hoverdoc.core.extract import extract
from hoverdoc.core.metrics import score_all
from hoverdoc.core.pairs import read_pairs
from hoverdoc.core.workspace_index import WorkspaceIndex, describe_parameters
from hoverdoc.core.workspace_scan import index_folder

from .docstrings.facts import facts_for

REQUIRED = ("code", "param", "description")


def placeholder(record: dict) -> str:
    """The description the composer derives from the parameter's name, type and default."""
    definitions = extract(record["code"])
    if not definitions:
        return ""
    for entry in facts_for(definitions[0], definitions).params:
        if entry.name == record["param"]:
            return entry.description
    return ""


def predict(records: list[dict], index: WorkspaceIndex | None) -> tuple[list[str], int]:
    """Predictions and how many came from the workspace."""
    predictions, reused = [], 0
    for record in records:
        found = {}
        if index is not None:
            found = describe_parameters(
                index, [record["param"]], str(record.get("path", "")), str(record.get("name", ""))
            )
        if found:
            reused += 1
        predictions.append(found.get(record["param"]) or placeholder(record))
    return predictions, reused


def run(args: argparse.Namespace) -> int:
    """Score parameter descriptions; print the metrics (and write them with ``--json``)."""
    records = read_pairs(args.data, REQUIRED)[: args.limit or None]
    index = None
    if args.workspace:
        index, report = index_folder(Path(args.workspace).resolve())
        print(f"workspace {args.workspace}: {report.describe()}", file=sys.stderr)
    predictions, reused = predict(records, index)
    scores = score_all(predictions, [r["description"] for r in records])
    scores["from_workspace"] = reused
    if args.predictions:
        Path(args.predictions).write_text(
            "".join(p.replace("\n", " ") + "\n" for p in predictions), encoding="utf-8"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(scores, indent=2) + "\n", encoding="utf-8")
    for key in ("bleu", "rougeL", "em", "n", "from_workspace"):
        if key in scores:
            value = scores[key]
            print(f"{key:22} {value:.2f}" if isinstance(value, float) else f"{key:22} {value}")
    return 0
