"""Builds the lexicon the runtime's word guard reads (``hoverdoc.core.lexicon``): the words of a
training corpus's docstrings, those written at least ``MIN_COUNT`` times (a word seen once is as
likely a typo or a name as a word)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from hoverdoc.core.lexicon import LEXICON_FILE, words_of

MIN_COUNT = 2


def build_lexicon(records: Iterable[dict], min_count: int = MIN_COUNT) -> list[str]:
    """The sorted words of the records' docstrings (their summary when they have none) that occur in
    at least ``min_count`` of them."""
    counts: Counter[str] = Counter()
    for record in records:
        counts.update(words_of(str(record.get("docstring") or record.get("summary") or "")))
    return sorted(word for word, count in counts.items() if count >= min_count)


def write_lexicon(records: Iterable[dict], out: Path = LEXICON_FILE) -> int:
    """Write the lexicon of ``records`` to ``out``, one word a line; how many words it holds."""
    words = build_lexicon(records)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(f"{word}\n" for word in words), encoding="utf-8")
    return len(words)
