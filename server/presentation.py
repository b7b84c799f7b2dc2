"""How summaries look in the editor."""

from __future__ import annotations

import re
from pathlib import Path

from hoverdoc.core.extract import Definition
from hoverdoc.core.fallback import FALLBACK_LABEL, NAME_SUMMARY_LABEL

from .engine import Summary

_BACKTICKS = re.compile(r"`+")
# the punctuation that can open Markdown or HTML inline (links, images, tags, entities, code,
# emphasis, tables): backslash-escaped (CommonMark), none of it is markup; the rest stays as it is
_MARKUP = re.compile(r"([\\`*_\[\]<>!&~|])")


def code_block(code: str) -> str:
    """``code`` on one line in a fenced Python block that no text inside can close: a workspace's
    signature may hold line breaks and backticks (a string default), which ended the block and let
    the rest render as Markdown (links, remote images)."""
    line = " ".join(code.splitlines())  # every break a renderer might take, form feeds and U+2028 too
    longest = max((len(run) for run in _BACKTICKS.findall(line)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}python\n{line}\n{fence}"


def as_text(text: str) -> str:
    """``text`` shown as written, the characters that open markup backslash-escaped: a summary
    (quoted from the workspace, or a model's, which copies the workspace's words) is text, not
    Markdown or HTML (an image, ``![](https://...)`` or ``<img>``, would load a remote image in a
    hover)."""
    return _MARKUP.sub(r"\\\1", text)


def neighbour_link(summary: Summary, root: str | Path | None) -> str | None:
    """Markdown naming the workspace definition behind a summary, linked to its line."""
    hit = summary.neighbour
    if hit is None or root is None:
        return None
    entry = hit.entry
    uri = (Path(root) / entry.path).as_uri()
    link = f"[`{entry.qualname}`]({uri}#L{entry.line + 1})"
    where = as_text(entry.path)  # a workspace file's name
    if summary.origin == "workspace":
        return f"same as {link} in {where}"
    return f"like {link} in {where}"


def hover_markdown(definition: Definition, summary: Summary, root: str | Path | None = None) -> str:
    """The hover: signature, summary, and a line saying how the summary was made (and, when a
    workspace neighbour weighed in, which one)."""
    signature = definition.signature
    if summary.is_fallback:
        origin = f"*hoverdoc · {FALLBACK_LABEL}*"
    elif summary.origin == "name":
        origin = f"*hoverdoc · {NAME_SUMMARY_LABEL} · {as_text(summary.model or '')}*"
    else:
        origin = f"*hoverdoc · generated summary · {as_text(summary.model or '')}*"
        reason = neighbour_link(summary, root)
        if reason:
            origin += f" · {reason}"
    return f"{code_block(signature)}\n\n{as_text(summary.text)}\n\n---\n{origin}"
