"""The word guard: greedy decoding keeps to known words (``hoverdoc.core.lexicon``)."""

from __future__ import annotations

import numpy as np
import pytest

from hoverdoc.core import lexicon
from hoverdoc.core.lexicon import InputWords, WordGuard, read_lexicon, words_of
from hoverdoc.core.model_loading import load_model
from hoverdoc.training.lexicon import build_lexicon

VOCABULARY = ["[PAD]", "[CLS]", "the", "in", "##vo", "##ice", "##ices", "##tore", "re", "##wind", "##s", "."]
IDS = {piece: index for index, piece in enumerate(VOCABULARY)}


def scores_for(*ranked: str) -> np.ndarray:
    """Scores that rank ``ranked`` first, in that order, and every other piece below them."""
    scores = np.full(len(VOCABULARY), -5.0, dtype=np.float32)
    for place, piece in enumerate(ranked):
        scores[IDS[piece]] = 10.0 - place
    return scores


def sequence(*pieces: str) -> list[int]:
    return [IDS["[CLS]"]] + [IDS[p] for p in pieces]


def choose(guard: WordGuard, scores: np.ndarray, written: list[int], code: str = "") -> str:
    return VOCABULARY[guard.choose(scores, written, InputWords(code))]


def test_a_word_may_not_run_on_past_every_known_word():
    guard = WordGuard(VOCABULARY, ["the", "rewind"])
    written = sequence("the", "in", "##vo", "##ices")
    code = "def iter_overdue(invoices): ..."
    # "invoices" is the code's own word: it may end, and may not run on into "invoicesice"
    assert choose(guard, scores_for("##ice", "."), written, code) == "."
    assert choose(guard, scores_for("##ices", "##tore", "."), sequence("the", "in", "##vo"), code) == "##ices"
    # without the code's word "invo" starts nothing: the model's best is taken when nothing is allowed
    assert choose(guard, scores_for("##ice"), sequence("the", "in", "##vo")) == "##ice"


def test_a_word_may_end_only_when_it_is_whole():
    guard = WordGuard(VOCABULARY, ["the", "rewind"])
    assert choose(guard, scores_for(".", "##wind"), sequence("re")) == "."  # one piece: always a word
    assert choose(guard, scores_for(".", "##s"), sequence("re", "##wind")) == "."
    # "invo" is the start of the code's "invoice", not a word: it goes on to one
    written = sequence("in", "##vo")
    assert choose(guard, scores_for(".", "##tore", "##ice"), written, "class Invoice: ...") == "##ice"


def test_lexicon_words_take_inflections_and_the_codes_names_do_not():
    guard = WordGuard(VOCABULARY, ["rewind"])
    assert choose(guard, scores_for("##s", "."), sequence("re", "##wind")) == "##s"  # "rewinds"
    written = sequence("in", "##vo", "##ice")
    assert choose(guard, scores_for("##s", "."), written, "invoice = 1") == "."  # not "invoices"


@pytest.mark.parametrize("scanned", [lexicon.MAX_SCANNED, 1])  # 1: a short start, every piece asked
def test_a_word_the_model_would_derail_goes_on_to_the_best_known_word(monkeypatch, scanned):
    monkeypatch.setattr(lexicon, "MAX_SCANNED", scanned)
    guard = WordGuard(VOCABULARY, ["rewind", "rewound", "the"])
    assert choose(guard, scores_for("##tore", "##wind", "."), sequence("re")) == "##wind"


def test_scores_narrower_or_wider_than_the_vocabulary_and_cased_pieces():
    pieces = [p.capitalize() if p.isalpha() else p for p in VOCABULARY]  # "In", "##vo", "The"
    guard = WordGuard(pieces, ["the", "invoice"])
    assert (
        pieces[guard.choose(scores_for("##vo", "."), sequence("in"), InputWords(""))] == "##vo"
    )  # "invo..."
    narrow = scores_for("##tore", "the")[:-1]  # the model's output lacks the vocabulary's last piece
    assert pieces[guard.choose(narrow, sequence("in"), InputWords(""))] == "The"
    wide = np.concatenate([scores_for("##tore", "##ice"), [-9.0, -9.0]])
    assert pieces[guard.choose(wide, sequence("in", "##vo"), InputWords(""))] == "##ice"


NAMES = [
    "[PAD]",
    "[CLS]",
    "an",
    "invoke",
    "root",
    "all",
    "get",
    "user",
    "_",
    "##_",
    "##s",
    ".",
    "in",
    "##vo",
    "##ke",
]


