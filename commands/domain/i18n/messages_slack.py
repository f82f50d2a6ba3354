"""Sentences only the Slack transport says: modals and the refusal for channels the desk does not serve.

Slack limits a modal's title and buttons to 24 characters; keep these short in every locale.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "slack.unknown_channel": {
        "en": "This channel ({channel}) is not connected to the desk. Use your organisation's desk channel or a "
              "direct message to the desk, or ask the administrator to add the channel id to the configuration.",
        "bg": "Този канал ({channel}) не е свързан с бюрото. Използвайте канала на вашата организация или "
              "лично съобщение до бюрото, или помолете администратора да добави канала в конфигурацията.",
        "fa": "این کانال ({channel}) به میز خدمت متصل نیست. از کانال سازمان خود یا پیام مستقیم به میز خدمت "
              "استفاده کنید، یا از مدیر بخواهید شناسهٔ کانال را به پیکربندی بیفزاید.",
    },
    "slack.cut": {
        "en": "{count} more characters are not shown here.",
        "bg": "Още {count} знака не са показани тук.",
        "fa": "{count} نویسهٔ دیگر در اینجا نشان داده نشده است.",
    },
    "slack.modal.incident": {"en": "Report an incident", "bg": "Нов инцидент", "fa": "گزارش رخداد"},
    "slack.modal.register": {"en": "Register", "bg": "Регистрирай", "fa": "ثبت"},
    "slack.modal.send": {"en": "Send", "bg": "Изпрати", "fa": "ارسال"},
    "slack.modal.close": {"en": "Cancel", "bg": "Отказ", "fa": "انصراف"},
    "slack.modal.category": {"en": "Category", "bg": "Категория", "fa": "دسته"},
    "slack.modal.component": {"en": "Component", "bg": "Компонент", "fa": "بخش"},
    "slack.modal.description": {"en": "What is wrong", "bg": "Какъв е проблемът", "fa": "مشکل چیست"},
    "slack.modal.reported": {
        "en": "First reported (if earlier, e.g. by phone)",
        "bg": "Първо съобщен (ако е по-рано, напр. по телефона)",
        "fa": "نخستین اعلام (اگر زودتر بوده، مثلاً تلفنی)",
    },
    "slack.modal.limit": {
        "en": "Up to {limit} characters.",
        "bg": "До {limit} знака.",
        "fa": "حداکثر {limit} نویسه.",
    },
    "slack.modal.limit_split": {
        "en": "Up to {limit} characters in all: {first} in this box; continue in the next box.",
        "bg": "До {limit} знака общо: {first} в това поле; продължете в следващото.",
        "fa": "در مجموع حداکثر {limit} نویسه: {first} در این کادر؛ در کادر بعدی ادامه دهید.",
    },
    "slack.modal.continued": {"en": "{label} (continued)", "bg": "{label} (продължение)", "fa": "{label} (ادامه)"},
    "slack.modal.continued_hint": {
        "en": "Only if the box above is not enough. Text that filled the box above runs on here; otherwise "
              "this starts a new line.",
        "bg": "Само ако полето отгоре не стига. Ако то е запълнено, текстът продължава тук; иначе започва "
              "нов ред.",
        "fa": "فقط اگر کادر بالا کافی نیست. اگر کادر بالا پر شده باشد، متن در اینجا ادامه می‌یابد؛ وگرنه "
              "از سطر تازه آغاز می‌شود.",
    },
    "slack.modal.reported_hint": {"en": "today 08:55", "bg": "днес 08:55", "fa": "امروز ساعت ۸:۵۵"},
    "slack.modal.resolve": {"en": "Resolve", "bg": "Решен", "fa": "حل شد"},
    "slack.modal.resolve.label": {
        "en": "What was done ({number})",
        "bg": "Какво беше направено ({number})",
        "fa": "چه کاری انجام شد ({number})",
    },
    "slack.modal.reopen": {"en": "Reopen", "bg": "Отвори отново", "fa": "بازگشایی"},
    "slack.modal.reopen.label": {
        "en": "Why is it back? ({number})",
        "bg": "Защо проблемът се връща? ({number})",
        "fa": "چرا مشکل برگشته است؟ ({number})",
    },
    "slack.modal.cancel": {"en": "Cancel incident", "bg": "Анулиране", "fa": "لغو رخداد"},
    "slack.modal.cancel.label": {
        "en": "Reason for cancelling {number}",
        "bg": "Причина за анулиране на {number}",
        "fa": "دلیل لغو {number}",
    },
    "slack.modal.note": {"en": "Note", "bg": "Бележка", "fa": "یادداشت"},
    "slack.modal.note.label": {"en": "Note to {number}", "bg": "Бележка към {number}", "fa": "یادداشت برای {number}"},
    "slack.modal.pause": {"en": "Pause the clocks", "bg": "Пауза", "fa": "توقف زمان‌سنج"},
    "slack.modal.pause.label": {
        "en": "Why wait for the customer? ({number})",
        "bg": "Защо се чака клиентът? ({number})",
        "fa": "چرا در انتظار مشتری؟ ({number})",
    },
}
