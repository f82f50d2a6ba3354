"""Sentences about the resolution clock's provisional stop, its confirmation and tacit acceptance."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "clock.awaiting": {
        "en": "{line} — awaiting confirmation",
        "bg": "{line} — очаква потвърждение",
        "fa": "{line} — در انتظار تأیید",
    },
    "clock.final": {
        "en": "{line}; confirmed {when}",
        "bg": "{line}; потвърдено {when}",
        "fa": "{line}؛ تأیید {when}",
    },
    "event.confirm_reminder": {
        "en": "reminder: tacit acceptance ahead",
        "bg": "напомняне за мълчаливо приемане",
        "fa": "یادآوری پذیرش ضمنی",
    },
    "event.accepted": {
        "en": "accepted tacitly (no answer in time)",
        "bg": "прието мълчаливо (без отговор в срок)",
        "fa": "پذیرش ضمنی (بی‌پاسخ در مهلت)",
    },
    "confirm.reminder": {
        "en": "{number}: the fix will count as accepted {when} unless you answer — /confirm {number} if it "
              "holds, /reopen {number} <why> if it does not",
        "bg": "{number}: решението ще се счита за прието {when}, ако не отговорите — /confirm {number}, ако "
              "проблемът е решен, /reopen {number} <причина>, ако не е",
        "fa": "{number}: اگر پاسخ ندهید، رفع مشکل در {when} پذیرفته‌شده به شمار می‌آید — اگر برقرار است "
              "/confirm {number} و اگر نه /reopen {number} <دلیل>",
    },
    "confirm.accepted": {
        "en": "{number}: the fix is accepted tacitly — no answer within {days} working day(s); the incident is closed",
        "bg": "{number}: решението е прието мълчаливо — без отговор в {days} работни дни; инцидентът е приключен",
        "fa": "{number}: رفع مشکل به‌طور ضمنی پذیرفته شد — بی‌پاسخ در {days} روز کاری؛ رخداد بسته شد",
    },
    "confirm.resolution": {
        "en": "What was done: {text}",
        "bg": "Какво е направено: {text}",
        "fa": "کار انجام‌شده: {text}",
    },
}
