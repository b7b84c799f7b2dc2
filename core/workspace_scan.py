"""Building a workspace index from a folder: the documented definitions of its own Python files.

Files come from ``hoverdoc.core.workspace_files`` (``.gitignore`` honoured, no links out), minus
virtual environments, ``site-packages``, vendored and test folders, files over 1 MB and generated files; at
most ``max_files`` are read. With a ``WorkspaceStore`` a file whose size and modification time are
unchanged is not parsed again.
"""

from __future__ import annotations

import gc
import re
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from .errors import HoverdocError
from .extract import Definition, extract
from .sources import decode_source, read_regular_file
from .summary import is_placeholder, summarize_docstring
from .workspace_files import (
    GENERATED_FILE,
    GENERATED_MARK,
    SKIP_DIRS,
    TEST_DIRS,
    TEST_FILE,
    VENDORED_DIRS,
    git_files,
    git_toplevel,
    is_file_safely,
    is_folder_safely,
    is_inside,
    listed_as_a_build_lists,
    walk_with_gitignore,
)
from .workspace_index import Entry, WorkspaceIndex, code_terms, entry_kind

MAX_FILE_BYTES = 1_000_000
DEFAULT_MAX_FILES = 20_000
_SKIPPED_FOLDERS = SKIP_DIRS | VENDORED_DIRS | {"site-packages", "dist-packages", "env", "__pypackages__"}
# a Python installation's standard library: lib/python3.11 holding os.py (a conda or standalone install)
_STDLIB_FOLDER = re.compile(r"python\d+\.\d+t?")


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


def _parsed(docstring: str):
    """The parsed docstring (``hoverdoc.core.docstring_parse``, imported only when a workspace is
    indexed), or None when it cannot be parsed."""
    import docstring_parser

    from .docstring_parse import parse_docstring

    try:
        return parse_docstring(docstring)
    except (docstring_parser.ParseError, ValueError, AttributeError):
        return None


def parameter_descriptions(docstring: str) -> tuple[tuple[str, str], ...]:
    """(name, description) of each documented parameter (Google, NumPy, reST or Epytext docstrings)."""
    parsed = _parsed(docstring)
    found = []
    for param in parsed.params if parsed is not None else ():
        description = " ".join((param.description or "").split())
        if param.arg_name and description and not is_placeholder(description):
            found.append((param.arg_name.lstrip("*"), description))
    return tuple(found)


def return_description(docstring: str) -> str:
    """The description of what a docstring says its function returns (or yields), "" when none."""
    parsed = _parsed(docstring)
    if parsed is None:
        return ""
    for returns in parsed.many_returns or ([parsed.returns] if parsed.returns else []):
        description = " ".join((returns.description or "").split())
        if description and not is_placeholder(description):
            return description
    return ""


def entry_from_definition(relative: str, definition: Definition) -> Entry | None:
    """The index entry of a documented definition (None when its docstring has no summary)."""
    summary = summarize_docstring(definition.docstring)
    if not summary or is_placeholder(summary):
        return None  # a template never filled in is not the workspace's wording
    return Entry(
        path=relative,
        qualname=definition.qualname,
        line=definition.name_span.start_line,
        summary=summary,
        params=parameter_descriptions(definition.docstring or ""),
        kind=entry_kind(definition.kind),
        terms=code_terms(definition.code),
    )


def entries_from_source(relative: str, source: str) -> list[Entry]:
    """Index entries of every documented definition in ``source`` (a file at ``relative``)."""
    if GENERATED_MARK.search("\n".join(source.splitlines()[:5])):
        return []
    with _parsing_without_full_collections():
        entries = [entry_from_definition(relative, d) for d in extract(source) if d.docstring]
    return [e for e in entries if e is not None]


_parsing_lock = threading.Lock()
_parsing = 0  # threads parsing with the collector paused (the switch is process-wide)
_collector_was_on = True


