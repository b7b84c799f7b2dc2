"""The server's inference engine, settings and transport, in-process."""

from __future__ import annotations

import asyncio
import gc
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hoverdoc.core.extract import extract
from hoverdoc.core.model_input import CODE_TOKEN_RESERVE, Exemplar
from hoverdoc.core.model_loading import load_model
from hoverdoc.server.cache import SummaryCache
from hoverdoc.server.engine import SummaryEngine
from hoverdoc.server.settings import Settings, parse_settings


def definitions(count: int, corpus_records) -> list:
    return [extract(r["code"])[0] for r in corpus_records[:count]]


async def test_identical_requests_share_one_run_and_cache_survives_restart(
    tmp_path, tiny_model_dir, corpus_records
):
    cache_path = tmp_path / "cache.sqlite3"
    engine = SummaryEngine(SummaryCache(cache_path))
    engine.set_model(load_model(tiny_model_dir))
    (definition,) = definitions(1, corpus_records)
    results = await asyncio.gather(*(engine.summarize(definition) for _ in range(20)))
    # twenty identical hovers, one model run: the rest wait on it or, once it is done, read the cache
    assert engine.runs == 1 and len({r.text for r in results}) == 1
    assert "model" in {r.origin for r in results} and {r.origin for r in results} <= {"model", "cache"}
    engine.close()

    restarted = SummaryEngine(SummaryCache(cache_path))
    restarted.set_model(load_model(tiny_model_dir))
    again = await restarted.summarize(definition)
    assert again.origin == "cache" and again.text == results[0].text and restarted.runs == 0
    restarted.close()


async def test_cancelled_requests_are_dropped_before_they_run(tmp_path, tiny_model_dir, corpus_records):
    engine = SummaryEngine(SummaryCache(tmp_path / "cache.sqlite3"))
    engine.set_model(load_model(tiny_model_dir))
    many = definitions(120, corpus_records)
    tasks = [asyncio.ensure_future(engine.summarize(d)) for d in many]
    await asyncio.sleep(0)  # all queued
    for task in tasks[20:]:
        task.cancel()
    done = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(not isinstance(r, BaseException) for r in done[:20])
    assert all(isinstance(r, asyncio.CancelledError) for r in done[20:])
    deadline = time.time() + 10
    while engine.pending() and time.time() < deadline:
        await asyncio.sleep(0.01)
    assert engine.pending() == 0
    # most of the 100 cancelled jobs never ran (without dropping, all would): only batches the worker had
    # already taken when the cancels landed
    computed = sum(
        engine.cache.get(engine.summarizer.digest, engine._key(engine.summarizer, _format(d))) is not None
        for d in many[20:]
    )
    assert computed <= 3 * 16
    engine.close()


def _format(definition) -> str:
    from hoverdoc.core.model_input import format_input

    return format_input(definition.code)


