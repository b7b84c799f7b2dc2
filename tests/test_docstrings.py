"""The docstring composer: golden files per style, idempotence, and a property test over signatures.

Golden files live in tests/data/docstrings: ``<case>.py`` is the input and ``<case>.<style>.py`` the
file after every definition got its docstring. Regenerate them with ``HOVERDOC_UPDATE_GOLDEN=1`` and
review the diff.
"""

from __future__ import annotations

import json
import keyword
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hoverdoc.core.extract import extract
from hoverdoc.server.docstrings import STYLES, apply_edit, compose_docstring, documented_params, needs_update

DATA = Path(__file__).parent / "data" / "docstrings"
CASES = sorted(p for p in DATA.glob("*.py") if p.stem.count(".") == 0)


def document_all(source: str, style: str, descriptions: dict[str, dict[str, str]] | None = None) -> str:
    """Insert or update the docstring of every definition, bottom-up so positions stay valid;
    ``descriptions`` are the evidence's, per qualified name (by parameter name, ``return`` for the
    return value)."""
    definitions = extract(source)
    for definition in sorted(definitions, key=lambda d: (d.span.start_line, d.span.start_col), reverse=True):
        found = (descriptions or {}).get(definition.qualname)
        summary = f"Summary of {definition.name}."
        result = compose_docstring(source, definition, summary, style, extract(source), found)
        if result.edit is not None:
            source = apply_edit(source, result.edit)
    return source


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_golden(case: Path, style: str):
    """``<case>.json``, where there is one, holds real descriptions (as the workspace or the model
    gives them) that must land in every style's sections."""
    source = case.read_bytes().decode("utf-8")
    evidence = case.with_suffix(".json")
    descriptions = json.loads(evidence.read_text()) if evidence.exists() else None
    output = document_all(source, style, descriptions)
    expected_file = case.with_name(f"{case.stem}.{style}.py")
    if os.environ.get("HOVERDOC_UPDATE_GOLDEN") == "1":
        expected_file.write_bytes(output.encode("utf-8"))
    assert expected_file.exists(), (
        f"missing golden file {expected_file.name}; run with HOVERDOC_UPDATE_GOLDEN=1"
    )
    assert output == expected_file.read_bytes().decode("utf-8")
    compile(output, case.name, "exec")  # the edited file still parses
    assert document_all(output, style, descriptions) == output  # applying again changes nothing


def test_line_endings_and_indentation_follow_the_file():
    crlf = (DATA / "crlf.py").read_bytes().decode()
    out = document_all(crlf, "google")
    assert "\n" not in out.replace("\r\n", "")
    tabs = document_all((DATA / "tabs.py").read_text(), "google")
    assert '\t\t"""Summary of load_settings.\n\n\t\tArgs:\n\t\t    path: The path.' in tabs


def test_existing_docstring_keeps_human_text_and_drops_removed_params():
    source = (DATA / "update_existing.py").read_text()
    definitions = {d.name: d for d in extract(source)}
    assert needs_update(definitions["transfer"]) and needs_update(definitions["numpy_style"])
    assert not needs_update(definitions["already_complete"])
    out = document_all(source, "google")
    assert "source: Account that pays, written by a human." in out
    assert "amount (Decimal): How much, in the account's currency." in out
    assert "removed_param" not in out
    assert "The transfer is atomic." in out and ">>> transfer(a, b, 10)" in out
    assert out.count('"""Move money between accounts.') == 1
    assert (
        "Parameters\n    ----------\n    a : int\n        The first number, by hand.\n    b\n        The b."
        in out
    )


def test_an_update_keeps_a_numpy_examples_section_whole():
    examples = (
        "    Examples\n    --------\n    Some text.\n\n    >>> f(1, 2)\n    1\n    >>> f(3, 4)\n    3\n"
    )
    source = f'def f(a, c):\n    """Do it.\n\n    Parameters\n    ----------\n    a : int\n        First.\n\n{examples}    """\n'
    out = document_all(source, "numpy")
    assert examples in out and out.count("Examples") == 1  # the doctests were dropped before
    assert "    c\n        " in out  # the update did run


def test_an_update_keeps_the_numpy_section_titles_the_author_wrote():
    kept = "    Note\n    ----\n    Slow.\n\n    Example\n    -------\n    >>> f(1, 2)\n    1\n"
    source = f'def f(a, c):\n    """Do it.\n\n    Parameters\n    ----------\n    a : int\n        First.\n\n{kept}    """\n'
    out = document_all(source, "numpy")
    assert kept in out and "Notes" not in out and "Examples" not in out  # not renamed
    assert "    c\n        " in out  # the update did run


