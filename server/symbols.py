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
from pathlib import Path

from hoverdoc.core.extract import Definition, definition_named_at, extract
from hoverdoc.core.sources import read_python_source

logger = logging.getLogger(__name__)
MAX_RESOLVE_LINES = 20_000  # jedi on larger files is too slow for a hover
_IDENTIFIER_CHAR = re.compile(r"[\w]")


class DefinitionIndex:
    """Parsed definitions per file, cached by content (open documents and files read from disk)."""

    def __init__(self, capacity: int = 64):
        self._cache: OrderedDict[str, tuple[str, list[Definition]]] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def definitions(self, key: str, source: str) -> list[Definition]:
        """Definitions of ``source``; ``key`` names the file (uri or path)."""
        digest = hashlib.sha1(source.encode("utf-8", "surrogatepass")).hexdigest()
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and cached[0] == digest:
                self._cache.move_to_end(key)
                return cached[1]
        found = [] if "\0" in source else extract(source)
        with self._lock:
            self._cache[key] = (digest, found)
            self._cache.move_to_end(key)
            while len(self._cache) > self._capacity:
                self._cache.popitem(last=False)
        return found

    def forget(self, key: str) -> None:
        """Drop a file's entry (a closed document)."""
        with self._lock:
            self._cache.pop(key, None)


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
