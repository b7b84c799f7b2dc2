"""Which retrieval finds the most useful neighbour: copy-the-nearest BLEU-4 of BM25 and TF-IDF cosine.

    python benchmarks/retrieval.py work/bundled/dev.jsonl work/bundled/test.jsonl

Each project (``repo``) of a pairs file is its own workspace; every pair is searched with itself left
out and the top hit's summary is taken as the prediction. Prints BLEU-4 per ranking and search latency.
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from collections import Counter

from hoverdoc.core.metrics import bleu4
from hoverdoc.core.pairs import read_pairs
from hoverdoc.core.workspace_index import code_terms, find_context
from hoverdoc.training.exemplars import project_indexes


def is_same_definition(record: dict):
    """True for the index entries of ``record`` itself."""
    path, name = str(record.get("path", "")), str(record.get("name", ""))
    return lambda entry: entry.path == path and entry.qualname == name


class Bm25:
    """Okapi BM25 over the same entries and terms (the alternative measured)."""

    def __init__(self, index, k1: float = 1.2, b: float = 0.75):
        self.entries = list(index.entries())
        self.counts = [Counter(e.terms) for e in self.entries]
        self.postings: dict[str, dict[int, int]] = {}
        for doc, counts in enumerate(self.counts):
            for term, count in counts.items():
                self.postings.setdefault(term, {})[doc] = count
        self.lengths = [sum(c.values()) for c in self.counts]
        self.average = sum(self.lengths) / max(1, len(self.lengths))
        self.k1, self.b = k1, b

    def top(self, record) -> str:
        """The summary of the best-scoring entry other than the record itself."""
        exclude = is_same_definition(record)
        scores: dict[int, float] = {}
        for term in Counter(code_terms(record["code"])):
            postings = self.postings.get(term, {})
            idf = math.log(1 + (len(self.lengths) - len(postings) + 0.5) / (len(postings) + 0.5))
            for doc, count in postings.items():
                norm = self.k1 * (1 - self.b + self.b * self.lengths[doc] / self.average)
                scores[doc] = scores.get(doc, 0.0) + idf * count * (self.k1 + 1) / (count + norm)
        ranked = sorted(scores, key=lambda d: (-scores[d], d))
        best = next((d for d in ranked if not exclude(self.entries[d])), None)
        return self.entries[best].summary if best is not None else ""


def measure(path: str) -> list[str]:
    """One table row per ranking for a pairs file."""
    records = read_pairs(path)
    indexes = project_indexes(records)
    bm25s = {repo: Bm25(index) for repo, index in indexes.items()}
    bm25, cosine, latencies = [], [], []
    for record in records:
        index = indexes[str(record.get("repo", ""))]
        started = time.perf_counter()
        hits = find_context(
            index, record["code"], str(record.get("path", "")), str(record.get("name", ""))
        ).hits
        latencies.append((time.perf_counter() - started) * 1000)
        cosine.append(hits[0].entry.summary if hits else "")
        bm25.append(bm25s[str(record.get("repo", ""))].top(record))
    references = [r["summary"] for r in records]
    p95 = statistics.quantiles(latencies, n=20)[-1]
    return [
        f"| {path} | TF-IDF cosine (the index) | {bleu4(cosine, references):.2f} | {p95:.2f} |",
        f"| {path} | Okapi BM25 | {bleu4(bm25, references):.2f} | |",
    ]


def main(paths: list[str]) -> None:
    """Print the table."""
    print("| pairs | ranking | copy BLEU-4 | search p95 ms |\n| --- | --- | ---: | ---: |")
    for path in paths:
        for row in measure(path):
            print(row, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