def test_an_update_keeps_the_google_section_titles_the_author_wrote():
    source = 'def f(a, c):\n    """Do it.\n\n    Args:\n        a: First.\n\n    Example:\n        >>> f(1, 2)\n    """\n'
    out = document_all(source, "google")
    assert "    Example:\n        >>> f(1, 2)\n" in out and "Examples:" not in out  # not renamed
    assert "        c: " in out  # the update did run


def test_bytes_literal_is_not_taken_for_a_docstring():
    out = document_all((DATA / "raw_and_bytes.py").read_text(), "google")
    assert 'def not_a_docstring(data):\n    """Summary of not_a_docstring.' in out
    assert 'r"""Match \\d+ digits of a name.' in out


IDENTIFIERS = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(
    lambda s: not keyword.iskeyword(s) and s not in ("self", "cls") and not keyword.issoftkeyword(s)
)
ANNOTATIONS = st.sampled_from(
    [None, "int", "str | None", "dict[str, list[int]]", "'Forward'", "Callable[[int], str]"]
)
DEFAULTS = st.sampled_from([None, "0", "None", "'x'", "(1, 2)", "[]"])


@st.composite
def signatures(draw) -> tuple[str, list[str]]:
    names = draw(st.lists(IDENTIFIERS, min_size=0, max_size=6, unique=True))
    kinds = [draw(st.sampled_from(["positional_only", "normal", "keyword_only"])) for _ in names]
    kinds.sort(key=["positional_only", "normal", "keyword_only"].index)
    star = draw(st.booleans()) and "args" not in names
    double_star = draw(st.booleans()) and "kwargs" not in names
    parts: list[str] = []
    defaults_started = False
    for index, (name, kind) in enumerate(zip(names, kinds)):
        if kind == "keyword_only" and (index == 0 or kinds[index - 1] != "keyword_only"):
            parts.append("*args" if star else "*")
            star = False
        annotation = draw(ANNOTATIONS)
        default = draw(DEFAULTS)
        if kind != "keyword_only" and defaults_started and default is None:
            default = "None"
        if default is not None and kind != "keyword_only":
            defaults_started = True
        text = (
            name
            + (f": {annotation}" if annotation else "")
            + ((f" = {default}" if annotation else f"={default}") if default is not None else "")
        )
        parts.append(text)
        if kind == "positional_only" and (index + 1 == len(names) or kinds[index + 1] != "positional_only"):
            parts.append("/")
    if star:
        parts.append("*args")
    if double_star:
        parts.append("**kwargs")
    expected = [n for n in names]
    if "*args" in parts:
        position = parts.index("*args")
        before = [p for p in parts[:position] if p not in ("/", "*")]
        expected = (
            [p.split(":")[0].split("=")[0].strip() for p in before]
            + ["args"]
            + [
                p.split(":")[0].split("=")[0].strip()
                for p in parts[position + 1 :]
                if p not in ("/", "*", "**kwargs")
            ]
        )
    if double_star:
        expected.append("kwargs")
    multiline = draw(st.booleans())
    joiner = ",\n    " if multiline else ", "
    opening = "(\n    " if multiline and parts else "("
    closing = (
        ",\n)"
        if multiline and parts and "**kwargs" not in parts[-1] and parts[-1] != "*"
        else ("\n)" if multiline and parts else ")")
    )
    if parts and parts[-1] in ("/",) and multiline:
        closing = ",\n)"
    return f"def target{opening}{joiner.join(parts)}{closing}:\n    return 1\n", expected


@settings(max_examples=150, deadline=None)
@given(signatures(), st.sampled_from(["google", "numpy", "sphinx", "epytext"]), st.booleans())
def test_property_docstring_names_exactly_the_signature(signature, style, as_method):
    source, expected = signature
    if as_method:
        source = "class Holder:\n" + "".join(
            f"    {line}\n" if line else "\n"
            for line in source.replace("def target(", "def target(self, ")
            .replace("(self, )", "(self)")
            .splitlines()
        )
    compile(source, "generated.py", "exec")
    out = document_all(source, style)
    compile(out, "generated.py", "exec")
    target = next(d for d in extract(out) if d.name == "target")
    assert target.docstring is not None
    documented = documented_params(target.docstring)
    assert (documented or []) == expected
    assert document_all(out, style) == out


