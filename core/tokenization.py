"""Tokenizer settings shared by training, export, evaluation and serving.

Every stage encodes through ``configure_truncation`` on the model's own ``tokenizer.json``, so a
source is cut to the same number of tokens, with the same special tokens, wherever it is encoded.
"""

from __future__ import annotations

from pathlib import Path

from tokenizers import Tokenizer


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
