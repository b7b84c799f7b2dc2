"""Which watched-file events change a workspace index (hoverdoc.server.workspace), decided without
a client: folder events during a build, and paths no folder can hold."""

from __future__ import annotations

import asyncio
from pathlib import Path

from hoverdoc.server.workspace import FolderIndex, WorkspaceIndexes


def test_a_folder_deleted_while_the_first_build_runs_asks_for_a_rebuild(tmp_path: Path):
    indexes = WorkspaceIndexes()
    root = tmp_path.resolve()
    indexes.folders = {root: FolderIndex(root)}  # building, its index still empty
    assert indexes.folder_event_matters(root / "pkg", created=False)  # the build may have read it
    assert not indexes.folder_event_matters(root / "node_modules", created=False)
    indexes.folders[root].state = "ready"
    assert not indexes.folder_event_matters(root / "pkg", created=False)  # built, and holds nothing of it


def test_a_path_no_folder_can_hold_is_no_error(tmp_path: Path):
    indexes = WorkspaceIndexes()
    root = tmp_path.resolve()
    indexes.folders = {root: FolderIndex(root, state="ready")}
    assert indexes.folders_holding(str(root) + "/a\x00b.py") == []
    asyncio.run(indexes.update_file(str(root) + "/a\x00b.py"))  # raised in a task nobody awaited


def test_stop_ends_a_running_build_at_its_next_file(tmp_path: Path, monkeypatch):
    """Shutdown and exit call ``stop``: the build thread must not read the rest of the workspace
    (the process waits for it before it can end)."""
    from hoverdoc.core.workspace_store import WorkspaceStore

    monkeypatch.setenv("HOVERDOC_CACHE_DIR", str(tmp_path / "cache"))
    root = (tmp_path / "ws").resolve()
    root.mkdir()
    for n in range(120):
        (root / f"m{n:03}.py").write_text(
            f'def read_rows_{n}(path):\n    """Read rows {n}."""\n    return path\n'
        )
    indexes = WorkspaceIndexes()
    reports: list[str] = []

    def progress(message: str) -> None:  # told every 50 files: stop at the first report
        reports.append(message)
        indexes.stop()

    asyncio.run(indexes.build({root: ()}, progress))
    folder = indexes.folders[root]
    assert reports == ["ws: 50 files"]
    assert folder.state == "building" and len(folder.index) == 0  # never made ready with a part
    folder.store.close()
    store = WorkspaceStore(root)
    assert len(store.files()) == 50  # the files read before the stop are kept for the next start
    store.close()
