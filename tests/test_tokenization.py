"""Encoding a long input from its start gives the encoding of the whole input."""

from __future__ import annotations

from pathlib import Path

import pytest

from hoverdoc.core.paths import bundled_model_dir
from hoverdoc.core.tokenization import CHARS_PER_TOKEN_BOUND, encode_truncated, load_tokenizer

LONG_FUNCTION = "def total(rows):\n" + "".join(
    f"    value_{i} = compute_value(rows[{i}], scale=1.5, label='row {i}')\n" for i in range(200)
)
LONG_INPUTS = [
    LONG_FUNCTION,
    # indentation and alignment: more characters a token than the bound, so the cut start falls short
    " " * 3000 + "def f(x):\n    return x\n",
    "\n".join("                                        x = 1  # aligned" for _ in range(200)),
    "a " * 100 + "y" * 3000 + " b" * 100,  # a cut that would land inside a 3000-character word
    "x" * 5000,  # nowhere to cut: encoded whole
    "short input",
]


@pytest.fixture(scope="module")
def tokenizer():
    return load_tokenizer(Path(bundled_model_dir()) / "tokenizer.json", 96)


@pytest.mark.parametrize("length", [16, 96, 192])
def test_a_long_input_is_encoded_as_the_whole_input_is(tokenizer, length):
    tokenizer.enable_truncation(max_length=length)
    whole = [encoding.ids for encoding in tokenizer.encode_batch(LONG_INPUTS)]
    assert [encoding.ids for encoding in encode_truncated(tokenizer, LONG_INPUTS)] == whole
    assert len(whole[0]) == len(whole[2]) == length  # the long code was cut by the truncation
    assert len(whole[1]) > 2  # the code after 3000 spaces is encoded, not only the special tokens


def test_a_tokenizer_without_truncation_encodes_the_whole_input(tokenizer):
    tokenizer.no_truncation()
    (encoding,) = encode_truncated(tokenizer, [LONG_FUNCTION])
    assert len(encoding.ids) > 96 * 4  # far past where a cut would have ended it
    assert len(LONG_FUNCTION) > 96 * CHARS_PER_TOKEN_BOUND
