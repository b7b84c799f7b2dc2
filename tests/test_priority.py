"""Requests the user waits for go before background work (hoverdoc.server.priority)."""

from __future__ import annotations

import asyncio
import threading
import time

from hoverdoc.server.priority import ForegroundGate


def test_background_waits_while_a_request_is_in_flight():
    async def scenario() -> list[str]:
        gate, order = ForegroundGate(), []

        async def background() -> None:
            await gate.idle()
            order.append("background")

        with gate.busy():
            task = asyncio.ensure_future(background())
            await asyncio.sleep(0.05)
            order.append("request")
        await task
        await gate.idle()  # idle again: returns at once
        return order

    assert asyncio.run(scenario()) == ["request", "background"]


def test_a_background_thread_pauses_until_requests_end():
    gate, order = ForegroundGate(), []

    def worker() -> None:
        gate.wait_idle()
        order.append("file indexed")

    with gate.busy():
        with gate.busy():  # two requests at once: idle only after both
            thread = threading.Thread(target=worker)
            thread.start()
            time.sleep(0.05)
            order.append("first request done")
        time.sleep(0.05)
        order.append("second request done")
    thread.join(timeout=5)
    assert order == ["first request done", "second request done", "file indexed"]


def test_a_request_that_never_ends_delays_background_work_only_boundedly():
    async def scenario() -> float:
        gate = ForegroundGate(max_wait=0.2)
        with gate.busy():
            started = time.monotonic()
            await gate.idle()
            await gate.idle()  # the bound is counted from when the gate became busy, not per wait
            gate.wait_idle()
            return time.monotonic() - started

    assert 0.15 < asyncio.run(scenario()) < 2.0


def test_python_switches_threads_ten_times_as_often_while_a_request_is_in_flight():
    import sys

    from hoverdoc.server.priority import FOREGROUND_SWITCH_INTERVAL_S

    default = sys.getswitchinterval()
    gate = ForegroundGate()
    try:
        with gate.busy():
            with gate.busy():
                assert sys.getswitchinterval() == FOREGROUND_SWITCH_INTERVAL_S < default
            assert sys.getswitchinterval() == FOREGROUND_SWITCH_INTERVAL_S  # one request still in flight
        assert sys.getswitchinterval() == default
    finally:
        sys.setswitchinterval(default)


def test_quiet_waits_for_a_pause_after_the_last_request_not_a_gap_in_a_burst():
    async def scenario() -> list[str]:
        gate, order = ForegroundGate(), []

        async def settle() -> None:
            await gate.quiet(1.0)
            order.append("settled")

        task = asyncio.ensure_future(settle())
        for n in range(4):  # a burst of requests with short gaps between them, then an edit
            with gate.busy():
                await asyncio.sleep(0.02)
            order.append(f"request {n}")
            await asyncio.sleep(0.05)
        gate.note_activity()
        order.append("edit")
        await task
        return order

    assert asyncio.run(scenario()) == ["request 0", "request 1", "request 2", "request 3", "edit", "settled"]
