"""``hoverdoc mine``: the command-line face of ``hoverdoc.training.mine``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from hoverdoc.core.errors import HoverdocError
from hoverdoc.core.pairs import write_pairs

from .mine import MineOptions, mine, param_records

OUTPUTS = (("--out", "out"), ("--dev-out", "dev_out"), ("--params-out", "params_out"))


def _check_distinct_outputs(args: argparse.Namespace) -> None:
    """Refuse two outputs that are one file: the second write would replace the first's pairs."""
    named = [(flag, getattr(args, name, None)) for flag, name in OUTPUTS]
    seen: dict[Path, str] = {}
    for flag, value in named:
        if not value:
            continue
        path = Path(value).expanduser().resolve()
        if path in seen:
            raise HoverdocError(f"{seen[path]} and {flag} name the same file {value}; give each its own")
        seen[path] = flag


def run(args: argparse.Namespace) -> int:
    """Mine the given paths and write the pairs files."""
    if args.dev_out and not args.dev_fraction:
        raise HoverdocError("--dev-out needs --dev-fraction (the share of files to hold out)")
    if args.dev_fraction and not args.dev_out:
        raise HoverdocError("--dev-fraction needs --dev-out (where to write the held-out pairs)")
    if not 0.0 <= args.dev_fraction < 1.0:
        raise HoverdocError("--dev-fraction must be at least 0 and below 1")
    _check_distinct_outputs(args)
    options = MineOptions(
        include_tests=args.include_tests,
        include_vendored=args.include_vendored,
        include_classes=not args.no_classes,
        exclude=tuple(args.exclude),
        dev_fraction=args.dev_fraction,
        workers=max(1, args.workers),
    )
    started = time.perf_counter()
    train, dev, report = mine(args.paths, options)
    for message in report.messages:
        print(message, file=sys.stderr)
    if report.files_seen == 0 and report.files_skipped.get("missing path"):
        raise HoverdocError("nothing to mine: no path exists")
    write_pairs(args.out, train)
    if args.dev_out:
        write_pairs(args.dev_out, dev)
    if getattr(args, "params_out", None):
        written = write_pairs(args.params_out, param_records([*train, *dev]))
        print(f"wrote {written} parameter descriptions to {args.params_out}", file=sys.stderr)
    for line in report.lines():
        print(line, file=sys.stderr)
    print(
        f"wrote {len(train)} pairs to {args.out}"
        + (f" and {len(dev)} to {args.dev_out}" if args.dev_out else "")
        + f" in {time.perf_counter() - started:.1f}s",
        file=sys.stderr,
    )
    return 0
