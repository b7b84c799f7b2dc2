"""The workspace index kept current through the real server: deleted files, folders and git-ignored
files leave it, whatever path or nesting the editor names them by, and each folder's own
``workspace`` settings decide what of it is read. Each case once left hovers quoting code that was
gone or should never have been read."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import pytest_lsp
from lsp_support import (
    SERVER_COMMAND,
    make_client,
    open_document,
    start_folders,
    start_session,
    wait_for_index,
    wait_for_state,
)
from lsp_support import hover_markdown as hover
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

TABLES = '''def load_invoice_table(path, currency):
    """Read the invoice table stored at path, keeping rows in the currency."""
    rows = read_invoice_rows(path)
    return [row for row in rows if row.invoice_currency == currency]
'''
REPORT = """def load_invoice_tables(paths, currency):
    rows = [read_invoice_rows(path) for path in paths]
    return [row for row in rows if row.invoice_currency == currency]
"""
QUOTED = "load_invoice_table`]"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client))
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


async def hover_until(client: LanguageClient, uri: str, wanted: Callable[[str], bool]) -> str:
    """The hover over ``load_invoice_tables`` once ``wanted`` holds of it (or after 10 s)."""
    text = ""
    for _ in range(100):
        text = await hover(client, uri, 0, 6)
        if wanted(text):
            break
        await asyncio.sleep(0.1)
    return text


def watched(client: LanguageClient, *changes: tuple[Path, types.FileChangeType]) -> None:
    events = [types.FileEvent(uri=path.as_uri(), type=kind) for path, kind in changes]
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=events))


async def test_a_deleted_file_leaves_the_index_of_a_workspace_opened_through_a_link(
    client: LanguageClient, tmp_path: Path
):
    real = tmp_path / "real"
    (real / "pkg").mkdir(parents=True)
    (real / "pkg" / "tables.py").write_text(TABLES)
    (real / "pkg" / "report.py").write_text(REPORT)
    root = tmp_path / "link"
    root.symlink_to(real)  # as a home folder or macOS's /tmp often is
    await start_session(client, root)
    await wait_for_state(client)
    await wait_for_index(client)
    report = open_document(client, root / "pkg" / "report.py")
    assert QUOTED in await hover_until(client, report, lambda t: QUOTED in t)
    (real / "pkg" / "tables.py").unlink()
    watched(client, (root / "pkg" / "tables.py", types.FileChangeType.Deleted))
    assert QUOTED not in await hover_until(client, report, lambda t: QUOTED not in t)


async def test_nested_workspace_folders_each_forget_a_deleted_file(client: LanguageClient, tmp_path: Path):
    outer = tmp_path / "outer"
    inner = outer / "inner"
    inner.mkdir(parents=True)
    (inner / "tables.py").write_text(TABLES)
    (outer / "report.py").write_text(REPORT)
    client.set_configuration({}, section="hoverdoc")
    await start_folders(client, [outer, inner])
    await wait_for_state(client)
    await wait_for_index(client)
    report = open_document(client, outer / "report.py")
    assert QUOTED in await hover_until(client, report, lambda t: QUOTED in t)
    (inner / "tables.py").unlink()
    watched(client, (inner / "tables.py", types.FileChangeType.Deleted))
    assert QUOTED not in await hover_until(client, report, lambda t: QUOTED not in t)


async def test_a_saved_git_ignored_file_never_becomes_a_neighbour(client: LanguageClient, tmp_path: Path):
    root = tmp_path / "ws"
    (root / "scratch").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".gitignore").write_text("scratch/\n")
    (root / "report.py").write_text(REPORT)
    (root / "notes.py").write_text("x = 1\n")
    await start_session(client, root)
    await wait_for_state(client)
    await wait_for_index(client)
    scratch = root / "scratch" / "tables.py"
    # closer to the hovered function than the file the index does read: quoted first if indexed
    scratch.write_text(TABLES.replace("def load_invoice_table(path,", "def load_invoice_tables(path,"))
    uri = open_document(client, scratch)
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    watched(client, (scratch, types.FileChangeType.Created))
    # a file the index does read, saved after it: once it is quoted, the ignored one had its turn
    (root / "tables.py").write_text(TABLES.replace("invoice table", "ledger table"))
    watched(client, (root / "tables.py", types.FileChangeType.Created))
    report = open_document(client, root / "report.py")
    text = await hover_until(client, report, lambda t: "ledger table" in t)
    assert "ledger table" in text and "scratch/tables.py" not in text


async def test_a_folder_moved_in_is_indexed_and_a_new_plain_file_is_no_error(
    client: LanguageClient, tmp_path: Path
):
    root = tmp_path / "ws"
    root.mkdir()
    (root / "report.py").write_text(REPORT)
    (root / "notes.py").write_text("x = 1\n")
    await start_session(client, root)
    await wait_for_state(client)
    await wait_for_index(client)
    (root / "notes.txt").write_text("shopping list\n")
    outside = tmp_path / "outside" / "pkg"
    outside.mkdir(parents=True)
    (outside / "tables.py").write_text(TABLES)
    outside.rename(root / "pkg")  # moved in: the watcher reports the folder's creation only
    watched(
        client,
        (root / "notes.txt", types.FileChangeType.Created),
        (root / "pkg", types.FileChangeType.Created),
    )
    report = open_document(client, root / "report.py")
    assert "pkg/tables.py" in await hover_until(client, report, lambda t: QUOTED in t)
    errors = [m.message for m in client.messages if m.type == types.MessageType.Error]
    assert errors == []  # a plain file's creation raised in the handler and showed an error


async def test_a_large_batch_of_changed_files_is_read_by_one_rebuild(client: LanguageClient, tmp_path: Path):
    root = tmp_path / "ws"
    root.mkdir()
    (root / "report.py").write_text(REPORT)
    await start_session(client, root)
    await wait_for_state(client)
    await wait_for_index(client)
    created = []
    for n in range(30):  # a branch switch: more files than are updated one by one
        path = root / f"module_{n}.py"
        path.write_text(TABLES if n == 17 else f"def helper_{n}():\n    return {n}\n")
        created.append((path, types.FileChangeType.Created))
    watched(client, *created)
    report = open_document(client, root / "report.py")
    assert "module_17.py" in await hover_until(client, report, lambda t: QUOTED in t)


@pytest.mark.parametrize("how", ["deleted", "renamed"])
async def test_a_deleted_or_renamed_folder_leaves_the_index(client: LanguageClient, tmp_path: Path, how: str):
    root = tmp_path / "ws"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "tables.py").write_text(TABLES)
    (root / "report.py").write_text(REPORT)
    await start_session(client, root)
    await wait_for_state(client)
    await wait_for_index(client)
    report = open_document(client, root / "report.py")
    assert "pkg/tables.py" in await hover_until(client, report, lambda t: QUOTED in t)
    if how == "deleted":
        shutil.rmtree(root / "pkg")
        watched(client, (root / "pkg", types.FileChangeType.Deleted))  # the folder, not its files
        text = await hover_until(client, report, lambda t: QUOTED not in t)
        assert QUOTED not in text
    else:
        (root / "pkg").rename(root / "lib")
        watched(
            client, (root / "pkg", types.FileChangeType.Deleted), (root / "lib", types.FileChangeType.Created)
        )
        text = await hover_until(client, report, lambda t: "lib/tables.py" in t)
        assert "lib/tables.py" in text and "pkg/tables.py" not in text


async def test_each_folder_own_workspace_settings_decide_what_is_read_and_kept(
    client: LanguageClient, tmp_path: Path
):
    from hoverdoc.core.workspace_store import store_path

    legacy, private, plain = tmp_path / "legacy", tmp_path / "private", tmp_path / "plain"
    for folder in (legacy, private, plain):
        (folder / "old").mkdir(parents=True)
        (folder / "old" / "tables.py").write_text(TABLES)
        (folder / "report.py").write_text(REPORT)
    client.set_configuration({}, section="hoverdoc")
    client.set_configuration(
        {"workspace": {"exclude": ["old/"]}}, section="hoverdoc", scope_uri=legacy.as_uri()
    )
    client.set_configuration(
        {"workspace": {"enabled": False}}, section="hoverdoc", scope_uri=private.as_uri()
    )
    await start_folders(client, [legacy, private, plain])
    await wait_for_state(client)
    await wait_for_index(client)
    plain_text = await hover_until(client, open_document(client, plain / "report.py"), lambda t: QUOTED in t)
    assert "old/tables.py" in plain_text  # the control: the folders' indexes are built
    assert QUOTED not in await hover(client, open_document(client, legacy / "report.py"), 0, 6)
    assert QUOTED not in await hover(client, open_document(client, private / "report.py"), 0, 6)
    assert store_path(plain).exists() and not store_path(private).exists()  # nothing of it kept
