"""``dutydesk demo``: the desk with simulated customer systems on 127.0.0.1 (docs/demo.md).

- ``config.py``: examples/demo.toml laid over examples/noi.toml, ports filled in from the simulators;
- ``systems.py``: starts and stops the simulators (integrations/simulators/);
- ``story.py``: the scripted story on the demo's clock (CallRec stops recording, a gateway flaps, the
  on-call engineer is paged, a scheduled backup posts a diff, the daily summary goes out);
- ``run.py``: the console desk with the jobs, the story and the simulators in one process.
"""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    """``dutydesk demo``'s arguments (the demo's modules are imported only when it runs)."""
    demo = sub.add_parser("demo", help="the desk with simulated customer systems on 127.0.0.1 (docs/demo.md)")
    demo.add_argument("--as", dest="person", default="georgi", help="who types (a person of examples/noi.toml)")
    demo.add_argument("--fast", action="store_true", help="tell the story in seconds and exit (no typing)")
