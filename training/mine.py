"""Mining (code, summary) pairs from a codebase, filtered like CodeSearchNet and split by file."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from hoverdoc.core.errors import HoverdocError
from hoverdoc.core.extract import Definition, extract
from hoverdoc.core.model_input import RETURN_KEY
from hoverdoc.core.sources import decode_source, is_regular_file, read_regular_file
from hoverdoc.core.summary import is_placeholder, summarize_docstring
from hoverdoc.core.workspace_files import (
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

MAX_FILE_BYTES = 4_000_000
MIN_SUMMARY_WORDS = 3
MAX_SUMMARY_WORDS = 40
MIN_BODY_STATEMENTS = 2


@dataclass
class MineOptions:
    """What to mine and how to filter it."""

    include_tests: bool = False
    include_vendored: bool = False
    include_classes: bool = True
    exclude: tuple[str, ...] = ()  # gitignore-style patterns, matched against relative paths
    dev_fraction: float = 0.0
    workers: int = 1
    progress: bool = True


@dataclass
class MineReport:
    """Counts of what mining kept and why it dropped the rest."""

    files_seen: int = 0
    files_parsed: int = 0
    files_skipped: Counter = field(default_factory=Counter)
    definitions: int = 0
    kept: int = 0
    kept_dev: int = 0
    dropped: Counter = field(default_factory=Counter)
    messages: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Human-readable summary lines."""
        out = [
            f"files: {self.files_seen} seen, {self.files_parsed} parsed",
            f"definitions: {self.definitions}; pairs kept: {self.kept}"
            + (f" ({self.kept - self.kept_dev} train, {self.kept_dev} dev)" if self.kept_dev else ""),
        ]
        if self.files_skipped:
            out.append("files skipped: " + ", ".join(f"{k} {v}" for k, v in self.files_skipped.most_common()))
        if self.dropped:
            out.append("definitions dropped: " + ", ".join(f"{k} {v}" for k, v in self.dropped.most_common()))
        return out


@dataclass(frozen=True)
class SourceFile:
    """A file to mine, with the root its relative path is taken from."""

    path: Path
    root: Path
    repo: str

    @property
    def relative(self) -> str:
        """Path relative to its root, with forward slashes."""
        try:
            return self.path.relative_to(self.root).as_posix()
        except ValueError:
            return self.path.name


def iter_source_files(
    paths: Iterable[str | Path], options: MineOptions, report: MineReport
) -> Iterator[SourceFile]:
    """The Python files under ``paths`` that mining should read, skips counted in ``report``."""
    exclude = pathspec.GitIgnoreSpec.from_lines(options.exclude) if options.exclude else None
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            report.messages.append(f"{raw}: no such file or directory")
            report.files_skipped["missing path"] += 1
            continue
        path = path.resolve()
        if path.is_file():
            yield SourceFile(path, path.parent, path.parent.name)
            continue
        if not path.is_dir():
            report.messages.append(f"{raw}: not a regular file or folder")
            report.files_skipped["not a regular file"] += 1
            continue
        toplevel = git_toplevel(path)
        if toplevel is not None:
            try:
                candidates: Iterable[Path] = sorted(git_files(path))
            except (OSError, subprocess.SubprocessError):
                candidates = walk_with_gitignore(path)
            repo = toplevel.name
        else:
            candidates = walk_with_gitignore(path)
            repo = path.name
        for candidate in candidates:
            if candidate.suffix != ".py" or not is_regular_file(candidate):
                continue
            if not is_inside(candidate, path):
                report.files_skipped["link out of the tree"] += 1
                continue
            source = SourceFile(candidate, path, repo)
            reason = _skip_reason(source, options, exclude)
            if reason:
                report.files_skipped[reason] += 1
                continue
            yield source