@contextmanager
def _parsing_without_full_collections() -> Iterator[None]:
    """Parse with the cyclic collector paused, then collect the young generations. A parso tree is a
    web of cycles (children know their parent); collections during the parse promoted it, dead, to
    the oldest generation, whose collections then ran every second of a build and walked the whole
    heap each time: 32 pauses of up to 0.2 s, 12% of a standard-library build on 2 cores, each one
    holding the GIL against the hovers of an editor that just opened. Collected young, none ran.
    Threads that parse at once share one pause: the last one out turns the collector back on and
    collects, so none collects (and promotes) another's tree still being built."""
    global _parsing, _collector_was_on
    with _parsing_lock:
        if _parsing == 0:
            _collector_was_on = gc.isenabled()
            gc.disable()
        _parsing += 1
    try:
        yield
    finally:
        with _parsing_lock:  # held while collecting: no other parse starts meanwhile
            _parsing -= 1
            if _parsing == 0:
                if _collector_was_on:
                    gc.enable()
                gc.collect(1)


class FileFilter:
    """Which files of a workspace the index reads: one rule for full builds and single-file updates."""

    def __init__(self, root: Path, exclude: Iterable[str] = ()):
        self.root = root
        self.exclude = tuple(exclude)
        self._excluded = pathspec.GitIgnoreSpec.from_lines(list(self.exclude)) if self.exclude else None
        self._venvs: dict[Path, bool] = {}
        self._in_git: bool | None = None  # whether the root is in a git work tree, asked once

    def listed(self, path: Path) -> bool:
        """Whether a full build's listing holds ``path`` (its .gitignore rules, through git in a work
        tree): what a single-file update must agree with."""
        if self._in_git is None:
            self._in_git = git_toplevel(self.root) is not None
        return listed_as_a_build_lists(self.root, path, self._in_git)

    def folder_reason(self, relative: str) -> str | None:
        """Why nothing in the folder at ``relative`` (to the root, "/"-separated) is indexed, by its
        path alone, or None."""
        folders = [p.lower() for p in relative.split("/") if p]
        if any(f in _SKIPPED_FOLDERS or f.startswith(".") or "vendor" in f for f in folders):
            return "skipped folder"
        if any(f in TEST_DIRS for f in folders):
            return "tests"  # as in mining: the model was trained on neighbours from product code
        if self._excluded is not None and self._excluded.match_file(relative.rstrip("/") + "/"):
            return "excluded"
        return None

    def reason(self, path: Path) -> str | None:
        """Why ``path`` (absolute, under the root) is not indexed, or None when it is."""
        if path.suffix != ".py":
            return "not Python"
        relative = path.relative_to(self.root).as_posix()
        if not _encodable(relative):
            return "file name not UTF-8"  # nor can an editor's URI or the store name it
        folder_reason = self.folder_reason(relative.rpartition("/")[0])
        if folder_reason is not None:
            return folder_reason
        if TEST_FILE.match(path.name):
            return "tests"
        if GENERATED_FILE.match(path.name):
            return "generated"
        if self._excluded is not None and self._excluded.match_file(relative):
            return "excluded"
        try:
            return self._on_disk_reason(path)
        except OSError:  # a folder that can be listed but not entered
            return "unreadable"

    def _on_disk_reason(self, path: Path) -> str | None:
        if self._in_virtualenv(path):
            return "virtual environment"
        if path.is_symlink():
            return "link"  # a link inside the tree would index one definition under two paths
        if not is_inside(path, self.root):
            return "link out of the tree"
        return None

    def _in_virtualenv(self, path: Path) -> bool:
        """Whether a folder above ``path`` is a virtual or conda environment, or an installation's
        standard library (git-ignored or not)."""
        for folder in path.parents:
            if folder == self.root or self.root not in folder.parents:
                return False
            if folder not in self._venvs:
                self._venvs[folder] = _is_environment(folder)
            if self._venvs[folder]:
                return True
        return False


def _is_environment(folder: Path) -> bool:
    if is_file_safely(folder / "pyvenv.cfg") or is_folder_safely(folder / "conda-meta"):
        return True
    stdlib = folder.parent.name == "lib" and _STDLIB_FOLDER.fullmatch(folder.name.lower())
    return bool(stdlib) and is_file_safely(folder / "os.py")


