"""Both example customers served by one desk (issue 22): ``examples/noi.toml`` and ``examples/hgp.toml``
merged, with the on-call schedule ``primary`` shared — ``hgp``'s escalation pages it too — so that the
ways customers could meet are all there to be tried.

Built from the two example files at test time (not a copy that drifts from them). The contractor's
engineers georgi and petar serve both customers (an engineer role with each, as a shared schedule
requires); everybody else belongs to one customer only.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from commands.domain.config import Config
from tests.conftest import EXAMPLES

# Channels of each kind: the customer's own, its engineers', and the contractor's own.
NOI_SLACK, NOI_ENG_SLACK, HGP_ENG_SLACK, DESK_SLACK = "C0NOIDESK", "C0NOIENG", "C0HGPENG", "C0DESKOPS"
NOI_TG, HGP_TG, NOI_ENG_TG, HGP_ENG_TG = "-1001000000001", "-1001000000002", "-1001000000011", "-1001000000012"


def two_customer_raw() -> dict[str, Any]:
    noi = tomllib.loads((EXAMPLES / "noi.toml").read_text(encoding="utf-8"))
    hgp = tomllib.loads((EXAMPLES / "hgp.toml").read_text(encoding="utf-8"))
    raw = copy.deepcopy(noi)
    raw["customers"].update(copy.deepcopy(hgp["customers"]))
    raw["people"].update(copy.deepcopy(hgp["people"]))
    # one console per customer (a channel belongs to exactly one customer)
    raw["customers"]["noi"]["channels"]["console"] = ["noi-console"]
    raw["customers"]["hgp"]["channels"]["console"] = ["hgp-console"]
    raw["customers"]["noi"]["channels"]["engineers_telegram"] = [NOI_ENG_TG]
    raw["customers"]["hgp"]["channels"]["engineers_telegram"] = [HGP_ENG_TG]
    raw["desk"]["channels"] = {"slack": [DESK_SLACK]}
    # the shared schedule: hgp's escalation pages primary too
    raw["customers"]["hgp"]["escalation"] = {"default": {"working_hours_only": False, "steps": [
        {"after": "0m", "notify": ["schedule:primary"]}]}}
    for pid in ("georgi", "petar"):
        raw["people"][pid]["roles"]["hgp"] = ["engineer"]
    return raw


def two_customer_config(raw: dict[str, Any] | None = None) -> Config:
    return Config.model_validate(raw if raw is not None else two_customer_raw())


def write_toml(path: Path, raw: dict[str, Any] | None = None) -> Path:
    path.write_text(tomli_w.dumps(raw if raw is not None else two_customer_raw()), encoding="utf-8")
    return path
