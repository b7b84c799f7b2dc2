"""Drive the language server over stdio like an editor and time its hovers.

    python benchmarks/lsp_latency.py [--model DIR] [--files a.py b.py ...] [-n 100] [--starts K] [--cold]

Measures, from process start: the first hover answered at all and the first hover answered by the
model (the model loads in the background; earlier hovers get the marked fallback); hovers on other
functions, at a user's pace, while the workspace index (the files' folder) builds; then hover p50/p95
on distinct functions with an empty cache (uncached), once the index is built, the same hovers again (cached, from SQLite), and the server's resident memory. The default
files are standard-library modules, hovered with ``hover.documented`` on so their (documented)
functions count. ``--starts K`` times only start-up,
K times, and prints the medians (a start-up change is measured against its baseline this way).
Each start is timed as a user's every start but the first, with the bytecode cache that the first one
leaves (``server/bytecode_cache.py``); ``--cold`` times a first-ever start.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import numpy as np
from lsprotocol import types
from pygls.lsp.client import LanguageClient

from hoverdoc.core.extract import extract

DEFAULT_FILES = ["argparse.py", "tarfile.py", "json/decoder.py", "textwrap.py", "configparser.py"]


def rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of a process, in MB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


WARM_BYTECODE = """
import sys
from pathlib import Path
from hoverdoc.server.bytecode_cache import attrs_bytecode_cached
with attrs_bytecode_cached(Path(sys.argv[1])):
    import hoverdoc.server.server
"""


def warm_bytecode(cache: str) -> None:
    """Leave in ``cache`` the bytecode file that any earlier start of the server leaves (as Python
    leaves .pyc files): the timed start is a user's every start but the very first."""
    subprocess.run([sys.executable, "-c", WARM_BYTECODE, cache], check=True)


async def run(
    model: str | None,
    files: list[Path],
    count: int,
    start_up_only: bool = False,
    cold: bool = False,
    extra_settings: dict | None = None,
) -> dict:
    cache = tempfile.mkdtemp(prefix="hoverdoc-lsp-bench-")
    if not cold:
        warm_bytecode(cache)
    settings = {
        "hover": {"documented": True},
        **({"modelPath": model} if model else {}),
        **(extra_settings or {}),
    }
    client = LanguageClient("bench", "0")
    statuses: list[dict] = []

    @client.feature(types.WORKSPACE_CONFIGURATION)
    def configuration(params):
        return [settings for _ in params.items]

    @client.feature("hoverdoc/status")
    def status(params):
        statuses.append(params._asdict() if hasattr(params, "_asdict") else dict(params))

    @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def progress_create(params):
        return None

    @client.feature(types.PROGRESS)
    def progress(params):
        return None

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params):
        return None

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def diagnostics(params):
        return None  # the server's stale-docstring diagnostics: not timed here

    # The client's own parsing happens before the clock starts: only the server is timed.
    texts = {path.as_uri(): path.read_text(encoding="utf-8") for path in files}
    targets: list[tuple[str, types.Position]] = []
    for uri, text in texts.items():
        for definition in extract(text):
            if definition.is_function:
                targets.append(
                    (uri, types.Position(definition.name_span.start_line, definition.name_span.start_col))
                )
    # hovered while the workspace index builds: other functions, so the later uncached ones stay so
    during_build = targets[count : 2 * count]
    targets = targets[:count]

    started = time.perf_counter()
    environment = {**os.environ, "HOVERDOC_CACHE_DIR": cache}
    await client.start_io(sys.executable, "-m", "hoverdoc.server", env=environment)
    root = files[0].parent
    await client.initialize_async(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(
                workspace=types.WorkspaceClientCapabilities(configuration=True),
                window=types.WindowClientCapabilities(work_done_progress=True),
            ),
            root_uri=root.as_uri(),
        )
    )
    client.initialized(types.InitializedParams())
    for uri, text in texts.items():
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
            )
        )

    async def hover(uri: str, position: types.Position) -> tuple[float, str]:
        t = time.perf_counter()
        result = await client.text_document_hover_async(
            types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
        )
        return 1000 * (time.perf_counter() - t), result.contents.value if result else ""

    _, first_text = await hover(*targets[0])
    first_any = time.perf_counter() - started
    first_model = first_any if "generated summary" in first_text else None
    while first_model is None and time.perf_counter() - started < 60:
        if any(s["state"] in ("ready", "fallback") for s in statuses):
            _, text = await hover(*targets[0])
            if "generated summary" in text:
                first_model = time.perf_counter() - started
            break
        await asyncio.sleep(0.01)
    state = next((s for s in reversed(statuses) if s["state"] in ("ready", "fallback")), {"state": "?"})
    if start_up_only:
        await stop(client)
        return {
            "model": state.get("model") or state["state"],
            "first_any_s": first_any,
            "first_model_s": first_model,
        }

    # the workspace index builds in the background: hovers meanwhile (a user's first minute in a
    # large workspace), then hovers once it is ready
    index_ready, building = None, []
    while time.perf_counter() - started < 120:
        index = next((s.get("index") for s in reversed(statuses) if s.get("index")), "") or ""
        if "documented definitions" in index or index == "off":
            index_ready = time.perf_counter() - started
            break
        if len(building) < len(during_build):
            building.append((await hover(*during_build[len(building)]))[0])
            await asyncio.sleep(0.2)  # a user's pace, not a flood
        else:
            await asyncio.sleep(0.05)
    uncached = [(await hover(uri, position))[0] for uri, position in targets[1:]]
    cached = [(await hover(uri, position))[0] for uri, position in targets[1:]]
    pid = client._server.pid
    current, peak = rss_mb(pid)
    await stop(client)
    return {
        "model": state.get("model") or state["state"],
        "first_any_s": first_any,
        "first_model_s": first_model,
        "building_p50": float(np.percentile(building, 50)) if building else None,
        "building_p95": float(np.percentile(building, 95)) if building else None,
        "building_max": max(building) if building else None,
        "building_hovers": len(building),
        "uncached_p50": float(np.percentile(uncached, 50)),
        "uncached_p95": float(np.percentile(uncached, 95)),
        "cached_p50": float(np.percentile(cached, 50)),
        "cached_p95": float(np.percentile(cached, 95)),
        "rss_mb": current,
        "peak_rss_mb": peak,
        "hovers": len(uncached),
        "index_ready_s": index_ready,
        "index": index,
    }


