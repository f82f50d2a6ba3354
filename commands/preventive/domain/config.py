"""Configuration of preventive maintenance: ``[customers.<id>.preventive]``.

The contract's start date and the planned tasks: title per locale, components, a checklist, when the
first is due (``10 working days after contract start`` — the SLA targets' grammar on the customer's
business calendar), how often after that (``every 3 months``, ``every month on the 2nd working day``),
who is responsible (``schedule:<id>``, ``person:<id>`` or ``engineers:<customer>``, as in an escalation
step) and which backup targets' successful runs complete the task on their own. The grammar and the
arithmetic are in ``commands.preventive.domain.due``; this module only says what a valid table is.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

TASK_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")
RESPONSIBLE = re.compile(r"^(schedule|person|engineers):[A-Za-z0-9_-]+$")


class _Strict(BaseModel):
    # The same rules as commands.domain.config's models (which imports this module at its end).
    model_config = ConfigDict(extra="forbid", frozen=True)


Localized = dict[str, str] | str  # {"en": "...", "bg": "..."} or one text for every locale


def localized(value: Localized, locale: str) -> str:
    """The text of ``value`` in ``locale``: that locale's, else English, else the first given."""
    if isinstance(value, str):
        return value
    return value.get(locale) or value.get("en") or next(iter(value.values()), "")


def _check_localized(value: Localized, what: str) -> None:
    texts = [value] if isinstance(value, str) else list(value.values())
    if not texts or not all(s.strip() for s in texts):
        raise ValueError(f"{what} needs a text (one string, or one per locale: en, bg, fa)")
    if isinstance(value, dict):
        bad = [k for k in value if k not in ("en", "bg", "fa")]
        if bad:
            raise ValueError(f"{what}: unknown locale(s) {bad}; use en, bg, fa")


class PreventiveTaskConfig(_Strict):
    title: Localized
    description: Localized = ""
    components: tuple[str, ...] = ()
    checklist: tuple[Localized, ...] = ()
    first_due: str = "10 working days after contract start"
    every: str | None = None  # None: done once
    responsible: str  # schedule:<id> | person:<id> | engineers:<customer>
    remind_before: str | None = None  # None: the table's default
    backups: tuple[str, ...] = ()  # backup targets: all succeeding inside the window complete the task

    @field_validator("title")
    @classmethod
    def _title(cls, v: Localized) -> Localized:
        _check_localized(v, "title")
        return v

    @field_validator("checklist")
    @classmethod
    def _checklist(cls, v: tuple[Localized, ...]) -> tuple[Localized, ...]:
        for n, item in enumerate(v, 1):
            _check_localized(item, f"checklist item {n}")
        if len(v) > 50:
            raise ValueError("at most 50 checklist items")
        return v

    @field_validator("first_due")
    @classmethod
    def _first(cls, v: str) -> str:
        from commands.preventive.domain.due import parse_first_due

        parse_first_due(v)
        return v

    @field_validator("every")
    @classmethod
    def _every(cls, v: str | None) -> str | None:
        from commands.preventive.domain.due import parse_recurrence

        if v is not None:
            parse_recurrence(v)
        return v

    @field_validator("remind_before")
    @classmethod
    def _remind(cls, v: str | None) -> str | None:
        from commands.preventive.domain.due import parse_remind_before

        if v is not None:
            parse_remind_before(v)
        return v

    @field_validator("responsible")
    @classmethod
    def _responsible(cls, v: str) -> str:
        if not RESPONSIBLE.match(v):
            raise ValueError(f"{v!r}: responsible is schedule:<id>, person:<id> or engineers:<customer>")
        return v


class PreventiveConfig(_Strict):
    contract_start: date
    remind_before: str = "3 working days"
    tasks: dict[str, PreventiveTaskConfig] = Field(default_factory=dict)

    @field_validator("remind_before")
    @classmethod
    def _remind(cls, v: str) -> str:
        from commands.preventive.domain.due import parse_remind_before

        parse_remind_before(v)
        return v

    @field_validator("tasks")
    @classmethod
    def _ids(cls, v: dict[str, PreventiveTaskConfig]) -> dict[str, PreventiveTaskConfig]:
        for key in v:
            if not TASK_ID.match(key):
                raise ValueError(f"{key!r}: task ids are lower-case letters, digits, '-' or '_'")
        return v

    def remind_for(self, task: PreventiveTaskConfig) -> str:
        return task.remind_before if task.remind_before is not None else self.remind_before


def _validate(table: PreventiveConfig | None, info: ValidationInfo) -> PreventiveConfig | None:
    """Components and backup targets a task names are the customer's own."""
    if table is None:
        return None
    components: dict[str, Any] = info.data.get("components") or {}
    backups: dict[str, Any] = info.data.get("backups") or {}
    for key, task in table.tasks.items():
        for comp in task.components:
            if comp not in components:
                raise ValueError(f"tasks.{key}.components: {comp!r} is not a component ({', '.join(components)})")
        for target in task.backups:
            if target not in backups:
                raise ValueError(f"tasks.{key}.backups: {target!r} is not a backup target "
                                 f"({', '.join(backups) or 'none configured'})")
    return table


PreventiveTable = Annotated[PreventiveConfig | None, AfterValidator(_validate)]
