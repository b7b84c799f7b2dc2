"""``hoverdoc check``: output lines and exit codes on a fixture tree (run() called directly)."""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path

import pytest

from hoverdoc.core.check_cli import run

STALE = '''\
"""A module."""


def fetch(url, timeout=3):
    """Fetch a page.

    Args:
        url: The address.
        old_name: Seconds to wait.
    """
    print(url, timeout)


class Store:
    def save(self, item):
        """Save.

        Args:
            item: What to save.

        Returns:
            bool: Whether it was saved.
        """
        print(item)
'''

CLEAN = '''\
def add(a, b):
    """Add.

    Args:
        a: The first.
        b: The second.

    Returns:
        int: The sum.
    """
    return a + b


def helper(x):
    """No parameter section: never checked for parameters."""
    print(x)
'''

STALE_LINES = [
    "docstring documents 'old_name', which is not a parameter of fetch()",
    "docstring of fetch() does not document parameter 'timeout'",
    "docstring documents a return value, but Store.save() returns nothing",
]


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    """pkg/stale.py, pkg/clean.py, and stale copies where no check should look."""
    root = tmp_path / "project"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "stale.py").write_text(STALE)
    (root / "pkg" / "clean.py").write_text(CLEAN)
    (root / "pkg" / "notes.txt").write_text(STALE)
    (root / ".gitignore").write_text("generated/\n")
    for ignored in ("generated", ".venv", "build", ".hidden"):
        (root / ignored).mkdir()
        (root / ignored / "copy.py").write_text(STALE)
    return root


def check(capsys, *paths: str) -> tuple[int, list[str], str]:
    code = run(argparse.Namespace(command="check", paths=list(paths)))
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_a_folder_with_a_stale_file_prints_each_finding_and_exits_1(tree, capsys, monkeypatch):
    monkeypatch.chdir(tree.parent)
    code, lines, err = check(capsys, "project")
    assert code == 1
    assert lines == [
        f"project/pkg/stale.py:4: {STALE_LINES[0]}",
        f"project/pkg/stale.py:4: {STALE_LINES[1]}",
        f"project/pkg/stale.py:15: {STALE_LINES[2]}",
    ]
    assert "3 stale docstrings in 2 files" in err


def test_a_clean_file_exits_0_and_prints_nothing(tree, capsys, monkeypatch):
    monkeypatch.chdir(tree)
    assert check(capsys, "pkg/clean.py")[:2] == (0, [])


def test_files_are_named_as_given_and_checked_once(tree, capsys, monkeypatch):
    monkeypatch.chdir(tree / "pkg")
    code, lines, _ = check(capsys, "stale.py", ".", str(tree / "pkg" / "stale.py"))
    assert code == 1
    assert [line.split(":")[0] for line in lines] == ["stale.py"] * 3


def test_a_named_file_is_checked_whatever_its_name(tree, capsys):
    code, lines, _ = check(capsys, str(tree / "pkg" / "notes.txt"))
    assert code == 1 and len(lines) == 3


def test_a_missing_path_exits_2_with_one_line_and_checks_nothing(tree, capsys):
    code, lines, err = check(capsys, str(tree / "pkg"), str(tree / "nowhere.py"))
    assert code == 2 and lines == []
    assert err.strip().splitlines() == [
        f"hoverdoc check: error: {tree / 'nowhere.py'}: no such file or directory"
    ]


def test_unreadable_files_are_skipped_with_a_note(tree, capsys):
    (tree / "pkg" / "stale.py").write_bytes(b"\0binary")
    (tree / "pkg" / "huge.py").write_text("x = 1\n" * 400_000)
    code, lines, err = check(capsys, str(tree / "pkg"))
    assert (code, lines) == (0, [])
    assert "stale.py: binary" in err and "huge.py: too large" in err


def test_a_named_file_that_cannot_be_checked_fails_the_check(tree, capsys):
    (tree / "pkg" / "loop.py").symlink_to(tree / "pkg" / "loop.py")  # a link to itself
    (tree / "pkg" / "blob.py").write_bytes(b"\0binary")
    for name in ("loop.py", "blob.py"):
        code, lines, err = check(capsys, str(tree / "pkg" / "clean.py"), str(tree / "pkg" / name))
        assert (code, lines) == (2, [])  # a CI step must not pass on a file it never read
        assert f"skipped {tree / 'pkg' / name}" in err and "no such file" not in err


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_git_work_tree_is_listed_by_git(tree, capsys):
    subprocess.run(["git", "init", "-q", str(tree)], check=True)
    (tree / "pkg" / ".gitignore").write_text("stale.py\n")
    code, lines, _ = check(capsys, str(tree))
    assert (code, lines) == (0, [])
