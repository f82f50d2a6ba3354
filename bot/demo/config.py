"""The demo's effective configuration: examples/demo.toml laid over examples/noi.toml, each simulated
system's nominal port (the one written in demo.toml) replaced by the port it really listens on."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from commands.domain.config import Config

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BASE, OVERLAY = EXAMPLES / "noi.toml", EXAMPLES / "demo.toml"
REPLACED = ("checks", "backups")  # a customer's tables the overlay replaces whole
_LOOPBACK_PORT = re.compile(r"127\.0\.0\.1:(\d+)")


def overlay(base: dict[str, Any], over: dict[str, Any], *, depth: int = 0) -> dict[str, Any]:
    """``over`` merged into ``base``: tables merge key by key, except a customer's ``checks`` and
    ``backups`` (``customers.<id>.checks``: depth 2), which ``over`` replaces; other values replace."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and not (depth == 2 and key in REPLACED):
            out[key] = overlay(out[key], value, depth=depth + 1)
        else:
            out[key] = value
    return out


def _fill(value: Any, ports: dict[int, int], demo_dir: str, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, ports, demo_dir, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ports, demo_dir, key) for v in value]
    if isinstance(value, str):
        value = value.replace("{demo_dir}", demo_dir)
        return _LOOPBACK_PORT.sub(lambda m: f"127.0.0.1:{ports.get(int(m.group(1)), int(m.group(1)))}", value)
    if key == "port" and isinstance(value, int):
        return ports.get(value, value)
    return value


def demo_raw(base: Path = BASE, over: Path = OVERLAY) -> dict[str, Any]:
    """The merged tables before the ports are known."""
    return overlay(tomllib.loads(base.read_text(encoding="utf-8")), tomllib.loads(over.read_text(encoding="utf-8")))


def demo_config(ports: dict[int, int], demo_dir: Path, raw: dict[str, Any] | None = None) -> Config:
    """The validated configuration with each nominal port of ``ports`` replaced by the real one."""
    return Config.model_validate(_fill(raw if raw is not None else demo_raw(), ports, str(demo_dir)))