def _skip_reason(source: SourceFile, options: MineOptions, exclude) -> str | None:
    parts = source.relative.split("/")
    directories = [p.lower() for p in parts[:-1]]
    if any(d in SKIP_DIRS or d.startswith(".") for d in directories):
        return "hidden or build folder"
    if not options.include_vendored and any(d in VENDORED_DIRS or "vendor" in d for d in directories):
        return "vendored"
    if not options.include_tests and (any(d in TEST_DIRS for d in directories) or TEST_FILE.match(parts[-1])):
        return "tests"
    if GENERATED_FILE.match(parts[-1]):
        return "generated"
    if exclude is not None and exclude.match_file(source.relative):
        return "excluded"
    return None


def read_source(path: Path) -> tuple[str | None, str | None]:
    """The decoded text of a Python file, or (None, reason) when it is not usable text."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None, "too large"
        data = read_regular_file(path, MAX_FILE_BYTES)  # regular files only, never past the cap
    except (OSError, HoverdocError):
        return None, "unreadable"
    text, reason = decode_source(data)
    if text is not None and GENERATED_MARK.search("\n".join(text.splitlines()[:5])):
        return None, "generated"
    return text, reason


def body_statement_count(definition: Definition) -> int:
    """Statements in the definition's body, its docstring not counted."""
    suite = definition.node.children[-1]
    if suite.type != "suite":
        statements = (
            [c for c in suite.children if c.type not in ("operator", "newline")]
            if suite.type == "simple_stmt"
            else [suite]
        )
    else:
        statements = []
        for child in suite.children:
            if child.type == "simple_stmt":
                statements.extend(c for c in child.children if c.type not in ("operator", "newline"))
            elif child.type not in ("newline", "indent", "dedent"):
                statements.append(child)
    return len(statements) - (1 if definition.docstring is not None else 0)


def drop_reason(definition: Definition, summary: str, include_classes: bool = True) -> str | None:
    """Why a documented definition makes no training pair, or None to keep it."""
    name = definition.name
    if definition.kind == "class" and not include_classes:
        return "class"
    if name.lower().startswith("test"):
        return "test name"
    if name.startswith("__") and name.endswith("__") and name != "__init__":
        return "dunder"
    words = summary.split()
    if not (MIN_SUMMARY_WORDS <= len(words) <= MAX_SUMMARY_WORDS):
        return "summary length"
    if sum(ch.isascii() for ch in summary) < 0.9 * len(summary):
        return "non-English summary"
    if (
        not re.match(r"[A-Za-z`'\"(]", summary)
        or is_placeholder(summary)
        or summary.lower().startswith("deprecated")
    ):
        return "not prose"
    if body_statement_count(definition) < MIN_BODY_STATEMENTS:
        return "short body"
    return None


def mine_file(source: SourceFile, include_classes: bool = True) -> tuple[list[dict], Counter, str | None]:
    """Pairs from one file, the counts of what was dropped, and why the file was skipped if it was."""
    text, reason = read_source(source.path)
    dropped: Counter = Counter()
    if text is None:
        return [], dropped, reason
    try:
        definitions = extract(text)
    except (RecursionError, MemoryError):
        return [], dropped, "too deeply nested to parse"
    records = []
    for definition in definitions:
        if definition.docstring is None:
            dropped["undocumented"] += 1
            continue
        summary = summarize_docstring(definition.docstring)
        reason = drop_reason(definition, summary, include_classes)
        if reason:
            dropped[reason] += 1
            continue
        records.append(
            {
                "code": definition.code,
                "summary": summary,
                "docstring": definition.docstring,
                "name": definition.qualname,
                "kind": definition.kind,
                "path": source.relative,
                "repo": source.repo,
                "lineno": definition.span.start_line + 1,
                "language": "python",
            }
        )
    return records, dropped, None


def _mine_file_task(args: tuple[SourceFile, bool]):
    return mine_file(*args)


def in_dev_split(key: str, fraction: float) -> bool:
    """Deterministic split by file (or repo) key: the same key always lands on the same side."""
    if fraction <= 0:
        return False
    digest = int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16)
    return digest / 0xFFFFFFFF < fraction


