"""Sentences every chat transport may say (integrations/chat/card_core.py): a platform's own sentences go
in its own module; a new platform needs none of its own to work."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "chat.unknown_channel": {
        "en": "This conversation ({channel}) is not connected to the desk. Use your organisation's desk channel or a "
              "direct message to the desk, or ask the administrator to add {channel} to channels.{transport} in the "
              "configuration.",
        "bg": "Този разговор ({channel}) не е свързан с бюрото. Използвайте канала на вашата организация или лично "
              "съобщение до бюрото, или помолете администратора да добави {channel} в channels.{transport} в "
              "конфигурацията.",
        "fa": "این گفت‌وگو ({channel}) به میز خدمت متصل نیست. از کانال سازمان خود یا پیام مستقیم به میز خدمت "
              "استفاده کنید، یا از مدیر بخواهید {channel} را به channels.{transport} در پیکربندی بیفزاید.",
    },
    "chat.files.which_incident": {
        "en": "Your files were not kept: say which incident they belong to in the message you send them with, "
              "e.g. \"note {example} screenshot of the error\", or send them as an answer to the incident's card.",
        "bg": "Файловете не са запазени: посочете към кой инцидент са в съобщението, с което ги изпращате, "
              "напр. \"note {example} снимка на грешката\", или ги изпратете като отговор на картата на инцидента.",
        "fa": "پرونده‌های شما نگه داشته نشد: در پیامی که با آن‌ها می‌فرستید بگویید به کدام رخداد مربوط‌اند، "
              "مثلاً «note {example} تصویر خطا»، یا آن‌ها را در پاسخ به کارت رخداد بفرستید.",
    },
    "chat.files.unavailable": {
        "en": "{name} was not kept: the desk could not fetch it from the chat (an external or deleted file, "
              "or one the chat would not hand over). Send the file itself.",
        "bg": "{name} не е запазен: бюрото не можа да го изтегли от чата (външен или изтрит файл, или файл, "
              "който чатът не предаде). Изпратете самия файл.",
        "fa": "{name} نگه داشته نشد: میز نتوانست آن را از گفت‌وگو دریافت کند (پرونده بیرونی یا حذف‌شده، "
              "یا پرونده‌ای که گفت‌وگو تحویل نداد). خود پرونده را بفرستید.",
    },
}
