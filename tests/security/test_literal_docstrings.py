"""Issue #19, defect 2a: no text a model produces can escape the docstring literal it is written into.

Before the fix a summary holding a run of four quotes closed the docstring early, and the rest of the
summary became code in the user's file.
"""

from __future__ import annotations

import ast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hoverdoc.core.extract import extract
from hoverdoc.server.docstrings import apply_edit, compose_docstring, make_literal

STYLES = ("google", "numpy", "sphinx", "epytext", "pep257")
QUOTES = ('"""', "'''")
SOURCE = (
    "def documented():\n    {q}Already documented here.{q}\n    return 1\n\n\n"
    "def target(path, count=2, *rest, **options):\n    if not path:\n        raise ValueError(path)\n"
    "    return count\n"
)
SUMMARIES = st.text(min_size=1, max_size=80).filter(lambda text: text.strip())


def _normal(text: str) -> str:
    return " ".join(text.split())


def _inserted_docstring(summary: str, style: str, quote: str, newline: str = "\n") -> str:
    source = SOURCE.format(q=quote).replace("\n", newline)
    definitions = extract(source)
    target = next(d for d in definitions if d.name == "target")
    result = compose_docstring(source, target, summary, style, definitions)
    out = apply_edit(source, result.edit)
    module = ast.parse(out)  # must parse: nothing the summary holds may close the literal
    functions = [node for node in module.body if isinstance(node, ast.FunctionDef)]
    assert [f.name for f in functions] == ["documented", "target"], "the summary added code"
    docstring = ast.get_docstring(functions[1], clean=False)
    assert docstring is not None
    assert len(functions[1].body) == 3  # docstring, if, return: nothing injected into the body
    return docstring


@pytest.mark.parametrize("quote", QUOTES)
@pytest.mark.parametrize("style", STYLES)
def test_four_quotes_cannot_close_the_docstring(style: str, quote: str):
    summary = f"Ends early.{quote[0] * 4}\nimport os; os.system('touch /tmp/pwned')\n{quote}"
    docstring = _inserted_docstring(summary, style, quote)
    assert _normal(summary) in _normal(docstring)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(summary=SUMMARIES, style=st.sampled_from(STYLES), quote=st.sampled_from(QUOTES))
def test_any_summary_becomes_the_docstring_value(summary: str, style: str, quote: str):
    docstring = _inserted_docstring(summary, style, quote)
    assert _normal(summary) in _normal(docstring)


@settings(max_examples=30, deadline=None)
@given(summary=SUMMARIES, quote=st.sampled_from(QUOTES))
def test_crlf_files_too(summary: str, quote: str):
    assert _normal(summary) in _normal(_inserted_docstring(summary, "google", quote, "\r\n"))


@settings(max_examples=150, deadline=None)
@given(
    content=st.text(max_size=60),
    quote=st.sampled_from(QUOTES),
    raw=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_make_literal_round_trips_any_text(content: str, quote: str, raw: bool, newline: str):
    literal = make_literal(content, "    ", quote, newline, raw=raw)
    module = ast.parse(f"def f():{newline}    {literal}{newline}    return 1{newline}")
    value = ast.get_docstring(module.body[0], clean=False)
    assert len(module.body[0].body) == 2
    # the value is the text, line by line, up to indentation and the closing quotes' own line
    assert _lines(value) == _lines(content)


def _lines(text: str) -> list[str]:
    lines = [line.strip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


@pytest.mark.parametrize("prediction", ['""', "``", "''", '" "', "' ' '"])
def test_polish_of_quotes_only_is_empty_not_an_error(prediction: str):
    from hoverdoc.core.summary import polish

    assert polish(prediction) == ""


@settings(max_examples=200, deadline=None)
@given(prediction=st.text(alphabet=st.sampled_from("\"'` .,a_-()"), max_size=12), code=st.text(max_size=20))
def test_polish_never_raises(prediction: str, code: str):
    from hoverdoc.core.summary import polish

    assert isinstance(polish(prediction, code), str)
