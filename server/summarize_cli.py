"""``hoverdoc summarize FILE``: summaries (and docstrings) of a file's definitions, on the terminal."""

from __future__ import annotations

import argparse
import sys

from hoverdoc.core.errors import HoverdocError
from hoverdoc.core.extract import Definition, extract
from hoverdoc.core.fallback import FALLBACK_LABEL, fallback_summary
from hoverdoc.core.sources import read_python_source

from .model_loading import load_model


def _chosen(definitions: list[Definition], line: int | None, path: str) -> list[Definition]:
    if line is None:
        return definitions
    covering = [d for d in definitions if d.span.start_line <= line - 1 <= d.span.end_line]
    found = max(covering, key=lambda d: d.span.start_line, default=None)  # the innermost
    if found is None:
        raise HoverdocError(f"{path}:{line}: no function or class there")
    return [found]


def run(args: argparse.Namespace) -> int:
    """Print one summary per definition (or the docstrings that would be inserted)."""
    text = read_python_source(args.file)
    definitions = _chosen(extract(text), args.line, args.file)
    loaded = None if args.fallback else load_model(args.model, workspace_root=".", threads=args.threads)
    if loaded is not None and loaded.summarizer is None:
        if loaded.origin in ("configured", "HOVERDOC_MODEL"):  # asked for by name: never a silent fallback
            raise HoverdocError(f"no usable model ({loaded.error})")
        print(f"hoverdoc: no usable model ({loaded.error}); showing fallback summaries", file=sys.stderr)
    elif loaded is not None and (loaded.origin == "workspace" or loaded.ignored):
        print(loaded.notice, file=sys.stderr)
    if not definitions:
        print(f"{args.file}: no functions or classes found", file=sys.stderr)
        return 0
    generated = (
        loaded.summarizer.summarize([d.code for d in definitions])
        if loaded is not None and loaded.summarizer is not None
        else [""] * len(definitions)
    )
    marked = f"  ({FALLBACK_LABEL})"
    summaries = [output or fallback_summary(d) for output, d in zip(generated, definitions)]
    markers = ["" if output else marked for output in generated]
    if args.docstring:
        from .docstrings import compose_docstring

        for definition, summary, marker in zip(definitions, summaries, markers):
            print(f"# {args.file}:{definition.span.start_line + 1} {definition.qualname}{marker}")
            print(compose_docstring(text, definition, summary, style=args.style).indented())
            print()
        return 0
    for definition, summary, marker in zip(definitions, summaries, markers):
        print(f"{args.file}:{definition.span.start_line + 1}: {definition.qualname}: {summary}{marker}")
    return 0
