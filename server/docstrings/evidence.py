"""Which descriptions a new or updated docstring still lacks, for the evidence to fill, best first:
the workspace's own wording (``hoverdoc.core.workspace_index.describe_parameters``), then the model
(``Summarizer.describe``, when it knows the task); what neither gives, ``compose_docstring`` derives
from the names (the placeholder)."""

from __future__ import annotations

from collections.abc import Mapping

from hoverdoc.core.extract import Definition
from hoverdoc.core.model_input import RETURN_KEY

from .compose import parse_existing
from .facts import facts_for


def lacking_descriptions(
    definition: Definition, definitions: list[Definition], known: Mapping[str, str] | None = None
) -> list[str]:
    """The parameters of a function (and ``RETURN_KEY`` for what it returns or yields) whose
    description is neither in ``known`` nor in its docstring: those the model is asked for."""
    if definition.kind == "class":
        return []
    known = known or {}
    facts = facts_for(definition, definitions)
    documented: set[str] = set()
    has_returns = False
    if definition.docstring:
        parsed, _ = parse_existing(definition.docstring)
        documented = {p.arg_name.lstrip("*") for p in parsed.params if p.arg_name}
        has_returns = parsed.returns is not None
    names = [
        entry.name
        for entry in facts.params
        if not entry.star and entry.name not in known and entry.name not in documented
    ]
    if (facts.returns or facts.yields) and not has_returns and RETURN_KEY not in known:
        names.append(RETURN_KEY)
    return names


def merged_descriptions(workspace: Mapping[str, str], model: Mapping[str, str]) -> dict[str, str]:
    """The descriptions compose_docstring is given: the workspace's win over the model's."""
    return {**model, **workspace}
