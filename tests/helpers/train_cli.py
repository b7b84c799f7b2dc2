"""Runs ``hoverdoc train`` in-process the way the tests do."""

from __future__ import annotations

from pathlib import Path

from hoverdoc.core.cli import main as cli


def run_train(data: Path, base: Path, out: Path, *extra: str, sets: tuple[str, ...] = ()) -> int:
    """``hoverdoc train --data DATA --base BASE --out OUT [EXTRA...] [--set KEY=VALUE...]``; its exit code."""
    argv = ["train", "--data", str(data), "--base", str(base), "--out", str(out), *extra]
    for assignment in sets:
        argv += ["--set", assignment]
    return cli(argv)
