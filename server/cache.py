"""A persistent summary cache in SQLite, keyed by (model digest, input digest)."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import time
from pathlib import Path

from hoverdoc.core.paths import cache_location

MAX_ROWS = 200_000


def default_cache_path() -> Path:
    """``summaries.sqlite3`` in hoverdoc's cache folder (``$HOVERDOC_CACHE_DIR``, else the user cache
    directory)."""
    return cache_location() / "summaries.sqlite3"


def _make_private(path: Path) -> None:
    """The database file readable by its owner only (summaries quote the user's code)."""
    try:
        if os.name == "posix" and path.stat().st_mode & 0o077:
            path.chmod(0o600)
    except OSError:
        pass  # not ours to change: it still works


def input_digest(text: str) -> str:
    """Digest of a formatted model input."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class SummaryCache:
    """Summaries on disk, shared by every server process of the user; safe across threads."""

    def __init__(self, path: Path | None = None):
        self.path = path or default_cache_path()
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._writes = 0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            connection = sqlite3.connect(str(self.path), check_same_thread=False, timeout=2.0)
            _make_private(self.path)
            (mode,) = connection.execute("PRAGMA journal_mode=WAL").fetchone()
            if str(mode).lower() == "wal":
                # No fsync per write (WAL stays consistent; a power cut may drop the last summaries,
                # which a cache can afford): a synchronous commit cost up to 4 ms of a hover here.
                connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS summaries (model TEXT NOT NULL, input TEXT NOT NULL, summary TEXT NOT NULL,"
                " used REAL NOT NULL, PRIMARY KEY (model, input))"
            )
            connection.commit()
            self._connection = connection
        except (sqlite3.Error, OSError):
            self._connection = None  # a broken cache only costs speed

    @property
    def available(self) -> bool:
        """Whether the cache could be opened."""
        return self._connection is not None

    def get(self, model: str, key: str) -> str | None:
        """The cached summary, or None."""
        if self._connection is None:
            return None
        with self._lock:
            try:
                row = self._connection.execute(
                    "SELECT summary FROM summaries WHERE model = ? AND input = ?", (model, key)
                ).fetchone()
            except sqlite3.Error:
                return None
        return row[0] if row else None

    def put(self, model: str, key: str, summary: str) -> None:
        """Store a summary (the oldest rows go once the table is full)."""
        if self._connection is None:
            return
        with self._lock:
            try:
                self._connection.execute(
                    "INSERT OR REPLACE INTO summaries VALUES (?, ?, ?, ?)", (model, key, summary, time.time())
                )
                self._connection.commit()
                self._writes += 1
                if self._writes % 1000:
                    return
                count = self._connection.execute("SELECT COUNT(*) FROM summaries").fetchone()[0]
                if count > MAX_ROWS:
                    self._connection.execute(
                        "DELETE FROM summaries WHERE rowid IN (SELECT rowid FROM summaries ORDER BY used LIMIT ?)",
                        (count - MAX_ROWS,),
                    )
                    self._connection.commit()
            except sqlite3.Error:
                pass

    def close(self) -> None:
        """Close the database."""
        if self._connection is not None:
            with self._lock:
                self._connection.close()
                self._connection = None
