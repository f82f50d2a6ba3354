"""Configuration of reports: ``[customers.<id>.reports]``.

The daily summary's time and days, and the parties and signatories printed on the monthly protocol (a
document both sides sign, contract IV 1.11). Everything has a default, so a customer without the table
gets a summary at 08:30 local time on its working days and a protocol headed with the contractor's and
the customer's names.
"""

from __future__ import annotations

import re
from datetime import time

from pydantic import BaseModel, ConfigDict, field_validator

_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")


class _Strict(BaseModel):
    # The same rules as commands.domain.config's models (which imports this module at its end, so this
    # module imports nothing from it and may be imported first).
    model_config = ConfigDict(extra="forbid", frozen=True)


class PartyConfig(_Strict):
    """One side of the contract as printed on the protocol."""

    name: str = ""  # default: desk.contractor / the customer's name
    signatory: str = ""  # who signs, e.g. "Мария Димитрова"
    title: str = ""  # their position, e.g. "Ръководител екип"


class ReportConfig(_Strict):
    daily: bool = True  # send the daily summary at all
    daily_at: str = "08:30"  # local time of the customer
    working_days_only: bool = True  # only on the customer's working days (its calendar)
    daily_to: tuple[str, ...] = ("customer", "engineers")  # audiences: the customer's channel, the engineers
    contractor: PartyConfig = PartyConfig()
    customer: PartyConfig = PartyConfig()
    place: str = ""  # printed beside the date of signature, e.g. "София"

    @field_validator("daily_at")
    @classmethod
    def _at(cls, v: str) -> str:
        m = _HHMM.match(v.strip())
        if not m or not (0 <= int(m.group(1)) < 24 and 0 <= int(m.group(2)) < 60):
            raise ValueError(f"{v!r} is not a time of day like 08:30")
        return f"{int(m.group(1)):02d}:{m.group(2)}"

    @field_validator("daily_to")
    @classmethod
    def _to(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [a for a in v if a not in ("customer", "engineers")]
        if bad:
            raise ValueError(f"unknown audience(s) {bad}; use customer, engineers")
        return v

    @property
    def daily_time(self) -> time:
        h, m = self.daily_at.split(":")
        return time(int(h), int(m))
