"""Tokenizer settings shared by training, export, evaluation and serving.

Every stage encodes through ``configure_truncation`` on the model's own ``tokenizer.json``, so a
source is cut to the same number of tokens, with the same special tokens, wherever it is encoded.
"""

from __future__ import annotations

from pathlib import Path

from tokenizers import Tokenizer


def configure_truncation(tokenizer: Tokenizer, max_length: int | None) -> Tokenizer:
    """A copy of ``tokenizer`` that truncates to ``max_length`` tokens (special tokens included)
    on the right and never pads."""
    configured = Tokenizer.from_str(tokenizer.to_str())
    configured.no_padding()
    if max_length is None:
        configured.no_truncation()
    else:
        configured.enable_truncation(max_length=max_length, strategy="longest_first", direction="right")
    return configured


def load_tokenizer(path: str | Path, max_length: int | None = None) -> Tokenizer:
    """The tokenizer in a ``tokenizer.json`` file (or a directory holding one), configured as above."""
    path = Path(path)
    if path.is_dir():
        path = path / "tokenizer.json"
    return configure_truncation(Tokenizer.from_file(str(path)), max_length)


def soft_prompt_ids(soft_prompt: dict | None) -> list[int]:
    """The vocabulary ids a learned soft prompt was folded into at export (a manifest's
    ``soft_prompt``: ``first_id`` and ``tokens``), prepended to every encoder input and never
    generated; [] for a model without one."""
    if not soft_prompt:
        return []
    first, count = int(soft_prompt["first_id"]), int(soft_prompt["tokens"])
    return list(range(first, first + count))
