"""The docstring composer: complete, correctly indented docstrings in five styles, inserted or
updated without disturbing the file. No LSP in it: the server's code actions and ``hoverdoc summarize
--docstring`` both use it.

- ``compose``: the document model, rendering per style, quoting and literal escaping, the edit.
- ``facts``: what the code itself says (parameters, returns, yields, raises, attributes).
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

__all__ = [
    "STYLES",
    "DocModel",
    "DocstringResult",
    "TextEdit",
    "apply_edit",
    "compose_docstring",
    "documented_params",
    "make_literal",
    "needs_update",
]
