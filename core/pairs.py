"""Reading and writing pairs files (JSONL, one object a line), with errors that name the line."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import HoverdocError
from .sources import kind_problem, open_temporary_beside

REQUIRED_FIELDS = ("code", "summary")


class PairsError(HoverdocError, ValueError):
    """A pairs file that cannot be used; the message names the file and line."""


def _check_readable_kind(path: Path) -> None:
    """Raise ``PairsError`` naming what ``path`` is when it is not a regular file to read: a FIFO or
    device would block or never end."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise PairsError(f"{path}: no such file") from None
    except OSError as error:
        raise PairsError(f"{path}: cannot read ({error.strerror})") from None
    problem = kind_problem(mode)
    if problem is not None:
        raise PairsError(f"{path}: {problem}; give a pairs file")


def iter_pairs(path: str | Path, required: tuple[str, ...] = REQUIRED_FIELDS) -> Iterator[dict]:
    """Yield the records of a pairs file, raising ``PairsError`` at the first bad line."""
    path = Path(path)
    _check_readable_kind(path)
    try:
        handle = path.open(encoding="utf-8")
    except OSError as error:
        raise PairsError(f"{path}: cannot read ({error.strerror})") from error
    with handle:
        try:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as error:
                    raise PairsError(f"{path}:{number}: not valid JSON ({error.msg})") from None
                if not isinstance(record, dict):
                    raise PairsError(f"{path}:{number}: expected a JSON object, got {type(record).__name__}")
                for field in required:
                    value = record.get(field)
                    if not isinstance(value, str) or not value.strip():
                        raise PairsError(f"{path}:{number}: missing or empty field {field!r}")
                yield record
        except UnicodeDecodeError:
            raise PairsError(f"{path}: not UTF-8 text") from None


def read_pairs(path: str | Path, required: tuple[str, ...] = REQUIRED_FIELDS) -> list[dict]:
    """All records of a pairs file; an empty file is an error."""
    records = list(iter_pairs(path, required))
    if not records:
        raise PairsError(f"{path}: no pairs in file")
    return records


def write_pairs(path: str | Path, records: Iterable[dict]) -> int:
    """Write records as JSONL (atomically: a temp file beside it, renamed at the end; removed when
    anything fails); returns the count. A symlink is written through to its file; a FIFO or device
    is refused (renaming over it would replace it: as root, /dev/null itself)."""
    path = Path(path)
    if path.is_dir():
        raise PairsError(f"{path}: is a folder; give a file name")
    if path.is_symlink():
        path = path.resolve()
    if path.exists() and not path.is_file():
        raise PairsError(f"{path}: not a regular file (a FIFO or device); give a file name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = open_temporary_beside(path)
    except OSError as error:
        raise PairsError(f"{path}: cannot write ({error.strerror})") from None
    count = 0
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise PairsError(f"{path}: cannot write ({error.strerror})") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return count
