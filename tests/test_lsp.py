"""End-to-end tests of the real server process over stdio, with a tiny exported model and with none."""

from __future__ import annotations

import asyncio
import re
import shutil
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsp_support import (
    SERVER_COMMAND,
    apply_text_edits,
    capabilities,
    hover_text,
    make_client,
    open_document,
    snippet_capabilities,
    start_session,
    wait_for_state,
)
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled
from pytest_lsp import ClientServerConfig, LanguageClient

DATA = Path(__file__).parent / "data" / "lsp_workspace"


@pytest.fixture
def workspace(tmp_path) -> Path:
    """A fresh copy of the test workspace."""
    target = tmp_path / "ws"
    shutil.copytree(DATA, target)
    return target


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client))
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


def position(line: int, character: int) -> types.Position:
    return types.Position(line=line, character=character)


async def hover(client: LanguageClient, uri: str, line: int, character: int) -> str:
    result = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=position(line, character)
        )
    )
    return hover_text(result)


# --- with the tiny model ---------------------------------------------------------------------------


async def test_hover_on_definition_method_and_call_site(
    client: LanguageClient, workspace: Path, tiny_model_dir: Path
):
    await start_session(client, workspace, {"modelPath": str(tiny_model_dir)})
    status = await wait_for_state(client)
    assert status["state"] == "ready" and status["model"] == "tiny-model"
    accounts = open_document(client, workspace / "pkg" / "accounts.py")
    usage = open_document(client, workspace / "pkg" / "usage.py")

    on_def = await hover(client, accounts, 3, 8)  # fetch_account_balance at its def
    assert "def fetch_account_balance(account_id, registry)" in on_def
    assert "generated summary · tiny-model" in on_def

    on_method = await hover(client, accounts, 12, 10)  # AccountStore.update_account_owner
    assert "def update_account_owner(self, account, value)" in on_method

    on_call = await hover(client, usage, 4, 18)  # the call in another file resolves through jedi
    assert "def fetch_account_balance(account_id, registry)" in on_call
    on_method_call = await hover(client, usage, 6, 12)
    assert "def update_account_owner(self, account, value)" in on_method_call

    assert await hover(client, accounts, 4, 0) == ""  # whitespace
    assert await hover(client, accounts, 500, 3) == ""  # beyond the end
    assert await hover(client, accounts, 16, 10) == ""  # documented: other servers show its docstring


async def test_a_hover_sent_while_the_model_loads_waits_for_it(
    client: LanguageClient, workspace: Path, tiny_model_dir: Path
):
    await start_session(client, workspace, {"modelPath": str(tiny_model_dir)})
    accounts = open_document(client, workspace / "pkg" / "accounts.py")
    first = await hover(client, accounts, 3, 8)  # no wait for the model: it is still loading
    assert "generated summary · tiny-model" in first and "fallback" not in first
    assert [s["state"] for s in client.statuses][:1] == ["loading"]


async def test_an_input_limit_set_while_the_model_loads_holds_once_it_is_in(
    client: LanguageClient, workspace: Path
):
    from hoverdoc.core.extract import extract
    from hoverdoc.core.paths import bundled_model_dir
    from hoverdoc.core.runtime import Summarizer

    # the bundled model (fixed weights): the load starts as the session does, and the limit arrives
    # with the workspace/configuration answer while that same model is still loading
    client.set_configuration({"maxSourceTokens": 8, "workspace": {"enabled": False}}, section="hoverdoc")
    await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities(),
            root_uri=workspace.as_uri(),
            initialization_options={"workspace": {"enabled": False}},
        )
    )
    path = workspace / "pkg" / "accounts.py"
    code = next(d for d in extract(path.read_text()) if d.name == "fetch_account_balance").code
    summarizer = Summarizer(bundled_model_dir())
    [whole] = summarizer.summarize([code])
    summarizer.limit_source_tokens(8)
    [cut] = summarizer.summarize([code])
    assert cut != whole  # the limit changes what the model writes for this function
    await wait_for_state(client)
    shown = await hover(client, open_document(client, path), 3, 8)
    assert f"\n\n{cut}\n\n---" in shown