async def test_an_output_is_not_cached_under_a_key_taken_for_another_input_length(
    tmp_path, tiny_model_dir, corpus_records
):
    engine = SummaryEngine(SummaryCache(tmp_path / "cache.sqlite3"))
    loaded = load_model(tiny_model_dir)
    engine.set_model(loaded)
    summarizer = loaded.summarizer
    served = summarizer.max_source_tokens
    (definition,) = definitions(1, corpus_records)
    run = summarizer.summarize

    def with_a_settings_change_landing(*args, **kwargs):
        summarizer.limit_source_tokens(served // 2)  # maxSourceTokens changes while the model runs
        return run(*args, **kwargs)

    summarizer.summarize = with_a_settings_change_landing
    assert (await engine.summarize(definition)).origin == "model"  # answered all the same
    del summarizer.summarize
    summarizer.limit_source_tokens(served)  # back to the length the first request was keyed at
    again = await engine.summarize(definition)
    # the model runs again: the shorter input's output was not cached under the full length's key
    assert again.origin == "model" and engine.runs == 2
    assert (await engine.summarize(definition)).origin == "cache"  # an undisturbed run is cached
    engine.close()


def test_settings_fall_back_per_value_with_warnings():
    settings, warnings = parse_settings(
        {
            "docstringStyle": "NumPy",
            "hover": {"enabled": False, "documented": "yes"},
            "threads": -3,
            "maxSourceTokens": 96,
            "modelPath": "  ",
            "interpreter": "/usr/bin/python3",  # the client's own setting: ignored silently
        }
    )
    assert settings == Settings(
        docstring_style="numpy",
        hover_enabled=False,
        hover_documented=False,
        max_source_tokens=96,
        threads=0,
        model_path=None,
    )
    assert len(warnings) == 2
    assert any("hover.documented" in w for w in warnings) and any("threads" in w for w in warnings)
    assert parse_settings("nonsense")[1] and parse_settings(None) == (Settings(), [])
    # a group given as a value, where an object was meant, is said, not silently ignored
    settings, warnings = parse_settings({"hover": False, "workspace": {"enabled": False}})
    assert settings == Settings(workspace_enabled=False)
    assert warnings == [
        "hoverdoc.hover = False must be an object with hover.documented, hover.enabled; ignored"
    ]


def test_unreadable_cache_only_costs_speed(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = SummaryCache(blocker / "sub" / "cache.sqlite3")  # its folder cannot be created
    assert not cache.available
    cache.put("m", "k", "v")
    assert cache.get("m", "k") is None


def test_the_server_serves_with_the_collector_on_after_a_paused_start_up(monkeypatch):
    import argparse

    import hoverdoc.server.server as server_module
    from hoverdoc.server import __main__ as entry

    class Recorder:
        enabled_while_serving: bool | None = None

        def start_io(self) -> None:
            Recorder.enabled_while_serving = gc.isenabled()

    monkeypatch.setattr(server_module, "create_server", lambda model=None: Recorder())
    try:
        entry.pause_gc_for_start_up()
        assert not gc.isenabled()
        assert entry.run(argparse.Namespace(model=None, tcp=False, log_file=None)) == 0
        assert Recorder.enabled_while_serving is True
    finally:
        gc.unfreeze()
        gc.enable()


MALLOC_HEAPS = """
import ctypes, sys, tempfile, threading
from hoverdoc.server.__main__ import limit_malloc_arenas
if sys.argv[1] == "limit":
    assert limit_malloc_arenas()
kept = []
threads = [
    threading.Thread(target=lambda: kept.extend(ctypes.create_string_buffer(32_000) for _ in range(20)))
    for _ in range(4)
]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
libc = ctypes.CDLL(None)
libc.fopen.restype = ctypes.c_void_p
with tempfile.NamedTemporaryFile("r", suffix=".xml") as report:
    handle = ctypes.c_void_p(libc.fopen(report.name.encode(), b"w"))
    libc.malloc_info(0, handle)
    libc.fclose(handle)
    print(report.read().count("<heap nr="))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc arenas")
def test_the_servers_threads_share_one_malloc_arena():
    import os

    environment = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}

    def heaps(mode: str) -> int:
        done = subprocess.run(
            [sys.executable, "-c", MALLOC_HEAPS, mode], capture_output=True, text=True, env=environment
        )
        assert done.returncode == 0, done.stderr
        return int(done.stdout)

    assert heaps("limit") == 1
    assert heaps("default") > 1  # each thread got its own arena


def test_a_source_limit_replaces_the_tokenizer_without_changing_the_old_one():
    summarizer = load_model(None, workspace_root=None).summarizer
    assert summarizer is not None
    before = summarizer.tokenizer
    own_length = before.truncation["max_length"]
    long_code = "def f():\n    return " + " + ".join(f"x{i}" for i in range(400)) + "\n"
    served = summarizer.manifest.served_source_tokens or summarizer.manifest.max_source_tokens
    assert summarizer.encode([long_code])[0].shape[1] == served
    summarizer.limit_source_tokens(32)
    assert summarizer.encode([long_code])[0].shape[1] == 32
    assert summarizer.tokenizer is not before  # an encode running meanwhile keeps its own
    assert before.truncation["max_length"] == own_length
    summarizer.limit_source_tokens(10_000)  # never more than the model was trained with
    assert summarizer.max_source_tokens == summarizer.manifest.max_source_tokens


def test_exemplars_that_would_crowd_out_the_code_are_dropped_whole_least_similar_first():
    summarizer = load_model(None, workspace_root=None).summarizer
    assert summarizer is not None and summarizer.uses_exemplars
    shown = [
        Exemplar(f"module.helper_{i}", "Return the value " + "of the thing " * 8, 0.9 - i / 10)
        for i in range(3)
    ]
    long_code = "def total(a, b):\n" + "".join(f"    a = a + b * {i}\n" for i in range(40))
    short_code = "def one():\n    return 1\n"

    def code_kept(code: str, exemplars, fitted: bool = True) -> int:
        """Code tokens left in the input as served (``fitted``), else with every exemplar shown."""
        return summarizer.code_tokens(summarizer.format(code, exemplars, fit=fitted))

    summarizer.limit_source_tokens(96)
    fitted = summarizer.fitting_exemplars(long_code, shown)
    assert 0 < len(fitted) < 3 and list(fitted) == shown[: len(fitted)]  # the most similar stay
    assert code_kept(long_code, shown) >= CODE_TOKEN_RESERVE
    assert (
        code_kept(long_code, shown[: len(fitted) + 1], fitted=False) < CODE_TOKEN_RESERVE
    )  # no more dropped than needed
    assert code_kept(short_code, shown) == code_kept(short_code, [])  # a short code stays whole
    # a long literal early on: the code's first characters hold few tokens, the count goes on past them
    literal_code = (
        'def key():\n    KEY = "' + "A" * 300 + '"\n' + "".join(f"    a = a + {i}\n" for i in range(30))
    )
    assert code_kept(literal_code, shown) >= CODE_TOKEN_RESERVE
    summarizer.limit_source_tokens(summarizer.manifest.max_source_tokens)
    assert list(summarizer.fitting_exemplars(short_code, shown)) == shown  # and with room all are shown
    summarizer.limit_source_tokens(48)
    assert len(summarizer.fitting_exemplars(long_code, shown)) == 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_port_without_tcp_is_refused_in_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "hoverdoc.server", "--port", "5000"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2  # it used to serve stdio, the port silently ignored
    assert result.stderr.strip().splitlines() == [
        "hoverdoc serve: error: --host and --port need --tcp (without it the server speaks over stdio)"
    ]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX process handling")
def test_tcp_mode_binds_loopback_by_default(tmp_path):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "hoverdoc.server", "--tcp", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )

    def listeners() -> list[str]:
        rows = (
            Path("/proc/net/tcp").read_text().splitlines()[1:]
            + Path("/proc/net/tcp6").read_text().splitlines()[1:]
        )
        return [
            row.split()[1]
            for row in rows
            if row.split()[3] == "0A" and row.split()[1].endswith(f":{port:04X}")
        ]

    try:
        deadline = time.time() + 30
        while time.time() < deadline and not listeners():
            time.sleep(0.1)
        assert listeners() == [f"0100007F:{port:04X}"]  # 127.0.0.1 only: no 0.0.0.0, no ::
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    finally:
        server.terminate()
        server.wait(timeout=10)


def _with_name_summary_kinds(source: Path, target: Path, kinds: list[str]) -> Path:
    """A copy of the model at ``source`` whose manifest leaves ``kinds`` to summaries of names."""
    import json
    import shutil

    shutil.copytree(source, target)
    manifest = json.loads((target / "manifest.json").read_text())
    manifest["name_summary_kinds"] = kinds
    (target / "manifest.json").write_text(json.dumps(manifest))
    return target


CLASS_AND_FUNCTION = """
class InvoiceStore:
    def __init__(self, root):
        self.root = root


def read_ledger(path):
    return path.read_text()
"""


async def test_a_kind_the_manifest_leaves_to_names_is_summarized_from_its_name(tmp_path, tiny_model_dir):
    from hoverdoc.core.fallback import NAME_SUMMARY_LABEL, fallback_summary
    from hoverdoc.server.presentation import hover_markdown

    model = _with_name_summary_kinds(tiny_model_dir, tmp_path / "model", ["class"])
    engine = SummaryEngine(SummaryCache(tmp_path / "cache.sqlite3"))
    engine.set_model(load_model(model))
    store, init, read = extract(CLASS_AND_FUNCTION)
    summary = await engine.summarize(store)
    assert (summary.text, summary.origin) == (fallback_summary(store), "name")
    assert not summary.is_fallback and engine.runs == 0  # the model is loaded and not run for it
    assert NAME_SUMMARY_LABEL in hover_markdown(store, summary)
    assert {(await engine.summarize(d)).origin for d in (init, read)} == {"model"}
    engine.close()


async def test_evaluation_and_the_cli_serve_what_the_server_does_for_those_kinds(
    tmp_path, tiny_model_dir, capsys
):
    from hoverdoc.core.cli import main as cli
    from hoverdoc.core.evaluate import evaluate
    from hoverdoc.core.fallback import NAME_SUMMARY_LABEL

    model = _with_name_summary_kinds(tiny_model_dir, tmp_path / "model", ["class", "method"])
    engine = SummaryEngine(SummaryCache(tmp_path / "cache.sqlite3"))
    engine.set_model(load_model(model))
    store, init, read = extract(CLASS_AND_FUNCTION)
    served = [(await engine.summarize(d)).text for d in (store, init, read)]
    engine.close()
    summarizer = load_model(model).summarizer
    (generated,) = summarizer.summarize([read.code])  # alone, as evaluate runs it: int8 scales are per batch
    assert served[2] == generated
    records = [  # the kind given, or read from the code
        {"code": store.code, "summary": "A store.", "kind": "class"},
        {"code": store.code, "summary": "A store."},
        {"code": read.code, "summary": "Read the ledger."},
        {"code": init.code, "summary": "Set it up.", "kind": "method", "name": "InvoiceStore.__init__"},
        {"code": read.code, "summary": "Read the ledger.", "kind": "class"},  # not what the code holds
    ]
    _, predictions = evaluate(summarizer, records, latency=False)
    assert predictions[:4] == [served[0], served[0], generated, served[1]]  # the method keeps its owner
    assert served[1] == "Initialize the invoice store."
    assert predictions[4] == generated  # a pair whose code is not of its kind is the model's
    source = tmp_path / "store.py"
    source.write_text(CLASS_AND_FUNCTION)
    assert cli(["summarize", str(source), "--model", str(model)]) == 0
    lines = capsys.readouterr().out.splitlines()
    for line, definition, text in zip(lines, (store, init, read), served):  # the method's owner kept too
        assert line.startswith(f"{source}:{definition.span.start_line + 1}: {definition.qualname}: {text}")
    assert [NAME_SUMMARY_LABEL in line for line in lines] == [True, True, False]
