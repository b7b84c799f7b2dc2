"""Building a workspace index from a folder: the documented definitions of its own Python files.

Files come from ``hoverdoc.core.workspace_files`` (``.gitignore`` honoured, no links out), minus
virtual environments, ``site-packages``, vendored and test folders, files over 1 MB and generated files; at
most ``max_files`` are read. With a ``WorkspaceStore`` a file whose size and modification time are
unchanged is not parsed again.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from .errors import HoverdocError
from .extract import Definition, extract
from .sources import decode_source, read_regular_file
from .summary import summarize_docstring
from .workspace_files import (
    GENERATED_FILE,
    GENERATED_MARK,
    SKIP_DIRS,
    TEST_DIRS,
    TEST_FILE,
    VENDORED_DIRS,
    git_files,
    git_toplevel,
    is_inside,
    walk_with_gitignore,
)
from .workspace_index import Entry, WorkspaceIndex, code_terms

MAX_FILE_BYTES = 1_000_000
DEFAULT_MAX_FILES = 20_000
_SKIPPED_FOLDERS = SKIP_DIRS | VENDORED_DIRS | {"site-packages", "dist-packages", "env"}


@dataclass
class ScanReport:
    """What a build read and skipped."""

    files_seen: int = 0
    files_parsed: int = 0
    files_reused: int = 0
    skipped: Counter = field(default_factory=Counter)
    capped: bool = False
    entries: int = 0
    seconds: float = 0.0

    def describe(self) -> str:
        """One line for logs and the status item."""
        text = f"{self.entries} documented definitions in {self.files_parsed + self.files_reused} files"
        if self.capped:
            text += f" (stopped at {self.files_seen} files: the workspace is larger than the index reads)"
        return text


def parameter_descriptions(docstring: str) -> tuple[tuple[str, str], ...]:
    """(name, description) of each documented parameter (Google, NumPy, reST or Epytext docstrings)."""
    import docstring_parser

    try:
        parsed = docstring_parser.parse(docstring)
    except (docstring_parser.ParseError, ValueError, AttributeError):
        return ()
    found = []
    for param in parsed.params:
        description = " ".join((param.description or "").split())
        if param.arg_name and description:
            found.append((param.arg_name.lstrip("*"), description))
    return tuple(found)


def entry_from_definition(relative: str, definition: Definition) -> Entry | None:
    """The index entry of a documented definition (None when its docstring has no summary)."""
    summary = summarize_docstring(definition.docstring)
    if not summary:
        return None
    return Entry(
        path=relative,
        qualname=definition.qualname,
        line=definition.name_span.start_line,
        summary=summary,
        params=parameter_descriptions(definition.docstring or ""),
        terms=code_terms(definition.code),
    )


def entries_from_source(relative: str, source: str) -> list[Entry]:
    """Index entries of every documented definition in ``source`` (a file at ``relative``)."""
    if GENERATED_MARK.search("\n".join(source.splitlines()[:5])):
        return []
    entries = (entry_from_definition(relative, d) for d in extract(source) if d.docstring)
    return [e for e in entries if e is not None]


def _in_virtualenv(path: Path, root: Path, known: dict[Path, bool]) -> bool:
    for folder in path.parents:
        if folder == root or root not in folder.parents:
            return False
        if folder not in known:
            known[folder] = (folder / "pyvenv.cfg").is_file()
        if known[folder]:
            return True
    return False


def python_files(root: Path, exclude: Iterable[str] = (), report: ScanReport | None = None) -> Iterator[Path]:
    """The workspace's own Python files under ``root`` (resolved), in a stable order."""
    report = report or ScanReport()
    excluded = pathspec.GitIgnoreSpec.from_lines(list(exclude)) if exclude else None
    try:
        candidates = sorted(git_files(root)) if git_toplevel(root) is not None else walk_with_gitignore(root)
    except (OSError, HoverdocError, ValueError, RuntimeError):
        candidates = walk_with_gitignore(root)
    venvs: dict[Path, bool] = {}
    for path in candidates:
        if path.suffix != ".py":
            continue
        relative = path.relative_to(root).as_posix()
        folders = [p.lower() for p in relative.split("/")[:-1]]
        reason = None
        if any(f in _SKIPPED_FOLDERS or f.startswith(".") or "vendor" in f for f in folders):
            reason = "skipped folder"
        elif any(f in TEST_DIRS for f in folders) or TEST_FILE.match(path.name):
            reason = "tests"  # as in mining: the model was trained on neighbours from product code
        elif GENERATED_FILE.match(path.name):
            reason = "generated"
        elif excluded is not None and excluded.match_file(relative):
            reason = "excluded"
        elif _in_virtualenv(path, root, venvs):
            reason = "virtual environment"
        elif not is_inside(path, root):
            reason = "link out of the tree"
        if reason:
            report.skipped[reason] += 1
            continue
        yield path


