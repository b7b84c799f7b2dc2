"""The model-input format: the one function that turns extracted code into the text a model sees.

Training, export parity checks, evaluation and the server all call ``format_input``; a model
directory records the version it was trained with, and the server refuses versions it doesn't know.
"""

from __future__ import annotations

INPUT_FORMAT_VERSION = 1
SUPPORTED_INPUT_FORMAT_VERSIONS = frozenset({1})

# Defaults shared by training and serving; a model directory's manifest can override them.
DEFAULT_MAX_SOURCE_TOKENS = 128
DEFAULT_MAX_TARGET_TOKENS = 32


def format_input(code: str, prefix: str = "") -> str:
    """The model's input for a definition's ``code`` (its source without the docstring).

    Version 1: the optional task prefix, then the code with Windows line ends normalised, trailing
    whitespace and blank lines dropped. Truncation to the model's source length is the tokenizer's
    job (see ``hoverdoc.core.tokenization``).
    """
    lines = code.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    body = "\n".join(line.rstrip() for line in lines if line.strip())
    return f"{prefix}{body}"


def check_input_format(version: object) -> None:
    """Raise ``ValueError`` when a model was trained on an input format this code doesn't know."""
    if version not in SUPPORTED_INPUT_FORMAT_VERSIONS:
        known = ", ".join(str(v) for v in sorted(SUPPORTED_INPUT_FORMAT_VERSIONS))
        raise ValueError(
            f"model uses input format version {version!r}, this hoverdoc knows {known}; "
            "upgrade hoverdoc or re-export the model"
        )
