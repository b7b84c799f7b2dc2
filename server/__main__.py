"""``python -m hoverdoc.server`` and ``hoverdoc serve``: run the language server."""

from __future__ import annotations

import argparse
import logging
import sys


def run(args: argparse.Namespace) -> int:
    """Start the server over stdio (default) or TCP (bound to 127.0.0.1 unless --host says otherwise)."""
    log_file = getattr(args, "log_file", None)
    destination = {"filename": log_file} if log_file else {"stream": sys.stderr}
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s", **destination
    )
    logging.getLogger("pygls").setLevel(logging.WARNING)  # it logs every message at INFO
    from .server import create_server

    server = create_server(model=getattr(args, "model", None))
    if getattr(args, "tcp", False):
        server.start_tcp(args.host, args.port)
    else:
        server.start_io()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m hoverdoc.server`` (same options as ``hoverdoc serve``)."""
    from hoverdoc.core.cli import main as cli

    return cli(["serve", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
