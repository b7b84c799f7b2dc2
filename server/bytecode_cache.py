"""A private cache of the bytecode attrs generates while lsprotocol's ~550 classes are defined.

attrs writes each class's ``__init__``, ``__eq__``, ``__repr__``... as Python source and compiles it
when the class is created: 0.15-0.3 s of the server's start-up on 2 cores, the same source every
start. Here the compiled code objects are kept, marshalled, in hoverdoc's private cache folder (as
Python keeps ``.pyc`` files) and reused when the same source comes again. Anything unexpected (an
attrs without the hook, an unreadable, foreign or corrupt cache file) means compiling as before.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import CodeType

log = logging.getLogger(__name__)

# attrs' one place that compiles what it generates (attrs 22.2 to 26.x): (script, globs, locs, filename)
_HOOK = "_compile_and_eval"
_HOOK_ARGUMENTS = ("script", "globs", "locs", "filename")


def cache_file(folder: Path) -> Path:
    """The cache file for this Python (marshalled bytecode is specific to the interpreter version)."""
    return folder / f"attrs-bytecode-{sys.implementation.cache_tag}.marshal"


def _key(script: str, filename: str) -> bytes:
    return hashlib.blake2b(f"{filename}\0{script}".encode(), digest_size=16).digest()


def _owned_by_user_only(path: Path) -> bool:
    """Whether ``path`` is the current user's and no one else may write it (code is loaded from it)."""
    if os.name != "posix":
        return True
    status = path.stat()
    return status.st_uid == os.getuid() and not status.st_mode & 0o022


class BytecodeCache:
    """Code objects by (source, file name), loaded from and saved to one private file."""

    def __init__(self, path: Path):
        self.path = path
        self.compiled = 0  # sources compiled this time
        self.reused = 0  # sources served from the file
        self._known: dict[bytes, CodeType] = {}
        self._used: dict[bytes, CodeType] = {}

    def load(self) -> None:
        """Read the file; a missing, foreign or corrupt one leaves the cache empty."""
        try:
            if not _owned_by_user_only(self.path):
                log.warning("%s: ignored (writable by others or not yours)", self.path)
                return
            table = marshal.loads(self.path.read_bytes())
        except FileNotFoundError:
            return
        except (OSError, ValueError, EOFError, TypeError) as error:
            log.warning("%s: unreadable bytecode cache, compiling instead (%s)", self.path, error)
            return
        if isinstance(table, dict):
            self._known = {k: v for k, v in table.items() if isinstance(v, CodeType)}

    def code(self, script: str, filename: str) -> CodeType:
        """The code object of ``script`` as ``compile(script, filename, "exec")`` makes it."""
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
        """Write what this start used (so entries of older versions drop out), when anything was new;
        atomically, readable by the user only."""
        if not self.compiled:
            return
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(marshal.dumps(self._used))
            os.replace(temporary, self.path)
        except OSError as error:
            log.warning("%s: cannot save the bytecode cache (%s)", self.path, error)
            temporary.unlink(missing_ok=True)


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
