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
