"""The start-up bytecode cache of attrs' generated methods (lsprotocol's classes), in fresh processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hoverdoc.server.bytecode_cache import cache_file

DEFINE_LSPROTOCOL = """
import sys
from pathlib import Path
from hoverdoc.server.bytecode_cache import attrs_bytecode_cached
with attrs_bytecode_cached(Path(sys.argv[1])) as cache:
    import lsprotocol.types as t
assert t.Position(line=1, character=2) == t.Position(1, 2) != t.Position(1, 3)
content = t.MarkupContent(kind=t.MarkupKind.Markdown, value="x")
assert repr(content) == "MarkupContent(kind=<MarkupKind.Markdown: 'markdown'>, value='x')"
assert t.MarkupContent.__init__.__code__.co_filename.startswith("<attrs generated")
print(cache.compiled, cache.reused)
"""


def _start(folder: Path) -> tuple[int, int]:
    """(compiled, reused) of one process that defines lsprotocol's classes through the cache."""
    done = subprocess.run(
        [sys.executable, "-c", DEFINE_LSPROTOCOL, str(folder)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    compiled, reused = map(int, done.stdout.split())
    return compiled, reused


def test_a_second_start_compiles_nothing_and_the_classes_behave_the_same(tmp_path):
    compiled, reused = _start(tmp_path)
    assert compiled > 500 and reused == 0  # lsprotocol defines ~550 attrs classes
    if os.name == "posix":
        assert cache_file(tmp_path).stat().st_mode & 0o777 == 0o600
    assert _start(tmp_path) == (0, compiled)


def test_a_corrupt_cache_file_is_compiled_over_and_replaced(tmp_path):
    cache_file(tmp_path).write_bytes(b"\x00 not marshal data")
    compiled, reused = _start(tmp_path)
    assert compiled > 500 and reused == 0
    assert _start(tmp_path) == (0, compiled)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_cache_file_others_can_write_is_not_loaded(tmp_path):
    compiled, _ = _start(tmp_path)
    cache_file(tmp_path).chmod(0o666)
    assert _start(tmp_path) == (compiled, 0)
    assert cache_file(tmp_path).stat().st_mode & 0o777 == 0o600  # saved again, private
