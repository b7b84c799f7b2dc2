"""Tokenizer settings shared by training, export, evaluation and serving.

Every stage encodes through ``configure_truncation`` on the model's own ``tokenizer.json``, so a
source is cut to the same number of tokens, with the same special tokens, wherever it is encoded.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tokenizers import Encoding, Tokenizer

# A bound on the characters a token spans in code and docstrings (they average about 4): a text longer
# than this many characters per token the truncation keeps is encoded from a start cut at whitespace.
CHARS_PER_TOKEN_BOUND = 16
# below this truncation length the special tokens may not fit, and tokenizers does not truncate at all
MIN_CUT_LENGTH = 8
# pre-tokenizers that end words at whitespace: no token before a space depends on the text after it
_WORD_SPLITTING = frozenset({"BertPreTokenizer", "Whitespace", "WhitespaceSplit"})


def _set_truncation(tokenizer: Tokenizer, max_length: int | None) -> Tokenizer:
    """``tokenizer`` itself, set to truncate to ``max_length`` tokens and never pad."""
    tokenizer.no_padding()
    if max_length is None:
        tokenizer.no_truncation()
    else:
        tokenizer.enable_truncation(max_length=max_length, strategy="longest_first", direction="right")
    return tokenizer


def configure_truncation(tokenizer: Tokenizer, max_length: int | None) -> Tokenizer:
    """A copy of ``tokenizer`` that truncates to ``max_length`` tokens (special tokens included)
    on the right and never pads."""
    return _set_truncation(Tokenizer.from_str(tokenizer.to_str()), max_length)


def load_tokenizer(path: str | Path, max_length: int | None = None) -> Tokenizer:
    """The tokenizer in a ``tokenizer.json`` file (or a directory holding one), configured as above
    (no copy: it is fresh)."""
    path = Path(path)
    if path.is_dir():
        path = path / "tokenizer.json"
    return _set_truncation(Tokenizer.from_file(str(path)), max_length)


def soft_prompt_ids(soft_prompt: dict | None) -> list[int]:
    """The vocabulary ids a learned soft prompt was folded into at export (a manifest's
    ``soft_prompt``: ``first_id`` and ``tokens``), prepended to every encoder input and never
    generated; [] for a model without one."""
    if not soft_prompt:
        return []
    first, count = int(soft_prompt["first_id"]), int(soft_prompt["tokens"])
    return list(range(first, first + count))


def encode_truncated(tokenizer: Tokenizer, texts: Sequence[str]) -> list[Encoding]:
    """``tokenizer.encode_batch(texts)``, the same encodings, without tokenizing what the truncation
    drops (a long function's source took up to 16 ms to encode whole for 96 tokens kept).
    A long text is encoded from its start, cut at whitespace; one whose start falls short of the
    truncation length, as a long run of spaces can make it, is encoded whole. Tokenizers that do not
    split words at whitespace, or do not truncate, encode every text whole."""
    limit = (tokenizer.truncation or {}).get("max_length")
    if not limit or limit < MIN_CUT_LENGTH or type(tokenizer.pre_tokenizer).__name__ not in _WORD_SPLITTING:
        return tokenizer.encode_batch(list(texts))
    heads = [_cut_at_whitespace(text, limit * CHARS_PER_TOKEN_BOUND) for text in texts]
    encodings = tokenizer.encode_batch(heads)
    short = [
        index
        for index, (head, text, encoding) in enumerate(zip(heads, texts, encodings))
        if len(head) < len(text) and len(encoding.ids) < limit
    ]
    for index, encoding in zip(short, tokenizer.encode_batch([texts[i] for i in short])):
        encodings[index] = encoding
    return encodings


def _cut_at_whitespace(text: str, length: int) -> str:
    """``text`` cut before its last space or newline within ``length`` characters (all of it when it
    is no longer, or has no such break to cut at)."""
    if len(text) <= length:
        return text
    cut = max(text.rfind(" ", 0, length), text.rfind("\n", 0, length))
    return text[:cut] if cut > 0 else text
