"""Reading and writing pairs files (JSONL, one object a line), with errors that name the line."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import HoverdocError

REQUIRED_FIELDS = ("code", "summary")


class PairsError(HoverdocError, ValueError):
    """A pairs file that cannot be used; the message names the file and line."""


def iter_pairs(path: str | Path, required: tuple[str, ...] = REQUIRED_FIELDS) -> Iterator[dict]:
    """Yield the records of a pairs file, raising ``PairsError`` at the first bad line."""
    path = Path(path)
    if not path.is_file():
        raise PairsError(f"{path}: no such file")
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
    """Write records as JSONL (atomically: a temp file renamed at the end); returns the count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    count = 0
    with temporary.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    temporary.replace(path)
    return count
