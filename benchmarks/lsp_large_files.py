"""Large files over LSP: time to the first hover and the server's memory with several open.

    python benchmarks/lsp_large_files.py [--model DIR] [--lines 50000] [--open 4]

Starts the server over stdio, waits for its model, then measures: the first hover in a freshly opened
file of N lines (from didOpen to the answer), the first hover in a 10 MB file of comments, and the
server's resident memory with several such files open, after a hover in each and after a code action
in each (which needs the whole file parsed).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient


def rss_mb(pid: int) -> float:
    """Current resident memory of a process, in MB."""
    line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def big_source(lines: int, tag: int) -> str:
    return "".join(
        f"def fetch_item_{tag}_{i}(registry):\n    entry = registry.lookup({i})\n    return entry.value\n\n\n"
        for i in range(lines // 5)
    )


async def start(model: str | None, cache: str) -> tuple[LanguageClient, list[dict]]:
    client = LanguageClient("bench", "0")
    statuses: list[dict] = []
    settings = {"modelPath": model} if model else {}

    @client.feature(types.WORKSPACE_CONFIGURATION)
    def configuration(params):
        return [settings for _ in params.items]

    @client.feature("hoverdoc/status")
    def status(params):
        statuses.append(params._asdict() if hasattr(params, "_asdict") else dict(params))

    @client.feature(types.WINDOW_SHOW_MESSAGE)
    def show(params):
        return None

    env = {**os.environ, "HOVERDOC_CACHE_DIR": cache}
    await client.start_io(sys.executable, "-m", "hoverdoc.server", env=env)
    capabilities = types.ClientCapabilities(workspace=types.WorkspaceClientCapabilities(configuration=True))
    await client.initialize_async(
        types.InitializeParams(capabilities=capabilities, root_uri=Path(cache).as_uri())
    )
    client.initialized(types.InitializedParams())
    while not any(s["state"] in ("ready", "fallback") for s in statuses):
        await asyncio.sleep(0.05)
    return client, statuses


def open_text(client: LanguageClient, uri: str, text: str) -> None:
    item = types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
    client.text_document_did_open(types.DidOpenTextDocumentParams(item))


async def hover(client: LanguageClient, uri: str, line: int) -> float:
    """Seconds to answer a hover on the definition name at ``line``."""
    started = time.perf_counter()
    await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, 6))
    )
    return time.perf_counter() - started


async def code_action(client: LanguageClient, uri: str, line: int) -> float:
    started = time.perf_counter()
    position = types.Position(line, 6)
    await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri), types.Range(position, position), types.CodeActionContext([])
        )
    )
    return time.perf_counter() - started


async def run(model: str | None, lines: int, count: int) -> list[tuple[str, str]]:
    cache = tempfile.mkdtemp(prefix="hoverdoc-large-bench-")
    client, statuses = await start(model, cache)
    pid = client._server.pid
    rows = [
        ("model", statuses[-1].get("model") or statuses[-1]["state"]),
        ("RSS after start", f"{rss_mb(pid):.0f} MB"),
    ]
    uris = [Path(cache, f"big_{n}.py").as_uri() for n in range(count)]
    last = lines - 5
    started = time.perf_counter()
    open_text(client, uris[0], big_source(lines, 0))
    await hover(client, uris[0], last)
    rows.append(
        (f"first hover, {lines:,}-line file (from didOpen)", f"{time.perf_counter() - started:.2f} s")
    )
    rows.append((f"second hover, {lines:,}-line file", f"{1000 * await hover(client, uris[0], 0):.0f} ms"))
    huge = Path(cache, "comments.py").as_uri()
    started = time.perf_counter()
    open_text(client, huge, ("# " + "x" * 97 + "\n") * 100_000 + "def late(value):\n    return value\n")
    await hover(client, huge, 100_000)
    rows.append(("first hover, 10 MB of comments (from didOpen)", f"{time.perf_counter() - started:.2f} s"))
    for number, uri in enumerate(uris[1:], start=1):
        open_text(client, uri, big_source(lines, number))
        await hover(client, uri, last)
    await asyncio.sleep(1.0)
    rows.append((f"RSS, {count} files open, one hover each", f"{rss_mb(pid):.0f} MB"))
    action_times = [await code_action(client, uri, last) for uri in uris]
    rows.append(
        (
            "code action, whole-file parse (first / slowest)",
            f"{action_times[0]:.2f} / {max(action_times):.2f} s",
        )
    )
    rows.append((f"RSS, {count} files open, a code action in each", f"{rss_mb(pid):.0f} MB"))
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", help="model directory (default: the server's own choice)")
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--open", type=int, default=4, help="how many large files to open")
    args = parser.parse_args()
    rows = asyncio.run(run(args.model, args.lines, args.open))
    print(f"{os.cpu_count()} CPU cores\n")
    print("| measure | value |")
    print("| --- | ---: |")
    for name, value in rows:
        print(f"| {name} | {value} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
