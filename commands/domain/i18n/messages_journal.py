"""Sentences of the database outage: a report kept in the journal, and commands the register cannot take."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "journal.received": {
        "en": "Received. Your report is kept, with its first notification at {when}; the register is briefly "
              "unavailable, and the control number follows here as soon as it is registered.",
        "bg": "Получено. Сигналът ви е съхранен с първо уведомяване в {when}; регистърът е временно "
              "недостъпен и контролният номер ще последва тук веднага щом бъде регистриран.",
        "fa": "دریافت شد. گزارش شما با نخستین اعلام در {when} نگه داشته شد؛ دفتر ثبت لحظه‌ای در دسترس نیست و "
              "شمارهٔ پیگیری به‌محض ثبت همین‌جا فرستاده می‌شود.",
    },
    "journal.number": {
        "en": "Your report received at {when} is registered: {number}.",
        "bg": "Сигналът ви, получен в {when}, е регистриран: {number}.",
        "fa": "گزارش شما که در {when} دریافت شد ثبت شد: {number}.",
    },
    "journal.refused": {
        "en": "Your report received at {when} could not be registered: {reason}",
        "bg": "Сигналът ви, получен в {when}, не можа да бъде регистриран: {reason}",
        "fa": "گزارش شما که در {when} دریافت شد ثبت نشد: {reason}",
    },
    "error.register_unavailable": {
        "en": "The register is unavailable for a moment and nothing was changed; please retry in a moment.",
        "bg": "Регистърът е временно недостъпен и нищо не е променено; моля, опитайте отново след малко.",
        "fa": "دفتر ثبت لحظه‌ای در دسترس نیست و چیزی تغییر نکرد؛ لطفاً کمی بعد دوباره تلاش کنید.",
    },
}