async def test_hover_in_file_with_syntax_error(client: LanguageClient, workspace: Path, tiny_model_dir: Path):
    await start_session(client, workspace, {"modelPath": str(tiny_model_dir)})
    await wait_for_state(client)
    broken = open_document(client, workspace / "pkg" / "broken.py")
    assert "def count_order_total(records, value)" in await hover(client, broken, 0, 6)
    assert "def format_user_name(user)" in await hover(client, broken, 9, 6)


async def test_code_action_generates_expected_docstring(
    client: LanguageClient, workspace: Path, tiny_model_dir: Path
):
    await start_session(client, workspace, {"modelPath": str(tiny_model_dir)})
    await wait_for_state(client)
    path = workspace / "pkg" / "accounts.py"
    uri = open_document(client, path)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(position(12, 8), position(12, 8)),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert [a.title for a in actions] == ["hoverdoc: Generate docstring"]
    action = await client.code_action_resolve_async(actions[0])
    edited = apply_text_edits(path.read_text(), action.edit.changes[uri])
    lines = edited.splitlines()
    assert lines[12] == "    def update_account_owner(self, account, value):"
    assert lines[13].startswith('        """') and lines[13].endswith(".")
    assert lines[15:20] == [
        "        Args:",
        "            account: The account.",
        "            value: The value.",
        '        """',
        "        account.owner = value",
    ]
    compile(edited, "accounts.py", "exec")


async def test_generate_docstring_sends_tab_stops_to_a_client_that_takes_snippets(
    client: LanguageClient, workspace: Path, tiny_model_dir: Path
):
    await start_session(client, workspace, {"modelPath": str(tiny_model_dir)}, snippet_capabilities())
    await wait_for_state(client)
    path = workspace / "pkg" / "accounts.py"
    uri = open_document(client, path)
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="hoverdoc.generateDocstring", arguments=[uri, {"line": 12, "character": 8}]
        )
    )
    assert result["applied"]
    (change,) = client.applied_edits[-1].document_changes
    assert change.text_document.uri == uri and change.text_document.version == 1
    (edit,) = change.edits
    assert isinstance(edit, types.SnippetTextEdit)
    snippet = edit.snippet.value
    assert snippet.startswith('        """${1:') and snippet.endswith('"""\n')
    assert "            account: ${2:The account.}\n            value: ${3:The value.}\n" in snippet
    # without the tab stops, the snippet is exactly the plain edit a client without snippets gets
    plain = re.sub(r"\$\{\d+:([^}]*)\}", r"\1", snippet)
    assert plain.startswith('        """') and "${" not in plain
    compile(apply_text_edits(path.read_text(), [types.TextEdit(edit.range, plain)]), "accounts.py", "exec")


async def test_generate_docstring_writes_the_models_parameter_descriptions(
    client: LanguageClient, workspace: Path, tiny_multitask_model_dir: Path
):
    from hoverdoc.core.extract import extract
    from hoverdoc.core.runtime import Summarizer
    from hoverdoc.server.param_eval import placeholder

    await start_session(client, workspace, {"modelPath": str(tiny_multitask_model_dir)})  # the default: on
    await wait_for_state(client)
    path = workspace / "pkg" / "accounts.py"
    uri = open_document(client, path)

    async def generated() -> str:
        result = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command="hoverdoc.generateDocstring", arguments=[uri, {"line": 3, "character": 6}]
            )
        )
        assert result["applied"] and not result["fallback"]
        return apply_text_edits(path.read_text(), client.applied_edits[-1].changes[uri])

    edited = await generated()
    definition = next(d for d in extract(path.read_text()) if d.name == "fetch_account_balance")
    expected = Summarizer(tiny_multitask_model_dir).describe(definition.code, ["account_id", "registry"])
    assert set(expected) == {"account_id", "registry"}  # the workspace documents none of them
    assert f"        account_id: {expected['account_id']}\n" in edited
    assert f"        registry: {expected['registry']}\n" in edited
    assert (
        "    Returns:\n        The account balance.\n" in edited
    )  # return values: from the name (dev-measured)

    settings = {"modelPath": str(tiny_multitask_model_dir), "docstring": {"modelDescriptions": False}}
    client.set_configuration(settings, section="hoverdoc")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await asyncio.sleep(0.5)
    edited = await generated()
    for name in ("account_id", "registry"):  # turned off: the name's placeholder
        written = placeholder({"code": definition.code, "param": name})
        assert written != expected[name] and f"        {name}: {written}\n" in edited


