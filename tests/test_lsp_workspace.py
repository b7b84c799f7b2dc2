"""The workspace index over LSP, with the bundled (v2) model: neighbours quoted and linked, the index
kept current on save, excluded and environment folders never read, an undocumented workspace as before."""

from __future__ import annotations

import asyncio
from pathlib import Path

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

from hoverdoc.core.fallback import NAME_SUMMARY_LABEL

TABLES = '''"""Invoice tables."""


def load_invoice_table(path, currency):
    """Read the invoice table stored at path, keeping rows in the currency."""
    rows = read_invoice_rows(path)
    return [row for row in rows if row.invoice_currency == currency]
'''
REPORT = """from pkg.tables import load_invoice_table


def load_invoice_tables(paths, currency):
    rows = [read_invoice_rows(path) for path in paths]
    return [row for row in rows if row.invoice_currency == currency]


def shipping_label_text(parcel):
    return parcel.address.upper()
"""
DECOY = '''def load_invoice_tables(paths, currency):
    """DECOY SUMMARY that must never be read."""
    rows = [read_invoice_rows(path) for path in paths]
    return [row for row in rows if row.invoice_currency == currency]
'''


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client))
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


def make_workspace(root: Path) -> Path:
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "tables.py").write_text(TABLES)
    (root / "pkg" / "report.py").write_text(REPORT)
    for folder in ("excluded", ".venv/lib", "build"):
        (root / folder).mkdir(parents=True)
        (root / folder / "copy.py").write_text(DECOY)
    return root


async def test_a_close_neighbour_is_quoted_and_linked_to_its_line(client: LanguageClient, tmp_path: Path):
    root = make_workspace(tmp_path / "ws")
    await start_session(client, root, {"workspace": {"exclude": ["excluded/"]}})
    assert (await wait_for_state(client))["state"] == "ready"
    assert "1 documented definitions in 2 files" in await wait_for_index(client)
    report = open_document(client, root / "pkg" / "report.py")
    text = await hover(client, report, 3, 6)
    assert "Read the invoice table stored at path, keeping rows in the currency." in text
    assert f"same as [`load_invoice_table`]({(root / 'pkg' / 'tables.py').as_uri()}#L4)" in text
    assert "DECOY" not in text


async def test_a_saved_file_is_indexed_and_the_hovered_function_is_never_its_own_neighbour(
    client: LanguageClient, tmp_path: Path
):
    root = make_workspace(tmp_path / "ws")
    await start_session(client, root)
    await wait_for_state(client)
    await wait_for_index(client)
    report = open_document(client, root / "pkg" / "report.py")
    before = await hover(client, report, 8, 6)  # shipping_label_text: nothing like it yet
    assert "same as" not in before
    labels = root / "pkg" / "labels.py"
    labels.write_text(
        'def shipping_label_text(parcel):\n    """Render the parcel address as label text."""\n    return parcel.address.upper()\n'
    )
    uri = open_document(client, labels)
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    for _ in range(100):
        after = await hover(client, report, 8, 6)
        if "same as" in after:
            break
        await asyncio.sleep(0.1)
    assert "Render the parcel address as label text." in after
    assert f"({labels.as_uri()}#L1)" in after
    own = await hover(client, uri, 0, 6)  # the documented one itself: not quoted from itself
    assert "same as" not in own


async def test_an_undocumented_workspace_behaves_as_before(client: LanguageClient, tmp_path: Path):
    root = tmp_path / "bare"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "report.py").write_text(REPORT)
    await start_session(client, root)
    await wait_for_state(client)
    assert "0 documented definitions" in await wait_for_index(client)
    text = await hover(client, open_document(client, root / "pkg" / "report.py"), 3, 6)
    assert "generated summary" in text and "same as" not in text and "like [" not in text


async def test_the_workspace_can_be_switched_off(client: LanguageClient, tmp_path: Path):
    root = make_workspace(tmp_path / "ws")
    await start_session(client, root, {"workspace": {"enabled": False}})
    await wait_for_state(client)
    text = await hover(client, open_document(client, root / "pkg" / "report.py"), 3, 6)
    assert "generated summary" in text and "same as" not in text


async def test_a_folder_added_later_gets_its_own_index(client: LanguageClient, tmp_path: Path):
    first = tmp_path / "first"
    (first / "pkg").mkdir(parents=True)
    (first / "pkg" / "empty.py").write_text("x = 1\n")
    second = make_workspace(tmp_path / "second")
    await start_session(client, first, {"workspace": {"exclude": ["excluded/"]}})
    await wait_for_state(client)
    await wait_for_index(client)
    client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(
                added=[types.WorkspaceFolder(uri=second.as_uri(), name="second")], removed=[]
            )
        )
    )
    report = open_document(client, second / "pkg" / "report.py")
    for _ in range(100):
        text = await hover(client, report, 3, 6)
        if "same as" in text:
            break
        await asyncio.sleep(0.1)
    assert f"({(second / 'pkg' / 'tables.py').as_uri()}#L4)" in text


async def test_each_workspace_folder_has_its_own_settings(client: LanguageClient, tmp_path: Path):
    quiet, loud = make_workspace(tmp_path / "quiet"), make_workspace(tmp_path / "loud")
    client.set_configuration({"hover": {"enabled": False}}, section="hoverdoc", scope_uri=quiet.as_uri())
    await start_folders(client, [quiet, loud])
    await wait_for_state(client)
    assert await hover(client, open_document(client, quiet / "pkg" / "report.py"), 8, 6) == ""
    assert "shipping_label_text" in await hover(
        client, open_document(client, loud / "pkg" / "report.py"), 8, 6
    )


async def test_a_folder_with_its_own_retrained_model_is_served_by_it(
    client: LanguageClient, tmp_path: Path, tiny_model_dir: Path
):
    import shutil

    plain, retrained = make_workspace(tmp_path / "plain"), make_workspace(tmp_path / "retrained")
    shutil.copytree(tiny_model_dir, retrained / ".hoverdoc" / "model")
    await start_folders(client, [plain, retrained])
    assert (await wait_for_state(client))["model"] == "hoverdoc-minilm-bart-22m"
    for _ in range(100):  # the folder's own model loads after the default one
        own = await hover(client, open_document(client, retrained / "pkg" / "report.py"), 8, 6)
        if "tiny-model" in own:
            break
        await asyncio.sleep(0.1)
    assert "generated summary · tiny-model" in own
    default = await hover(client, open_document(client, plain / "pkg" / "report.py"), 8, 6)
    assert "hoverdoc-minilm-bart-22m" in default


LOADER = """class InvoiceTableLoader:
    def __init__(self, path, currency):
        rows = read_invoice_rows(path)
        self.rows = [row for row in rows if row.invoice_currency == currency]
"""


async def test_a_class_never_quotes_a_function_summary(client: LanguageClient, tmp_path: Path):
    root = make_workspace(tmp_path / "ws")
    (root / "pkg" / "loader.py").write_text(LOADER)
    await start_session(client, root, {"workspace": {"exclude": ["excluded/"]}})
    assert (await wait_for_state(client))["state"] == "ready"
    await wait_for_index(client)
    loader = open_document(client, root / "pkg" / "loader.py")
    text = await hover(client, loader, 0, 8)
    assert NAME_SUMMARY_LABEL in text  # the bundled model leaves classes to their names
    assert "same as" not in text and "Read the invoice table stored at path" not in text
