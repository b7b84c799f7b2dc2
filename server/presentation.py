"""How summaries look in the editor."""

from __future__ import annotations

from pathlib import Path

from hoverdoc.core.extract import Definition
from hoverdoc.core.fallback import FALLBACK_LABEL

from .engine import Summary


def neighbour_link(summary: Summary, root: str | Path | None) -> str | None:
    """Markdown naming the workspace definition behind a summary, linked to its line."""
    hit = summary.neighbour
    if hit is None or root is None:
        return None
    entry = hit.entry
    uri = (Path(root) / entry.path).as_uri()
    link = f"[`{entry.qualname}`]({uri}#L{entry.line + 1})"
    if summary.origin == "workspace":
        return f"same as {link} in {entry.path}"
    return f"like {link} in {entry.path}"


def hover_markdown(definition: Definition, summary: Summary, root: str | Path | None = None) -> str:
    """The hover: signature, summary, and a line saying how the summary was made (and, when a
    workspace neighbour weighed in, which one)."""
    signature = definition.signature
    if summary.is_fallback:
        origin = f"*hoverdoc · {FALLBACK_LABEL}*"
    else:
        origin = f"*hoverdoc · generated summary · {summary.model}*"
        reason = neighbour_link(summary, root)
        if reason:
            origin += f" · {reason}"
    return f"```python\n{signature}\n```\n\n{summary.text}\n\n---\n{origin}"
