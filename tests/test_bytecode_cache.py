"""The start-up bytecode cache of attrs' generated methods (lsprotocol's classes), in fresh processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hoverdoc.server.bytecode_cache import cache_file

IMPORT_THE_SERVER = """
import sys
from pathlib import Path
from hoverdoc.server.bytecode_cache import attrs_bytecode_cached
with attrs_bytecode_cached(Path(sys.argv[1])) as cache:
    import hoverdoc.server.server
import lsprotocol.types as t
assert t.Position(line=1, character=2) == t.Position(1, 2) != t.Position(1, 3)
content = t.MarkupContent(kind=t.MarkupKind.Markdown, value="x")
assert repr(content) == "MarkupContent(kind=<MarkupKind.Markdown: 'markdown'>, value='x')"
assert t.MarkupContent.__init__.__code__.co_filename.startswith("<attrs generated")
print(cache.compiled, cache.reused)
"""

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions and links")


def _start(folder: Path) -> tuple[int, int]:
    """(compiled, reused) of one process that imports the server through the cache in ``folder``."""
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_THE_SERVER, str(folder)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    compiled, reused = map(int, done.stdout.split())
    return compiled, reused


def _private_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    return folder


def test_a_second_start_compiles_nothing_and_leaves_the_file_alone(tmp_path):
    folder = _private_folder(tmp_path)
    compiled, reused = _start(folder)
    assert compiled > 500 and reused == 0  # lsprotocol defines ~550 attrs classes
    path = cache_file(folder)
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o600
    written = path.stat().st_mtime_ns
    assert _start(folder) == (0, compiled)  # a per-process __hash__ is never cached, never "new"
    assert path.stat().st_mtime_ns == written  # nothing new: not rewritten
    assert [p.name for p in folder.iterdir()] == [path.name]  # no temporary file left


def test_a_corrupt_cache_file_is_compiled_over_and_replaced(tmp_path):
    folder = _private_folder(tmp_path)
    cache_file(folder).write_bytes(b"\x00 not marshal data")
    compiled, reused = _start(folder)
    assert compiled > 500 and reused == 0
    assert _start(folder) == (0, compiled)


@posix_only
def test_a_cache_file_others_can_write_is_not_loaded(tmp_path):
    folder = _private_folder(tmp_path)
    compiled, _ = _start(folder)
    cache_file(folder).chmod(0o666)
    assert _start(folder) == (compiled, 0)
    assert cache_file(folder).stat().st_mode & 0o777 == 0o600  # saved again, private


@posix_only
def test_a_link_in_place_of_the_cache_file_is_not_followed(tmp_path):
    folder = _private_folder(tmp_path)
    compiled, _ = _start(folder)
    elsewhere = tmp_path / "planted.marshal"
    cache_file(folder).rename(elsewhere)  # a valid file of the user's, reached through a link
    cache_file(folder).symlink_to(elsewhere)
    assert _start(folder) == (compiled, 0)


@posix_only
def test_nothing_is_loaded_from_a_folder_others_can_write(tmp_path):
    folder = _private_folder(tmp_path)
    compiled, _ = _start(folder)
    folder.chmod(0o777)
    assert _start(folder) == (compiled, 0)
