"""The wire layer under the server: framing that resynchronises, and an answer to every request.

pygls 2.1's reader (``pygls.io_.run_async``) only accepts ``Content-Length: N\\r\\n`` spelled exactly
so and goes deaf for good after one bad frame; its protocol drops requests whose params don't
structure and puts tracebacks in ``error.data``. :class:`FrameReader` and :class:`HoverdocProtocol`
replace those parts; its documents split lines as Python's ``str.splitlines`` does, at form feeds
too, where LSP breaks lines only at ``\\n``, ``\\r\\n`` and ``\\r``: :class:`LspLinesWorkspace` gives it
documents that split as the editor does. Everything else (features, progress) stays pygls'.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
import threading
from collections.abc import Awaitable, Callable
from typing import Any, BinaryIO
from urllib.parse import unquote

import cattrs
from lsprotocol import types
from parso.utils import split_lines
from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
    JsonRpcParseError,
    JsonRpcServerNotInitialized,
)
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.workspace import TextDocument, Workspace

logger = logging.getLogger(__name__)

# A Content-Length header (any case, any spacing, CRLF or LF), other header lines, then a blank line.
_HEADER = re.compile(
    rb"content-length[ \t]*:[ \t]*(\d{1,12})[ \t]*\r?\n(?:[^\r\n:]+:[^\r\n]*\r?\n)*\r?\n", re.IGNORECASE
)
MAX_BODY = 256 * 1024 * 1024
MAX_JUNK = 1024 * 1024  # bytes kept while no header is in sight
_SURROGATE = re.compile("[\ud800-\udfff]")
_INTERNAL_ERROR = -32603


class FrameReader:
    """Splits a byte stream into message bodies; bytes before a well-formed header are skipped."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> None:
        """Add bytes read from the transport."""
        self._buffer += data

    def next_body(self) -> bytes | None:
        """The next complete body, or None until more bytes arrive."""
        while True:
            match = _HEADER.search(self._buffer)
            if match is None:
                if len(self._buffer) > MAX_JUNK:
                    logger.warning("skipped %d bytes without a message header", len(self._buffer) - 4096)
                    del self._buffer[:-4096]
                return None
            if match.start():
                logger.warning("skipped %d bytes before a message header", match.start())
                del self._buffer[: match.start()]
                continue
            length = int(match.group(1))
            if length > MAX_BODY:
                logger.warning("skipped a message of %d bytes (the limit is %d)", length, MAX_BODY)
                del self._buffer[: match.end()]
                continue
            end = match.end() + length
            if len(self._buffer) < end:
                return None
            body = bytes(self._buffer[match.end() : end])
            del self._buffer[:end]
            return body

    def resync(self, body: bytes) -> None:
        """The last body was not a message: look for the next header inside it (a wrong length)."""
        self._buffer[:0] = body


async def serve_frames(
    read: Callable[[], Awaitable[bytes]], protocol: HoverdocProtocol, stop: threading.Event
) -> None:
    """Read frames until end of input (or ``stop``) and hand each body to the protocol."""
    frames = FrameReader()
    while not stop.is_set():
        data = await read()
        if not data:
            return
        frames.feed(data)
        while (body := frames.next_body()) is not None:
            if not protocol.receive(body):
                frames.resync(body)


def threaded_reader(stream: BinaryIO) -> Callable[[], Awaitable[bytes]]:
    """Chunks of a blocking stream, read by a daemon thread (which never holds up process exit)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=16)

    def read_some() -> bytes:
        try:  # the descriptor, not the buffered object: a read blocked at exit holds no lock
            return os.read(stream.fileno(), 65536)
        except (AttributeError, io.UnsupportedOperation):
            return stream.read1(65536) if hasattr(stream, "read1") else stream.readline()

    def pump() -> None:
        while True:
            try:
                data = read_some()
            except (OSError, ValueError):
                data = b""
            asyncio.run_coroutine_threadsafe(queue.put(data), loop).result()
            if not data:
                return

    threading.Thread(target=pump, name="hoverdoc-stdin", daemon=True).start()
    return queue.get


def _clean_strings(value: Any) -> Any:
    """Lone surrogates (from ``\\ud800`` escapes) become U+FFFD: same UTF-16 length, encodable."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value
    if isinstance(value, dict):
        return {key: _clean_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean_strings(item) for item in value]
    return value


def _one_line(error: BaseException) -> str:
    """A short reason for a structuring failure."""
    if isinstance(error, cattrs.BaseValidationError):
        reasons = cattrs.transform_error(error)
        return reasons[0] if reasons else "invalid value"
    return f"{type(error).__name__}: {error}".splitlines()[0]


def _valid_id(value: Any) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool)


def _id_of(data: Any) -> Any:
    """The request id to answer to (None when there is no usable one)."""
    return data.get("id") if isinstance(data, dict) and _valid_id(data.get("id")) else None


