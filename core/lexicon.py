"""The words a generated summary may be made of: a guard against made-up words in greedy decoding.

A WordPiece model spells a word it has no token for out of pieces (``in ##vo ##ice``), and a small one
sometimes runs on into a word no one writes ("invoicesice", "ssltranranransale"): about one dev
summary in twenty. The guard lets a word grow only while it is the start of a known word, and end
only when it is a whole one. Known words are the lexicon (the words of the training corpus's
docstrings, ``summary_words.txt`` beside this module) and the words of the model's own input (the code's
identifiers and the exemplars' summaries), so an unusual name the code uses can still be written.
A word of a single token is always allowed. When the model's best token is not allowed, the best of
those that are is taken (the best one after all when none is).

Words joined by underscores name an identifier ("invoke_root"), and a small model joins known words
into identifiers no code has ("Initialize an invoke_root."): an underscore may join only while the
identifier is the start of one of the input's, and the identifier may end only when it is whole.
An underscore after a word always joins it to that word (the tokens do not say whether a space came
between), so a name that begins with one (``_private``, ``__init__``) can be written only at the start
of a summary or after punctuation, not after a word.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from hoverdoc.core.fallback import split_name

log = logging.getLogger(__name__)

LEXICON_FILE = Path(__file__).parent / "summary_words.txt"
CONTINUATION = "##"
# known words scanned for the pieces that may continue a word; past it (a start of a letter or two has
# thousands) each continuation piece is tried instead
MAX_SCANNED = 2000
# inflections a lexicon word of MIN_INFLECTED letters may take ("rewinds" where the lexicon has
# "rewind"); not the code's own names, which gave "cping" and "hookimpler"
SUFFIXES = ("s", "es", "ed", "d", "ing", "ly")
MIN_INFLECTED = 4
# changes when the guard's rules change, so outputs cached under the old rules are not served
GUARD_VERSION = 2
# a word as BERT's pre-tokenizer cuts it: letters and digits (underscores and punctuation split)
_WORD = re.compile(r"[^\W_]+")
_IDENTIFIER = re.compile(r"\w*_\w*")
UNDERSCORES = ("_", CONTINUATION + "_")
# the best-scoring tokens tried, in order, for one that keeps an identifier the input's
MAX_IDENTIFIER_TRIES = 20


def words_of(text: str) -> set[str]:
    """The words of ``text`` as the tokenizer writes them (``_as_tokenized``), identifiers also cut
    at their camel-case humps."""
    found = set()
    for word in _WORD.findall(text):
        found.add(_as_tokenized(word))
        found.update(_as_tokenized(part) for part in split_name(word))
    return found


def _as_tokenized(name: str) -> str:
    """``name`` as an uncased BERT tokenizer writes it: lower-cased, accents stripped."""
    decomposed = unicodedata.normalize("NFD", name.lower())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


class InputWords:
    """The words of one model input (``words_of``), found the first time they are asked for: most
    decoding steps are settled by the lexicon alone."""

    def __init__(self, text: str):
        self._text = text
        self._words: set[str] | None = None
        self._identifiers: set[str] | None = None

    @property
    def words(self) -> set[str]:
        if self._words is None:
            self._words = words_of(self._text)
        return self._words

    @property
    def identifiers(self) -> set[str]:
        """The input's lower-cased names with an underscore in them (``get_user``, ``__repr__``)."""
        if self._identifiers is None:
            self._identifiers = {_as_tokenized(name) for name in _IDENTIFIER.findall(self._text)}
        return self._identifiers

    def starts_identifier(self, prefix: str) -> bool:
        """Whether ``prefix`` is the start of one of the input's ``identifiers``."""
        return any(name.startswith(prefix) for name in self.identifiers)

    def __contains__(self, word: object) -> bool:
        return word in self.words

    def __iter__(self) -> Iterator[str]:
        return iter(self.words)


def read_lexicon(path: Path = LEXICON_FILE) -> list[str]:
    """The lexicon's words, one per line (empty when the file is missing)."""
    try:
        return path.read_text(encoding="utf-8").split()
    except OSError:
        return []


