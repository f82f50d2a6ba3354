"""The contract's SLA targets in words (``/sla``, the preview of a category's deadlines)."""

from __future__ import annotations

MESSAGES = {
    "target.calendar": {"en": "{amount}", "bg": "{amount}", "fa": "{amount}"},
    "target.business": {
        "en": "{amount} of working time",
        "bg": "{amount} работно време",
        "fa": "{amount} کاری",
    },
    "target.end_of_next_day": {
        "en": "end of the next working day",
        "bg": "края на следващия работен ден",
        "fa": "پایان روز کاری بعد",
    },
    "target.end_of_nth_day": {
        "en": "end of the next {n} working days",
        "bg": "края на следващите {n} работни дни",
        "fa": "پایان {n} روز کاری بعد",
    },
    "target.from_next_day": {
        "en": "{amount} from the start of the next working day",
        "bg": "{amount} от началото на следващия работен ден",
        "fa": "{amount} از آغاز روز کاری بعد",
    },
    "target.from_nth_day": {
        "en": "{amount} from the start of working day {n} after the report",
        "bg": "{amount} от началото на {n}-ия работен ден след съобщаването",
        "fa": "{amount} از آغاز روز کاری {n}ام پس از اعلام",
    },
    "target.after_event": {
        "en": "{n} working days after {event}",
        "bg": "{n} работни дни след {event}",
        "fa": "{n} روز کاری پس از {event}",
    },
    "target.unit.d": {"en": "d", "bg": "д", "fa": "روز"},
    "target.unit.h": {"en": "h", "bg": "ч", "fa": "ساعت"},
    "target.unit.m": {"en": "min", "bg": "мин", "fa": "دقیقه"},
}