def choose_name(ranked: list[str], written: list[str], code: str) -> str:
    """The guard's choice among ``NAMES`` when the model ranks ``ranked`` first, after ``written``."""
    guard = WordGuard(NAMES, ["an", "invoke", "root", "all", "get", "user"])
    scores = np.full(len(NAMES), -5.0, dtype=np.float32)
    for place, piece in enumerate(ranked):
        scores[NAMES.index(piece)] = 10.0 - place
    sequence = [NAMES.index("[CLS]")] + [NAMES.index(p) for p in written]
    return NAMES[guard.choose(scores, sequence, InputWords(code))]


def test_an_underscore_joins_words_only_into_a_name_the_input_has():
    # "Initialize an invoke_root.": known words, joined into a name no code has
    assert choose_name(["_", "."], ["an", "invoke"], "def __init__(self, root): ...") == "."
    assert choose_name(["_", "."], ["an", "invoke"], "invoke_all = 1") == "_"
    assert choose_name(["root", "all"], ["invoke", "_"], "invoke_all = 1") == "all"
    assert choose_name(["##_", "."], ["an", "invoke"], "root = 1") == "."  # the continuation underscore too


def test_a_name_joined_by_underscores_ends_only_when_it_is_whole():
    assert choose_name([".", "##s"], ["get", "_", "user"], "get_users = 1") == "##s"
    assert choose_name(["."], ["invoke", "_", "all"], "invoke_all = 1") == "."
    # the input's own names are written as they are, dunders included
    assert choose_name(["_", "."], ["_", "_", "invoke", "_"], "x.__invoke__()") == "_"


def test_names_are_read_as_the_tokenizer_writes_them_and_odd_ids_are_no_error():
    # a word of several pieces before the underscore, and a name with an accent the tokenizer strips
    assert choose_name(["root", "."], ["in", "##vo", "##ke", "_"], "Invoké_Root = 1") == "root"
    assert choose_name(["root", "."], ["in", "##vo", "##ke", "_"], "invoke_all = 1") == "all"  # 3rd likeliest
    guard = WordGuard(NAMES, ["invoke"])
    scores = np.zeros(len(NAMES), dtype=np.float32)
    scores[NAMES.index("_")] = 1.0
    past = len(NAMES) + 3  # an id past the vocabulary (a model's output wider than its tokenizer)
    assert NAMES[guard.choose(scores, [1, past, NAMES.index("invoke")], InputWords("x = 1"))] != "_"
    assert guard.choose(scores, [1, NAMES.index("_"), past], InputWords("x = 1")) in range(len(NAMES))


def test_when_no_likely_token_keeps_the_name_the_models_choice_stands():
    # after "invoke_" only "root" and "." are likely, and neither makes a name the input has
    assert choose_name(["root", "."], ["invoke", "_"], "get_user = 1") == "root"


def test_words_of_cuts_identifiers_like_the_tokenizer_and_at_camel_case():
    assert words_of("class InvoiceStore(HTTPServer): total_due = 1") >= {
        "class",
        "invoicestore",
        "invoice",
        "store",
        "httpserver",
        "http",
        "server",
        "total",
        "due",
        "1",
    }


def test_words_and_names_of_the_input_are_read_as_the_uncased_tokenizer_writes_them():
    text = "def créer_facture(Straße): return Café"
    assert {"creer", "facture", "straße", "cafe"} <= words_of(text)  # BERT strips accents, keeps ß
    assert InputWords(text).identifiers == {"creer_facture"}


def test_the_lexicon_keeps_words_written_in_two_docstrings():
    records = [
        {"docstring": "Read the ledger.\n\nArgs:\n    path: The file."},
        {"summary": "Read a file."},
        {"docstring": "Write the ledgr."},
    ]
    assert build_lexicon(records) == ["file", "read", "the"]  # "ledger" once, "ledgr" once


def test_the_bundled_model_no_longer_writes_made_up_words():
    summarizer = load_model(None, workspace_root=None).summarizer
    assert summarizer is not None
    code = "def iter_overdue(invoices, paid_numbers):\n    for invoice in invoices:\n        yield invoice\n"
    text = summarizer.format(code)
    unguarded = summarizer.decode(summarizer.generate([text], guard_words=False)[0])
    guarded = summarizer.decode(summarizer.generate([text])[0])
    assert "invoicesice" in unguarded  # the fixed weights' known slip, the reason for the guard
    known = set(read_lexicon()) | words_of(text)
    assert all(word in known for word in words_of(guarded)), guarded
    # outputs cached before the guard, or under another lexicon, are never served as its own
    assert summarizer.digest != summarizer.manifest.digest
