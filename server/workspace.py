"""The workspace index in the server: one per workspace folder, built in the background after
``initialized``, persisted in the cache, kept current from saves, edits and watched-file events.

Searches run on the event loop (well under a millisecond); builds and re-indexing run in threads and
swap or update the folder's index under its lock, so hovers keep answering while a build runs.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from hoverdoc.core.extract import Definition
from hoverdoc.core.paths import innermost_folder
from hoverdoc.core.workspace_index import Context, WorkspaceIndex, describe_parameters, find_context
from hoverdoc.core.workspace_scan import DEFAULT_MAX_FILES, FileFilter, ScanReport, build_index, index_file
from hoverdoc.core.workspace_store import WorkspaceStore, store_path

logger = logging.getLogger(__name__)
IndexState = Literal["off", "building", "ready", "failed"]
EDIT_DEBOUNCE_S = 1.5
# what each workspace folder's index reads: its ``workspace.exclude`` globs, or None when its own
# ``workspace.enabled`` is off (nothing of it is read or stored)
IndexPlan = dict[Path, "tuple[str, ...] | None"]


@dataclass
class FolderIndex:
    """The index of one workspace folder."""

    root: Path
    state: IndexState = "building"
    index: WorkspaceIndex = field(default_factory=WorkspaceIndex)
    report: ScanReport | None = None
    store: WorkspaceStore | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    exclude: tuple[str, ...] = ()
    _rule: FileFilter | None = None  # ``file_rule``'s, dropped by each build
    generation: int = 0  # bumped by each build; an older build's result is dropped
    # files updated while a build runs (path -> unsaved text or None), replayed on its result
    updated_during_build: dict[str, str | None] = field(default_factory=dict)

    def relative(self, path: Path) -> str | None:
        """``path`` relative to this folder, or None when it lies elsewhere."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return None

    def file_rule(self) -> FileFilter:
        """The folder's file rules for updates and events, made once per build (it asks git once)."""
        if self._rule is None or self._rule.exclude != self.exclude:
            self._rule = FileFilter(self.root, self.exclude)
        return self._rule

    def holds_files_under(self, relative: str) -> bool:
        """Whether the index has entries of files in the folder ``relative`` (to this root)."""
        with self.lock:
            return self.index.holds_folder(relative)

    def switch_off(self) -> WorkspaceStore | None:
        """Read nothing more of this folder (its own ``workspace.enabled`` is off); its store, for
        ``forget_store`` off the event loop."""
        with self.lock:
            self.state, self.index, self.report = "off", WorkspaceIndex(), None
            self.generation += 1  # a build still running is dropped
        store, self.store = self.store, None
        return store


