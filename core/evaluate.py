"""``hoverdoc eval``: BLEU-4, ROUGE-L, exact match and latency of a model directory on a pairs file."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from hoverdoc.core.errors import HoverdocError
from hoverdoc.core.extract import Definition, extract
from hoverdoc.core.fallback import name_as_sentence
from hoverdoc.core.metrics import score_all
from hoverdoc.core.model_dir import DEFINITION_KINDS
from hoverdoc.core.pairs import read_pairs
from hoverdoc.core.workspace_index import Context, find_context
from hoverdoc.core.workspace_scan import index_folder

from .model_loading import load_model
from .runtime import Summarizer

LATENCY_SAMPLE = 100


def baseline_predictions(records: list[dict]) -> list[str]:
    """The name-as-sentence baseline: ``get_user_name`` -> "Get user name."."""
    predictions = []
    for record in records:
        name = record.get("name")
        if not name:
            definitions = extract(record["code"])
            name = definitions[0].name if definitions else ""
        predictions.append(name_as_sentence(name))
    return predictions


def pair_definitions(records: list[dict]) -> list[Definition | None]:
    """The definition each pair's ``code`` holds, as the server sees it in its file: its owner from
    the pair's qualified ``name``, and a method (by the pair's ``kind``) a method (its code read alone
    is a function). None when the code parses to no definition, or to another one than the pair names or
    of another kind (a syntax error hid the pair's own)."""
    return [_pair_definition(record) for record in records]


def _pair_definition(record: dict) -> Definition | None:
    found = extract(record["code"])
    if not found:
        return None
    definition = found[0]
    name = record.get("name")
    owner, _, own_name = name.rpartition(".") if isinstance(name, str) else ("", "", definition.name)
    if own_name != definition.name:
        return None  # the pair's own definition did not parse first (a syntax error above it)
    if owner:  # as in its file: nested in a class or a function
        definition = replace(definition, parent=owner, qualname=name)
    kind = record.get("kind")
    if kind == "method" and definition.kind == "function":
        return replace(definition, kind="method")
    return None if kind in DEFINITION_KINDS and kind != definition.kind else definition


def measure_latency(summarizer: Summarizer, codes: list[str], num_beams: int | None) -> dict[str, float]:
    """Per-function latency at batch size 1 over up to ``LATENCY_SAMPLE`` functions, in ms."""
    sample = codes[:LATENCY_SAMPLE]
    if not sample:
        return {}
    summarizer.summarize(sample[:1], batch_size=1, num_beams=num_beams)  # warm-up
    times = []
    for code in sample:
        started = time.perf_counter()
        summarizer.summarize([code], batch_size=1, num_beams=num_beams)
        times.append((time.perf_counter() - started) * 1000)
    return {
        "latency_ms_p50": float(np.percentile(times, 50)),
        "latency_ms_p95": float(np.percentile(times, 95)),
    }


def workspace_contexts(records: list[dict], folder: str | Path) -> list[Context]:
    """Each record's neighbours with ``folder`` indexed, leaving out every definition that matches the
    record's ``path`` (relative to the folder, "/"-separated) and qualified ``name``."""
    root = Path(folder).resolve()
    index, report = index_folder(root)
    print(f"workspace {root}: {report.describe()}", file=sys.stderr)
    known = {(e.path, e.qualname) for e in index.entries()}
    found = sum((str(r.get("path", "")), str(r.get("name", ""))) in known for r in records)
    if found < len(records) // 2:
        # each pair must be left out by its path relative to the folder: paths relative to
        # something else would let a pair be its own neighbour
        print(
            f"hoverdoc eval: only {found} of {len(records)} pairs were found in {root} by path and name; "
            "are the pairs' paths relative to this folder?",
            file=sys.stderr,
        )
    return [
        find_context(index, r["code"], str(r.get("path", "")), str(r.get("name", "")), kind=r.get("kind"))
        for r in records
    ]


def evaluate(
    summarizer: Summarizer,
    records: list[dict],
    batch_size: int = 16,
    num_beams: int | None = None,
    latency: bool = True,
    contexts: list[Context] | None = None,
) -> tuple[dict, list[str]]:
    """Scores and predictions of ``summarizer`` on ``records`` (with their workspace ``contexts``)."""
    codes = [r["code"] for r in records]
    started = time.perf_counter()
    definitions = pair_definitions(records) if summarizer.manifest.name_summary_kinds else None
    contexts = contexts if contexts is not None else [Context()] * len(records)
    served = summarizer.summarize_in_context(codes, contexts, batch_size, num_beams, definitions)
    predictions = [text for text, _ in served]
    elapsed = time.perf_counter() - started
    scores = score_all(predictions, [r["summary"] for r in records])
    scores["functions_per_second"] = len(codes) / elapsed if elapsed > 0 else 0.0
    if latency:  # of the model: on the definitions it writes
        written = [
            c for c, d in zip(codes, definitions or [None] * len(codes)) if summarizer.name_summary(d) is None
        ]
        scores.update(measure_latency(summarizer, written, num_beams))
    return scores, predictions


def run(args: argparse.Namespace) -> int:
    """The ``hoverdoc eval`` command."""
    records = read_pairs(args.data)
    if args.limit:
        records = records[: args.limit]
    if args.baseline == "name":
        predictions = baseline_predictions(records)
        scores = score_all(predictions, [r["summary"] for r in records])
        scores["model"] = "baseline: name as sentence"
    else:
        loaded = load_model(args.model, workspace_root=".", threads=args.threads)
        if loaded.summarizer is None:
            raise HoverdocError(f"no usable model: {loaded.error}")
        contexts = workspace_contexts(records, args.workspace) if getattr(args, "workspace", None) else None
        scores, predictions = evaluate(
            loaded.summarizer, records, args.batch_size, args.beams, contexts=contexts
        )
        scores["model"] = loaded.summarizer.name
    if args.predictions:
        Path(args.predictions).write_text(
            "".join(p.replace("\n", " ") + "\n" for p in predictions), encoding="utf-8"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(scores, indent=2) + "\n", encoding="utf-8")
    order = ["bleu", "rougeL", "em", "n", "latency_ms_p50", "latency_ms_p95", "functions_per_second"]
    for key in order:
        if key in scores:
            value = scores[key]
            print(f"{key:22} {value:.2f}" if isinstance(value, float) else f"{key:22} {value}")
    print(f"{'model':22} {scores['model']}", file=sys.stderr)
    return 0
