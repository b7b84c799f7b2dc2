"""A model that fails to load: one clear message, the progress ends, and hovers use the fallback."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import pytest_lsp
from lsp_support import SERVER_COMMAND, hover_text, make_client, open_document, start_session, wait_for_state
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from hoverdoc.server import server as server_module

SOURCE = "def fetch_user(registry, key):\n    return registry.lookup(key)\n"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client))
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


@pytest.mark.parametrize(
    "manifest", ["[]", '{"format_version": "one", "max_source_length": "long"}', "{not json"]
)
async def test_bad_manifest_falls_back_once_and_ends_progress(
    client: LanguageClient, tmp_path: Path, manifest: str
):
    model = tmp_path / "model"
    model.mkdir()
    (model / "manifest.json").write_text(manifest)
    (tmp_path / "users.py").write_text(SOURCE)
    await start_session(client, tmp_path, {"modelPath": str(model)})
    status = await wait_for_state(client)
    assert status["state"] == "fallback" and status["reason"]
    uri = open_document(client, tmp_path / "users.py")
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(0, 6))
    )
    assert "fetch_user" in hover_text(hover)
    await asyncio.sleep(0.2)
    warnings = [m for m in client.messages if "no usable model" in m.message]
    assert len(warnings) == 1 and "\n" not in warnings[0].message
    assert client.progress_reports, "the load reports work-done progress"
    for reports in client.progress_reports.values():
        assert isinstance(reports[-1], types.WorkDoneProgressEnd)


class _Progress:
    def __init__(self) -> None:
        self.ended: list[str] = []

    def end(self, token: str, value: types.WorkDoneProgressEnd) -> None:
        self.ended.append(token)


def test_any_exception_from_loading_falls_back(monkeypatch, tmp_path: Path):
    def broken(*args, **kwargs):
        raise TypeError("manifest field 'max_source_length' must be an integer\nsecond line")

    monkeypatch.setattr(server_module, "load_model", broken)
    ls = server_module.HoverdocServer(engine=server_module.SummaryEngine(cache=None))
    progress, shown = _Progress(), []

    async def begin(_begin) -> str:
        return "token"

    monkeypatch.setattr(ls, "begin_progress", begin)
    monkeypatch.setattr(ls.protocol, "progress", progress)
    monkeypatch.setattr(ls, "window_show_message", shown.append)
    monkeypatch.setattr(ls, "notify_status", lambda loaded=None: None)
    monkeypatch.setattr(ls, "root", lambda: str(tmp_path))

    async def load_twice() -> None:
        await ls.start_model_load()
        await ls.start_model_load()

    asyncio.run(load_twice())
    assert progress.ended == ["token", "token"]
    assert ls.model_state == "fallback"
    assert ls.model_error == "TypeError: manifest field 'max_source_length' must be an integer"
    assert len(shown) == 1
    ls.engine.close()
