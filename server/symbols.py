"""Finding the definition under the cursor: at its name, or at a reference resolved by jedi.

Both parse only: parso for this file's definitions, jedi's static inference for references. No
workspace code is imported or run (jedi's ``load_unsafe_extensions`` stays off).
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections import OrderedDict
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from parso.utils import split_lines

from hoverdoc.core.extract import Definition, Span, definition_named_at, extract, leaves
from hoverdoc.core.sources import read_python_source

logger = logging.getLogger(__name__)
MAX_RESOLVE_LINES = 20_000  # jedi on larger files is too slow for a hover
_IDENTIFIER_CHAR = re.compile(r"[\w]")


MAX_PARSE_CHARS = 2_000_000  # larger files are not parsed at all
LARGE_LINES = 5_000  # larger files are parsed whole only on demand; hovers parse one statement
# a hover on a longer file not parsed yet parses only the statement around it (parsing a 2,600-line
# file whole takes 0.3 s, which a first hover would wait for); the whole parse follows in the background
HOVER_BLOCK_LINES = 400
MAX_BLOCK_LINES = 2_000  # a longer top-level statement is parsed with its whole file
CHARS_TO_BYTES = 64  # a parsed file's memory (tree and definitions), estimated from its length
INDEX_BUDGET = 128 * 1024 * 1024


def too_large(source: str) -> bool:
    """Whether a file is over the size limit (it gets no parse, hence no summaries)."""
    return len(source) > MAX_PARSE_CHARS


def is_large(source: str) -> bool:
    """Whether a file is parsed whole only when a feature needs every definition."""
    return len(source) > MAX_PARSE_CHARS // 10 or source.count("\n") > LARGE_LINES


@dataclass
class _Entry:
    digest: str
    definitions: list[Definition]
    cost: int


class DefinitionIndex:
    """Parsed definitions per file, cached by content (open documents and files read from disk).

    One parse per content: callers asking for the same content while it is parsed share that parse.
    The cache is bounded by an estimate of the memory its parse trees hold, and by a count.
    """

    def __init__(self, capacity: int = 64, budget: int = INDEX_BUDGET):
        self._cache: OrderedDict[str, _Entry] = OrderedDict()
        self._inflight: dict[tuple[str, str], Future] = {}
        self._capacity = capacity
        self._budget = budget
        self._used = 0
        self._lock = threading.Lock()
        self.parses = 0  # whole-file parses (tests read it)

    def definitions(self, key: str, source: str) -> list[Definition]:
        """Definitions of ``source``; ``key`` names the file (uri or path)."""
        if too_large(source) or "\0" in source:
            return []
        return self._definitions(key, source, _digest(source))

    def definitions_near(
        self, key: str, source: str, line: int, parsed_later: bool = True
    ) -> list[Definition]:
        """Enough definitions for a hover at ``line``: the file's when parsed or short, else those of
        the top-level statement around the line. ``parsed_later``: the file gets a whole parse in the
        background (an open document); otherwise only a large file is parsed by statement."""
        if too_large(source) or "\0" in source:
            return []
        digest = _digest(source)
        with self._lock:
            entry = self._cache.get(key)
            if entry is not None and entry.digest == digest:
                return entry.definitions
        if is_large(source) or (parsed_later and source.count("\n") > HOVER_BLOCK_LINES):
            found = _block_definitions(split_lines(source, keepends=True), line)
            if found is not None:
                return found
        return self._definitions(key, source, digest)

    def _definitions(self, key: str, source: str, digest: str) -> list[Definition]:
        with self._lock:
            entry = self._cache.get(key)
            if entry is not None and entry.digest == digest:
                self._cache.move_to_end(key)
                return entry.definitions
            future = self._inflight.get((key, digest))
            owner = future is None
            if future is None:
                future = self._inflight[(key, digest)] = Future()
        if not owner:
            return future.result()
        try:
            found = _parse(source)
            self._store(key, _Entry(digest, found, len(source) * CHARS_TO_BYTES))
            future.set_result(found)
            return found
        except BaseException as error:
            future.set_exception(error)
            raise
        finally:
            with self._lock:
                self._inflight.pop((key, digest), None)

    def _store(self, key: str, entry: _Entry) -> None:
        with self._lock:
            self.parses += 1
            previous = self._cache.pop(key, None)
            self._used -= previous.cost if previous is not None else 0
            self._cache[key] = entry
            self._used += entry.cost
            while len(self._cache) > 1 and (len(self._cache) > self._capacity or self._used > self._budget):
                _, evicted = self._cache.popitem(last=False)
                self._used -= evicted.cost

    def forget(self, key: str) -> None:
        """Drop a file's entry (a closed document)."""
        with self._lock:
            entry = self._cache.pop(key, None)
            self._used -= entry.cost if entry is not None else 0


