"""The workspace index: documented definitions, searchable by similarity of code.

One implementation for every stage: the server indexes the user's workspace folders, ``summarize``
and ``eval --workspace`` a given folder, training each pair's own project. Retrieval is Okapi BM25
over identifier sub-words (``parse_http_date`` -> parse, http, date); the similarity reported with
each hit (and shown to a v2 model as a bucket) is the cosine of the two definitions' TF-IDF vectors,
computed only for the hits. Both were chosen by measurement: see ``benchmarks/retrieval.py``.

Everything lives in the process; ``hoverdoc.core.workspace_store`` persists entries in SQLite.
"""

from __future__ import annotations

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
BM25_K1 = 1.2
BM25_B = 0.75
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
    """BM25 over identifier sub-words, updated one file at a time."""

    def __init__(self) -> None:
        self._entries: dict[int, Entry] = {}
        self._counts: dict[int, Counter] = {}
        self._lengths: dict[int, int] = {}
        self._postings: dict[str, dict[int, int]] = {}
        self._by_path: dict[str, list[int]] = {}
        self._next_id = 0
        self._total_length = 0

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
        self._lengths[doc] = len(entry.terms)
        self._total_length += len(entry.terms)
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
            self._total_length -= self._lengths.pop(doc)
            for term in self._counts.pop(doc):
                postings = self._postings[term]
                del postings[doc]
                if not postings:
                    del self._postings[term]

    def _idf(self, term: str) -> float:
        frequency = len(self._postings.get(term, ()))
        return math.log(1 + (len(self._entries) - frequency + 0.5) / (frequency + 0.5))

    def _bm25(self, query: Counter) -> dict[int, float]:
        average = self._total_length / max(1, len(self._entries))
        scores: dict[int, float] = {}
        for term in query:
            postings = self._postings.get(term)
            if not postings:
                continue
            idf = self._idf(term)
            for doc, count in postings.items():
                norm = BM25_K1 * (1 - BM25_B + BM25_B * self._lengths[doc] / max(average, 1e-9))
                scores[doc] = scores.get(doc, 0.0) + idf * count * (BM25_K1 + 1) / (count + norm)
        return scores

    def _cosine(self, query: Counter, doc: int) -> float:
        counts = self._counts[doc]
        weights = {t: (1 + math.log(c)) * self._idf(t) for t, c in counts.items()}
        query_weights = {t: (1 + math.log(c)) * self._idf(t) for t, c in query.items()}
        dot = sum(w * weights.get(t, 0.0) for t, w in query_weights.items())
        norm = math.sqrt(sum(w * w for w in weights.values()) * sum(w * w for w in query_weights.values()))
        return dot / norm if norm else 0.0

    def search(
        self, terms: Iterable[str], k: int = 3, exclude: Callable[[Entry], bool] | None = None
    ) -> list[Hit]:
        """The ``k`` entries most similar to a definition with ``terms``, best first; entries for
        which ``exclude`` is true (the definition itself) are never returned."""
        query = Counter(terms)
        if not query or k <= 0:
            return []
        scores = self._bm25(query)
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        hits = []
        for doc, _ in ranked:
            entry = self._entries[doc]
            if exclude is not None and exclude(entry):
                continue
            hits.append(Hit(entry, round(self._cosine(query, doc), 4)))
            if len(hits) == k:
                break
        return hits

    def parameter_descriptions(self, name: str) -> Counter:
        """How often each description of a parameter called ``name`` occurs in the workspace."""
        found: Counter = Counter()
        for entry in self._entries.values():
            for param, description in entry.params:
                if param == name and description:
                    found[description] += 1
        return found
