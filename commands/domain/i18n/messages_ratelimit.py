"""Sentences of the rate limits (commands/desk/ratelimit.py): the refusal says the limit and when to try again."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "ratelimit.person": {
        "en": "You are sending commands faster than the desk accepts ({rate}). Please try again in {wait}.",
        "bg": "Изпращате команди по-бързо, отколкото бюрото приема ({rate}). Моля, опитайте отново след {wait}.",
        "fa": "فرمان‌ها را سریع‌تر از حدی که میز خدمت می‌پذیرد می‌فرستید ({rate}). لطفاً {wait} دیگر دوباره تلاش کنید.",
    },
    "ratelimit.channel": {
        "en": "This channel is sending commands faster than the desk accepts ({rate} for the whole channel). "
              "Please try again in {wait}.",
        "bg": "От този канал идват команди по-бързо, отколкото бюрото приема ({rate} за целия канал). "
              "Моля, опитайте отново след {wait}.",
        "fa": "از این گفت‌وگو فرمان‌ها سریع‌تر از حدی که میز خدمت می‌پذیرد می‌آیند ({rate} برای کل گفت‌وگو). "
              "لطفاً {wait} دیگر دوباره تلاش کنید.",
    },
    "ratelimit.rate.second": {"en": "{count} a second", "bg": "{count} в секунда", "fa": "{count} در ثانیه"},
    "ratelimit.rate.minute": {"en": "{count} a minute", "bg": "{count} в минута", "fa": "{count} در دقیقه"},
    "ratelimit.rate.hour": {"en": "{count} an hour", "bg": "{count} на час", "fa": "{count} در ساعت"},
    "ratelimit.seconds": {"en": "{n} s", "bg": "{n} сек", "fa": "{n} ثانیه"},
}
