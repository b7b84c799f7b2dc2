"""Stale-docstring diagnostics over LSP: published on open, cleared by their quick fix, off by setting."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest_lsp
from lsp_support import (
    SERVER_COMMAND,
    apply_text_edits,
    make_client,
    open_document,
    start_session,
    wait_for_state,
)
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

STALE = '''def fetch(url, timeout):
    """Fetch a page.

    Args:
        url: The address.
        retries: How often to try.
    """
    print(url, timeout)
'''


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client))
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


async def published(client: LanguageClient, uri: str, timeout: float = 15.0) -> list[types.Diagnostic]:
    async def poll():
        while uri not in client.diagnostics:
            await asyncio.sleep(0.05)
        return client.diagnostics[uri]

    return await asyncio.wait_for(poll(), timeout)


async def test_a_stale_docstring_is_flagged_and_its_quick_fix_clears_it(
    client: LanguageClient, tmp_path: Path
):
    (tmp_path / "net.py").write_text(STALE)
    await start_session(client, tmp_path, {"workspace": {"enabled": False}})
    await wait_for_state(client)
    uri = open_document(client, tmp_path / "net.py")
    diagnostics = await published(client, uri)
    assert {d.code for d in diagnostics} == {"unknown-param", "missing-param"}
    assert all(
        d.severity == types.DiagnosticSeverity.Information and d.source == "hoverdoc" for d in diagnostics
    )
    assert all(d.range.start == types.Position(0, 4) for d in diagnostics)  # on the name of fetch

    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostics[0].range,
            context=types.CodeActionContext(diagnostics=diagnostics),
        )
    )
    assert len(actions) == 1 and actions[0].kind == types.CodeActionKind.QuickFix
    assert {d.code for d in actions[0].diagnostics} == {"unknown-param", "missing-param"}
    action = await client.code_action_resolve_async(actions[0])
    fixed = apply_text_edits(STALE, action.edit.changes[uri])
    assert "url: The address." in fixed and "retries" not in fixed and "timeout" in fixed

    client.diagnostics.pop(uri)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)],
        )
    )
    assert list(await published(client, uri)) == []


async def test_diagnostics_can_be_switched_off(client: LanguageClient, tmp_path: Path):
    (tmp_path / "net.py").write_text(STALE)
    await start_session(
        client, tmp_path, {"diagnostics": {"enabled": False}, "workspace": {"enabled": False}}
    )
    await wait_for_state(client)
    uri = open_document(client, tmp_path / "net.py")
    assert list(await published(client, uri)) == []
