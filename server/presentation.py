"""How summaries look in the editor."""

from __future__ import annotations

from hoverdoc.core.extract import Definition
from hoverdoc.core.fallback import FALLBACK_LABEL

from .engine import Summary


def hover_markdown(definition: Definition, summary: Summary) -> str:
    """The hover: signature, summary, and a line saying how the summary was made."""
    signature = definition.signature
    if summary.is_fallback:
        origin = f"*hoverdoc · {FALLBACK_LABEL}*"
    else:
        origin = f"*hoverdoc · generated summary · {summary.model}*"
    return f"```python\n{signature}\n```\n\n{summary.text}\n\n---\n{origin}"
