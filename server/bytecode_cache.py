"""A private cache of the bytecode attrs generates while lsprotocol's ~550 classes are defined.

attrs writes each class's ``__init__``, ``__eq__``, ``__repr__``... as Python source and compiles it
when the class is created: 0.15-0.3 s of the server's start-up on 2 cores, the same source every
start. Here the compiled code objects are kept, marshalled, in hoverdoc's private cache folder (as
Python keeps ``.pyc`` files) and reused when the same source comes again. Anything unexpected (an
attrs without the hook, an unreadable, foreign or corrupt cache file, a folder others may write to)
means compiling as before.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from types import CodeType

log = logging.getLogger(__name__)

# attrs' one place that compiles what it generates (attrs 22.2 to 26.x): (script, globs, locs, filename)
_HOOK = "_compile_and_eval"
_HOOK_ARGUMENTS = ("script", "globs", "locs", "filename")
# The modules whose attrs classes start-up defines: a new version of any of them gets a new file.
_SOURCES = ("attr", "lsprotocol", "cattrs", "pygls")


def _versions_digest() -> str:
    """Size and mtime of the packages' ``__init__`` files: which versions the bytecode is of (a stat
    per package, not a metadata scan)."""
    hasher = hashlib.blake2b(digest_size=6)
    for name in _SOURCES:
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None) if module else None
        if path is None:  # not imported yet: find it without importing it
            from importlib.util import find_spec

            spec = find_spec(name)
            path = spec.origin if spec else None
        try:
            status = os.stat(path) if path else None
        except OSError:
            status = None
        hasher.update(f"{name}:{status.st_size}:{status.st_mtime_ns};".encode() if status else b"-;")
    return hasher.hexdigest()


def cache_file(folder: Path) -> Path:
    """The cache file for this Python (marshalled bytecode is specific to the interpreter version) and
    these versions of attrs, lsprotocol, cattrs and pygls (so two environments do not overwrite one
    another's file)."""
    return folder / f"attrs-bytecode-{sys.implementation.cache_tag}-{_versions_digest()}.marshal"


def _key(script: str, filename: str) -> bytes:
    return hashlib.blake2b(f"{filename}\0{script}".encode(), digest_size=16).digest()


def _cacheable(script: str) -> bool:
    """Whether the same class always gets this source: attrs puts a per-process string hash into
    ``__hash__``, so that one is compiled each time."""
    return "def __hash__" not in script


def _private(status: os.stat_result) -> bool:
    """Whether a file or folder is the current user's and no one else may write to it."""
    if os.name != "posix":
        return True
    return status.st_uid == os.getuid() and not status.st_mode & 0o022


def _read_private(path: Path) -> bytes | None:
    """The bytes of ``path`` if it is a regular file of the user's that no one else may write, in a
    folder of the same kind (checked on the open file: a link or a swapped file is refused)."""
    if not _private(os.stat(path.parent)):
        log.warning("%s: ignored (its folder is writable by others or not yours)", path)
        return None
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(descriptor, "rb") as stream:
        status = os.fstat(stream.fileno())
        if not stat.S_ISREG(status.st_mode) or not _private(status):
            log.warning("%s: ignored (not a plain file of yours, or writable by others)", path)
            return None
        return stream.read()


class BytecodeCache:
    """Code objects by (source, file name), loaded from and saved to one private file."""

    def __init__(self, path: Path):
        self.path = path
        self.compiled = 0  # cacheable sources compiled this time (not in the file)
        self.reused = 0  # sources served from the file
        self._known: dict[bytes, CodeType] = {}
        self._used: dict[bytes, CodeType] = {}

    def load(self) -> None:
        """Read the file; a missing, foreign or corrupt one leaves the cache empty."""
        try:
            data = _read_private(self.path)
            if data is None or not data.startswith(MAGIC_NUMBER):
                return
            table = marshal.loads(data[len(MAGIC_NUMBER) :])
        except FileNotFoundError:
            return
        except Exception as error:  # noqa: BLE001 - a corrupt length can raise MemoryError, too
            log.warning("%s: unreadable bytecode cache, compiling instead (%s)", self.path, error)
            return
        if isinstance(table, dict):
            self._known = {k: v for k, v in table.items() if isinstance(v, CodeType)}

    def code(self, script: str, filename: str) -> CodeType:
        """The code object of ``script`` as ``compile(script, filename, "exec")`` makes it."""
        if not _cacheable(script):
            return compile(script, filename, "exec")
        key = _key(script, filename)
        code = self._known.get(key)
        if code is None:
            code = compile(script, filename, "exec")
            self.compiled += 1
        else:
            self.reused += 1
        self._used[key] = code
        return code

    def save(self) -> None:
        """Write what this start used, when anything was new; atomically, readable by the user only
        (a fresh temporary file, then a rename over the old one)."""
        if not self.compiled:
            return
        temporary = None
        try:
            descriptor, temporary = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")  # 0600, O_EXCL
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(MAGIC_NUMBER + marshal.dumps(self._used))
            os.replace(temporary, self.path)
        except OSError as error:
            log.warning("%s: cannot save the bytecode cache (%s)", self.path, error)
            if temporary:
                Path(temporary).unlink(missing_ok=True)


def _attrs_hook():
    """attrs' compile hook module, if this attrs has the one we know."""
    try:
        from attr import _make
    except ImportError:
        return None
    original = getattr(_make, _HOOK, None)
    code = getattr(original, "__code__", None)
    if code is None or code.co_varnames[: len(_HOOK_ARGUMENTS)] != _HOOK_ARGUMENTS:
        return None
    return _make


@contextmanager
def attrs_bytecode_cached(folder: Path | None) -> Iterator[BytecodeCache | None]:
    """While the block runs, attrs classes are built from cached bytecode (``folder``'s file, saved on
    the way out); None (and plain attrs) when ``folder`` is None or attrs is not the one expected."""
    make = _attrs_hook() if folder is not None else None
    if make is None or folder is None:
        yield None
        return
    cache = BytecodeCache(cache_file(folder))
    cache.load()
    original = getattr(make, _HOOK)

    def compile_and_eval(script, globs, locs=None, filename=""):
        eval(cache.code(script, filename), globs, locs)  # noqa: S307 - attrs' own generated source

    setattr(make, _HOOK, compile_and_eval)
    try:
        yield cache
    finally:
        setattr(make, _HOOK, original)
    cache.save()
