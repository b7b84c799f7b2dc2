"""``hoverdoc summarize FILE``: summaries (and docstrings) of a file's definitions, on the terminal."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from hoverdoc.core.errors import HoverdocError
from hoverdoc.core.extract import Definition, definition_on_line, extract
from hoverdoc.core.fallback import FALLBACK_LABEL, NAME_SUMMARY_LABEL, fallback_summary
from hoverdoc.core.model_loading import load_model
from hoverdoc.core.sources import read_python_source
from hoverdoc.core.workspace_index import Context, Hit, WorkspaceIndex, describe_parameters, find_context
from hoverdoc.core.workspace_scan import index_folder, workspace_root_of

if TYPE_CHECKING:
    from hoverdoc.core.runtime import Summarizer


def _chosen(definitions: list[Definition], line: int | None, path: str) -> list[Definition]:
    if line is None:
        return definitions
    found = definition_on_line(definitions, line - 1)
    if found is None:
        raise HoverdocError(f"{path}:{line}: no function or class there")
    return [found]


def _workspace(args: argparse.Namespace) -> tuple[WorkspaceIndex | None, str]:
    """The index of the file's workspace (``--workspace``, else its git work tree, else its folder)
    and the file's path in it; no index with ``--no-workspace``."""
    if getattr(args, "no_workspace", False):
        return None, ""
    chosen = getattr(args, "workspace", None)
    root = Path(chosen).expanduser().resolve() if chosen else workspace_root_of(args.file).resolve()
    if chosen and root not in Path(args.file).resolve().parents:
        raise HoverdocError(f"{args.file} is not inside --workspace {chosen}")
    index, report = index_folder(root)
    if report.capped:
        print(f"hoverdoc: workspace index {report.describe()}", file=sys.stderr)
    return index, Path(args.file).resolve().relative_to(root).as_posix()


def _contexts(index, relative: str, summarizer, definitions: list[Definition]) -> list[Context]:
    """Each definition's neighbours, for a model that reads them (empty for a v1 model or no index)."""
    if index is None or not summarizer.uses_exemplars:
        return [Context()] * len(definitions)
    return [find_context(index, d.code, relative, d.qualname, kind=d.kind) for d in definitions]


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
    summarizer = loaded.summarizer if loaded is not None else None
    wanted = args.docstring or (summarizer is not None and summarizer.uses_exemplars)
    index, relative = _workspace(args) if wanted else (None, "")
    if summarizer is None:
        results = [("", None)] * len(definitions)
    else:
        contexts = _contexts(index, relative, summarizer, definitions)
        codes = [d.code for d in definitions]
        results = summarizer.summarize_in_context(codes, contexts, definitions=definitions)
    summaries = [output or fallback_summary(d) for (output, _), d in zip(results, definitions)]
    markers = [_marker(output, hit, summarizer, d) for (output, hit), d in zip(results, definitions)]
    if args.docstring:
        from .docstrings import compose_docstring

        for definition, summary, marker in zip(definitions, summaries, markers):
            print(f"# {args.file}:{definition.span.start_line + 1} {definition.qualname}{marker}")
            model = summarizer if args.model_descriptions else None
            described = _descriptions(index, relative, model, definition, definitions)
            print(
                compose_docstring(
                    text, definition, summary, args.style, param_descriptions=described
                ).indented()
            )
            print()
        return 0
    for definition, summary, marker in zip(definitions, summaries, markers):
        print(f"{args.file}:{definition.span.start_line + 1}: {definition.qualname}: {summary}{marker}")
    return 0


def _marker(output: str, hit: Hit | None, summarizer: Summarizer | None, definition: Definition) -> str:
    """What follows a summary on its line: the neighbour it quotes, or how it was made when no model
    wrote it (nothing for the model's own)."""
    if not output:
        return f"  ({FALLBACK_LABEL})"
    if hit is not None:
        return f"  (same as {hit.entry.qualname} in {hit.entry.path})"
    if summarizer is not None and not summarizer.writes_summary(definition.kind):
        return f"  ({NAME_SUMMARY_LABEL})"
    return ""


def _descriptions(
    index: WorkspaceIndex | None,
    relative: str,
    summarizer: Summarizer | None,
    definition: Definition,
    definitions: list[Definition],
) -> dict[str, str]:
    """Parameter and return descriptions as the server finds them: the workspace, then the model."""
    from .docstrings import lacking_descriptions, merged_descriptions

    names = [p.name for p in definition.params]
    workspace = describe_parameters(index, names, relative, definition.qualname) if index else {}
    lacking = lacking_descriptions(definition, definitions, workspace)
    model = summarizer.describe(definition.code, lacking) if summarizer is not None and lacking else {}
    return merged_descriptions(workspace, model)
