"""Stale-docstring findings as LSP diagnostics (hoverdoc.server.diagnostics)."""

from __future__ import annotations

from lsprotocol import types

from hoverdoc.core.extract import extract
from hoverdoc.server.diagnostics import definition_diagnostics, stale_diagnostics

SOURCE = '''\
def größe(wert):
    """Size.

    Args:
        alt: Gone.
        wert: The value.
    """
    return wert
'''


def test_a_stale_docstring_is_one_information_diagnostic_on_the_name():
    [diagnostic] = stale_diagnostics(SOURCE)
    assert diagnostic.severity == types.DiagnosticSeverity.Information
    assert (diagnostic.source, diagnostic.code) == ("hoverdoc", "unknown-param")
    assert diagnostic.message == "docstring documents 'alt', which is not a parameter of größe()"
    assert diagnostic.range == types.Range(types.Position(0, 4), types.Position(0, 9))
    assert diagnostic.data == {"line": 0, "col": 4, "qualname": "größe"}
    assert definition_diagnostics(extract(SOURCE), types.Position) == [diagnostic]  # code points here


def test_columns_are_utf16_by_default_and_converted_by_the_caller_otherwise():
    source = SOURCE.replace("größe", "\U0001d523\U0001d52c\U0001d52c")  # three astral letters
    [diagnostic] = stale_diagnostics(source)
    assert (diagnostic.range.start.character, diagnostic.range.end.character) == (4, 10)
    [converted] = stale_diagnostics(source, lambda line, col: types.Position(line, col * 10))
    assert (converted.range.start.character, converted.range.end.character) == (40, 70)


def test_up_to_date_and_broken_sources_have_none():
    assert stale_diagnostics(SOURCE.replace("        alt: Gone.\n", "")) == []
    assert stale_diagnostics("def f(:\n") == []
