"""The server under abuse: it answers every well-formed request, stays alive, and its memory stays bounded."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest
import pytest_lsp
from lsp_support import SERVER_COMMAND, hover_text, make_client, open_document, start_session, wait_for_state
from lsprotocol import types
from pygls.exceptions import JsonRpcMethodNotFound
from pytest_lsp import ClientServerConfig, LanguageClient

DATA = Path(__file__).parent / "data" / "lsp_workspace"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client))
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


def server_rss_mb(client: LanguageClient) -> float:
    status = Path(f"/proc/{client._server.pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


async def hover(client: LanguageClient, uri: str, line: int, character: int) -> types.Hover | None:
    return await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line, character)
        )
    )


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads RSS from /proc")
async def test_server_survives_abuse(client: LanguageClient, tmp_path: Path, tiny_model_dir: Path):
    workspace = tmp_path / "ws"
    shutil.copytree(DATA, workspace)
    await start_session(client, workspace, {"modelPath": str(tiny_model_dir)})
    await wait_for_state(client)
    accounts = open_document(client, workspace / "pkg" / "accounts.py")
    assert hover_text(await hover(client, accounts, 3, 8))
    rss_start = server_rss_mb(client)

    # malformed JSON on the wire
    body = b"{this is not json"
    client._server.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    await client._server.stdin.drain()
    # an unknown method
    with pytest.raises(JsonRpcMethodNotFound):
        await client.protocol.send_request_async("hoverdoc/noSuchMethod", {})
    # positions outside the document
    assert await hover(client, accounts, 10_000, 0) is None
    assert await hover(client, accounts, 3, 10_000) is None
    assert await hover(client, "file:///nowhere/at/all.py", 0, 0) is None

    # a 50,000-line file: hovers on its definitions still answer
    big = workspace / "pkg" / "big.py"
    big.write_text(
        "".join(
            f"def fetch_item_{i}(registry):\n    entry = registry.lookup({i})\n    return entry.value\n\n\n"
            for i in range(10_000)
        )
    )
    assert len(big.read_text().splitlines()) == 50_000
    big_uri = open_document(client, big)
    text = hover_text(await asyncio.wait_for(hover(client, big_uri, 49_995, 6), timeout=120))
    assert "def fetch_item_9999(registry)" in text

    # a binary file opened as text
    binary_text = (b"\x00\x01\x02\xff\xfe" * 2000).decode("latin-1")
    binary_uri = open_document(client, workspace / "pkg" / "blob.py", text=binary_text)
    assert await hover(client, binary_uri, 0, 2) is None

    # 200 hovers at once, over many distinct definitions
    requests = [hover(client, big_uri, 5 * (i % 2000), 6) for i in range(200)]
    results = await asyncio.wait_for(asyncio.gather(*requests), timeout=300)
    assert all("def fetch_item_" in hover_text(r) for r in results)

    # still alive and answering, memory bounded
    assert "fetch_account_balance" in hover_text(await hover(client, accounts, 3, 8))
    assert server_rss_mb(client) < max(400.0, rss_start + 250.0)


async def test_edits_after_a_form_feed_and_requests_for_unopened_files(
    client: LanguageClient, tmp_path: Path, tiny_model_dir: Path
):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    await start_session(
        client, workspace, {"modelPath": str(tiny_model_dir), "workspace": {"enabled": False}}
    )
    await wait_for_state(client)
    # a form feed (a page break, as GNU-style Python has) is no line break in LSP: an edit at line 2
    # used to land on line 3 of the server's copy
    path = workspace / "pages.py"
    uri = open_document(client, path, text="import os\n\x0c\ndef load(path):\n    return path\n")
    added = "def first(items):\n    return items[0]\n\n"
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(2, 0), types.Position(2, 0)), text=added
                )
            ],
        )
    )
    assert "def first(items)" in hover_text(await hover(client, uri, 2, 5))
    assert "def load(path)" in hover_text(await hover(client, uri, 5, 5))

    # a request naming a file that is not open is not read from disk: a FIFO used to block the server
    if hasattr(os, "mkfifo"):
        fifo = workspace / "pipe.py"
        os.mkfifo(fifo)
        assert await asyncio.wait_for(hover(client, fifo.as_uri(), 0, 0), timeout=30) is None
    assert "def first(items)" in hover_text(await asyncio.wait_for(hover(client, uri, 2, 5), timeout=30))

    # a string default holding a line break and backticks stays inside the hover's code block
    injected = 'def render(template=""" x\n```\n![img](https://attacker.example/p.png)\n"""):\n    return 1\n'
    markdown = hover_text(await hover(client, open_document(client, workspace / "render.py", injected), 0, 5))
    fences = [line for line in markdown.splitlines() if line.startswith("```")]
    assert fences == ["````python", "````"] and "![img]" in markdown.splitlines()[1]
