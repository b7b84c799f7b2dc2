"""Reading user files safely (regular files only, under a size cap) and writing them atomically."""

from __future__ import annotations

import io
import os
import stat
import tokenize
from pathlib import Path

from .errors import HoverdocError

MAX_SOURCE_BYTES = 8_000_000


def kind_problem(mode: int) -> str | None:
    """What is wrong with a file of stat ``mode`` for reading as text: None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return "is a folder, not a file" if stat.S_ISDIR(mode) else "not a regular file (a FIFO or device)"


def read_regular_file(path: str | Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; ``HoverdocError`` for anything else.

    Devices, FIFOs and sockets are refused before a byte is read (the file is opened non-blocking,
    so a FIFO cannot hang the caller), and no more than ``max_bytes + 1`` bytes are ever read.
    """
    path = Path(path)
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise HoverdocError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise HoverdocError(f"{path}: is a folder, not a file") from None
    except OSError as error:
        raise HoverdocError(f"{path}: unreadable ({error.strerror})") from None
    info = os.fstat(descriptor)
    problem = kind_problem(info.st_mode)
    if problem is not None:
        os.close(descriptor)
        raise HoverdocError(f"{path}: {problem}")
    with os.fdopen(descriptor, "rb") as handle:
        if info.st_size > max_bytes:
            raise HoverdocError(f"{path}: too large ({info.st_size:,} bytes; the limit is {max_bytes:,})")
        try:
            data = handle.read(max_bytes + 1)
        except OSError as error:
            raise HoverdocError(f"{path}: unreadable ({error.strerror})") from None
    if len(data) > max_bytes:
        raise HoverdocError(f"{path}: too large (more than {max_bytes:,} bytes)")
    return data


def is_regular_file(path: str | Path) -> bool:
    """Whether ``path`` (symlinks followed) is a regular file; False when it cannot be examined."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def open_temporary_beside(path: Path) -> tuple[int, Path]:
    """A new, exclusively created file beside ``path`` (same folder, so a rename replaces ``path``
    atomically) with the usual permissions; returns its descriptor and path."""
    for attempt in range(100):
        temporary = path.with_name(f".{path.name}.{os.getpid()}-{attempt}.tmp")
        try:
            return os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), temporary
        except FileExistsError:
            continue
    raise FileExistsError(f"{path}: no free temporary name")


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder renamed over it, so
    readers see the old or the new file, never half of one; one-line ``HoverdocError`` on failure."""
    path = Path(path)
    if path.is_dir():
        raise HoverdocError(f"{path}: is a folder; give a file name")
    if not path.parent.is_dir():
        raise HoverdocError(f"{path}: the folder {path.parent} does not exist")
    try:
        descriptor, temporary = open_temporary_beside(path)
    except OSError as error:
        raise HoverdocError(f"{path}: cannot write ({error.strerror})") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise HoverdocError(f"{path}: cannot write ({error.strerror})") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def decode_source(data: bytes) -> tuple[str | None, str | None]:
    """(text, None) for Python source bytes (PEP 263 encoding honoured, BOM dropped), or
    (None, reason) for binary or undecodable data."""
    if b"\0" in data[:8192]:
        return None, "binary"
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return None, "not UTF-8 (or declared encoding) text"
    return text.removeprefix("\ufeff"), None


def read_python_source(path: str | Path, max_bytes: int = MAX_SOURCE_BYTES) -> str:
    """Text of a Python file; ``HoverdocError`` naming the file and the reason otherwise."""
    data = read_regular_file(path, max_bytes)
    text, reason = decode_source(data)
    if text is None:
        raise HoverdocError(f"{path}: {reason}, not Python source")
    return text
