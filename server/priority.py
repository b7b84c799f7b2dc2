"""Requests a user waits for go first: background work waits while one is in flight.

A hover at start-up used to wait a second behind the stale-docstring checks of every file the editor
had just opened and the workspace index build, all parsing at once under the GIL. Hovers, code actions
and commands hold ``ForegroundGate.busy``; background jobs await ``idle`` before they start, and the
index build's thread calls ``wait_idle`` between files.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class ForegroundGate:
    """How many user-facing requests are in flight (used on the event loop thread only; background
    threads only wait)."""

    def __init__(self) -> None:
        self._active = 0
        self._idle_thread = threading.Event()
        self._idle_thread.set()
        self._idle_loop: asyncio.Event | None = None

    def _loop_event(self) -> asyncio.Event:
        if self._idle_loop is None:
            self._idle_loop = asyncio.Event()
            if self._active == 0:
                self._idle_loop.set()
        return self._idle_loop

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Mark a user-facing request in flight for the duration of the block."""
        self._active += 1
        self._idle_thread.clear()
        self._loop_event().clear()
        try:
            yield
        finally:
            self._active -= 1
            if self._active == 0:
                self._idle_thread.set()
                self._loop_event().set()

    async def idle(self) -> None:
        """Return once no user-facing request is in flight."""
        await self._loop_event().wait()

    def wait_idle(self, timeout: float = 5.0) -> None:
        """From a background thread: block while a user-facing request is in flight (at most
        ``timeout`` seconds, so a stuck request cannot stall background work for good)."""
        self._idle_thread.wait(timeout)
