"""The workspace index: documented definitions, searchable by similarity of code.

One implementation for every stage: the server indexes the user's workspace folders, ``summarize``
and ``eval --workspace`` a given folder, training each pair's own project. Retrieval ranks by the
cosine of TF-IDF vectors over identifier sub-words (``parse_http_date`` -> parse, http, date), which
copied better neighbours than Okapi BM25 on the dev and test splits (``benchmarks/retrieval.py``);
that cosine is also the similarity a v2 model is shown.

Everything lives in the process; ``hoverdoc.core.workspace_store`` persists entries in SQLite.
"""

from __future__ import annotations

import keyword
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from .fallback import split_name
from .model_input import Exemplar

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


EntryKind = Literal["function", "class"]


def entry_kind(kind: object) -> EntryKind | None:
    """An extracted definition's kind (``Definition.kind``, a mined pair's ``kind``) as the index
    tells them apart: class or function (methods included); None when unknown."""
    if kind == "class":
        return "class"
    return "function" if kind in ("function", "method") else None


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
    kind: EntryKind | None = None  # None: unknown (it may be quoted by either kind)
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


class _Matrix:
    """The index frozen for search: an inverted index of L2-normalised TF-IDF weights (numpy)."""

    def __init__(self, docs: list[int], rows: dict[int, tuple[np.ndarray, np.ndarray]], vocabulary: int):
        self.docs = np.array(docs, dtype=np.int64)
        terms = np.concatenate([rows[d][0] for d in docs]) if docs else np.zeros(0, np.int32)
        counts = np.concatenate([rows[d][1] for d in docs]) if docs else np.zeros(0, np.float32)
        row_of = np.repeat(np.arange(len(docs)), [len(rows[d][0]) for d in docs])
        frequency = np.bincount(terms, minlength=vocabulary)
        self.idf = (np.log((1 + len(docs)) / (1 + frequency)) + 1).astype(np.float32)
        weights = (1 + np.log(counts)) * self.idf[terms]
        norms = np.sqrt(np.bincount(row_of, weights * weights, minlength=len(docs))) if docs else np.ones(0)
        weights = weights / np.where(norms > 0, norms, 1.0)[row_of]
        order = np.argsort(terms, kind="stable")
        self.rows, self.weights = row_of[order], weights[order].astype(np.float32)
        self.start = np.concatenate([[0], np.cumsum(frequency)])

    def scores(self, term_ids: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Cosine of a query (term ids and counts) with every row."""
        query = (1 + np.log(counts)) * self.idf[term_ids]
        query /= np.sqrt(float(query @ query)) or 1.0
        pieces = [(self.rows[self.start[t] : self.start[t + 1]], w) for t, w in zip(term_ids, query)]
        rows = np.concatenate([r for r, _ in pieces])
        weights = np.concatenate(
            [self.weights[self.start[t] : self.start[t + 1]] * w for (_, w), t in zip(pieces, term_ids)]
        )
        return np.bincount(rows, weights, minlength=len(self.docs))


class WorkspaceIndex:
    """TF-IDF cosine over identifier sub-words, updated one file at a time; the search structure is
    rebuilt (vectorised) at the first search after a change, or by ``refresh``."""

    def __init__(self) -> None:
        self._entries: dict[int, Entry] = {}
        self._rows: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._vocabulary: dict[str, int] = {}
        self._by_path: dict[str, list[int]] = {}
        self._next_id = 0
        self._matrix: _Matrix | None = None
        self._folders: set[str] | None = None  # every folder holding an indexed file, found when asked

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self) -> Iterable[Entry]:
        """Every entry, in insertion order."""
        return self._entries.values()

    def _term_ids(self, counts: Counter, grow: bool) -> tuple[np.ndarray, np.ndarray]:
        if grow:
            for term in counts:
                self._vocabulary.setdefault(term, len(self._vocabulary))
        known = [(self._vocabulary[t], c) for t, c in counts.items() if t in self._vocabulary]
        ids = np.array([i for i, _ in known], dtype=np.int64)
        return ids, np.array([c for _, c in known], dtype=np.float32)

    def add(self, entry: Entry) -> None:
        """Index one entry (its ``terms`` are what it is found by)."""
        doc = self._next_id
        self._next_id += 1
        self._entries[doc] = entry
        self._rows[doc] = self._term_ids(Counter(entry.terms), grow=True)
        self._by_path.setdefault(entry.path, []).append(doc)
        self._matrix = None
        self._folders = None

    def replace_file(self, path: str, entries: Iterable[Entry]) -> None:
        """Drop the entries of ``path`` and index ``entries`` in their place."""
        self.remove_file(path)
        for entry in entries:
            self.add(entry)

    def remove_file(self, path: str) -> None:
        """Drop every entry of ``path``."""
        for doc in self._by_path.pop(path, []):
            self._entries.pop(doc)
            self._rows.pop(doc)
            self._matrix = None
            self._folders = None

    def holds_folder(self, folder: str) -> bool:
        """Whether any indexed file lies in ``folder`` (relative, "/"-separated) or below it."""
        if self._folders is None:
            self._folders = {
                path.rsplit("/", depth)[0]
                for path in self._by_path
                for depth in range(1, path.count("/") + 1)
            }
        return folder.strip("/") in self._folders

    def refresh(self) -> None:
        """Build the search structure now (else the next search does)."""
        if self._matrix is None:
            self._matrix = _Matrix(list(self._entries), self._rows, len(self._vocabulary))

    def search(
        self, terms: Iterable[str], k: int = 3, exclude: Callable[[Entry], bool] | None = None
    ) -> list[Hit]:
        """The ``k`` entries most similar to a definition with ``terms``, best first; entries for
        which ``exclude`` is true (the definition itself) are never returned."""
        term_ids, counts = self._term_ids(Counter(terms), grow=False)
        if not len(term_ids) or k <= 0 or not self._entries:
            return []
        self.refresh()
        matrix = self._matrix
        scores = matrix.scores(term_ids, counts)
        hits: list[Hit] = []
        wanted = min(len(scores), k + 8)
        while True:
            head = (
                np.argpartition(-scores, wanted - 1)[:wanted]
                if wanted < len(scores)
                else np.arange(len(scores))
            )
            head = sorted(head.tolist(), key=lambda row: (-scores[row], row))
            hits = [
                Hit(self._entries[int(matrix.docs[row])], round(min(1.0, float(scores[row])), 4))
                for row in head
                if scores[row] > 0
            ]
            if exclude is not None:
                hits = [hit for hit in hits if not exclude(hit.entry)]
            if len(hits) >= k or wanted >= len(scores):
                return hits[:k]
            wanted = len(scores)  # the excluded filled the head: rank everything

    def parameter_descriptions(self, name: str, exclude: Callable[[Entry], bool] | None = None) -> Counter:
        """How often each description of a parameter called ``name`` occurs in the workspace (entries
        for which ``exclude`` is true not counted)."""
        found: Counter = Counter()
        for entry in self._entries.values():
            if exclude is not None and exclude(entry):
                continue
            for param, description in entry.params:
                if param == name and description:
                    found[description] += 1
        return found


# Below this similarity a neighbour is too different to name as the reason for a summary.
EXPLAIN_SIMILARITY = 0.3


@dataclass(frozen=True)
class Context:
    """The workspace evidence for one definition: its nearest documented neighbours, best first."""

    hits: tuple[Hit, ...] = ()
    kind: EntryKind | None = None  # the definition's own kind, when known

    def quoted(self, copy_similarity: float | None) -> Hit | None:
        """The nearest neighbour of the definition's own kind whose summary is used as it is
        (similar enough by the model's own threshold), or None when the model should write the
        summary. A class never quotes a function's summary, nor a function a class's: on the dev
        split 50 of 220 quotes crossed kinds, and they scored 11.8 BLEU-4 against the model's 16.5."""
        if copy_similarity is None:
            return None
        for hit in self.hits:
            if hit.similarity < copy_similarity:
                return None
            if None in (self.kind, hit.entry.kind) or hit.entry.kind == self.kind:
                return hit
        return None

    def exemplars(self) -> tuple[Exemplar, ...]:
        """The neighbours as a v2 model reads them (best first)."""
        return tuple(Exemplar(h.entry.qualname, h.entry.summary, h.similarity) for h in self.hits)

    def explaining(self) -> Hit | None:
        """The neighbour to name as the reason for a generated summary, if any is close enough."""
        return self.hits[0] if self.hits and self.hits[0].similarity >= EXPLAIN_SIMILARITY else None


def find_context(
    index: WorkspaceIndex, code: str, path: str, qualname: str, k: int = 3, kind: object = None
) -> Context:
    """The neighbours of a definition (``path`` relative to the index's root; ``kind`` its
    extracted kind), itself left out: every entry with the same path and qualified name."""
    hits = index.search(code_terms(code), k, exclude=lambda e: e.path == path and e.qualname == qualname)
    return Context(tuple(hits), entry_kind(kind))


def describe_parameters(
    index: WorkspaceIndex, names: Iterable[str], path: str, qualname: str
) -> dict[str, str]:
    """For each parameter name, the workspace's most common description of a parameter so named
    elsewhere (the definition itself, matched by path and qualified name, left out); names nobody
    documented are absent."""
    exclude = lambda e: e.path == path and e.qualname == qualname  # noqa: E731
    found = {}
    for name in names:
        counts = index.parameter_descriptions(name, exclude)
        if counts:
            found[name] = counts.most_common(1)[0][0]
    return found