def read_workspace_source(path: Path) -> str | None:
    """A workspace file's text, or None when it is not a readable regular file under the size cap."""
    try:
        data = read_regular_file(path, MAX_FILE_BYTES)
    except HoverdocError:
        return None
    return decode_source(data)[0]


def build_index(
    root: str | Path,
    exclude: Iterable[str] = (),
    max_files: int = DEFAULT_MAX_FILES,
    store=None,
    progress: Callable[[int, str], None] | None = None,
) -> tuple[WorkspaceIndex, ScanReport]:
    """Index the documented definitions under ``root``; ``store`` (a ``WorkspaceStore``) reuses the
    entries of unchanged files and saves the rest; ``progress(files_done, path)`` is told as it goes."""
    started = time.perf_counter()
    root = Path(root).resolve()
    report = ScanReport()
    index = WorkspaceIndex()
    known = store.files() if store is not None else {}
    seen: set[str] = set()
    for path in python_files(root, exclude, report):
        if report.files_seen >= max_files:
            report.capped = True
            break
        report.files_seen += 1
        relative = path.relative_to(root).as_posix()
        seen.add(relative)
        entries = _file_entries(path, relative, known, store, report)
        for entry in entries:
            index.add(entry)
        if progress is not None and report.files_seen % 50 == 0:
            progress(report.files_seen, relative)
    if store is not None and not report.capped:
        store.forget([p for p in known if p not in seen])
    report.entries = len(index)
    index.refresh()
    report.seconds = time.perf_counter() - started
    return index, report


def _file_entries(path: Path, relative: str, known: dict, store, report: ScanReport) -> list[Entry]:
    try:
        stat = path.stat()
    except OSError:
        report.skipped["unreadable"] += 1
        return []
    if stat.st_size > MAX_FILE_BYTES:
        report.skipped["over 1 MB"] += 1
        return []
    stamp = (stat.st_mtime_ns, stat.st_size)
    if relative in known and known[relative] == stamp:
        report.files_reused += 1
        return store.entries(relative)
    source = read_workspace_source(path)
    if source is None:
        report.skipped["unreadable"] += 1
        return []
    entries = entries_from_source(relative, source)
    report.files_parsed += 1
    if store is not None:
        store.save(relative, stamp, entries)
    return entries


def index_file(
    index: WorkspaceIndex,
    root: str | Path,
    path: str | Path,
    source: str | None = None,
    store=None,
    lock=None,
) -> int:
    """Re-index one file (from ``source`` when given, e.g. an open document's text); returns its entry
    count. Parsing happens outside ``lock``; only the swap of the file's entries holds it."""
    root = Path(root).resolve()
    path = Path(path).resolve()
    if root not in path.parents or path.suffix != ".py":
        return 0
    relative = path.relative_to(root).as_posix()
    if source is None:
        source = read_workspace_source(path) if path.exists() else None
    entries = entries_from_source(relative, source) if source is not None else []
    if lock is not None:
        with lock:
            index.replace_file(relative, entries)
    else:
        index.replace_file(relative, entries)
    if store is not None:
        try:
            stat = path.stat()
            store.save(relative, (stat.st_mtime_ns, stat.st_size), entries)
        except OSError:
            store.forget([relative])
    return len(entries)


def workspace_root_of(path: str | Path) -> Path:
    """The workspace of a file: its git work tree, else its folder."""
    path = Path(path).resolve()
    folder = path if path.is_dir() else path.parent
    return git_toplevel(folder) or folder


__all__ = [
    "ScanReport",
    "build_index",
    "entries_from_source",
    "index_file",
    "python_files",
    "workspace_root_of",
]
