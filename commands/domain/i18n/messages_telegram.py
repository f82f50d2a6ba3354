"""Sentences only the Telegram transport says: the guided /incident, the prompts of buttons that need
text, and the refusal for chats the desk does not serve. Reply-keyboard answers are matched by the
category and component titles, so these are only the questions around them."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "telegram.unknown_chat": {
        "en": "This chat ({chat}) is not connected to the desk. Use your organisation's desk group or a private "
              "chat with the desk, or ask the administrator to add {chat} to channels.telegram in the configuration.",
        "bg": "Този чат ({chat}) не е свързан с бюрото. Използвайте групата на вашата организация или лично "
              "съобщение до бюрото, или помолете администратора да добави {chat} в channels.telegram в конфигурацията.",
        "fa": "این گفت‌وگو ({chat}) به میز خدمت متصل نیست. از گروه سازمان خود یا گفت‌وگوی خصوصی با میز خدمت "
              "استفاده کنید، یا از مدیر بخواهید {chat} را به channels.telegram در پیکربندی بیفزاید.",
    },
    "telegram.guide.category": {
        "en": "New incident for {customer}. Which category? (/cancel to stop)",
        "bg": "Нов инцидент за {customer}. Каква е категорията? (/cancel за отказ)",
        "fa": "رخداد تازه برای {customer}. کدام دسته؟ (/cancel برای انصراف)",
    },
    "telegram.guide.component": {
        "en": "Which component?",
        "bg": "Кой компонент?",
        "fa": "کدام مؤلفه؟",
    },
    "telegram.guide.description": {
        "en": "What is wrong? Describe it in a reply to this message.",
        "bg": "Какъв е проблемът? Опишете го в отговор на това съобщение.",
        "fa": "مشکل چیست؟ آن را در پاسخ به همین پیام شرح دهید.",
    },
    "telegram.guide.again": {
        "en": "Please choose one of the buttons (or /cancel).",
        "bg": "Моля, изберете един от бутоните (или /cancel).",
        "fa": "لطفاً یکی از دکمه‌ها را انتخاب کنید (یا /cancel).",
    },
    "telegram.guide.cancelled": {
        "en": "Cancelled; nothing was registered.",
        "bg": "Отказано; нищо не е регистрирано.",
        "fa": "لغو شد؛ چیزی ثبت نشد.",
    },
    "telegram.prompt.resolve": {
        "en": "what was done to fix {number}? Reply to this message.",
        "bg": "какво беше направено за {number}? Отговорете на това съобщение.",
        "fa": "برای رفع {number} چه کاری انجام شد؟ به همین پیام پاسخ دهید.",
    },
    "telegram.prompt.reopen": {
        "en": "why is {number} back? Reply to this message.",
        "bg": "защо {number} се появи отново? Отговорете на това съобщение.",
        "fa": "چرا {number} بازگشته است؟ به همین پیام پاسخ دهید.",
    },
    "telegram.prompt.cancel": {
        "en": "why cancel {number}? Reply to this message.",
        "bg": "защо се анулира {number}? Отговорете на това съобщение.",
        "fa": "چرا {number} لغو می‌شود؟ به همین پیام پاسخ دهید.",
    },
    "telegram.prompt.note": {
        "en": "your note to {number}? Reply to this message.",
        "bg": "бележката ви към {number}? Отговорете на това съобщение.",
        "fa": "یادداشت شما برای {number}؟ به همین پیام پاسخ دهید.",
    },
    "telegram.prompt.pause": {
        "en": "why wait for the customer on {number}? Reply to this message.",
        "bg": "защо се чака клиентът по {number}? Отговорете на това съобщение.",
        "fa": "چرا برای {number} در انتظار مشتری هستیم؟ به همین پیام پاسخ دهید.",
    },
    "telegram.placeholder.category": {"en": "Category", "bg": "Категория", "fa": "دسته"},
    "telegram.placeholder.description": {"en": "What is wrong", "bg": "Какъв е проблемът", "fa": "مشکل چیست"},
    "telegram.prompt.placeholder": {"en": "Your answer", "bg": "Вашият отговор", "fa": "پاسخ شما"},
    "telegram.migrated": {
        "en": "The Telegram group {old} of {customer} was upgraded to a supergroup and now has the id {new}. "
              "The desk follows it (cards, warnings and commands work there), but please replace {old} with "
              "{new} in customers.{customer_id}.channels.{key} of the configuration.",
        "bg": "Telegram групата {old} на {customer} беше превърната в супергрупа и вече е с id {new}. "
              "Бюрото я следва (картите, предупрежденията и командите работят там), но моля заменете {old} с "
              "{new} в customers.{customer_id}.channels.{key} в конфигурацията.",
        "fa": "گروه تلگرام {old} مربوط به {customer} به سوپرگروه ارتقا یافت و اکنون شناسهٔ {new} را دارد. "
              "میز خدمت آن را دنبال می‌کند (کارت‌ها، هشدارها و فرمان‌ها آنجا کار می‌کنند)، اما لطفاً {old} را با "
              "{new} در customers.{customer_id}.channels.{key} پیکربندی جایگزین کنید.",
    },
}