async def test_document_file_and_style_change(client: LanguageClient, workspace: Path, tiny_model_dir: Path):
    await start_session(client, workspace, {"modelPath": str(tiny_model_dir), "docstringStyle": "numpy"})
    await wait_for_state(client)
    path = workspace / "pkg" / "accounts.py"
    uri = open_document(client, path)
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="hoverdoc.documentFile", arguments=[uri])
    )
    assert result["applied"] and result["documented"] == 4  # the function, the class, __init__, the method
    edits = client.applied_edits[-1].changes[uri]
    edited = apply_text_edits(path.read_text(), edits)
    assert "Parameters\n        ----------\n        account\n" in edited
    assert edited.count('"""') == 2 * 6  # module + documented + four new ones
    tokens = [
        t
        for t, reports in client.progress_reports.items()
        if any(getattr(r, "kind", "") == "end" for r in reports)
    ]
    assert tokens, "documentFile reports work-done progress"

    client.set_configuration(
        {"modelPath": str(tiny_model_dir), "docstringStyle": "sphinx"}, section="hoverdoc"
    )
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await asyncio.sleep(0.5)
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="hoverdoc.generateDocstring", arguments=[uri, {"line": 3, "character": 6}]
        )
    )
    assert result["applied"]
    edited = apply_text_edits(path.read_text(), client.applied_edits[-1].changes[uri])
    assert ":param account_id: The account id." in edited


async def test_reload_model_and_cancellation(client: LanguageClient, workspace: Path, tiny_model_dir: Path):
    await start_session(client, workspace, {"modelPath": str(tiny_model_dir)})
    await wait_for_state(client)
    uri = open_document(client, workspace / "pkg" / "accounts.py")
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="hoverdoc.reloadModel", arguments=[])
    )
    assert result == {"state": "ready", "model": "tiny-model", "reason": None}

    # a call-site hover resolves through jedi in a worker thread: the cancel arrives while it runs
    usage = open_document(client, workspace / "pkg" / "usage.py")
    future = client.protocol.send_request(
        types.TEXT_DOCUMENT_HOVER,
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=usage), position=position(4, 18)),
        msg_id="cancel-me",
    )
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="cancel-me"))
    with pytest.raises(JsonRpcRequestCancelled):
        await asyncio.wrap_future(future)
    # the server is still fine afterwards
    assert "fetch_account_balance" in await hover(client, uri, 3, 8)


# --- without a model -------------------------------------------------------------------------------


async def test_no_model_shows_one_message_and_marked_fallback(
    client: LanguageClient, workspace: Path, tmp_path: Path
):
    missing = tmp_path / "no-such-model"
    await start_session(client, workspace, {"modelPath": str(missing)})
    status = await wait_for_state(client)
    assert status["state"] == "fallback" and "not found" in status["reason"]
    uri = open_document(client, workspace / "pkg" / "accounts.py")
    text = await hover(client, uri, 3, 8)
    assert "Fetch the account balance." in text
    assert "fallback: derived from the name, no model" in text
    await hover(client, uri, 12, 10)
    warnings = [m for m in client.messages if "no usable model" in m.message]
    assert len(warnings) == 1
    # docstrings written without a model say so: the extension tells the user which summaries to check
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="hoverdoc.generateDocstring", arguments=[uri, {"line": 3, "character": 6}]
        )
    )
    assert result["applied"] and result["fallback"]
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="hoverdoc.documentFile", arguments=[uri])
    )
    assert result["applied"] and result["fallbacks"] == result["documented"] > 0


