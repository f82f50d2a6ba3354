"""Loaded (through PYTHONPATH) only by the any-day runs of ``bin/test``, which move the machine's clock with
libfaketime. libfaketime 0.9.10 with FAKETIME_DONT_FAKE_MONOTONIC=1 answers EINVAL to
``clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME)``, which is how Python 3.11+ implements ``time.sleep``
(the tool's defect: `faketime -f @2027-01-02 python3 -c 'import time; time.sleep(0.1)'` fails the same
way). Faking the monotonic clock instead hangs every timed lock wait (``sem_clockwait`` is not intercepted),
so monotonic stays real and ``time.sleep`` waits with a relative ``select`` here, in every Python process
of those runs (the test process and each ``dutydesk`` process it starts).
"""

from __future__ import annotations

import os
import select
import time

if "faketime" in os.environ.get("LD_PRELOAD", ""):
    _monotonic = time.monotonic

    def _sleep(seconds: float) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        deadline = _monotonic() + seconds
        while (left := deadline - _monotonic()) > 0:
            select.select([], [], [], left)

    time.sleep = _sleep
