"""When the cyclic garbage collector walks the whole heap: while the editor is idle, not in a hover.

A full collection (Python's oldest generation) walks every tracked object. With the workspace index
of a large folder loaded (8,000 definitions of the standard library) that takes about 55 ms on 2 cores,
and Python starts one by itself whenever enough long-lived objects have piled up, inside whatever
request is running: a hover that draws it takes 55 ms longer. So the server settles its heap once
the user has been quiet for ``SETTLE_QUIET_S`` and no index is building, after start-up, after each workspace index build
and every few minutes: one full collection, then ``gc.freeze`` moves every survivor out of the
collector's reach, and the passes Python starts by itself walk only what is newer. A cycle among frozen objects that dies later is freed at the next
settle, which unfreezes first: what waits is bounded by one settle's interval.
"""

from __future__ import annotations

import gc
import time

SETTLE_INTERVAL_S = 300.0  # the longest a dead cycle among frozen objects waits to be freed
SETTLE_QUIET_S = 2.0  # no hover, code action, command or edit for this long: not inside a burst


def settle_heap() -> float:
    """Collect everything once and freeze what survives; the seconds it took."""
    started = time.perf_counter()
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    return time.perf_counter() - started
