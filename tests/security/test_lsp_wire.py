"""The server process over raw stdio bytes: every request is answered, bad frames don't deafen it,
and the LSP lifecycle rules (initialize first, nothing after shutdown, exit status) hold."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest
from lsp_support import SERVER_COMMAND

TIMEOUT = 30
BUNDLED_MODEL = Path(__file__).resolve().parents[2] / "models" / "hoverdoc-minilm-bart-22m"


class RawServer:
    """The real server process, spoken to in framed JSON-RPC bytes."""

    def __init__(self, tmp_path: Path, model: Path | None = None):
        self.log = (tmp_path / "server.log").open("wb")
        command = [*SERVER_COMMAND, "--model", str(model or tmp_path / "no-model")]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log
        )
        self.inbox: queue.Queue[dict] = queue.Queue()
        self.seen: list[dict] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.next_id = 0

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
                if line in (b"\r\n", b"\n"):
                    break
            self.inbox.put(json.loads(stream.read(length)))

    def send_bytes(self, data: bytes) -> None:
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def send(self, message: Any, header: bytes = b"Content-Length: %d\r\n\r\n") -> None:
        body = message if isinstance(message, bytes) else json.dumps(message).encode()
        self.send_bytes(header % len(body) + body)

    def request_message(self, method: str, params: Any = None, omit_params: bool = False) -> dict:
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if not omit_params:
            message["params"] = params
        return message

    def notify(self, method: str, params: Any = None) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_for(self, predicate) -> dict:
        for message in self.seen:
            if predicate(message):
                self.seen.remove(message)
                return message
        while True:
            message = self.inbox.get(timeout=TIMEOUT)
            if predicate(message):
                return message
            self.seen.append(message)

    def response(self, msg_id: Any) -> dict:
        return self.wait_for(lambda m: "method" not in m and m.get("id") == msg_id)

    def request(self, method: str, params: Any = None, **kwargs: Any) -> dict:
        message = self.request_message(method, params, **kwargs)
        self.send(message)
        return self.response(message["id"])

    def initialize(self, root: Path) -> None:
        result = self.request("initialize", {"processId": None, "rootUri": root.as_uri(), "capabilities": {}})
        assert "result" in result
        self.notify("initialized", {})

    def open(self, path: Path, text: str) -> str:
        uri = path.as_uri()
        item = {"uri": uri, "languageId": "python", "version": 1, "text": text}
        self.notify("textDocument/didOpen", {"textDocument": item})
        return uri

    def close(self) -> int:
        if self.process.poll() is None:
            self.process.kill()
        self.log.close()
        return self.process.wait(timeout=TIMEOUT)


SOURCE = "def fetch_user(registry, key):\n    return registry.lookup(key)\n"


def hover_params(uri: str, line: int = 0, character: int = 6) -> dict:
    return {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}


@pytest.fixture
def server(tmp_path: Path):
    raw = RawServer(tmp_path)
    yield raw
    raw.close()


@pytest.fixture
def ready(server: RawServer, tmp_path: Path) -> tuple[RawServer, str]:
    server.initialize(tmp_path)
    return server, server.open(tmp_path / "users.py", SOURCE)


def assert_one_line_error(response: dict, code: int) -> None:
    error = response["error"]
    assert error["code"] == code, response
    assert "\n" not in error["message"] and "Traceback" not in error["message"]
    assert error.get("data") is None


def test_request_before_initialize_is_refused(server: RawServer, tmp_path: Path):
    assert_one_line_error(server.request("textDocument/hover", hover_params("file:///x.py")), -32002)
    server.initialize(tmp_path)  # and initialize still works afterwards


@pytest.mark.parametrize(
    "params",
    [
        {"position": {"line": -1, "character": 0}},
        {"position": {"line": 2**63, "character": 0}},
        {"position": {"line": 0, "character": "six"}},
        None,
        "missing",
    ],
    ids=["negative", "huge", "string", "null", "missing"],
)
def test_invalid_params_get_invalid_params_error(ready, params):
    server, uri = ready
    if params == "missing":
        response = server.request("textDocument/hover", omit_params=True)
    else:
        full = None if params is None else {"textDocument": {"uri": uri}, **params}
        response = server.request("textDocument/hover", full)
    assert_one_line_error(response, -32602)
    assert "result" in server.request("textDocument/hover", hover_params(uri))


@pytest.mark.parametrize(
    "header",
    [
        b"content-length: %d\r\n\r\n",
        b"Content-Length:%d\r\n\r\n",
        b"Content-Length: %d\n\n",
        b"CONTENT-LENGTH : %d\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n",
    ],
    ids=["lowercase", "no-space", "lf-only", "spaced-with-type"],
)
def test_header_variants_are_read(ready, header: bytes):
    server, uri = ready
    message = server.request_message("textDocument/hover", hover_params(uri))
    server.send(message, header=header)
    assert "result" in server.response(message["id"])


@pytest.mark.parametrize("error", [-10, 10], ids=["short", "long"])
def test_reader_resynchronises_after_a_wrong_length(ready, error: int):
    server, uri = ready
    message = server.request_message("textDocument/hover", hover_params(uri))
    bad = json.dumps(message).encode()
    server.send_bytes(b"Content-Length: %d\r\n\r\n%s" % (len(bad) + error, bad))
    server.send_bytes(b"garbage that is no header\r\n")
    assert_one_line_error(server.response(message["id"]), -32700)  # the cut request is still answered
    for _ in range(2):
        assert "result" in server.request("textDocument/hover", hover_params(uri))
    assert server.process.poll() is None


@pytest.mark.parametrize("body", [b"[1, 2]", b"42", b'"text"', b"null", b'{"id": 5, "method": "x"}'])
def test_non_object_or_non_jsonrpc_gets_invalid_request(ready, body: bytes):
    server, _ = ready
    server.send(body)
    response = server.wait_for(lambda m: "error" in m and m["error"]["code"] == -32600)
    assert response["id"] in (None, 5)


def test_malformed_json_gets_parse_error(ready):
    server, uri = ready
    server.send(b"{this is not json")
    response = server.wait_for(lambda m: "error" in m and m.get("id") is None)
    assert_one_line_error(response, -32700)
    assert "result" in server.request("textDocument/hover", hover_params(uri))


def test_internal_error_carries_no_traceback(ready):
    server, _ = ready
    response = server.request(
        "workspace/executeCommand", {"command": "hoverdoc.generateDocstring", "arguments": []}
    )
    assert_one_line_error(response, -32603)


def test_requests_after_shutdown_are_invalid_and_exit_is_clean(ready):
    server, uri = ready
    assert server.request("shutdown")["result"] is None
    assert_one_line_error(server.request("textDocument/hover", hover_params(uri)), -32600)
    server.notify("exit")
    assert server.process.wait(timeout=TIMEOUT) == 0


def test_exit_without_shutdown_exits_1(ready):
    server, _ = ready
    server.notify("exit")
    assert server.process.wait(timeout=TIMEOUT) == 1


def test_change_to_unopened_document_is_ignored(ready, tmp_path: Path):
    server, uri = ready
    change = {
        "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
        "text": "x",
    }
    unopened = {"uri": (tmp_path / "never.py").as_uri(), "version": 2}
    server.notify("textDocument/didChange", {"textDocument": unopened, "contentChanges": [change]})
    assert "result" in server.request("textDocument/hover", hover_params(uri))
    shown = [m for m in server.seen if m.get("method") == "window/showMessage"]
    assert not any(
        "KeyError" in m["params"]["message"] or "Error in server" in m["params"]["message"] for m in shown
    )


@pytest.mark.skipif(not (BUNDLED_MODEL / "encoder_model.onnx").exists(), reason="needs the bundled model")
def test_lone_surrogates_are_answered(tmp_path: Path):
    server = RawServer(tmp_path, model=BUNDLED_MODEL)
    try:
        server.initialize(tmp_path)
        server.wait_for(lambda m: m.get("method") == "hoverdoc/status" and m["params"]["state"] != "loading")
        text = "def fetch_user(key='\ud800'):  # \udfff\n    return key\n"
        uri = server.open(tmp_path / "s.py", text)
        response = server.request("textDocument/hover", hover_params(uri, line=0, character=6))
        assert "result" in response, response
        assert "fetch_user" in json.dumps(response["result"])
    finally:
        server.close()