class WordGuard:
    """Chooses each greedy step's token so that words stay known (see the module docstring)."""

    def __init__(self, vocabulary: Sequence[str], lexicon: Iterable[str]):
        self._pieces = list(vocabulary)
        mark = len(CONTINUATION)
        self._continuation_ids = {p[mark:]: i for i, p in enumerate(self._pieces) if p[:mark] == CONTINUATION}
        self._continues = np.zeros(len(self._pieces), dtype=bool)
        self._continues[list(self._continuation_ids.values())] = True
        self._underscores = {i for i, p in enumerate(self._pieces) if p in UNDERSCORES}
        self._lexicon = sorted(lexicon)  # the file is sorted already: timsort only checks it
        words = "\n".join(self._lexicon).encode()
        self.fingerprint = f"guard{GUARD_VERSION}:{hashlib.sha256(words).hexdigest()[:16]}"

    @classmethod
    def for_tokenizer(cls, tokenizer: Tokenizer) -> WordGuard | None:
        """A guard for a WordPiece tokenizer that marks continuations with ``##`` (None for others,
        and, with a warning, when the lexicon is missing)."""
        model = tokenizer.model
        if type(model).__name__ != "WordPiece" or model.continuing_subword_prefix != CONTINUATION:
            return None
        lexicon = read_lexicon()
        if not lexicon:
            log.warning("%s: no lexicon, summaries are decoded without the word guard", LEXICON_FILE)
            return None
        vocabulary = tokenizer.get_vocab(with_added_tokens=True)
        pieces = [""] * (max(vocabulary.values(), default=-1) + 1)
        for piece, index in vocabulary.items():
            pieces[index] = piece
        return cls(pieces, lexicon)

    def choose(self, scores: np.ndarray, sequence: Sequence[int], known: InputWords) -> int:
        """The best-scoring token of ``scores`` that keeps the word being written known, given the
        ``sequence`` so far and the input's own words ``known``; the best one when none does. An
        identifier joined by underscores must also stay the input's (``_keeps_identifier``)."""
        chosen = self._choose_word(scores, sequence, known)
        identifier = self._identifier(sequence)
        if identifier is None and chosen not in self._underscores:
            return chosen  # almost every step: no underscore near
        if self._keeps_identifier(chosen, identifier, sequence, known):
            return chosen
        word, pieces = self._current_word(sequence)
        count = min(MAX_IDENTIFIER_TRIES, len(scores))
        for token in np.argsort(-scores, kind="stable")[:count]:
            token = int(token)
            if not np.isfinite(scores[token]):
                break
            if self._allowed(token, word, pieces, known) and self._keeps_identifier(
                token, identifier, sequence, known
            ):
                return token
        return chosen

    def _identifier(self, sequence: Sequence[int]) -> str | None:
        """The identifier being written when an underscore joins the end of ``sequence`` to what
        came before ("markdown_con" for ``mark ##down _ con``), lower-cased; else None."""
        parts: list[str] = []
        index = len(sequence) - 1
        while index >= 0:
            token = sequence[index]
            piece = self._piece(token)
            if token in self._underscores:
                parts.append("_")
            elif piece.startswith(CONTINUATION) and piece[len(CONTINUATION) :].isalnum():
                parts.append(piece[len(CONTINUATION) :])
            elif piece.isalnum():
                parts.append(piece)
                if index == 0 or sequence[index - 1] not in self._underscores:
                    break  # the identifier's first word
            else:
                break
            index -= 1
        text = "".join(reversed(parts)).lower()
        return text if "_" in text else None

    def _keeps_identifier(
        self, token: int, identifier: str | None, sequence: Sequence[int], known: InputWords
    ) -> bool:
        """Whether ``token`` after ``sequence`` keeps the identifier being written the start of one
        of the input's, and ends it only where it is whole."""
        piece = self._piece(token).lower()
        if token in self._underscores:  # joins the word just written (or an identifier) to more
            base = identifier if identifier is not None else self._word_before(sequence)
            return known.starts_identifier(base + "_")
        if identifier is None:
            return True
        if piece.startswith(CONTINUATION):
            return known.starts_identifier(identifier + piece[len(CONTINUATION) :])
        if identifier.endswith("_") and piece.isalnum():  # the identifier's next word
            return known.starts_identifier(identifier + piece)
        return identifier in known.identifiers  # the identifier ends here

    def _word_before(self, sequence: Sequence[int]) -> str:
        """The word ``sequence`` ends with, lower-cased ("" after punctuation or at the start: an
        underscore there starts a name of its own, ``_private``)."""
        last = self._piece(sequence[-1]) if sequence else ""
        word = last[len(CONTINUATION) :] if last.startswith(CONTINUATION) else last
        return self._current_word(sequence)[0] if word.isalnum() else ""

    def _piece(self, token: int) -> str:
        """The vocabulary's piece for ``token`` ("" for an id past it)."""
        return self._pieces[token] if 0 <= token < len(self._pieces) else ""

    def _choose_word(self, scores: np.ndarray, sequence: Sequence[int], known: InputWords) -> int:
        """``choose`` without the identifier rule: the word being written stays a known word."""
        best = int(scores.argmax())
        word, pieces = self._current_word(sequence)
        if self._allowed(best, word, pieces, known):
            return best
        allowed = self._continuations(word, known)
        if pieces < 2 or self._is_word(word, known):  # the word may end: any word start may follow
            starts = scores.copy()
            width = min(len(starts), len(self._continues))
            starts[:width][self._continues[:width]] = -np.inf
            allowed.add(int(starts.argmax()))
        finite = [token for token in allowed if np.isfinite(scores[token])]
        return max(finite, key=lambda token: scores[token]) if finite else best

    def _continuations(self, word: str, known: InputWords) -> set[int]:
        """The continuation pieces that keep ``word`` the start of a known word."""
        index = bisect_left(self._lexicon, word)
        longer: list[str] = []
        while index < len(self._lexicon) and self._lexicon[index].startswith(word):
            longer.append(self._lexicon[index])
            index += 1
            if len(longer) > MAX_SCANNED:  # a short start: ask of every piece instead
                return self._lexicon_continuations(word) | self._pieces_towards(
                    word, self._close(word, known)
                )
        return self._pieces_towards(word, longer + self._close(word, known))

    def _close(self, word: str, known: InputWords) -> list[str]:
        """The input's words that start with ``word``, and ``word`` with the inflections it may take."""
        found = [w for w in known if w.startswith(word)]
        for cut in _cuts(word):
            found.extend(word + suffix[len(word) - cut :] for suffix in self._inflecting(word, cut))
        return found

    def _lexicon_continuations(self, word: str) -> set[int]:
        return {
            token for piece, token in self._continuation_ids.items() if self._lexicon_starts(word + piece)
        }

    def _pieces_towards(self, word: str, targets: Iterable[str]) -> set[int]:
        """The continuation pieces that take ``word`` some way towards one of ``targets``."""
        found = set()
        for whole in targets:
            rest = whole[len(word) :]
            for end in range(1, len(rest) + 1):
                piece = self._continuation_ids.get(rest[:end])
                if piece is not None:
                    found.add(piece)
        return found

    def _allowed(self, token: int, word: str, pieces: int, known: InputWords) -> bool:
        if token >= len(self._pieces):
            return True
        if self._continues[token]:
            return self._starts_a_word(word + self._pieces[token][len(CONTINUATION) :], known)
        return pieces < 2 or self._is_word(word, known)  # the word being written ends here

    def _current_word(self, sequence: Sequence[int]) -> tuple[str, int]:
        """The word at the end of ``sequence`` and how many pieces it has so far."""
        parts: list[str] = []
        for token in reversed(sequence):
            piece = self._pieces[token] if 0 <= token < len(self._pieces) else ""
            if piece.startswith(CONTINUATION):
                parts.append(piece[len(CONTINUATION) :])
                continue
            parts.append(piece)
            break
        return "".join(reversed(parts)).lower(), len(parts)

    def _is_word(self, word: str, known: InputWords) -> bool:
        """Whether ``word`` is known, or a known word with an inflection (``SUFFIXES``)."""
        if self._listed(word, known):
            return True
        return any(
            word.endswith(suffix) and self._inflectable(base)
            for suffix in SUFFIXES
            for base in _bases(word[: -len(suffix)], suffix)
        )

    def _listed(self, word: str, known: InputWords) -> bool:
        return self._in_lexicon(word) or word in known

    def _in_lexicon(self, word: str) -> bool:
        index = bisect_left(self._lexicon, word)
        return index < len(self._lexicon) and self._lexicon[index] == word

    def _lexicon_starts(self, prefix: str) -> bool:
        index = bisect_left(self._lexicon, prefix)
        return index < len(self._lexicon) and self._lexicon[index].startswith(prefix)

    def _starts_a_word(self, prefix: str, known: InputWords) -> bool:
        if self._lexicon_starts(prefix) or any(word.startswith(prefix) for word in known):
            return True
        return any(self._inflecting(prefix, cut) for cut in _cuts(prefix))

    def _inflecting(self, prefix: str, cut: int) -> list[str]:
        """The suffixes that ``prefix[cut:]`` begins, when ``prefix[:cut]`` is an inflectable lexicon word."""
        rest = prefix[cut:]
        return [
            suffix
            for suffix in SUFFIXES
            if suffix.startswith(rest) and any(self._inflectable(b) for b in _bases(prefix[:cut], suffix))
        ]

    def _inflectable(self, base: str) -> bool:
        return len(base) >= MIN_INFLECTED and self._in_lexicon(base)


def _cuts(word: str) -> range:
    """Where a suffix of ``word`` could begin (suffixes are at most 3 letters)."""
    return range(max(1, len(word) - 3), len(word) + 1)


def _bases(stem: str, suffix: str) -> tuple[str, ...]:
    """The words ``stem`` + ``suffix`` can inflect: "iterating" is "iterate" + "ing"."""
    return (stem, stem + "e") if suffix in ("ing", "ed") else (stem,)