async def stop(client: LanguageClient) -> None:
    """Shut the server down as an editor does."""
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()


def start_ups(
    model: str | None, files: list[Path], starts: int, cold: bool = False, extra: dict | None = None
) -> int:
    """Start the server ``starts`` times and print each first hover (any answer, and by the model)
    with their medians: start-up alone, without waiting for the workspace index."""
    runs = [
        asyncio.run(run(model, files, 1, start_up_only=True, cold=cold, extra_settings=extra))
        for _ in range(starts)
    ]
    kind = "first-ever starts (no bytecode cache)" if cold else "starts"
    print(f"model: {runs[0]['model']}; {starts} {kind}; {os.cpu_count()} CPU cores\n")
    for key, label in (("first_any_s", "any answer"), ("first_model_s", "answered by the model")):
        values = [r[key] for r in runs if r[key] is not None]
        listed = ", ".join(f"{v:.2f}" for v in values)
        median = f"{float(np.median(values)):.2f} s" if values else "n/a"
        print(f"first hover, {label}: {listed} s; median {median}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--model", help="model directory (default: the server's own choice, the bundled model)"
    )
    parser.add_argument(
        "--files", nargs="*", help="Python files to hover (default: some standard-library modules)"
    )
    parser.add_argument("-n", type=int, default=101, help="hovers (distinct functions)")
    parser.add_argument(
        "--starts", type=int, default=0, help="only time start-up to the first hover, this many times"
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="time a first-ever start: no bytecode cache from an earlier start (default: one is left)",
    )
    parser.add_argument(
        "--max-source-tokens", type=int, help="the hoverdoc.maxSourceTokens setting (default: the model's)"
    )
    args = parser.parse_args()
    extra = {"maxSourceTokens": args.max_source_tokens} if args.max_source_tokens else {}
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = [Path(f).resolve() for f in args.files] if args.files else [stdlib / f for f in DEFAULT_FILES]
    if args.starts:
        return start_ups(args.model, files, args.starts, args.cold, extra)
    results = {"value": asyncio.run(run(args.model, files, args.n, cold=args.cold, extra_settings=extra))}
    first = next(iter(results.values()))
    print(f"model: {first['model']}; {first['hovers']} distinct functions; {os.cpu_count()} CPU cores\n")
    print(f"| measure | {' | '.join(results)} | target |")
    print("| --- |" + " ---: |" * len(results) + " ---: |")

    def row(label: str, cell, target: str = "") -> None:
        print(f"| {label} | {' | '.join(cell(r) for r in results.values())} | {target} |")

    row("first hover after process start (any answer)", lambda r: f"{r['first_any_s']:.2f} s")
    row(
        "first hover answered by the model",
        lambda r: f"{r['first_model_s']:.2f} s" if r["first_model_s"] else "n/a (no model)",
        "< 1 s",
    )
    row(
        "workspace index ready",
        lambda r: (
            f"{r['index_ready_s']:.1f} s ({r['index']})" if r["index_ready_s"] else "not ready in 120 s"
        ),
    )
    row(
        "hover p50 / p95 / max, uncached, while the index builds",
        lambda r: (
            f"{r['building_p50']:.1f} / {r['building_p95']:.1f} / {r['building_max']:.1f} ms "
            f"({r['building_hovers']} hovers)"
            if r["building_hovers"]
            else "n/a"
        ),
    )
    row(
        "hover p50 / p95, uncached",
        lambda r: f"{r['uncached_p50']:.1f} / {r['uncached_p95']:.1f} ms",
        "p95 < 50 ms",
    )
    row(
        "hover p50 / p95, cached",
        lambda r: f"{r['cached_p50']:.1f} / {r['cached_p95']:.1f} ms",
        "p95 < 10 ms",
    )
    row("server RSS (peak)", lambda r: f"{r['rss_mb']:.0f} MB ({r['peak_rss_mb']:.0f} MB)", "< 250 MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