def _encodable(text: str) -> bool:
    """Whether a path decoded from the file system is valid UTF-8 (no escaped bytes)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def python_files(root: Path, exclude: Iterable[str] = (), report: ScanReport | None = None) -> Iterator[Path]:
    """The workspace's own Python files under ``root`` (resolved), in a stable order."""
    report = report or ScanReport()
    rule = FileFilter(root, exclude)
    try:
        candidates = sorted(git_files(root)) if git_toplevel(root) is not None else walk_with_gitignore(root)
    except (OSError, HoverdocError, ValueError, RuntimeError, subprocess.SubprocessError):
        candidates = walk_with_gitignore(root)  # git failed (a damaged .git/index): read .gitignore files
    for path in candidates:
        if path.suffix != ".py":
            continue
        reason = rule.reason(path)
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
    pause: Callable[[], None] | None = None,
) -> tuple[WorkspaceIndex, ScanReport]:
    """Index the documented definitions under ``root``; ``store`` (a ``WorkspaceStore``) reuses the
    entries of unchanged files and saves the rest; ``progress(files_done, path)`` is told as it goes
    and ``pause()`` called before each file (it may block to let more urgent work run)."""
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
        if pause is not None:
            pause()
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


def index_folder(root: str | Path, exclude: Iterable[str] = ()) -> tuple[WorkspaceIndex, ScanReport]:
    """``build_index`` of a folder with its persisted store (opened and closed here): what a one-off
    command (``summarize``, ``eval --workspace``) uses; the server keeps its store open instead."""
    from .workspace_store import WorkspaceStore

    store = WorkspaceStore(root)
    try:
        return build_index(root, exclude, store=store)
    finally:
        store.close()


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
    rule: FileFilter | None = None,
) -> int:
    """Re-index one file, by the same rules as a full build (``rule``: the folder's, which knows its
    exclusions and asks git once; by default the root's with none); returns its entry count.
    ``source`` is an open document's unsaved text: indexed, but not stored (the store describes files
    on disk). Parsing happens outside ``lock``; the swap of the file's entries and the rebuild of the
    search structure hold it."""
    root = Path(root).resolve()
    path = Path(path).absolute()
    path = path.parent.resolve() / path.name  # the folder as the root is (a workspace opened by a link)
    if root not in path.parents:
        return 0
    relative = path.relative_to(root).as_posix()
    readable = _indexable(path, rule or FileFilter(root))
    unsaved = source is not None  # an open document's text: indexed, never stored
    stamp = _stamp(path) if readable and not unsaved else None
    if source is None and readable:
        source = read_workspace_source(path)
        if source is None:
            stamp = None  # unreadable now: stored as empty, it would stay so after a chmod
    if source is not None and (not readable or len(source) > MAX_FILE_BYTES):
        source = None  # not the workspace's own code, or too large: it has no entries
    entries = entries_from_source(relative, source) if source is not None else []
    with lock if lock is not None else nullcontext():
        index.replace_file(relative, entries)
        index.refresh()  # here, off the event loop, rather than in the next hover
    if store is not None:
        _store_file(store, path, relative, entries, stamp)
    return len(entries)


def _indexable(path: Path, rule: FileFilter) -> bool:
    """Whether a full build of the rule's root would read ``path``: it exists, passes the file rules
    and its listing holds it (not git-ignored, not in a nested repository)."""
    try:
        exists = path.exists()
    except OSError:
        return False
    return exists and rule.reason(path) is None and rule.listed(path)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


def _store_file(
    store, path: Path, relative: str, entries: list[Entry], stamp: tuple[int, int] | None
) -> None:
    """Store a file's entries under the stamp taken before its text was read, if the file still has
    it; otherwise (unsaved text, a file gone or changed while it was read) forget what was stored:
    the next build reads it again."""
    if stamp is not None and _stamp(path) == stamp:
        store.save(relative, stamp, entries)
    else:
        store.forget([relative])


def workspace_root_of(path: str | Path) -> Path:
    """The workspace of a file: its git work tree, else its folder."""
    path = Path(path).resolve()
    folder = path if path.is_dir() else path.parent
    return git_toplevel(folder) or folder