def _digest(source: str) -> str:
    return hashlib.sha1(source.encode("utf-8", "surrogatepass")).hexdigest()


def _parse(source: str) -> list[Definition]:
    """Every definition; none when the parser itself gives up (nesting beyond the recursion limit)."""
    try:
        return extract(source)
    except RecursionError:
        logger.warning("a file nests too deeply to parse; no summaries for it")
        return []


def _starts_statement(text: str) -> bool:
    """Whether a line starts a top-level statement (not a continuation, comment or clause)."""
    return text[:1] not in _CONTINUATION and not _CLAUSE.match(text)


def _block_bounds(lines: list[str], line: int) -> tuple[int, int] | None:
    """[start, end) of the top-level statement (with its decorators) that holds ``line``; None when
    it is too long or a string may run past it."""
    if not 0 <= line < len(lines):
        return None
    start = line
    while start > 0 and line - start <= MAX_BLOCK_LINES and not _starts_statement(lines[start]):
        start -= 1
    while start > 0 and lines[start - 1].startswith("@"):
        start -= 1
    decorating = lines[start].startswith("@")
    end = line + 1
    while end < len(lines) and end - start <= MAX_BLOCK_LINES:
        if _starts_statement(lines[end]):
            if not decorating:
                break
            decorating = lines[end].startswith("@")
        end += 1
    text = "".join(lines[start:end])
    if end - start > MAX_BLOCK_LINES or text.count('"""') % 2 or text.count("'''") % 2:
        return None
    return start, end


_CONTINUATION = ("", " ", "\t", "\n", "\r", "\f", "#", ")", "]", "}")
_CLAUSE = re.compile(r"(?:else|elif|except|finally)\b")


def _block_definitions(lines: list[str], line: int) -> list[Definition] | None:
    """Definitions of the top-level statement around ``line``, parsed alone and moved into place;
    None when that can't be done safely (the caller parses the whole file)."""
    bounds = _block_bounds(lines, line)
    if bounds is None:
        return None
    start, end = bounds
    try:
        found = _parse("".join(lines[start:end]))
        if found:
            _shift_leaves(found[0].node.get_root_node(), start)
    except RecursionError:
        return None
    return [_shift_definition(d, start) for d in found]


def _shift_leaves(root: Any, offset: int) -> None:
    for leaf in leaves(root):
        leaf.line += offset


def _shift_span(span: Span | None, offset: int) -> Span | None:
    if span is None:
        return None
    return Span(span.start_line + offset, span.start_col, span.end_line + offset, span.end_col)


def _shift_definition(definition: Definition, offset: int) -> Definition:
    return replace(
        definition,
        span=_shift_span(definition.span, offset),
        name_span=_shift_span(definition.name_span, offset),
        docstring_span=_shift_span(definition.docstring_span, offset),
    )


def identifier_at(line_text: str, col: int) -> bool:
    """Whether the character at (or just before) ``col`` belongs to an identifier."""
    if 0 <= col < len(line_text) and _IDENTIFIER_CHAR.match(line_text[col]):
        return True
    return 0 < col <= len(line_text) and bool(_IDENTIFIER_CHAR.match(line_text[col - 1]))


def resolve_reference(
    source: str, path: str | None, line: int, col: int, root: str | None
) -> tuple[Path, int, int] | None:
    """(file, 0-based line, column) of the function or class the name at the position refers to,
    when jedi can resolve it to Python source inside ``root``."""
    if source.count("\n") > MAX_RESOLVE_LINES:
        return None
    import jedi

    try:
        project = jedi.Project(root, load_unsafe_extensions=False) if root else None
        script = jedi.Script(
            code=source, path=path, project=project, environment=jedi.InterpreterEnvironment()
        )
        names = script.goto(line + 1, col, follow_imports=True, follow_builtin_imports=False)
    except Exception:  # noqa: BLE001 - jedi raises many kinds of errors on odd code
        logger.debug("jedi could not resolve %s:%s:%s", path, line, col, exc_info=True)
        return None
    for name in names:
        if name.type not in ("function", "class") or name.module_path is None or name.line is None:
            continue
        target = Path(name.module_path)
        if target.suffix not in (".py", ".pyi"):
            continue
        if root is not None:
            try:
                target.resolve().relative_to(Path(root).resolve())
            except ValueError:
                continue  # the standard library or a dependency: not our business
        return target, name.line - 1, name.column
    return None


def definition_by_name_position(definitions: list[Definition], line: int, col: int) -> Definition | None:
    """The definition whose name starts at the position."""
    for definition in definitions:
        if (definition.name_span.start_line, definition.name_span.start_col) == (line, col):
            return definition
    return definition_named_at(definitions, line, col)


def read_file(path: Path) -> str | None:
    """A workspace file's text, or None when it can't be read as Python source."""
    try:
        return read_python_source(path)
    except Exception:  # noqa: BLE001 - any unreadable file just doesn't resolve
        return None
