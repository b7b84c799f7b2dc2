"""``python -m hoverdoc.server`` and ``hoverdoc serve``: run the language server."""

from __future__ import annotations  # a compiler directive; __future__ is loaded at start-up

import gc
import os
import sys


def drop_unsafe_path0() -> None:
    """Remove the current directory that ``python -m`` puts first on ``sys.path``: an editor starts
    the server inside the user's workspace, whose files must never shadow a module we import."""
    if getattr(sys.flags, "safe_path", False) or not sys.path:
        return  # python -P: nothing was added
    first = sys.path[0]
    try:
        unsafe = first in ("", ".") or os.path.realpath(first) == os.path.realpath(os.getcwd())
    except OSError:
        unsafe = True
    if unsafe:
        del sys.path[0]


def pause_gc_for_start_up() -> None:
    """Stop the cyclic garbage collector while the server imports: lsprotocol's ~570 attrs classes
    allocate enough to run it dozens of times over objects that all live for the whole process (about
    0.2 s of a 0.9 s start-up on 2 cores). ``resume_gc`` turns it back on."""
    gc.disable()


def resume_gc() -> None:
    """Turn the collector back on, with everything start-up created moved into its permanent
    generation: otherwise its first run, at some hover, would scan all of it at once (about 0.1 s).
    The server unfreezes and collects it once it is idle (``settle_heap``)."""
    gc.freeze()
    gc.enable()


DEFAULT_HOST = "127.0.0.1"  # loopback unless --host says otherwise
DEFAULT_PORT = 2087
M_ARENA_MAX = -8  # glibc's mallopt parameter: how many malloc arenas the process may have


def limit_malloc_arenas(arenas: int = 1) -> bool:
    """Let every thread allocate from one malloc arena (glibc; whether it took effect). glibc gives
    each new thread its own arena, and the server's threads (inference, onnxruntime's pools, the
    workspace index) each kept several MB of them resident: 220 MB instead of 250 MB of RSS after
    100 hovers. Hovers did not slow (onnxruntime keeps its own arena for tensors). A
    ``MALLOC_ARENA_MAX`` in the environment wins. Call before any thread starts."""
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return False
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the process already has
    except (OSError, AttributeError):  # musl and others without mallopt
        return False
    return bool(mallopt(M_ARENA_MAX, arenas))


if __name__ == "__main__":
    drop_unsafe_path0()  # before any other import
    pause_gc_for_start_up()

import argparse  # noqa: E402
import logging  # noqa: E402
import socket  # noqa: E402

from hoverdoc.core.errors import HoverdocError  # noqa: E402


def _check_log_file(log_file: str) -> None:
    try:
        with open(log_file, "a", encoding="utf-8"):
            pass
    except OSError as error:
        raise HoverdocError(f"--log-file {log_file}: cannot write ({error.strerror})") from None


def _check_listen(host: str, port: int) -> None:
    """Fail with one line now, not with a traceback later, when ``host:port`` cannot be listened on."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as error:
        raise HoverdocError(f"--host {host}: not an address of this machine ({error})") from None
    family, kind, proto, _, address = addresses[0]
    with socket.socket(family, kind, proto) as probe:
        if os.name == "posix":
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio's server does
        try:
            probe.bind(address)
        except OSError as error:
            raise HoverdocError(f"cannot listen on {host}:{port} ({error.strerror or error})") from None


def _private_cache_folder():
    """hoverdoc's private cache folder, or None where it cannot be made (the server runs without)."""
    from hoverdoc.core.paths import cache_dir

    try:
        return cache_dir()
    except OSError as error:
        logging.getLogger(__name__).warning("no cache folder (%s); start-up compiles as usual", error)
        return None


def run(args: argparse.Namespace) -> int:
    """Start the server over stdio (default) or TCP (bound to 127.0.0.1 unless --host says otherwise)."""
    log_file = getattr(args, "log_file", None)
    if log_file:
        _check_log_file(log_file)
    tcp = getattr(args, "tcp", False)
    host, port = getattr(args, "host", None), getattr(args, "port", None)
    if not tcp and (host is not None or port is not None):
        raise HoverdocError("--host and --port need --tcp (without it the server speaks over stdio)")
    host, port = host or DEFAULT_HOST, DEFAULT_PORT if port is None else port
    if tcp:
        _check_listen(host, port)
    limit_malloc_arenas()  # before the server's threads start
    destination = {"filename": log_file} if log_file else {"stream": sys.stderr}
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s", **destination
    )
    logging.getLogger("pygls").setLevel(logging.WARNING)  # it logs every message at INFO
    from .bytecode_cache import attrs_bytecode_cached

    with attrs_bytecode_cached(_private_cache_folder()):
        from .server import create_server  # lsprotocol's attrs classes: their bytecode from the cache

    server = create_server(model=getattr(args, "model", None))
    resume_gc()  # every module the server needs is imported now
    if tcp:
        server.start_tcp(host, port)
    else:
        server.start_io()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m hoverdoc.server`` (same options as ``hoverdoc serve``)."""
    from hoverdoc.core.cli import main as cli

    return cli(["serve", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
