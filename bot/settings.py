"""Reading the TOML configuration into validated objects, with errors that name the key."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from commands.domain.config import Config


class ConfigError(Exception):
    """The configuration file is missing, not TOML, or not valid; ``problems`` lists each one."""

    def __init__(self, path: str, problems: list[str]) -> None:
        super().__init__(f"{path}: " + "; ".join(problems))
        self.path = path
        self.problems = problems


def load_config(path: str | Path) -> Config:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), ["file not found"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [f"not valid TOML: {exc}"]) from None
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(str(path), [_describe(e) for e in exc.errors()]) from None


def _describe(error: object) -> str:
    assert isinstance(error, dict)
    loc = ".".join(str(p) for p in error.get("loc", ()))
    msg = str(error.get("msg", "invalid"))
    msg = msg.removeprefix("Value error, ")
    if error.get("type") == "extra_forbidden":
        msg = "unknown key (a typo?)"
    elif error.get("type") == "missing":
        msg = "required key is missing"
    return f"{loc}: {msg}" if loc else msg


@dataclass(frozen=True)
class Environment:
    """Settings that come from the environment only (secrets are never in the config file)."""

    database_url: str

    @classmethod
    def read(cls) -> Environment:
        return cls(database_url=os.environ.get("DATABASE_URL", "sqlite:///dutydesk.db"))
