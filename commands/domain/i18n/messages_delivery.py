"""Sentences of outbox delivery: a destination that refused a message, in alerts and the daily summary."""

from __future__ import annotations

MESSAGES = {
    "delivery.failed": {
        "en": "⚠ Not delivered: {what} to {destination} ({transport})",
        "bg": "⚠ Недоставено: {what} до {destination} ({transport})",
        "fa": "⚠ تحویل نشد: {what} به {destination} ({transport})",
    },
    "delivery.failed.error": {
        "en": "Answer: {error}",
        "bg": "Отговор: {error}",
        "fa": "پاسخ: {error}",
    },
    "delivery.failed.next": {
        "en": "Trying the next channel instead: {transport}",
        "bg": "Опитва се следващият канал: {transport}",
        "fa": "کانال بعدی امتحان می‌شود: {transport}",
    },
    "delivery.failed.none": {
        "en": "No other channel: this destination will not get it. Fix the destination (see docs/slack.md, docs/telegram.md).",
        "bg": "Няма друг канал: тази дестинация няма да го получи. Поправете дестинацията (вижте docs/slack.md, docs/telegram.md).",
        "fa": "کانال دیگری نیست: این مقصد آن را دریافت نمی‌کند. مقصد را اصلاح کنید (docs/slack.md، docs/telegram.md).",
    },
    "delivery.nowhere": {
        "en": "no transport reaches {audience}",
        "bg": "няма канал до {audience}",
        "fa": "هیچ کانالی به {audience} نمی‌رسد",
    },
    "report.daily.deliveries_failed": {
        "en": "Messages not delivered: {count}",
        "bg": "Недоставени съобщения: {count}",
        "fa": "پیام‌های تحویل‌نشده: {count}",
    },
    "report.daily.delivery_failed_item": {
        "en": "{when} · {what} → {destination}: {error}",
        "bg": "{when} · {what} → {destination}: {error}",
        "fa": "{when} · {what} → {destination}: {error}",
    },
}
