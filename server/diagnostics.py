"""Stale-docstring diagnostics: ``hoverdoc.core.staleness`` findings as LSP diagnostics.

Each finding becomes one diagnostic (severity Information, source ``hoverdoc``, code the finding's
kind) on the function's name. Its ``data`` holds the name's position in code points (``line``,
``col``), the same keys the "Update docstring" code action carries, so a quick fix can be built from
the diagnostic alone.
"""

from __future__ import annotations

from collections.abc import Callable

from lsprotocol import types
from parso.utils import split_lines

from hoverdoc.core.extract import Definition
from hoverdoc.core.staleness import StaleFinding, check_definition, find_stale

SOURCE = "hoverdoc"

# (0-based line, code-point column) -> the client's position
ToClient = Callable[[int, int], types.Position]


def stale_diagnostics(source: str, to_client: ToClient | None = None) -> list[types.Diagnostic]:
    """Diagnostics for the stale docstrings in ``source``.

    ``to_client`` converts code-point positions to the client's units (the server passes its
    document's position codec); by default columns are counted in UTF-16, LSP's default encoding.
    """
    findings = find_stale(source)
    if not findings:
        return []
    convert = to_client or _utf16_converter(source)
    return [_diagnostic(finding, convert) for finding in findings]


def definition_diagnostics(definitions: list[Definition], to_client: ToClient) -> list[types.Diagnostic]:
    """Diagnostics for already extracted definitions (the server's cached parse of a document)."""
    return [_diagnostic(f, to_client) for definition in definitions for f in check_definition(definition)]


def _diagnostic(finding: StaleFinding, convert: ToClient) -> types.Diagnostic:
    start = convert(finding.line, finding.column)
    end = convert(finding.line, finding.end_column)
    return types.Diagnostic(
        range=types.Range(start=start, end=end),
        message=finding.message,
        severity=types.DiagnosticSeverity.Information,
        code=finding.kind.value,
        source=SOURCE,
        data={"line": finding.line, "col": finding.column, "qualname": finding.qualname},
    )


def _utf16_converter(source: str) -> ToClient:
    """Code-point columns -> UTF-16 code units, on the extractor's own line split."""
    lines = split_lines(source)

    def convert(line: int, col: int) -> types.Position:
        text = lines[line] if 0 <= line < len(lines) else ""
        return types.Position(line=line, character=len(text[:col].encode("utf-16-le")) // 2)

    return convert
