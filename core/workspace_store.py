"""The workspace index on disk: one private SQLite file per workspace folder in hoverdoc's cache.

It holds each indexed file's size and modification time with its entries, so that a restarted
server parses only what changed. A store that cannot be used only costs speed, and is said once in
the log: a corrupt one is rebuilt; one that cannot be created, is a link or another kind of file, or
is kept locked by another process is left alone, and the index lives in memory for this run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import stat
import threading
from pathlib import Path

from .paths import cache_dir
from .sources import kind_problem
from .workspace_index import Entry, entry_kind

log = logging.getLogger(__name__)

# Bumped whenever what an entry holds changes (its layout or the rules that make it), so entries of
# unchanged files made under the old rules are read again: 2: entries record their kind; 3: template
# placeholders ("_summary_") are no summaries.
SCHEMA_VERSION = 3
BUSY_TIMEOUT_S = 2.0


def store_path(root: str | Path) -> Path:
    """Where the index of workspace ``root`` is kept."""
    digest = hashlib.sha256(str(Path(root).resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:20]
    return cache_dir() / "workspaces" / f"{digest}.sqlite3"


class WorkspaceStore:
    """Entries per file, keyed by the file's (mtime_ns, size); safe across threads."""

    def __init__(self, root: str | Path, path: Path | None = None):
        self.root = Path(root)
        self._lock = threading.Lock()
        self.problem: str | None = None  # why the index is not kept on disk this run
        self.path: Path | None = None
        self._connection: sqlite3.Connection | None = None
        try:
            self.path = path or store_path(root)
        except OSError as error:
            self._give_up(f"the cache folder cannot be created ({error.strerror or error})")
            return
        self._connection = self._open()

    def _give_up(self, reason: str) -> None:
        """Stop using the store for this run, saying why once."""
        if self.problem is None:
            self.problem = reason
            log.warning("the workspace index of %s is not kept on disk this run: %s", self.root, reason)
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _open(self) -> sqlite3.Connection | None:
        assert self.path is not None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            kind = _kind(self.path)
            if kind is not None:  # never follow a link or open a device: the folder may be shared
                self._give_up(f"{self.path}: {kind}, not a store of its own")
                return None
            try:
                return self._connect()
            except sqlite3.DatabaseError as error:
                if isinstance(error, sqlite3.OperationalError):
                    raise  # locked or unwritable: someone else's problem to keep
                self.path.unlink()  # corrupt (not a database): a cache, rebuilt
                log.warning("the workspace index %s was corrupt (%s): rebuilt", self.path, error)
                return self._connect()
        except (sqlite3.Error, OSError) as error:
            self._give_up(f"{self.path}: {getattr(error, 'strerror', None) or error}")
            return None

    def _connect(self) -> sqlite3.Connection:
        assert self.path is not None
        connection = sqlite3.connect(str(self.path), check_same_thread=False, timeout=BUSY_TIMEOUT_S)
        try:
            os.chmod(self.path, 0o600)
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA_VERSION:
                connection.execute("DROP TABLE IF EXISTS files")
                connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, mtime_ns INTEGER, size INTEGER, entries TEXT)"
            )
            connection.commit()
        except BaseException:
            connection.close()
            raise
        return connection

    def files(self) -> dict[str, tuple[int, int]]:
        """Every stored file's (mtime_ns, size)."""
        with self._lock:
            if self._connection is None:
                return {}
            try:
                rows = self._connection.execute("SELECT path, mtime_ns, size FROM files").fetchall()
            except sqlite3.Error:
                return {}
        return {path: (mtime, size) for path, mtime, size in rows}

    def entries(self, path: str) -> list[Entry]:
        """The stored entries of one file."""
        with self._lock:
            if self._connection is None:
                return []
            try:
                row = self._connection.execute("SELECT entries FROM files WHERE path = ?", (path,)).fetchone()
            except sqlite3.Error:
                return []
        if row is None:
            return []
        try:
            return [_entry(item) for item in json.loads(row[0])]
        except (ValueError, TypeError, KeyError):
            return []

    def save(self, path: str, stamp: tuple[int, int], entries: list[Entry]) -> None:
        """Store one file's entries under its (mtime_ns, size)."""
        data = json.dumps([_row(e) for e in entries], ensure_ascii=False)
        self._write("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)", [(path, stamp[0], stamp[1], data)])

    def forget(self, paths: list[str]) -> None:
        """Drop files that are gone."""
        if paths:
            self._write("DELETE FROM files WHERE path = ?", [(p,) for p in paths])

    def _write(self, statement: str, rows: list[tuple]) -> None:
        with self._lock:
            if self._connection is None:
                return
            try:
                self._connection.executemany(statement, rows)
                self._connection.commit()
            except sqlite3.OperationalError as error:
                # locked past the busy timeout, or the disk is full: every later write would wait or
                # fail the same way (2 s a file while another process holds the lock)
                self._give_up(f"writing failed ({error})")
            except (sqlite3.Error, ValueError):  # ValueError: text SQLite cannot take
                self._connection.rollback()  # the store is a cache

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


def _kind(path: Path) -> str | None:
    """What ``path`` is when it is something other than a regular file or nothing."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    return "a link" if stat.S_ISLNK(mode) else kind_problem(mode)


def _row(entry: Entry) -> dict:
    return {
        "q": entry.qualname,
        "l": entry.line,
        "s": entry.summary,
        "p": [list(p) for p in entry.params],
        "t": " ".join(entry.terms),
        "f": entry.path,
        "k": entry.kind,
    }


def _entry(item: dict) -> Entry:
    return Entry(
        path=str(item["f"]),
        qualname=str(item["q"]),
        line=int(item["l"]),
        summary=str(item["s"]),
        params=tuple((str(a), str(b)) for a, b in item["p"]),
        kind=entry_kind(item.get("k")),
        terms=tuple(str(item["t"]).split()),
    )
