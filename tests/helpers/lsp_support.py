"""Helpers for driving the real server process with pytest-lsp."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient
from pytest_lsp import client_capabilities as recorded_capabilities
from pytest_lsp.client import make_test_lsp_client

SERVER_COMMAND = [sys.executable, "-m", "hoverdoc.server"]


def make_client() -> LanguageClient:
    """The pytest-lsp client plus what our server sends: applyEdit requests and status notifications."""
    client = make_test_lsp_client()
    client.applied_edits = []
    client.statuses = []

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        client.applied_edits.append(params.edit)
        return types.ApplyWorkspaceEditResult(applied=True)

    @client.feature("hoverdoc/status")
    def status(params) -> None:
        client.statuses.append(params._asdict() if hasattr(params, "_asdict") else dict(params))

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params) -> None:
        return None

    return client


def capabilities() -> types.ClientCapabilities:
    """VS Code's capabilities, as recorded by pytest-lsp."""
    return recorded_capabilities("visual-studio-code")


def snippet_capabilities() -> types.ClientCapabilities:
    """VS Code's capabilities with LSP 3.18 snippet edits in workspace edits (vscode-languageclient 10+)."""
    found = capabilities()
    assert found.workspace is not None and found.workspace.workspace_edit is not None
    found.workspace.workspace_edit.snippet_edit_support = True
    return found


async def start_session(
    client: LanguageClient,
    root: Path,
    settings: dict | None = None,
    client_capabilities: types.ClientCapabilities | None = None,
) -> None:
    """initialize + initialized with ``root`` as the workspace and ``settings`` as ``hoverdoc.*``
    (VS Code's capabilities unless ``client_capabilities`` are given)."""
    client.set_configuration(settings or {}, section="hoverdoc")
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities or capabilities(),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        )
    )


async def wait_for_state(client: LanguageClient, states=("ready", "fallback"), timeout: float = 30.0) -> dict:
    """Wait until the server reports its model state."""

    async def poll():
        while True:
            for status in reversed(client.statuses):
                if status["state"] in states:
                    return status
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(poll(), timeout)


async def start_folders(client: LanguageClient, folders: list[Path]) -> None:
    """initialize + initialized with a multi-root workspace."""
    await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities(),
            root_uri=folders[0].as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=f.as_uri(), name=f.name) for f in folders],
        )
    )


async def wait_for_index(client: LanguageClient, timeout: float = 30.0) -> str:
    """Wait until the server reports a built workspace index; its description."""

    async def poll():
        while True:
            for status in reversed(client.statuses):
                if "documented definitions" in (status.get("index") or ""):
                    return status["index"]
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(poll(), timeout)


async def hover_markdown(client: LanguageClient, uri: str, line: int, character: int) -> str:
    """The markdown of the hover at a position ('' for none)."""
    result = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=character),
        )
    )
    return hover_text(result)


def open_document(client: LanguageClient, path: Path, text: str | None = None) -> str:
    """didOpen a file; returns its URI."""
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=path.read_text() if text is None else text
            )
        )
    )
    return uri


def hover_text(hover: types.Hover | None) -> str:
    """The markdown of a hover ('' for none)."""
    if hover is None:
        return ""
    contents = hover.contents
    return contents.value if isinstance(contents, types.MarkupContent) else str(contents)


def apply_text_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP edits (UTF-16 positions; ASCII test files) from last to first."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def offset(position: types.Position) -> int:
        return offsets[min(position.line, len(lines))] + position.character

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text
