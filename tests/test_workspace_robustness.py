"""The workspace index against a real workspace's odd corners: odd file names, folders and
environments, a damaged git index, and a store that is corrupt, a link, locked or cannot be created.
Each of these once failed the whole index, or made hovers quote code they should not."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from hoverdoc.core.summary import is_placeholder
from hoverdoc.core.workspace_scan import build_index, index_file, index_folder
from hoverdoc.core.workspace_store import WorkspaceStore, store_path

DOCUMENTED = '''def read_rows(path, currency):
    """Read the rows of the table at path."""
    return [row for row in open(path) if currency in row]
'''


def documented(name: str) -> str:
    return DOCUMENTED.replace("read_rows", name)


def paths(index) -> list[str]:
    return sorted(e.path for e in index.entries())


def git_init(root: Path) -> None:
    subprocess.run(["git", "init", "-q", str(root)], check=True)


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("HOVERDOC_CACHE_DIR", str(folder))
    return folder


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS refuses file names that are not UTF-8")
def test_a_file_name_that_is_not_utf8_is_skipped_not_fatal(tmp_path, cache):
    root = tmp_path / "ws"
    root.mkdir()
    (root / "a.py").write_text(DOCUMENTED)
    os.close(os.open(os.fsencode(root) + b"/caf\xe9.py", os.O_CREAT | os.O_WRONLY))
    index, report = index_folder(root)  # the store could not take the name: the build raised
    assert paths(index) == ["a.py"] and report.skipped["file name not UTF-8"] == 1


@pytest.mark.parametrize("kind", ["a file", "under a file"])
def test_a_cache_folder_that_cannot_be_made_leaves_the_index_in_memory_with_one_message(
    tmp_path, monkeypatch, caplog, kind
):
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    monkeypatch.setenv("HOVERDOC_CACHE_DIR", str(blocker if kind == "a file" else blocker / "cache"))
    root = tmp_path / "ws"
    root.mkdir()
    (root / "a.py").write_text(DOCUMENTED)
    with caplog.at_level(logging.WARNING):
        index, _ = index_folder(root)
    assert paths(index) == ["a.py"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "not kept on disk this run" in warnings[0], warnings


def test_a_damaged_git_index_falls_back_to_the_gitignore_files(tmp_path, cache):
    root = tmp_path / "ws"
    root.mkdir()
    git_init(root)
    (root / ".gitignore").write_text("scratch/\n")
    (root / "a.py").write_text(DOCUMENTED)
    (root / "scratch").mkdir()
    (root / "scratch" / "s.py").write_text(documented("scratch_rows"))
    (root / ".git" / "index").write_bytes(b"DIRC\x00\x00")  # truncated: ls-files exits 128
    index, _ = index_folder(root)
    assert paths(index) == ["a.py"]


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_a_folder_that_can_be_listed_but_not_entered_is_skipped(tmp_path, cache):
    root = tmp_path / "ws"
    (root / "sub").mkdir(parents=True)
    (root / "a.py").write_text(DOCUMENTED)
    (root / "sub" / "b.py").write_text(documented("sub_rows"))
    script = (
        "import sys; from hoverdoc.core.workspace_scan import build_index;"
        "print(sorted(e.path for e in build_index(sys.argv[1])[0].entries()))"
    )
    command = [sys.executable, "-c", script, str(root)]
    if os.geteuid() == 0:  # root passes permission checks: run without the capabilities that allow it
        if shutil.which("setpriv") is None:
            pytest.skip("root without setpriv")
        drop = "-dac_override,-dac_read_search"
        command = ["setpriv", "--bounding-set", drop, "--inh-caps", drop, *command]
    os.chmod(root / "sub", 0o444)  # r--: listed, but sub/.gitignore cannot be examined
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    finally:
        os.chmod(root / "sub", 0o755)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "['a.py']"


def test_a_corrupt_store_is_rebuilt_and_said_once(tmp_path, cache, caplog):
    root = tmp_path / "ws"
    root.mkdir()
    (root / "a.py").write_text(DOCUMENTED)
    path = store_path(root)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"garbage" * 100)
    with caplog.at_level(logging.WARNING):
        index_folder(root)
    assert any("was corrupt" in r.getMessage() for r in caplog.records)
    _, report = index_folder(root)
    assert report.files_reused == 1  # the rebuilt store is used (it was never rebuilt before)


def test_a_store_path_that_is_a_link_is_never_followed(tmp_path, cache):
    root = tmp_path / "ws"
    root.mkdir()
    (root / "a.py").write_text(DOCUMENTED)
    victim = tmp_path / "someone_else.db"
    with sqlite3.connect(victim) as connection:
        connection.execute("CREATE TABLE files (x)")
        connection.execute("INSERT INTO files VALUES ('precious')")
    connection.close()
    os.chmod(victim, 0o644)
    path = store_path(root)
    path.parent.mkdir(parents=True)
    path.symlink_to(victim)
    index, _ = index_folder(root)
    assert paths(index) == ["a.py"]
    with sqlite3.connect(victim) as connection:
        assert connection.execute("SELECT x FROM files").fetchall() == [("precious",)]
    connection.close()
    assert oct(victim.stat().st_mode & 0o777) == "0o644" and path.is_symlink()


def test_a_store_another_process_keeps_locked_is_given_up_after_one_wait(tmp_path, cache, caplog):
    root = tmp_path / "ws"
    root.mkdir()
    for n in range(5):
        (root / f"m{n}.py").write_text(documented(f"rows_{n}"))
    index_folder(root)
    for n in range(5):  # all changed: each would be saved again
        (root / f"m{n}.py").write_text(documented(f"rows_{n}").replace("Read", "Load"))
    holder = sqlite3.connect(store_path(root), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's long write
    store = WorkspaceStore(root)
    try:
        with caplog.at_level(logging.WARNING):
            index, report = build_index(root, store=store)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        store.close()
    assert len(index) == 5 and report.files_parsed == 5
    assert store.problem is not None and "writing failed" in store.problem
    assert sum("not kept on disk" in r.getMessage() for r in caplog.records) == 1


def test_single_file_updates_honour_gitignore_and_a_linked_workspace_path(tmp_path, cache):
    for use_git in (True, False):
        root = tmp_path / ("git" if use_git else "plain")
        (root / "scratch").mkdir(parents=True)
        if use_git:
            git_init(root)
        (root / ".gitignore").write_text("scratch/\ngenerated_*.py\n")
        (root / "a.py").write_text(DOCUMENTED)
        index, _ = build_index(root)
        for ignored in ("scratch/s.py", "generated_api.py"):
            (root / ignored).write_text(documented("ignored_rows"))
            assert index_file(index, root, root / ignored) == 0, (use_git, ignored)
        assert paths(index) == ["a.py"]
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "plain")
    index, _ = build_index(link)
    (tmp_path / "plain" / "a.py").unlink()
    index_file(index, link, link / "a.py")  # the editor names the file through the link it opened
    assert paths(index) == []


def test_environments_that_are_not_virtualenvs_are_not_indexed(tmp_path):
    root = tmp_path / "ws"
    files = {
        "__pypackages__/3.11/lib/requests/api.py": "pep582",
        "condaenv/lib/python3.11/shutil.py": "conda",
        "py311/lib/python3.11/json/decoder.py": "install",
        "py311/lib/python3.11/os.py": "install_os",  # what makes it a standard library
        "src/app.py": "own",
        "src/lib/python3.12/plugins.py": "project",  # named like one, holding no os.py: the project's
    }
    for relative, name in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(documented(f"{name}_rows"))
    (root / "condaenv" / "conda-meta").mkdir()
    (root / "condaenv" / "tool.py").write_text(documented("conda_tool"))  # conda-meta marks all of it
    index, _ = build_index(root)
    assert paths(index) == ["src/app.py", "src/lib/python3.12/plugins.py"]


def test_template_placeholders_are_not_the_workspace_wording(tmp_path):
    root = tmp_path / "ws"
    root.mkdir()
    template = '''def load_rows(path, currency):
    """_summary_

    Args:
        path (_type_): _description_
        currency (str): The currency the rows are kept in.

    Returns:
        _type_: _description_
    """
    return [row for row in open(path) if currency in row]
'''
    (root / "a.py").write_text(template + "\n\n" + DOCUMENTED)
    index, _ = build_index(root)
    assert [e.qualname for e in index.entries()] == ["read_rows"]
    (root / "b.py").write_text(template.replace('"""_summary_', '"""Load the rows kept in a currency.'))
    index, _ = build_index(root)
    loaded = next(e for e in index.entries() if e.qualname == "load_rows")
    assert loaded.params == (("currency", "The currency the rows are kept in."),)  # no _description_
    placeholders = ("_summary_", "[summary]", "...", "TODO.", "FIXME: write this", "TODO write docstring")
    for placeholder in (*placeholders, "[Short description]"):
        assert is_placeholder(placeholder), placeholder
    for prose in (
        "Read the rows.",
        "Todoist client.",
        "Todo list for the user.",
        "XXX-large shirts filter.",
        "Summary statistics of a table.",
        "Type of the node.",
        "Long.",
        "Читает строки таблицы.",
        "读取表格的行。",
    ):
        assert not is_placeholder(prose), prose


def test_a_file_that_cannot_be_read_now_is_not_stored_as_empty(tmp_path, cache):
    root = tmp_path / "ws"
    root.mkdir()
    (root / "a.py").write_text(DOCUMENTED)
    store = WorkspaceStore(root)
    try:
        index, _ = build_index(root, store=store)
        big = root / "a.py"
        big.write_text(DOCUMENTED + "x = '" + "#" * 1_100_000 + "'\n")  # over the size the index reads
        assert index_file(index, root, big, store=store) == 0
        assert (
            "a.py" not in store.files()
        )  # unreadable now (too large, or no permission): not "no definitions"
    finally:
        store.close()


def test_a_single_file_update_agrees_with_the_build_about_a_nested_repository(tmp_path, cache):
    root = tmp_path / "ws"
    (root / "nested").mkdir(parents=True)
    git_init(root)
    git_init(root / "nested")  # a clone inside the workspace: git lists the folder, not its files
    (root / "a.py").write_text(DOCUMENTED)
    (root / "nested" / "x.py").write_text(documented("nested_rows"))
    index, _ = build_index(root)
    assert paths(index) == ["a.py"]
    assert index_file(index, root, root / "nested" / "x.py") == 0  # check-ignore said "not ignored"
    assert paths(index) == ["a.py"]


def test_a_file_name_git_would_read_as_pathspec_magic_is_listed_as_the_build_lists_it(tmp_path, cache):
    root = tmp_path / "ws"
    root.mkdir()
    git_init(root)
    for name in (":x.py", ":(top)y.py", "a[1].py"):
        (root / name).write_text(documented("rows_" + str(len(name))))
    index, _ = build_index(root)
    assert paths(index) == [":(top)y.py", ":x.py", "a[1].py"]
    for name in (":x.py", ":(top)y.py", "a[1].py"):
        assert index_file(index, root, root / name) == 1, name  # an update dropped them as unlisted
    assert paths(index) == [":(top)y.py", ":x.py", "a[1].py"]