async def test_corrupt_model_falls_back(
    client: LanguageClient, workspace: Path, tiny_model_dir: Path, tmp_path: Path
):
    broken = tmp_path / "broken-model"
    shutil.copytree(tiny_model_dir, broken)
    (broken / "encoder_model.onnx").write_bytes(b"not an onnx graph at all")
    await start_session(client, workspace, {"modelPath": str(broken)})
    status = await wait_for_state(client)
    assert status["state"] == "fallback" and "truncated or corrupt" in status["reason"]
    uri = open_document(client, workspace / "pkg" / "accounts.py")
    assert "fallback" in await hover(client, uri, 3, 8)


if sys.platform == "win32":  # pragma: no cover
    pytestmark = pytest.mark.skip("stdio subprocess tests run on POSIX")


async def test_server_switches_to_a_newly_installed_workspace_model(
    client: LanguageClient, workspace: Path, tiny_model_dir: Path
):
    await start_session(client, workspace, {})
    first = await wait_for_state(client)
    assert first["origin"] in ("bundled", "HOVERDOC_MODEL") or first["state"] == "fallback"
    client.statuses.clear()
    installed = workspace / ".hoverdoc" / "model"
    shutil.copytree(tiny_model_dir, installed)  # what `hoverdoc retrain` does at its end
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[
                types.FileEvent(uri=(installed / "manifest.json").as_uri(), type=types.FileChangeType.Created)
            ]
        )
    )
    status = await wait_for_state(client, states=("ready",))
    assert status["model"] == "tiny-model" and status["origin"] == "workspace"


async def test_an_invalid_setting_is_reported_once_while_it_stays(
    client: LanguageClient, workspace: Path, tiny_model_dir: Path
):
    # VS Code answers the server's section and each folder's with the same values
    await start_session(client, workspace, {"modelPath": str(tiny_model_dir), "threads": -1})
    await wait_for_state(client)
    for _ in range(2):  # configuration changes make the server read every value again
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        await asyncio.sleep(0.5)
    assert len([m for m in client.messages if "hoverdoc.threads" in m.message]) == 1
    settings = {"modelPath": str(tiny_model_dir), "threads": -2}  # another bad value: said again
    client.set_configuration(settings, section="hoverdoc")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await asyncio.sleep(0.5)
    assert len([m for m in client.messages if "hoverdoc.threads = -2" in m.message]) == 1


async def test_hover_settings_and_initialization_options(
    client: LanguageClient, workspace: Path, tiny_model_dir: Path
):
    # a client without workspace/configuration: settings come from the initialization options
    await client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=workspace.as_uri(),
            initialization_options={
                "modelPath": str(tiny_model_dir),
                "hover": {"documented": True},
                "docstringStyle": "sphinx",
            },
        )
    )
    await wait_for_state(client)
    uri = open_document(client, workspace / "pkg" / "accounts.py")
    assert "def documented(self, x)" in await hover(client, uri, 16, 10)  # documented functions hover too
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="hoverdoc.generateDocstring", arguments=[uri, {"line": 3, "character": 6}]
        )
    )
    assert result["applied"] and ":param account_id:" in client.applied_edits[-1].changes[uri][0].new_text
    # settings pushed with didChangeConfiguration (the legacy push model) switch hovers off
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"hoverdoc": {"modelPath": str(tiny_model_dir), "hover": {"enabled": False}}}
        )
    )
    await asyncio.sleep(0.3)
    assert await hover(client, uri, 3, 8) == ""