def _id_in_broken(body: bytes) -> Any:
    """The id of a request whose body is cut or corrupt, when it shows before its params (as
    clients write them), so the request still gets its answer."""
    found = _ID.search(body)
    params = body.find(b'"params"')
    if found is None or (params != -1 and params < found.start()):
        return None
    try:
        return json.loads(found.group(1))
    except ValueError:
        return None


_ID = re.compile(rb'"id"[ \t\r\n]*:[ \t\r\n]*(-?\d{1,18}|"(?:[^"\\]|\\.){0,200}")')


class LspLinesDocument(TextDocument):
    """pygls' text document with its lines where the editor has them. pygls splits with
    ``str.splitlines``, which also breaks at form feeds, ``\\x1c``-``\\x1e``, ``\\x85`` and ``\\u2028``:
    an incremental edit after a form feed (common in GNU-style Python) landed on the wrong line."""

    @property
    def lines(self) -> tuple[str, ...]:
        """The source's lines, each with its line end, split only at ``\\n``, ``\\r\\n`` and ``\\r``
        (parso's split, as the server's own positions use; without its empty line after a last line
        end, as pygls expects)."""
        lines = split_lines(self.source, keepends=True)
        return tuple(lines[:-1] if lines[-1] == "" else lines)


class LspLinesWorkspace(Workspace):
    """pygls' workspace, its documents :class:`LspLinesDocument`."""

    @classmethod
    def like(cls, workspace: Workspace) -> LspLinesWorkspace:
        """A workspace with ``workspace``'s root, folders, sync kind and position encoding."""
        sync_kind = getattr(workspace, "_sync_kind", types.TextDocumentSyncKind.Incremental)
        folders = list(workspace.folders.values())
        return cls(workspace.root_uri, sync_kind, folders, workspace.position_encoding)

    def _create_text_document(
        self,
        doc_uri: str,
        source: str | None = None,
        version: int | None = None,
        language_id: str | None = None,
    ) -> TextDocument:
        return LspLinesDocument(
            doc_uri,
            source=source,
            version=version,
            language_id=language_id,
            sync_kind=self._sync_kind,
            position_codec=self.position_codec,
        )