def forget_store(root: Path, store: WorkspaceStore | None) -> None:
    """Close a folder's store and delete it: a folder switched off keeps nothing of it on disk. Run
    in a thread: closing waits for a write in progress."""
    if store is not None:
        store.close()
    try:
        path = store_path(root)
    except OSError:
        return
    for suffix in ("", "-journal", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


class BuildStopped(Exception):
    """The server is shutting down: a running build ends at its next file."""


class WorkspaceIndexes:
    """Every workspace folder's index."""

    def __init__(self, max_files: int = DEFAULT_MAX_FILES):
        self.folders: dict[Path, FolderIndex] = {}
        self.max_files = max_files
        self._pending_edits: dict[str, asyncio.TimerHandle] = {}
        self._to_forget: list[tuple[Path, WorkspaceStore | None]] = []  # stores of folders switched off
        self._to_close: list[WorkspaceStore] = []  # stores of folders no longer in the workspace
        self._stopping = threading.Event()

    @property
    def stopping(self) -> bool:
        """Whether the server is shutting down (``stop`` was called)."""
        return self._stopping.is_set()

    def stop(self) -> None:
        """End running builds at their next file (shutdown or exit: the process would otherwise wait
        for a build thread to read the whole workspace before it could end)."""
        self._stopping.set()

    def folder_of(self, path: str | Path) -> FolderIndex | None:
        """The innermost workspace folder holding ``path``."""
        root = innermost_folder(self.folders, path)
        return self.folders[root] if root is not None else None

    def building(self) -> bool:
        """Whether any folder's index is being built."""
        return any(folder.state == "building" for folder in self.folders.values())

    def folders_holding(self, path: str | Path) -> list[FolderIndex]:
        """Every workspace folder holding ``path``: nested folders' indexes each hold its entries."""
        try:
            resolved = Path(path).resolve()
        except (OSError, ValueError):  # a NUL byte, a loop: no folder's file
            return []
        return [f for f in self.folders.values() if f.root == resolved or f.root in resolved.parents]

    def context(self, path: str | Path | None, definition: Definition) -> Context | None:
        """The neighbours of ``definition`` (in the file at ``path``) from its folder's index."""
        folder = self.folder_of(path) if path else None
        if folder is None or folder.state == "off":
            return None
        relative = folder.relative(Path(path)) or ""
        with folder.lock:
            return find_context(
                folder.index, definition.code, relative, definition.qualname, kind=definition.kind
            )

    def parameter_descriptions(self, path: str | Path | None, definition: Definition) -> dict[str, str]:
        """How the workspace documents parameters named like ``definition``'s (itself left out)."""
        folder = self.folder_of(path) if path else None
        if folder is None or folder.state == "off":
            return {}
        relative = folder.relative(Path(path)) or ""
        names = [p.name for p in definition.params]
        with folder.lock:
            return describe_parameters(folder.index, names, relative, definition.qualname)

    def describe(self) -> str:
        """The indexes' state in a few words (status item, logs)."""
        if not self.folders:
            return "off"
        parts = []
        for folder in self.folders.values():
            detail = folder.report.describe() if folder.report and folder.state == "ready" else folder.state
            if folder.store is not None and folder.store.problem is not None and folder.state != "off":
                detail += " (in memory only: see the log)"
            parts.append(f"{folder.root.name}: {detail}")
        return "; ".join(parts)

    def expect(self, plan: IndexPlan) -> None:
        """Say that the folders of ``plan`` are (about to be) built, or off; others are dropped. The
        stores of folders switched off are forgotten by the next ``build``, off the event loop."""
        dropped = [f.store for root, f in self.folders.items() if root not in plan and f.store is not None]
        self._to_close.extend(dropped)
        self.folders = {root: self.folders.get(root) or FolderIndex(root) for root in plan}
        for root, folder in self.folders.items():
            if plan[root] is None:
                self._to_forget.append((root, folder.switch_off()))
            else:
                folder.state = "building"

    async def build(
        self,
        plan: IndexPlan,
        progress: Callable[[str], None] | None = None,
        pause: Callable[[], None] | None = None,
    ) -> None:
        """(Re)build the index of every folder of ``plan`` that is on, in a thread, one after
        another; a newer build of a folder supersedes an older one still running. ``pause`` is called
        between files (it blocks while requests the user waits for are in flight)."""
        self.expect(plan)
        forgotten, self._to_forget = self._to_forget, []
        for root, store in forgotten:
            await asyncio.to_thread(forget_store, root, store)
        closed, self._to_close = self._to_close, []
        for store in closed:
            await asyncio.to_thread(store.close)
        for root, folder in list(self.folders.items()):
            exclude = plan[root]
            if exclude is None:
                continue
            folder.exclude = exclude
            folder.generation += 1
            generation = folder.generation
            try:
                await asyncio.to_thread(self._build_one, folder, generation, progress, pause)
            except BuildStopped:
                return
            except Exception:  # noqa: BLE001 - a broken workspace must not take the server down
                logger.exception("indexing %s failed", folder.root)
                if folder.generation == generation:  # not a newer build's state
                    folder.state = "failed"

    def _build_one(
        self,
        folder: FolderIndex,
        generation: int,
        progress: Callable[[str], None] | None,
        pause: Callable[[], None] | None,
    ) -> None:
        if folder.store is None:
            folder.store = WorkspaceStore(folder.root)

        def tell(done: int, relative: str) -> None:
            if progress is not None:
                progress(f"{folder.root.name}: {done} files")

        def pause_or_stop() -> None:
            if self._stopping.is_set():
                raise BuildStopped
            if pause is not None:
                pause()

        index, report = build_index(
            folder.root, folder.exclude, self.max_files, folder.store, tell, pause_or_stop
        )
        with folder.lock:
            if generation != folder.generation:
                return  # settings changed meanwhile: the newer build's result counts
            updated, folder.updated_during_build = folder.updated_during_build, {}
            folder.index, folder.report, folder.state = index, report, "ready"
            folder._rule = None  # asked afresh: the folder may have become a git work tree
        for path, source in updated.items():
            self._update_now(folder, path, source)
        logger.info("workspace index %s: %s in %.1f s", folder.root, report.describe(), report.seconds)

    def _update_now(self, folder: FolderIndex, path: str | Path, source: str | None) -> None:
        with folder.lock:
            index = folder.index  # read under the lock: a build may have just swapped it
            if folder.state == "building":
                folder.updated_during_build[str(path)] = source
        index_file(index, folder.root, path, source, folder.store, folder.lock, folder.file_rule())

    async def update_file(self, path: str | Path, source: str | None = None) -> None:
        """Re-index one file (from disk, or ``source``: an open document's unsaved text) in every
        folder whose index holds it."""
        for folder in self.folders_holding(path):
            if folder.state in ("ready", "building"):
                await asyncio.to_thread(self._update_now, folder, path, source)

    def folder_event_matters(self, path: str | Path, created: bool) -> bool:
        """Whether a folder created or deleted at ``path`` (a watcher reports a removed or renamed
        folder once, not its files) changes what an index holds: a deleted folder with indexed files,
        or a new folder the index would read."""
        for folder in self.folders_holding(path):
            relative = folder.relative(Path(path))
            if folder.state == "off" or not relative or relative == ".":
                continue
            if folder.file_rule().folder_reason(relative) is not None:
                continue  # .git, node_modules, build output...: never read, so nothing changes
            if folder.state == "building" and not created:
                return True  # the index being built may still read it: rebuild once this one ends
            if folder.holds_files_under(relative) if not created else os.path.isdir(path):
                return True
        return False

    def edited(self, path: str, source: Callable[[], str | None]) -> None:
        """An open document changed: re-index it once edits pause."""
        loop = asyncio.get_running_loop()
        previous = self._pending_edits.pop(path, None)
        if previous is not None:
            previous.cancel()

        def fire() -> None:
            self._pending_edits.pop(path, None)
            asyncio.ensure_future(self.update_file(path, source()))

        self._pending_edits[path] = loop.call_later(EDIT_DEBOUNCE_S, fire)

    def turn_off(self) -> None:
        """Forget every index (``hoverdoc.workspace.enabled`` was switched off)."""
        for folder in self.folders.values():
            if folder.store is not None:
                folder.store.close()
        self.folders = {}
