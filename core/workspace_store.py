"""The workspace index on disk: one private SQLite file per workspace folder in hoverdoc's cache.

It holds each indexed file's size and modification time with its entries, so that a restarted
server parses only what changed. A corrupt or unwritable store only costs speed: it is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from pathlib import Path

from .paths import cache_dir
from .workspace_index import Entry, entry_kind

SCHEMA_VERSION = 2  # 2: entries record their kind (function or class)


def store_path(root: str | Path) -> Path:
    """Where the index of workspace ``root`` is kept."""
    digest = hashlib.sha256(str(Path(root).resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:20]
    return cache_dir() / "workspaces" / f"{digest}.sqlite3"


class WorkspaceStore:
    """Entries per file, keyed by the file's (mtime_ns, size); safe across threads."""

    def __init__(self, root: str | Path, path: Path | None = None):
        self.path = path or store_path(root)
        self._lock = threading.Lock()
        self._connection = self._open()

    def _open(self) -> sqlite3.Connection | None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            connection = sqlite3.connect(str(self.path), check_same_thread=False, timeout=2.0)
            os.chmod(self.path, 0o600)
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA_VERSION:
                connection.execute("DROP TABLE IF EXISTS files")
                connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, mtime_ns INTEGER, size INTEGER, entries TEXT)"
            )
            connection.commit()
            return connection
        except (sqlite3.Error, OSError):
            return None  # a broken store: index from scratch, keep nothing

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
            except sqlite3.Error:
                pass  # the store is a cache

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


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
