"""Exemplars for training pairs: each pair's documented neighbours from its own project.

The same index code as the server (``hoverdoc.core.workspace_index``): every pair of a project is
indexed, and each pair is searched with itself (same ``path`` and ``name``) left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from hoverdoc.core.model_input import MAX_EXEMPLARS, Exemplar
from hoverdoc.core.workspace_index import Entry, Hit, WorkspaceIndex, code_terms


def entry_from_record(record: dict) -> Entry:
    """The index entry of a mined pair."""
    return Entry(
        path=str(record.get("path", "")),
        qualname=str(record.get("name", "")),
        line=int(record.get("lineno", 1) or 1) - 1,
        summary=record["summary"],
        terms=code_terms(record["code"]),
    )


def is_same_definition(record: dict):
    """A predicate true for the index entries of ``record`` itself (matched by path and name)."""
    path, name = str(record.get("path", "")), str(record.get("name", ""))
    return lambda entry: entry.path == path and entry.qualname == name


def as_exemplars(hits: Iterable[Hit]) -> list[Exemplar]:
    """Search hits as model-input exemplars."""
    return [Exemplar(hit.entry.qualname, hit.entry.summary, hit.similarity) for hit in hits]


def project_indexes(records: Iterable[dict]) -> dict[str, WorkspaceIndex]:
    """One index per project (``repo``) over its pairs."""
    indexes: dict[str, WorkspaceIndex] = defaultdict(WorkspaceIndex)
    for record in records:
        indexes[str(record.get("repo", ""))].add(entry_from_record(record))
    return dict(indexes)


def attach_exemplars(records: list[dict], k: int = MAX_EXEMPLARS) -> None:
    """Set each record's ``exemplars`` (a list of ``Exemplar``) from its own project, itself left out."""
    indexes = project_indexes(records)
    for record in records:
        index = indexes[str(record.get("repo", ""))]
        hits = index.search(code_terms(record["code"]), k, exclude=is_same_definition(record))
        record["exemplars"] = as_exemplars(hits)
