"""Summary-quality metrics shared by training, ``hoverdoc eval`` and ``hoverdoc retrain``.

``bleu4`` is the smoothed sentence BLEU-4 of CodeXGLUE's code-to-text evaluator
(Code-Text/code-to-text/evaluator/evaluator.py, itself from MOSES/NIST mteval-v11a): lower-cased,
punctuation split, NIST normalisation, +1 smoothing for n-grams above unigrams, the evaluator's brevity
penalty, averaged over sentences and scaled by 100. ``rouge_l`` is ROUGE-L F1 from ``rouge-score``.
"""

from __future__ import annotations

import math
import re
import sys
import xml.sax.saxutils
from collections.abc import Sequence

_NORMALIZE1 = [
    (re.compile("<skipped>"), ""),
    (re.compile(r"-\n"), ""),
    (re.compile(r"\n"), " "),
]
_NORMALIZE2 = [
    (re.compile(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])"), r" \1 "),
    (re.compile(r"([^0-9])([\.,])"), r"\1 \2 "),
    (re.compile(r"([\.,])([^0-9])"), r" \1 \2"),
    (re.compile(r"([0-9])(-)"), r"\1 \2 "),
]
_TINY = sys.float_info.min


def _normalize(text: str) -> list[str]:
    for pattern, replacement in _NORMALIZE1:
        text = re.sub(pattern, replacement, text)
    text = xml.sax.saxutils.unescape(text, {"&quot;": '"'})
    text = f" {text} ".lower()
    for pattern, replacement in _NORMALIZE2:
        text = re.sub(pattern, replacement, text)
    return text.split()


def _count_ngrams(words: list[str], n: int = 4) -> dict[tuple[str, ...], int]:
    counts: dict[tuple[str, ...], int] = {}
    for k in range(1, n + 1):
        for i in range(len(words) - k + 1):
            ngram = tuple(words[i : i + k])
            counts[ngram] = counts.get(ngram, 0) + 1
    return counts


def _split_puncts(line: str) -> str:
    return " ".join(re.findall(r"[\w]+|[^\s\w]", line))


def sentence_bleu(references: Sequence[str], candidate: str, n: int = 4) -> float:
    """Smoothed BLEU-4 of one candidate against its references, in 0..1 (evaluator's ``bleu()[0]``)."""
    cooked_refs = [_normalize(_split_puncts(ref.strip().lower())) for ref in references]
    max_counts: dict[tuple[str, ...], int] = {}
    for ref in cooked_refs:
        for ngram, count in _count_ngrams(ref, n).items():
            max_counts[ngram] = max(max_counts.get(ngram, 0), count)
    test = _normalize(_split_puncts(candidate.strip().lower()))
    test_len = len(test)
    ref_len = min(len(ref) for ref in cooked_refs)
    guess = [max(test_len - k + 1, 0) for k in range(1, n + 1)]
    correct = [0] * n
    for ngram, count in _count_ngrams(test, n).items():
        correct[len(ngram) - 1] += min(max_counts.get(ngram, 0), count)
    log_bleu = 0.0
    for k in range(n):
        smooth = 1 if k > 0 else 0
        log_bleu += math.log(correct[k] + smooth + _TINY) - math.log(guess[k] + smooth + _TINY)
    log_bleu /= n
    brevity = min(0.0, 1 - (ref_len + 1) / (test_len + 1))
    return math.exp(log_bleu + brevity)


def bleu4(predictions: Sequence[str], references: Sequence[str]) -> float:
    """Corpus score: the mean smoothed sentence BLEU-4 ×100, as CodeXGLUE reports it."""
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions for {len(references)} references")
    if not predictions:
        return 0.0
    total = sum(sentence_bleu([ref], pred) for pred, ref in zip(predictions, references))
    return 100.0 * total / len(predictions)


def rouge_l(predictions: Sequence[str], references: Sequence[str]) -> float:
    """Mean ROUGE-L F1 ×100 (``rouge-score``, with stemming)."""
    from rouge_score import rouge_scorer

    if not predictions:
        return 0.0
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    total = sum(scorer.score(ref, pred)["rougeL"].fmeasure for pred, ref in zip(predictions, references))
    return 100.0 * total / len(predictions)


def exact_match(predictions: Sequence[str], references: Sequence[str]) -> float:
    """Share ×100 of predictions equal to their reference after the evaluator's tokenisation."""
    if not predictions:
        return 0.0
    same = sum(
        _normalize(_split_puncts(p.strip().lower())) == _normalize(_split_puncts(r.strip().lower()))
        for p, r in zip(predictions, references)
    )
    return 100.0 * same / len(predictions)


def score_all(predictions: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """BLEU-4, ROUGE-L, exact match and n, under the keys ``hoverdoc eval`` writes."""
    return {
        "bleu": bleu4(predictions, references),
        "rougeL": rouge_l(predictions, references),
        "em": exact_match(predictions, references),
        "n": len(predictions),
    }
