"""Tokenizer settings shared by training, export, evaluation and serving.

Every stage loads the model's ``tokenizer.json`` through ``load_tokenizer``, so a source is cut to
the same number of tokens, with the same special tokens, wherever it is encoded.
"""

from __future__ import annotations

from pathlib import Path

from tokenizers import Tokenizer


def load_tokenizer(path: str | Path, max_length: int | None = None) -> Tokenizer:
    """A ``tokenizers.Tokenizer`` from a ``tokenizer.json`` file or a directory holding one,
    truncating encodings to ``max_length`` tokens (special tokens included) and not padding."""
    path = Path(path)
    if path.is_dir():
        path = path / "tokenizer.json"
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()
    if max_length is not None:
        tokenizer.enable_truncation(max_length=max_length, strategy="longest_first", direction="right")
    else:
        tokenizer.no_truncation()
    return tokenizer
