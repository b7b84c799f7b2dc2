"""The model-input format: the one function that turns extracted code into the text a model sees.

Training, export parity checks, evaluation and the server all call ``format_input``; a model
directory records the version it was trained with, and the server refuses versions it doesn't know.

- Version 1: the code alone.
- Version 2: up to ``MAX_EXEMPLARS`` documented neighbours from the workspace (best first, each as a
  similarity bucket, its qualified name and its summary), the tokenizer's ``[SEP]``, then the code.
  With no neighbours the exemplar section is empty: ``[SEP] <code>``. Exemplars come first, so
  truncation to the model's source length cuts the code, never the evidence; a served input shows
  only as many exemplars as leave the code ``CODE_TOKEN_RESERVE`` tokens (``Summarizer.format``).

A model can know a second task, parameter descriptions (the manifest's ``tasks``): its input is the
same, after the prefix ``describe <parameter> :`` (``describe return :`` for the return value;
``return`` is a keyword, so no parameter has that name), and its target is the description.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

INPUT_FORMAT_VERSION = 1
EXEMPLAR_INPUT_FORMAT_VERSION = 2
SUPPORTED_INPUT_FORMAT_VERSIONS = frozenset({1, 2})

# Defaults shared by training and serving; a model directory's manifest can override them.
DEFAULT_MAX_SOURCE_TOKENS = 128
DEFAULT_MAX_TARGET_TOKENS = 32
MAX_EXEMPLARS = 3
MAX_EXEMPLAR_WORDS = 24
# Served inputs drop whole exemplars, least similar first, until the function's own code keeps this
# many tokens (all of it when shorter): the cut at the input length takes the end, which is the code.
CODE_TOKEN_RESERVE = 32
SEPARATOR = "[SEP]"
EXEMPLAR_JOINER = " | "

Task = Literal["summary", "param"]
SUMMARY_TASK: Task = "summary"
PARAM_TASK: Task = "param"
KNOWN_TASKS: tuple[Task, ...] = (SUMMARY_TASK, PARAM_TASK)
# The name a return (or yield) value's description is asked for under.
RETURN_KEY = "return"


@dataclass(frozen=True)
class Exemplar:
    """A documented neighbour shown to a v2 model: its qualified name, summary and similarity (0..1)."""

    name: str
    summary: str
    similarity: float


def similarity_bucket(similarity: float) -> int:
    """The similarity as one digit, 0..9, which is how a v2 model sees it."""
    return max(0, min(9, int(similarity * 10)))


def format_exemplar(exemplar: Exemplar) -> str:
    """One exemplar as text: ``<bucket> <name> : <summary, at most MAX_EXEMPLAR_WORDS words>``."""
    words = exemplar.summary.replace(SEPARATOR, " ").replace("|", "/").split()[:MAX_EXEMPLAR_WORDS]
    return f"{similarity_bucket(exemplar.similarity)} {exemplar.name} : {' '.join(words)}"


def _clean_code(code: str) -> str:
    lines = code.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines if line.strip())


def format_input(
    code: str, prefix: str = "", exemplars: Sequence[Exemplar] | None = None, version: int = 1
) -> str:
    """The model's input for a definition's ``code`` (its source without the docstring).

    The optional task prefix, then (version 2) the exemplar section and ``[SEP]``, then the code
    with Windows line ends normalised, trailing whitespace and blank lines dropped. Truncation to the
    model's source length is the tokenizer's job (see ``hoverdoc.core.tokenization``).
    """
    body = _clean_code(code)
    if version == 1:
        return f"{prefix}{body}"
    shown = [format_exemplar(e) for e in (exemplars or ())[:MAX_EXEMPLARS]]
    section = EXEMPLAR_JOINER.join(shown)
    return f"{prefix}{section} {SEPARATOR} {body}" if section else f"{prefix}{SEPARATOR} {body}"


def format_param_input(code: str, param: str, prefix: str = "", version: int = 1) -> str:
    """The model's input for describing ``param`` of ``code`` (``RETURN_KEY`` for its return value):
    ``describe <param> :`` and then the input ``format_input`` makes without exemplars."""
    return format_input(code, f"{prefix}describe {param} : ", version=version)


def check_input_format(version: object) -> None:
    """Raise ``ValueError`` when a model was trained on an input format this code doesn't know."""
    if version not in SUPPORTED_INPUT_FORMAT_VERSIONS:
        known = ", ".join(str(v) for v in sorted(SUPPORTED_INPUT_FORMAT_VERSIONS))
        raise ValueError(
            f"model uses input format version {version!r}, this hoverdoc knows {known}; "
            "upgrade hoverdoc or re-export the model"
        )
