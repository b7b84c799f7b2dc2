"""The docstring composer: complete, correctly indented docstrings in five styles, inserted or
updated without disturbing the file. No LSP in it: the server's code actions and ``hoverdoc summarize
--docstring`` both use it.

- ``compose``: the document model, rendering per style, quoting and literal escaping, the edit.
- ``facts``: what the code itself says (parameters, returns, yields, raises, attributes).
- ``evidence``: which descriptions still lack one, for the workspace and the model to fill.
"""

from __future__ import annotations

from .compose import (
    STYLES,
    DocModel,
    DocstringResult,
    TextEdit,
    apply_edit,
    compose_docstring,
    documented_params,
    make_literal,
    needs_update,
)
from .evidence import lacking_descriptions, merged_descriptions

__all__ = [
    "STYLES",
    "DocModel",
    "DocstringResult",
    "TextEdit",
    "apply_edit",
    "compose_docstring",
    "documented_params",
    "lacking_descriptions",
    "make_literal",
    "merged_descriptions",
    "needs_update",
]
