"""When the server walks its whole heap (hoverdoc.server.collector, and the index build's parsing)."""

from __future__ import annotations

import gc
import weakref

from hoverdoc.core.workspace_scan import build_index
from hoverdoc.server.collector import settle_heap


class Node:
    """A cycle: it can only be freed by the cyclic collector."""

    def __init__(self) -> None:
        self.me = self


def test_settling_frees_dead_cycles_and_freezes_the_survivors():
    try:
        dead, alive = Node(), Node()
        dead_ref = weakref.ref(dead)
        del dead
        settle_heap()
        assert dead_ref() is None and gc.get_freeze_count() > 0
        assert gc.is_tracked(alive)
        frozen_then_dead = weakref.ref(alive)
        del alive
        gc.collect()  # a frozen cycle outlives Python's own collections...
        assert frozen_then_dead() is not None
        settle_heap()  # ...until the next settle, which unfreezes first
        assert frozen_then_dead() is None
    finally:
        gc.unfreeze()


def test_an_index_build_leaves_no_dead_parse_trees_to_the_oldest_generation(tmp_path):
    body = "\n".join(f"    value_{n} = [item for item in range({n}) if item % 3]" for n in range(30))
    source = "\n\n".join(
        f'def function_{n}(alpha, beta):\n    """Compute value {n}."""\n{body}\n    return alpha'
        for n in range(20)
    )
    for n in range(20):
        (tmp_path / f"module_{n}.py").write_text(source)
    full_collections = []

    def count(phase: str, info: dict) -> None:
        if phase == "stop" and info["generation"] == 2:
            full_collections.append(info)

    gc.collect()
    gc.callbacks.append(count)
    try:
        index, _ = build_index(tmp_path)
    finally:
        gc.callbacks.remove(count)
    assert len(index) == 400
    assert full_collections == []  # parse trees were promoted, dead, and walked the heap each time