def test_quote_style_follows_the_file():
    source = "def a():\n    '''Documented with single quotes.'''\n    return 1\n\n\ndef b(x):\n    return x\n"
    out = document_all(source, "pep257")
    assert "def b(x):\n    '''Summary of b.'''\n    return x" in out
    assert document_all(source.replace("'''", '"""'), "pep257").count('"""Summary of b."""') == 1


def test_summary_with_quotes_and_backslashes_stays_valid():
    source = "def f(pattern):\n    return pattern\n"
    (definition,) = extract(source)
    result = compose_docstring(source, definition, 'Match "\\\\d" in a """string""".', "pep257")
    out = apply_edit(source, result.edit)
    compile(out, "f.py", "exec")
    assert extract(out)[0].docstring is not None


HUMAN_WORDS = st.lists(
    st.sampled_from(
        [
            "rows",
            "the",
            "ledger",
            "read",
            "from",
            "by",
            "hand",
            "totals",
            "in",
            "euro",
            "42",
            "cache",
            "(optional)",
        ]
    ),
    min_size=1,
    max_size=7,
).map(lambda words: " ".join(words).capitalize() + ".")


def _human_docstring(
    style: str, summary: str, long: str, params: dict[str, str], returns: str, note: str
) -> str:
    """A docstring a person wrote, in ``style``, with every section the update must keep."""
    if style == "google":
        args = "".join(f"        {name}: {text}\n" for name, text in params.items())
        return (
            f"{summary}\n\n    {long}\n\n    Args:\n{args}\n    Returns:\n        {returns}\n\n"
            f"    Note:\n        {note}\n    "
        )
    if style == "numpy":
        args = "".join(f"    {name}\n        {text}\n" for name, text in params.items())
        return (
            f"{summary}\n\n    {long}\n\n    Parameters\n    ----------\n{args}\n    Returns\n    -------\n"
            f"    int\n        {returns}\n\n    Notes\n    -----\n    {note}\n    "
        )
    tag, ret = (":param", ":returns:") if style == "sphinx" else ("@param", "@return:")
    args = "".join(f"    {tag} {name}: {text}\n" for name, text in params.items())
    return f"{summary}\n\n    {long}\n\n{args}    {ret} {returns}\n    "


@settings(max_examples=120, deadline=None)
@given(
    st.lists(IDENTIFIERS, min_size=1, max_size=4, unique=True),
    st.lists(IDENTIFIERS, max_size=2, unique=True),
    st.data(),
    st.sampled_from(["google", "numpy", "sphinx", "epytext"]),
)
def test_property_updating_a_docstring_never_loses_human_text(old, added, data, style):
    kept = data.draw(st.lists(st.sampled_from(old), unique=True, min_size=0, max_size=len(old)))
    new = kept + [name for name in added if name not in old]
    texts = {name: data.draw(HUMAN_WORDS) for name in old}
    summary, long, returns, note = (data.draw(HUMAN_WORDS) for _ in range(4))
    docstring = _human_docstring(style, summary, long, texts, returns, note)
    source = f'def target({", ".join(new)}):\n    """{docstring}"""\n    return 1\n'
    out = document_all(source, "google")  # the docstring's own style wins over the setting
    flat = " ".join(out.split())
    for text in [summary, long, returns, *(texts[name] for name in kept)]:
        assert " ".join(text.split()) in flat
    if style in ("google", "numpy"):
        assert note in flat
    documented = documented_params(extract(out)[0].docstring or "")
    assert documented == new
    assert document_all(out, "google") == out


def _without_tab_stops(snippet: str) -> str:
    """An LSP snippet's text with every ``${n:placeholder}`` replaced by its placeholder, unescaped."""
    import re

    plain = re.sub(r"\$\{\d+:((?:[^}\\]|\\.)*)\}", r"\1", snippet)
    return re.sub(r"\\([\\$}])", r"\1", plain)


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet="ab \\$}{\"'\tr", min_size=1, max_size=20),
    st.text(alphabet="ab \\$}{\"'d", min_size=1, max_size=20),
    st.sampled_from(["google", "numpy", "sphinx", "epytext"]),
    st.booleans(),
)
def test_property_the_snippet_is_the_plain_edit_with_tab_stops(summary, description, style, raw_existing):
    existing = '    r"""Read C:\\\\temp.\n\n    Args:\n        a: By hand.\n    """\n' if raw_existing else ""
    source = f"def target(a, b):\n{existing}    return a\n"
    definition = extract(source)[0]
    result = compose_docstring(source, definition, summary, style, extract(source), {"b": description})
    if result.edit is None:
        return
    assert _without_tab_stops(result.edit.snippet) == result.edit.new_text
    compile(apply_edit(source, result.edit), "target.py", "exec")
