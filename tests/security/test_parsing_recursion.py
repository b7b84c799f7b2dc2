"""Thousands of nested brackets: the rest of the file still parses, once, and the CLI prints no traceback."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from hoverdoc.core.extract import extract, has_syntax_errors
from hoverdoc.server import symbols
from hoverdoc.server.symbols import DefinitionIndex


def pathological(depth: int) -> str:
    return (
        "def before(registry):\n    return registry.first()\n\n\n"
        f"TABLE = {'(' * depth}1{')' * depth}\n\n\n"
        f"def nested_default(value={'[' * depth}{']' * depth}):\n    return value\n\n\n"
        f"def deep_body():\n    return {'(' * depth}2{')' * depth}\n\n\n"
        "def after(registry):\n    return registry.last()\n"
    )


@pytest.mark.parametrize("depth", [3_000, 5_000])
def test_extract_survives_deep_nesting(depth: int):
    names = [d.name for d in extract(pathological(depth))]
    assert "before" in names and "after" in names
    assert has_syntax_errors(pathological(depth)) is False


def test_index_parses_a_pathological_file_once(monkeypatch):
    calls: list[int] = []
    original = symbols.extract

    def counting(source: str):
        calls.append(1)
        return original(source)

    monkeypatch.setattr(symbols, "extract", counting)
    index = DefinitionIndex()
    source = pathological(5_000)
    for _ in range(3):
        assert [d.name for d in index.definitions("file:///deep.py", source)][-1] == "after"
    assert len(calls) == 1


def test_index_caches_a_parser_failure(monkeypatch):
    calls: list[int] = []

    def exploding(source: str):
        calls.append(1)
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(symbols, "extract", exploding)
    index = DefinitionIndex()
    assert index.definitions("file:///x.py", "x = 1\n") == []
    assert index.definitions("file:///x.py", "x = 1\n") == []
    assert len(calls) == 1


def test_concurrent_requests_share_one_parse(monkeypatch):
    calls: list[int] = []
    original = symbols.extract

    def slow(source: str):
        calls.append(1)
        time.sleep(0.3)
        return original(source)

    monkeypatch.setattr(symbols, "extract", slow)
    index = DefinitionIndex()
    source = "def one():\n    pass\n"
    results: list[list] = []
    threads = [
        threading.Thread(target=lambda: results.append(index.definitions("file:///a.py", source)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert all(r is results[0] for r in results)


def test_summarize_cli_prints_no_traceback(tmp_path: Path):
    path = tmp_path / "deep.py"
    path.write_text(pathological(5_000))
    done = subprocess.run(
        [sys.executable, "-m", "hoverdoc.core.cli", "summarize", str(path), "--fallback"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in done.stderr
    assert done.returncode == 0, done.stderr
    assert "after" in done.stdout and "before" in done.stdout
