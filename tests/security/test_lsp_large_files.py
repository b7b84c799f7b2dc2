"""Huge and pathological files over LSP: the server says so once, stays responsive, and still hovers
the healthy definitions of a file with one pathological expression."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest_lsp
from lsp_support import SERVER_COMMAND, hover_text, make_client, open_document, start_session, wait_for_state
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client))
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


async def hover(client: LanguageClient, uri: str, line: int, character: int) -> types.Hover | None:
    return await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line, character)
        )
    )


async def test_files_over_the_limit_get_one_message_and_no_parse(client: LanguageClient, tmp_path: Path):
    await start_session(client, tmp_path, {"modelPath": str(tmp_path / "none")})
    await wait_for_state(client)
    comments = "# " + "x" * 97 + "\n"
    text = comments * 100_000 + "def late_function(value):\n    return value\n"  # 10 MB
    uri = open_document(client, tmp_path / "huge.py", text=text)
    assert await asyncio.wait_for(hover(client, uri, 100_000, 6), timeout=60) is None
    change = types.TextDocumentContentChangePartial(
        range=types.Range(types.Position(0, 0), types.Position(0, 0)), text="# more\n"
    )
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2), content_changes=[change]
        )
    )
    assert await asyncio.wait_for(hover(client, uri, 100_001, 6), timeout=60) is None
    small = open_document(client, tmp_path / "small.py", text="def fetch_user(key):\n    return key\n")
    assert "fetch_user" in hover_text(await hover(client, small, 0, 6))
    assert len([m for m in client.messages if "huge.py" in m.message]) == 1


async def test_pathological_nesting_leaves_other_definitions_hoverable(
    client: LanguageClient, tmp_path: Path
):
    await start_session(client, tmp_path, {"modelPath": str(tmp_path / "none")})
    await wait_for_state(client)
    text = (
        "def fetch_first(registry):\n    return registry.first()\n\n\n"
        f"TABLE = {'(' * 5000}1{')' * 5000}\n\n\n"
        "def fetch_last(registry):\n    return registry.last()\n"
    )
    uri = open_document(client, tmp_path / "deep.py", text=text)
    for line, name in ((0, "fetch_first"), (7, "fetch_last"), (0, "fetch_first")):
        assert name in hover_text(await asyncio.wait_for(hover(client, uri, line, 6), timeout=60))
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(7, 6), types.Position(7, 6)),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert actions and "docstring" in actions[0].title
