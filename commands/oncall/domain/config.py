"""Configuration of on-call schedules, escalation policies and paging gateways."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from commands.domain.fields import (
    TRANSPORT_NAME,
    WEEKDAYS,
    check_timezone,
    check_weekdays,
    parse_duration,
    parse_span,
)
from commands.oncall.domain.rotation import Layer, Schedule

_TARGET = re.compile(r"^(schedule|person|engineers):[a-z0-9][a-z0-9_-]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LayerConfig(_Strict):
    name: str
    people: tuple[str, ...]
    rotation: str = "weekly"
    handoff: str = "09:00"
    start: date
    days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    hours: str | None = None  # e.g. "09:00-17:30": the layer covers only these local hours

    @field_validator("rotation")
    @classmethod
    def _rotation(cls, v: str) -> str:
        if v not in ("daily", "weekly"):
            raise ValueError(f"{v!r}: rotation is daily or weekly")
        return v

    @field_validator("handoff")
    @classmethod
    def _handoff(cls, v: str) -> str:
        _hhmm(v)
        return v

    @field_validator("days")
    @classmethod
    def _days(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return check_weekdays(v)

    @field_validator("hours")
    @classmethod
    def _hours(cls, v: str | None) -> str | None:
        if v is not None:
            parse_span(v)
        return v

    def layer(self) -> Layer:
        return Layer(self.name, self.people, self.rotation, _hhmm(self.handoff), self.start,
                     frozenset(WEEKDAYS.index(d) for d in self.days),
                     parse_span(self.hours) if self.hours else None)


class ScheduleConfig(_Strict):
    timezone: str
    layers: tuple[LayerConfig, ...]

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return check_timezone(v)

    @field_validator("layers")
    @classmethod
    def _layers(cls, v: tuple[LayerConfig, ...]) -> tuple[LayerConfig, ...]:
        if not v:
            raise ValueError("a schedule needs at least one layer")
        return v

    def schedule(self, name: str) -> Schedule:
        return Schedule(name, ZoneInfo(self.timezone), tuple(layer.layer() for layer in self.layers))


class StepConfig(_Strict):
    after: str = "0m"  # from the start of the escalation (of this round)
    notify: tuple[str, ...]  # "schedule:<id>", "person:<id>", "engineers:<customer>"

    @field_validator("after")
    @classmethod
    def _after(cls, v: str) -> str:
        parse_duration(v)
        return v

    @field_validator("notify")
    @classmethod
    def _notify(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [x for x in v if not _TARGET.match(x)]
        if bad or not v:
            raise ValueError(f"{bad or 'nothing'}: notify schedule:<id>, person:<id> or engineers:<customer>")
        return v

    @property
    def offset(self) -> timedelta:
        return parse_duration(self.after)


class EscalationConfig(_Strict):
    """Ordered steps, repeated ``repeat`` more times while nobody acknowledges."""

    steps: tuple[StepConfig, ...]
    repeat: int = 0
    repeat_after: str | None = None  # length of one round; default: the last step's offset + 5 minutes
    working_hours_only: bool = True  # page only in the contractor's working hours (urgent: set false)

    @model_validator(mode="after")
    def _steps(self) -> EscalationConfig:
        if not self.steps:
            raise ValueError("an escalation policy needs at least one step")
        offsets = [s.offset for s in self.steps]
        if offsets != sorted(offsets):
            raise ValueError("steps must be in the order of their 'after' times")
        if not 0 <= self.repeat <= 10:
            raise ValueError("repeat is between 0 and 10")
        if self.repeat_after is not None and parse_duration(self.repeat_after) <= offsets[-1]:
            raise ValueError("repeat_after must be longer than the last step's 'after'")
        return self

    @property
    def round_length(self) -> timedelta:
        if self.repeat_after is not None:
            return parse_duration(self.repeat_after)
        return self.steps[-1].offset + timedelta(minutes=5)


class SmsGatewayConfig(_Strict):
    """A generic HTTP SMS gateway: ``{phone}`` and ``{text}`` are filled into the URL and body."""

    url: str
    method: str = "POST"
    body: str | None = None  # e.g. '{"to": "{phone}", "text": "{text}"}'; None = no body
    content_type: str = "application/json"
    auth_header_env: str | None = None  # name of the environment variable holding the Authorization value
    timeout_seconds: float = 10


class SmtpConfig(_Strict):
    host: str
    port: int = 25
    sender: str
    # TLS: STARTTLS on a plain connection (port 587 or 25), or implicit TLS from the first byte (port 465).
    # Either way the server's certificate and host name are verified against the system's CAs, or only
    # against ``ca_file`` (a PEM bundle) for a server whose certificate a private CA signed.
    starttls: bool = False
    implicit_tls: bool = False
    ca_file: str | None = None
    username_env: str | None = None
    password_env: str | None = None
    timeout_seconds: float = 10

    @model_validator(mode="after")
    def _one_tls(self) -> SmtpConfig:
        if self.starttls and self.implicit_tls:
            raise ValueError("choose starttls (port 587/25) or implicit_tls (port 465), not both")
        tls = self.starttls or self.implicit_tls
        if self.ca_file is not None and not tls:
            raise ValueError("ca_file is for TLS: set starttls or implicit_tls too")
        if (self.username_env or self.password_env) and not tls:
            raise ValueError("SMTP credentials need TLS (starttls or implicit_tls): the password would go in clear")
        return self


def _hhmm(v: str) -> time:
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", v.strip())
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ValueError(f"{v!r} is not a time like 09:00")
    return time(int(m.group(1)), int(m.group(2)))


def known_channels(values: tuple[str, ...]) -> tuple[str, ...]:
    """Paging channels are transports' names (slack, telegram, sms, email, console...): which exist is the
    composition root's knowledge (bot/transports.py checks the names a config uses)."""
    bad = [c for c in values if not TRANSPORT_NAME.fullmatch(c)]
    if bad:
        raise ValueError(f"{bad}: a paging channel is a transport's name, e.g. slack, telegram, sms, email")
    return values

