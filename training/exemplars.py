"""Exemplars for training pairs: each pair's documented neighbours from its own project.

The same index code as the server (``hoverdoc.core.workspace_index``): every pair of a project is
indexed, and each pair is searched with itself (same ``path`` and ``name``) left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from hoverdoc.core.model_input import MAX_EXEMPLARS
from hoverdoc.core.workspace_index import Context, Entry, WorkspaceIndex, code_terms, entry_kind, find_context
from hoverdoc.core.workspace_scan import parameter_descriptions


def entry_from_record(record: dict) -> Entry:
    """The index entry of a mined pair."""
    return Entry(
        path=str(record.get("path", "")),
        qualname=str(record.get("name", "")),
        line=int(record.get("lineno", 1) or 1) - 1,
        summary=record["summary"],
        params=parameter_descriptions(record.get("docstring") or ""),
        kind=entry_kind(record.get("kind")),
        terms=code_terms(record["code"]),
    )


def project_indexes(records: Iterable[dict]) -> dict[str, WorkspaceIndex]:
    """One index per project (``repo``) over its pairs."""
    indexes: dict[str, WorkspaceIndex] = defaultdict(WorkspaceIndex)
    for record in records:
        indexes[str(record.get("repo", ""))].add(entry_from_record(record))
    return dict(indexes)


def project_contexts(records: list[dict], k: int = MAX_EXEMPLARS) -> list[Context]:
    """Each record's neighbours from its own project (``repo``), itself (same path and name) left out."""
    indexes = project_indexes(records)
    return [
        find_context(
            indexes[str(r.get("repo", ""))],
            r["code"],
            str(r.get("path", "")),
            str(r.get("name", "")),
            k,
            kind=r.get("kind"),
        )
        for r in records
    ]


def attach_exemplars(records: list[dict], k: int = MAX_EXEMPLARS) -> None:
    """Set each record's ``exemplars`` (a list of ``Exemplar``) from its own project, itself left out."""
    for record, context in zip(records, project_contexts(records, k)):
        record["exemplars"] = list(context.exemplars())
