"""``hoverdoc check PATH...``: stale docstrings as ``path:line: message``, for CI.

Files are checked whatever their name; folders are walked for ``*.py`` files the way mining and
the workspace index find them (git's file list in a work tree, else every ``.gitignore`` honoured;
hidden, build, cache and virtual-environment folders skipped; no link followed out of the folder).
Exit status: 1 when any docstring is stale, 0 when none is, 2 when a path does not exist.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import HoverdocError
from .sources import is_regular_file, read_python_source
from .staleness import find_stale
from .workspace_files import SKIP_DIRS, git_files, git_toplevel, is_inside, walk_with_gitignore

MAX_CHECK_BYTES = 2_000_000  # larger files are generated or data, not hand-documented code


@dataclass(frozen=True)
class _Target:
    """A file to check: where to read it and how to name it in the output."""

    path: Path
    shown: str
    named: bool = False  # named on the command line, not found in a folder


def run(args: argparse.Namespace) -> int:
    """Check every file under ``args.paths``; print one line per finding; return the exit status."""
    raws = [str(raw) for raw in args.paths]
    # lexists: a link that cannot be followed (a loop) is there, and its read says why it fails
    missing = next((raw for raw in raws if not os.path.lexists(Path(raw).expanduser())), None)
    if missing is not None:
        print(f"hoverdoc check: error: {missing}: no such file or directory", file=sys.stderr)
        return 2
    files = stale = 0
    unchecked = False  # a file named on the command line that could not be read
    for target in _targets(raws):
        source = _read(target)
        if source is None:
            unchecked = unchecked or target.named
            continue
        files += 1
        for finding in find_stale(source):
            stale += 1
            print(f"{target.shown}:{finding.line + 1}: {finding.message}")
    noun = "docstring" if stale == 1 else "docstrings"
    print(f"hoverdoc check: {stale} stale {noun} in {files} files", file=sys.stderr)
    return 2 if unchecked else 1 if stale else 0


def _read(target: _Target) -> str | None:
    """The file's text, or None (said on stderr) when it is unreadable, too large or not text."""
    try:
        return read_python_source(target.path, MAX_CHECK_BYTES)
    except HoverdocError as error:
        print(f"hoverdoc check: skipped {target.shown}: {_reason(error, target.path)}", file=sys.stderr)
        return None


def _reason(error: HoverdocError, path: Path) -> str:
    """The error without the path it starts with."""
    text = str(error)
    return text.removeprefix(f"{path}: ")


def _targets(raws: Iterable[str]) -> Iterator[_Target]:
    """Each file once: named files as given, folders' Python files under their given name."""
    seen: set[Path] = set()
    for raw in raws:
        path = Path(raw).expanduser()
        if path.is_dir():
            found = (_Target(f, str(Path(raw) / f.relative_to(path.resolve()))) for f in folder_files(path))
        else:
            found = iter([_Target(path, raw, named=True)])
        for target in found:
            key = Path(os.path.realpath(target.path))  # resolve() raises on a link loop
            if key not in seen:
                seen.add(key)
                yield target


def folder_files(folder: Path) -> list[Path]:
    """The folder's own Python files (resolved folder prefix), sorted."""
    root = folder.resolve()
    found = []
    for candidate in _candidates(root):
        if candidate.suffix != ".py":
            continue
        folders = candidate.relative_to(root).parts[:-1]
        if any(part in SKIP_DIRS or part.startswith(".") for part in folders):
            continue
        if is_regular_file(candidate) and is_inside(candidate, root):
            found.append(candidate)
    return sorted(found)


def _candidates(root: Path) -> Iterable[Path]:
    """Every file git would list (tracked and untracked, not ignored), else a .gitignore-aware walk."""
    if git_toplevel(root) is not None:
        try:
            return git_files(root)
        except (OSError, subprocess.SubprocessError):
            pass
    return walk_with_gitignore(root)
