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
from hoverdoc.core.workspace_index import code_terms
from hoverdoc.training.exemplars import is_same_definition, project_indexes


def bm25_top(index, record, k1: float = 1.2, b: float = 0.75) -> str:
    """The summary of the entry with the highest Okapi BM25 score (the alternative measured)."""
    query = Counter(code_terms(record["code"]))
    exclude = is_same_definition(record)
    lengths = {doc: sum(counts.values()) for doc, counts in index._counts.items()}
    average = sum(lengths.values()) / max(1, len(lengths))
    scores: dict[int, float] = {}
    for term in query:
        postings = index._postings.get(term, {})
        idf = math.log(1 + (len(lengths) - len(postings) + 0.5) / (len(postings) + 0.5))
        for doc, count in postings.items():
            norm = k1 * (1 - b + b * lengths[doc] / average)
            scores[doc] = scores.get(doc, 0.0) + idf * count * (k1 + 1) / (count + norm)
    ranked = sorted(scores, key=lambda d: (-scores[d], d))
    best = next((d for d in ranked if not exclude(index._entries[d])), None)
    return index._entries[best].summary if best is not None else ""


def measure(path: str) -> list[str]:
    """One table row per ranking for a pairs file."""
    records = read_pairs(path)
    indexes = project_indexes(records)
    bm25, cosine, latencies = [], [], []
    for record in records:
        index = indexes[str(record.get("repo", ""))]
        started = time.perf_counter()
        hits = index.search(code_terms(record["code"]), 3, exclude=is_same_definition(record))
        latencies.append((time.perf_counter() - started) * 1000)
        cosine.append(hits[0].entry.summary if hits else "")
        bm25.append(bm25_top(index, record))
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
