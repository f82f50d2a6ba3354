"""A pause of Python's cyclic garbage collector while a big report is built or rendered.

A month of 50,000 incidents makes a few hundred thousand small objects that live until the file is
written (rows, clock results, table cells). The collector runs a full pass each time the heap has
grown by a quarter, walking every one of them again: measured, 40 % of the protocol's CPU time
(docs/performance.md, "The monthly protocol"). None of these objects form cycles, so nothing is lost
by collecting after the build instead; the pause lasts seconds and is counted, so concurrent builds
re-enable collection only when the last one ends (and never if something else had disabled it).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_active = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    global _active, _was_enabled
    with _lock:
        if _active == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0 and _was_enabled:
                gc.enable()
