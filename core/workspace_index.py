"""The workspace index: documented definitions, searchable by similarity of code.

One implementation for every stage: the server indexes the user's workspace folders, ``summarize``
and ``eval --workspace`` a given folder, training each pair's own project. Retrieval ranks by the
cosine of TF-IDF vectors over identifier sub-words (``parse_http_date`` -> parse, http, date), which
copied better neighbours than Okapi BM25 on the dev and test splits (``benchmarks/retrieval.py``);
that cosine is also the similarity a v2 model is shown.

Everything lives in the process; ``hoverdoc.core.workspace_store`` persists entries in SQLite.
"""

from __future__ import annotations

import heapq
import keyword
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .fallback import split_name

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Words that every Python function has: they say nothing about what one does.
STOP_TERMS = frozenset(
    {k.lower() for k in keyword.kwlist}
    | {"self", "cls", "args", "kwargs", "none", "true", "false", "str", "int", "bool", "return", "def"}
)
# A large class's code is long; its first few thousand characters say what it is about.
MAX_TERM_SOURCE_CHARS = 4000


def identifier_terms(code: str) -> list[str]:
    """The sub-words of every identifier in ``code``, lower-cased, stop terms and 1-letter words dropped."""
    terms = []
    for identifier in _IDENTIFIER.findall(code):
        for word in split_name(identifier):
            word = word.lower()
            if len(word) > 1 and word not in STOP_TERMS:
                terms.append(word)
    return terms


def code_terms(code: str) -> tuple[str, ...]:
    """What a definition is indexed and searched by: the identifier terms of its code's beginning."""
    return tuple(identifier_terms(code[:MAX_TERM_SOURCE_CHARS]))


@dataclass(frozen=True)
class Entry:
    """One documented definition of a workspace."""

    path: str  # relative to the workspace root, "/"-separated
    qualname: str
    line: int  # 0-based line of the ``def``/``class`` keyword's statement
    summary: str
    params: tuple[tuple[str, str], ...] = ()  # (parameter name, description)
    terms: tuple[str, ...] = field(default=(), compare=False, repr=False)

    @property
    def key(self) -> tuple[str, str, int]:
        """Identity within a workspace."""
        return (self.path, self.qualname, self.line)


@dataclass(frozen=True)
class Hit:
    """A search result: the entry and its similarity (TF-IDF cosine, 0..1) to the query."""

    entry: Entry
    similarity: float


class WorkspaceIndex:
    """TF-IDF cosine over identifier sub-words, updated one file at a time."""

    def __init__(self) -> None:
        self._entries: dict[int, Entry] = {}
        self._counts: dict[int, Counter] = {}
        self._postings: dict[str, dict[int, int]] = {}
        self._by_path: dict[str, list[int]] = {}
        self._next_id = 0
        self._norms: dict[int, float] = {}
        self._norms_size = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def paths(self) -> set[str]:
        """The files that have entries."""
        return set(self._by_path)

    def entries(self) -> Iterable[Entry]:
        """Every entry, in insertion order."""
        return self._entries.values()

    def add(self, entry: Entry) -> None:
        """Index one entry (its ``terms`` are what it is found by)."""
        doc = self._next_id
        self._next_id += 1
        counts = Counter(entry.terms)
        self._entries[doc] = entry
        self._counts[doc] = counts
        for term, count in counts.items():
            self._postings.setdefault(term, {})[doc] = count
        self._by_path.setdefault(entry.path, []).append(doc)

    def replace_file(self, path: str, entries: Iterable[Entry]) -> None:
        """Drop the entries of ``path`` and index ``entries`` in their place."""
        self.remove_file(path)
        for entry in entries:
            self.add(entry)

    def remove_file(self, path: str) -> None:
        """Drop every entry of ``path``."""
        for doc in self._by_path.pop(path, []):
            self._entries.pop(doc)
            self._norms.pop(doc, None)
            for term in self._counts.pop(doc):
                postings = self._postings[term]
                del postings[doc]
                if not postings:
                    del self._postings[term]

    def _idf(self, term: str) -> float:
        frequency = len(self._postings.get(term, ()))
        return math.log((1 + len(self._entries)) / (1 + frequency)) + 1

    def _weights(self, counts: Counter) -> dict[str, float]:
        return {t: (1 + math.log(c)) * self._idf(t) for t, c in counts.items()}

    def _norm(self, doc: int) -> float:
        """The length of a document's TF-IDF vector, cached until the index has grown or shrunk by
        a tenth (document frequencies move little in between)."""
        if abs(len(self._entries) - self._norms_size) > max(1, self._norms_size // 10):
            self._norms.clear()
            self._norms_size = len(self._entries)
        norm = self._norms.get(doc)
        if norm is None:
            norm = math.sqrt(sum(w * w for w in self._weights(self._counts[doc]).values())) or 1.0
            self._norms[doc] = norm
        return norm

    def _scores(self, query: Counter) -> dict[int, float]:
        """TF-IDF cosine of the query with every entry that shares a term with it."""
        weights = self._weights(query)
        query_norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        dots: dict[int, float] = {}
        for term, weight in weights.items():
            idf = self._idf(term)
            for doc, count in self._postings.get(term, {}).items():
                dots[doc] = dots.get(doc, 0.0) + weight * (1 + math.log(count)) * idf
        return {doc: dot / (query_norm * self._norm(doc)) for doc, dot in dots.items()}

    def search(
        self, terms: Iterable[str], k: int = 3, exclude: Callable[[Entry], bool] | None = None
    ) -> list[Hit]:
        """The ``k`` entries most similar to a definition with ``terms``, best first; entries for
        which ``exclude`` is true (the definition itself) are never returned."""
        query = Counter(terms)
        if not query or k <= 0:
            return []
        scores = self._scores(query)
        ranked = heapq.nsmallest(k + 8, scores.items(), key=lambda item: (-item[1], item[0]))
        if exclude is not None:
            ranked = [(doc, score) for doc, score in ranked if not exclude(self._entries[doc])]
            if len(ranked) < k:  # the excluded ones filled the head: rank everything
                ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
                ranked = [(doc, score) for doc, score in ranked if not exclude(self._entries[doc])]
        return [Hit(self._entries[doc], round(min(1.0, score), 4)) for doc, score in ranked[:k]]

    def parameter_descriptions(self, name: str) -> Counter:
        """How often each description of a parameter called ``name`` occurs in the workspace."""
        found: Counter = Counter()
        for entry in self._entries.values():
            for param, description in entry.params:
                if param == name and description:
                    found[description] += 1
        return found