def mine(
    paths: Iterable[str | Path], options: MineOptions | None = None
) -> tuple[list[dict], list[dict], MineReport]:
    """Mine ``paths`` into (train records, dev records, report). Duplicates are dropped by code and
    by (name, summary); the dev split is taken by whole files."""
    options = options or MineOptions()
    report = MineReport()
    sources = list(iter_source_files(paths, options, report))
    report.files_seen = len(sources) + sum(v for k, v in report.files_skipped.items() if k != "missing path")
    progress = None
    if options.progress and len(sources) > 50 and sys.stderr.isatty():
        from tqdm import tqdm

        progress = tqdm(total=len(sources), unit="file", desc="mining", file=sys.stderr)
    tasks = [(source, options.include_classes) for source in sources]
    if options.workers > 1 and len(tasks) > 20:
        with ProcessPoolExecutor(options.workers) as pool:
            results = list(_tick(pool.map(_mine_file_task, tasks, chunksize=8), progress))
    else:
        results = list(_tick(map(_mine_file_task, tasks), progress))
    if progress is not None:
        progress.close()
    train: list[dict] = []
    dev: list[dict] = []
    seen_code: set[str] = set()
    seen_named: set[tuple[str, str]] = set()
    for source, (records, dropped, skipped) in zip(sources, results):
        if skipped:
            report.files_skipped[skipped] += 1
            report.messages.append(f"{source.path}: skipped ({skipped})")
            continue
        report.files_parsed += 1
        report.dropped.update(dropped)
        report.definitions += sum(dropped.values()) + len(records)
        to_dev = in_dev_split(f"{source.repo}/{source.relative}", options.dev_fraction)
        for record in records:
            code_key = hashlib.sha1(" ".join(record["code"].split()).encode()).hexdigest()
            named_key = (record["name"].rsplit(".", 1)[-1], record["summary"].lower())
            if code_key in seen_code:
                report.dropped["duplicate code"] += 1
                continue
            if named_key in seen_named:
                report.dropped["duplicate name and summary"] += 1
                continue
            seen_code.add(code_key)
            seen_named.add(named_key)
            (dev if to_dev else train).append(record)
    report.kept = len(train) + len(dev)
    report.kept_dev = len(dev)
    return train, dev, report


def _tick(iterable, progress):
    for item in iterable:
        if progress is not None:
            progress.update(1)
        yield item


def param_records(records: Iterable[dict], returns: bool = True) -> list[dict]:
    """Parameter-description records (``task: "param"``) from mined pairs that kept their docstring:
    one per documented parameter of the signature, with ``code``, ``name``, ``path``, ``repo``,
    ``param`` and ``description`` (Google, NumPy, reST and Epytext docstrings, via docstring_parser),
    and with ``returns`` one more per documented return or yield value, its ``param`` ``RETURN_KEY``."""
    from hoverdoc.core.workspace_scan import parameter_descriptions, return_description

    found = []
    for record in records:
        docstring = record.get("docstring") or ""
        described = dict(parameter_descriptions(docstring))
        returned = return_description(docstring) if returns else ""
        if not described and not returned:
            continue  # nothing to record: spare the parse, the slow part
        for definition in extract(record["code"])[:1]:
            names = [p.name for p in definition.params if p.name not in ("self", "cls")]
            pairs = [(name, described.get(name, "")) for name in names]
            if returns and definition.kind != "class":
                pairs.append((RETURN_KEY, returned))
            found += [_param_record(record, definition, name, text) for name, text in pairs if text]
    return found


def _param_record(record: dict, definition, param: str, description: str) -> dict:
    return {
        "task": "param",
        "code": record["code"],
        "name": record.get("name", definition.qualname),
        "path": record.get("path", ""),
        "repo": record.get("repo", ""),
        "param": param,
        "description": description,
    }
