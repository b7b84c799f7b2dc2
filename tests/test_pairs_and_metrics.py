"""Pairs files (errors name the line) and the CodeXGLUE BLEU-4 port."""

from __future__ import annotations

import json

import pytest

from hoverdoc.core.metrics import bleu4, exact_match, rouge_l, score_all, sentence_bleu
from hoverdoc.core.pairs import PairsError, read_pairs, write_pairs

# The sample shipped with CodeXGLUE's code-to-text evaluator; evaluator.py prints 9.554726113590661.
CODEXGLUE_PREDICTIONS = [
    "Prints a summary message",
    "Finds the output from the output file",
    "Verify that the given JSON element is present .",
    "Determines the specified compression compression .",
    "Creates a new project .",
]
CODEXGLUE_REFERENCES = [
    "Outputs the deferred summary information saved via",
    "Inspect the file referenced in the kubectl stderr to make it easier for developer to understand what s going on",
    "make sure to never prune the ejson - keys secret",
    "Determine the best compressor for the current system . This method returns the class not an instance of the class .",
    "Create the bff file using + mkinstallp + .",
]


def test_bleu_matches_codexglue_evaluator_sample():
    assert bleu4(CODEXGLUE_PREDICTIONS, CODEXGLUE_REFERENCES) == pytest.approx(9.554726113590661, abs=1e-9)


def test_bleu_properties():
    assert sentence_bleu(["Return the user name."], "return the user name .") == pytest.approx(1.0)
    assert bleu4(["a b c d"], ["x y z w"]) < 1.0
    with pytest.raises(ValueError):
        bleu4(["a"], [])


def test_rouge_and_exact_match():
    assert rouge_l(["Return the user name."], ["Return the user name."]) == pytest.approx(100.0)
    assert 0 < rouge_l(["Return the name."], ["Return the user name."]) < 100
    assert exact_match(["Return X."], ["return x ."]) == 100.0
    scores = score_all(["Return X."], ["Return Y."])
    assert set(scores) == {"bleu", "rougeL", "em", "n"} and scores["n"] == 1


def test_read_pairs_names_bad_lines(tmp_path):
    path = tmp_path / "pairs.jsonl"
    path.write_text('{"code": "def f(): pass", "summary": "Do it."}\n\n{"code": "x", "summary": \n')
    with pytest.raises(PairsError, match=r"pairs.jsonl:3: not valid JSON"):
        read_pairs(path)
    path.write_text('{"code": "def f(): pass"}\n')
    with pytest.raises(PairsError, match=r":1: missing or empty field 'summary'"):
        read_pairs(path)
    path.write_text("[1, 2]\n")
    with pytest.raises(PairsError, match=r":1: expected a JSON object"):
        read_pairs(path)
    path.write_text("")
    with pytest.raises(PairsError, match="no pairs"):
        read_pairs(path)
    with pytest.raises(PairsError, match="no such file"):
        read_pairs(tmp_path / "missing.jsonl")
    with pytest.raises(PairsError, match="is a folder"):
        read_pairs(tmp_path)
    with pytest.raises(PairsError, match="not a regular file"):
        read_pairs("/dev/zero")  # said "no such file" before
    path.write_bytes(b'{"code": "\xff\xfe", "summary": "x"}\n')
    with pytest.raises(PairsError, match="not UTF-8"):
        read_pairs(path)


def test_write_pairs_round_trip(tmp_path):
    records = [{"code": "def f():\n    return 1", "summary": "Return one."}]
    assert write_pairs(tmp_path / "out" / "p.jsonl", records) == 1
    assert read_pairs(tmp_path / "out" / "p.jsonl") == records
    assert json.loads((tmp_path / "out" / "p.jsonl").read_text())["code"].startswith("def f")


def test_a_pair_is_read_as_the_definition_the_server_sees_in_its_file():
    from hoverdoc.core.evaluate import pair_definitions

    method = "def is_full(self):\n    return True\n"
    records = [
        {"code": method, "kind": "method", "name": "UserCache.is_full"},
        {"code": method, "kind": "function", "name": "outer.is_full"},  # nested in a function
        {"code": method, "kind": "method", "name": 7},  # no usable name: no owner
        {"code": method, "kind": "class", "name": "is_full"},  # not what the code holds
        {"code": method, "name": "is_ready"},  # another definition than the pair names
        {"code": "x = 1\n"},
    ]
    read = pair_definitions(records)
    assert (read[0].kind, read[0].parent, read[0].qualname) == ("method", "UserCache", "UserCache.is_full")
    assert (read[1].kind, read[1].parent) == ("function", "outer")
    assert (read[2].kind, read[2].parent, read[2].qualname) == ("method", None, "is_full")
    assert read[3:] == [None, None, None]