class HoverdocProtocol(LanguageServerProtocol):
    """pygls' LSP protocol that answers every request: malformed, too early, too late or failing."""

    def __init__(self, server: Any, converter: cattrs.Converter):
        super().__init__(server, converter)
        self._initialized = False
        self._sending = False

    @property
    def workspace(self) -> Workspace:
        """pygls' workspace as an :class:`LspLinesWorkspace`, swapped in the first time it is asked
        for: ``initialize`` makes it, and every document is opened through this property."""
        workspace = super().workspace
        if not isinstance(workspace, LspLinesWorkspace):
            workspace = self._workspace = LspLinesWorkspace.like(workspace)
        return workspace

    def _send_data(self, data: Any) -> None:
        """pygls' send, minus its reaction to a failed write (``report_server_error``, which sends
        again): once the client has gone (stdout closed), a background task that still reports
        progress would otherwise recurse until the stderr pipe fills and the process hangs."""
        if self._sending:
            logger.warning("not sent (a send failed while sending): %.200s", data)
            return
        self._sending = True
        try:
            super()._send_data(data)
        finally:
            self._sending = False

    def receive(self, body: bytes) -> bool:
        """Handle one framed body; False when it is not JSON at all (the reader resynchronises)."""
        try:
            data = _clean_strings(json.loads(body))
        except (ValueError, RecursionError):
            error = JsonRpcParseError("Parse error: the message is not valid JSON")
            self.send_error(_id_in_broken(body), error)
            return False
        self.receive_object(data)
        return True

    def receive_object(self, data: Any) -> None:
        """Dispatch one decoded JSON value, answering what is not a valid JSON-RPC 2.0 message."""
        if not isinstance(data, dict) or data.get("jsonrpc") != "2.0":
            self.send_error(_id_of(data), JsonRpcInvalidRequest("Invalid request: not a JSON-RPC 2.0 object"))
            return
        method = data.get("method")
        if method is None and "id" in data and ("result" in data or "error" in data):
            self._receive_response(data)
        elif not isinstance(method, str) or ("id" in data and not _valid_id(data["id"])):
            self.send_error(_id_of(data), JsonRpcInvalidRequest("Invalid request: bad method or id"))
        elif "id" in data:
            self._receive_request(data, method)
        else:
            self._receive_notification(data, method)

    def _structure(self, data: dict, method: str) -> Any:
        from pygls.protocol.json_rpc import JsonRPCNotification, JsonRPCRequestMessage

        fallback = JsonRPCRequestMessage if "id" in data else JsonRPCNotification
        return self._converter.structure(data, self.get_message_type(method) or fallback)

    def _receive_request(self, data: dict, method: str) -> None:
        msg_id = data["id"]
        if method != types.INITIALIZE and not self._initialized:
            self.send_error(
                msg_id, JsonRpcServerNotInitialized("Server not initialized: send initialize first")
            )
            return
        if self._shutdown:
            self.send_error(msg_id, JsonRpcInvalidRequest("Invalid request: the server is shutting down"))
            return
        try:
            message = self._structure(data, method)
        except Exception as error:  # noqa: BLE001 - any structuring failure is the client's params
            self.send_error(msg_id, JsonRpcInvalidParams(f"Invalid params for {method}: {_one_line(error)}"))
            return
        self._initialized = True
        self.handle_message(message)

    def _stop_background_work(self) -> None:
        stop = getattr(self._server, "stop_background_work", None)
        if stop is not None:
            stop()

    def _receive_notification(self, data: dict, method: str) -> None:
        if method == types.EXIT:
            self._stop_background_work()  # before the exit handler ends the loop, which waits for threads
        if method != types.EXIT and (not self._initialized or self._shutdown):
            logger.info(
                "ignored %s: the server is %s", method, "shut down" if self._shutdown else "not initialized"
            )
            return
        try:
            message = self._structure(data, method)
        except Exception as error:  # noqa: BLE001 - a notification has no one to answer
            logger.warning("ignored %s with invalid params: %s", method, _one_line(error))
            return
        self.handle_message(message)

    def _receive_response(self, data: dict) -> None:
        try:
            message = self.structure_message(data)
        except Exception as error:  # noqa: BLE001 - the waiting request fails instead
            future = self._request_futures.pop(data["id"], None)
            if future is not None and not future.done():
                future.set_exception(JsonRpcInvalidParams(f"Invalid response: {_one_line(error)}"))
            return
        self.handle_message(message)

    def send_error(self, msg_id: Any, error: JsonRpcException) -> None:
        """Answer with a JSON-RPC error (``"id": null`` when the request's id is unknown)."""
        if msg_id is None:
            body = {"jsonrpc": "2.0", "id": None, "error": {"code": error.code, "message": error.message}}
            self._send_data(body)
        else:
            self._send_response(msg_id, None, error.to_response_error())

    def _send_response(
        self, msg_id: Any, result: Any = None, error: types.ResponseError | None = None
    ) -> None:
        """pygls' response, with internal errors cut to one line and no traceback in ``data``."""
        if error is not None and error.code == _INTERNAL_ERROR:
            message = (error.message or "Internal error").strip().splitlines()[0]
            error = types.ResponseError(code=error.code, message=message)
        super()._send_response(msg_id, result, error)

    @lsp_method(types.SHUTDOWN)
    def lsp_shutdown(self, *args: Any) -> Any:
        """Cancel outstanding requests (pygls 2.1 iterates the live dict, which cancelling changes)."""
        if (user_handler := self.fm.features.get(types.SHUTDOWN)) is not None:
            yield user_handler, args, None
        current_id = self.msg_id
        for msg_id, future in list(self._request_futures.items()):
            if msg_id != current_id and not future.done():
                future.cancel()
        self._shutdown = True
        self._stop_background_work()
        return None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Any:
        """pygls' didChange, except that a change to a document that isn't open is ignored."""
        if unquote(params.text_document.uri) not in self.workspace.text_documents:
            logger.info("ignored didChange for %s, which is not open", params.text_document.uri)
            return None
        yield from super().lsp_text_document__did_change(params)


def run_stdio(server: Any, stdin: BinaryIO, stdout: BinaryIO) -> int:
    """Serve ``server`` over stdio until ``exit`` or end of input; the exit status (1: no shutdown)."""
    from pygls.io_ import StdoutWriter

    server._stop_event = stop = threading.Event()
    server.protocol.set_writer(StdoutWriter(stdout))

    async def main() -> None:
        await serve_frames(threaded_reader(stdin), server.protocol, stop)
        server.protocol._stop_background_work()  # end of input: asyncio.run then waits for threads

    return _run(server, main)


def run_tcp(server: Any, host: str, port: int) -> int:
    """Serve one client at a time over TCP with the same framing as stdio."""
    server._stop_event = stop = threading.Event()

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        server.protocol.set_writer(writer)
        await serve_frames(lambda: reader.read(65536), server.protocol, stop)
        server.shutdown()

    async def main() -> None:
        server._server = await asyncio.start_server(connection, host, port)
        logger.info("serving on %s:%s", host, port)
        async with server._server:
            await server._server.serve_forever()

    return _run(server, main)


def _run(server: Any, main: Callable[[], Awaitable[None]]) -> int:
    code = 0
    try:
        asyncio.run(main())
    except SystemExit as exit_request:  # raised by pygls' exit handler
        code = exit_request.code if isinstance(exit_request.code, int) else 1
    except BrokenPipeError:
        logger.error("the client went away; stopping")
    except (KeyboardInterrupt, asyncio.CancelledError):
        pass
    finally:
        server.shutdown()
    return code
