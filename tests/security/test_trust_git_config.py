"""A cloned repository's own git config cannot make indexing or mining run a command."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from hoverdoc.core.workspace_scan import build_index

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def test_core_fsmonitor_of_the_repository_is_never_run(tmp_path):
    repo = tmp_path / "repo"
    marker = tmp_path / "pwned"
    git = ["git", "-C", str(repo), "-c", "user.email=a@b.c", "-c", "user.name=n"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "a.py").write_text('def read_rows(path):\n    """Read the rows at path."""\n    return path\n')
    subprocess.run([*git, "add", "a.py"], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    subprocess.run([*git, "config", "core.fsmonitor", f"touch {marker}"], check=True)
    index, _ = build_index(repo)
    assert [e.qualname for e in index.entries()] == ["read_rows"]
    assert not marker.exists()
