"""Requests a user waits for go first: background work waits while one is in flight.

A hover at start-up used to wait a second behind the stale-docstring checks of every file the editor
had just opened and the workspace index build, all parsing at once under the GIL. Hovers, code actions
and Generate docstring hold ``ForegroundGate.busy``; background jobs await ``idle`` before they start,
and the index build's thread calls ``wait_idle`` between files. Both waits are bounded, so a request
that never ends (a client that never answers) delays background work but cannot stop it.

A file can take the build's thread a few hundred milliseconds to parse, holding the GIL but for
Python's forced switches. While a request is in flight those come every 0.5 ms instead of 5 ms: the
inference thread takes the GIL back after each of a hover's ~20 onnxruntime calls, and waiting up
to 5 ms for it each time doubled a hover made while the index built.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

MAX_WAIT_SECONDS = 5.0
FOREGROUND_SWITCH_INTERVAL_S = 0.0005  # Python's default is 0.005


class ForegroundGate:
    """How many user-facing requests are in flight (entered and left on the event loop thread;
    background threads only wait)."""

    def __init__(self, max_wait: float = MAX_WAIT_SECONDS) -> None:
        self.max_wait = max_wait
        self._active = 0
        self._busy_since = 0.0
        self._quiet_since = time.monotonic()
        self._switch_interval = sys.getswitchinterval()
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
        if self._active == 0:
            self._busy_since = time.monotonic()
            self._switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(FOREGROUND_SWITCH_INTERVAL_S)
        self._active += 1
        self._idle_thread.clear()
        self._loop_event().clear()
        try:
            yield
        finally:
            self._active -= 1
            if self._active == 0:
                sys.setswitchinterval(self._switch_interval)
                self._quiet_since = time.monotonic()
                self._idle_thread.set()
                self._loop_event().set()

    def _wait_left(self) -> float:
        """Seconds a waiter may still wait: the gate has been busy since ``_busy_since``."""
        return max(0.0, self._busy_since + self.max_wait - time.monotonic())

    async def idle(self) -> None:
        """Return once no user-facing request is in flight, or once requests have kept the gate busy
        for ``max_wait`` seconds."""
        with suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._loop_event().wait(), self._wait_left())

    def note_activity(self) -> None:
        """The user did something that is not a request (typed an edit): not quiet yet."""
        self._quiet_since = time.monotonic()

    async def quiet(self, seconds: float) -> None:
        """Return once no user-facing request has been in flight, and no activity noted, for
        ``seconds``: for work that holds the event loop itself (a full garbage collection), which must
        not land between two requests of a burst or between keystrokes."""
        while True:
            await self._loop_event().wait()
            left = self._quiet_since + seconds - time.monotonic()
            if left <= 0 and self._active == 0:
                return
            await asyncio.sleep(max(left, 0.05))

    def wait_idle(self) -> None:
        """From a background thread: block while a user-facing request is in flight (bounded as
        ``idle``)."""
        if not self._idle_thread.is_set():
            self._idle_thread.wait(self._wait_left())
