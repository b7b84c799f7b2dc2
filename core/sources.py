"""Reading user source files: decoded text or one clear reason why not."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

from .errors import HoverdocError

MAX_SOURCE_BYTES = 8_000_000


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
    path = Path(path)
    if not path.exists():
        raise HoverdocError(f"{path}: no such file")
    if path.is_dir():
        raise HoverdocError(f"{path}: is a folder, not a file")
    try:
        if path.stat().st_size > max_bytes:
            raise HoverdocError(f"{path}: too large ({path.stat().st_size // 1_000_000} MB)")
        data = path.read_bytes()
    except OSError as error:
        raise HoverdocError(f"{path}: unreadable ({error.strerror})") from None
    text, reason = decode_source(data)
    if text is None:
        raise HoverdocError(f"{path}: {reason}, not Python source")
    return text
