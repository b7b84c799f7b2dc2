"""``hoverdoc eval --task params``: how well parameter (and return value) descriptions are written.

Each record (``task: "param"``, from ``hoverdoc.training.mine.param_records``) names a function's
``code``, its qualified ``name``, ``path``, one ``param`` (``return`` for the return value) and the
human ``description``. Predictions, best evidence first, as Generate docstring writes them: with
``--workspace DIR`` the workspace's most common description of a same-named parameter (the function
itself left out by path and name), then the model when it knows the task, else the description
derived from the parameter's name and type (the placeholder; ``--baseline name`` scores only that).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from hoverdoc.core.errors import HoverdocError
from hoverdoc.core.extract import extract
from hoverdoc.core.metrics import score_all
from hoverdoc.core.model_input import RETURN_KEY
from hoverdoc.core.model_loading import load_model
from hoverdoc.core.pairs import read_pairs
from hoverdoc.core.workspace_index import WorkspaceIndex, describe_parameters
from hoverdoc.core.workspace_scan import index_folder

from .docstrings.evidence import lacking_descriptions
from .docstrings.facts import facts_for

if TYPE_CHECKING:
    from hoverdoc.core.runtime import Summarizer

REQUIRED = ("code", "param", "description")


def placeholder(record: dict) -> str:
    """The description the composer derives from the parameter's name, type and default."""
    definitions = extract(record["code"])
    if not definitions:
        return ""
    facts = facts_for(definitions[0], definitions)
    if record["param"] == RETURN_KEY:
        returned = facts.returns or facts.yields
        return returned.description if returned else "The result."
    for entry in facts.params:
        if entry.name == record["param"]:
            return entry.description
    return ""


def _model_asked(record: dict) -> bool:
    """Whether Generate docstring would ask the model for this record's description (as the server
    does: not for boolean switches, variadic parameters, classes, or a return value the code lacks)."""
    definitions = extract(record["code"])
    if not definitions:
        return False
    return record["param"] in lacking_descriptions(definitions[0], definitions)


def predict(
    records: list[dict], index: WorkspaceIndex | None, summarizer: Summarizer | None = None
) -> tuple[list[str], Counter]:
    """Predictions, best evidence first, as Generate docstring writes them, and how many came from
    each source (workspace, model, placeholder)."""
    predictions: list[str | None] = []
    sources: Counter = Counter()
    for record in records:
        found = {}
        if index is not None and record["param"] != RETURN_KEY:
            found = describe_parameters(
                index, [record["param"]], str(record.get("path", "")), str(record.get("name", ""))
            )
        predictions.append(found.get(record["param"]))
    sources["workspace"] = sum(text is not None for text in predictions)
    asked = [i for i, text in enumerate(predictions) if not text and _model_asked(records[i])]
    if summarizer is not None and summarizer.describes_params and asked:
        texts = summarizer.describe_batch([(records[i]["code"], records[i]["param"]) for i in asked])
        for i, text in zip(asked, texts):
            predictions[i] = text or None
            sources["model"] += bool(text)
    final = [text or placeholder(record) for text, record in zip(predictions, records)]
    sources["placeholder"] = len(records) - sources["workspace"] - sources["model"]
    return final, sources


def _summarizer(args: argparse.Namespace) -> Summarizer | None:
    """The model to describe with (None for the placeholder baseline)."""
    if getattr(args, "baseline", None) == "name":
        return None
    loaded = load_model(args.model, workspace_root=".", threads=getattr(args, "threads", 0))
    if loaded.summarizer is None:
        if args.model:  # asked for by name: never a silent fallback
            raise HoverdocError(f"no usable model: {loaded.error}")
        print(f"hoverdoc eval: no usable model ({loaded.error}); scoring without it", file=sys.stderr)
        return None
    if not loaded.summarizer.describes_params:
        print(
            f"hoverdoc eval: {loaded.summarizer.name} only knows summaries; descriptions come from "
            "the workspace and the placeholder",
            file=sys.stderr,
        )
    return loaded.summarizer


def run(args: argparse.Namespace) -> int:
    """Score parameter descriptions; print the metrics (and write them with ``--json``)."""
    records = read_pairs(args.data, REQUIRED)[: args.limit or None]
    index = None
    if args.workspace:
        index, report = index_folder(Path(args.workspace).resolve())
        print(f"workspace {args.workspace}: {report.describe()}", file=sys.stderr)
    predictions, sources = predict(records, index, _summarizer(args))
    scores = score_all(predictions, [r["description"] for r in records])
    scores.update({f"from_{source}": sources[source] for source in ("workspace", "model", "placeholder")})
    if args.predictions:
        Path(args.predictions).write_text(
            "".join(p.replace("\n", " ") + "\n" for p in predictions), encoding="utf-8"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(scores, indent=2) + "\n", encoding="utf-8")
    for key in ("bleu", "rougeL", "em", "n", "from_workspace", "from_model", "from_placeholder"):
        if key in scores:
            value = scores[key]
            print(f"{key:22} {value:.2f}" if isinstance(value, float) else f"{key:22} {value}")
    return 0
