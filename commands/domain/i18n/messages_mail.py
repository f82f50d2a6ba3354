"""Sentences of the e-mail channel (integrations/mail): what a sender gets besides a command's reply."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "mail.hint": {
        "en": "Reply to this mail to add a note. A reply whose first line is /confirm confirms the fix; "
              "/reopen <why> reopens the incident. Keep the number in brackets in the subject.",
        "bg": "Отговорете на това писмо, за да добавите бележка. Отговор с първи ред /потвърди потвърждава "
              "решението; /преотвори <защо> отваря инцидента отново. Запазете номера в скобите в темата.",
        "fa": "برای افزودن یادداشت به این نامه پاسخ دهید. پاسخی که سطر نخست آن /تایید باشد رفع مشکل را تأیید "
              "می‌کند؛ /بازگشایی <دلیل> رخداد را دوباره باز می‌کند. شماره داخل کروشه را در موضوع نگه دارید.",
    },
    "mail.unknown_sender": {
        "en": "Your message was not registered: the address {address} is not known to the {contractor} service "
              "desk. Please ask your administrator to add it, or report through your usual channel.",
        "bg": "Съобщението ви не е регистрирано: адресът {address} не е познат на службата за поддръжка на "
              "{contractor}. Помолете администратора си да го добави или съобщете по обичайния канал.",
        "fa": "پیام شما ثبت نشد: نشانی {address} برای میز خدمات {contractor} شناخته‌شده نیست. لطفاً از مدیر "
              "خود بخواهید آن را بیفزاید، یا از راه همیشگی گزارش دهید.",
    },
    "mail.not_authenticated": {
        "en": "Your message was not registered: the receiving mail server could not confirm that it came from "
              "{address} (SPF/DKIM/DMARC). Please send it again from your organisation's mail system.",
        "bg": "Съобщението ви не е регистрирано: пощенският сървър не потвърди, че е изпратено от {address} "
              "(SPF/DKIM/DMARC). Изпратете го отново от пощенската система на организацията си.",
        "fa": "پیام شما ثبت نشد: سرور پست دریافت‌کننده نتوانست تأیید کند که از {address} آمده است "
              "(SPF/DKIM/DMARC). لطفاً آن را از سامانه پست سازمان خود دوباره بفرستید.",
    },
    "mail.files_kept": {
        "en": "Files kept with the incident: {names}",
        "bg": "Файлове към инцидента: {names}",
        "fa": "پرونده‌های نگه‌داشته‌شده با رخداد: {names}",
    },
    "mail.file_refused.too_big": {
        "en": "{name} was not kept: larger than {limit}.",
        "bg": "{name} не е запазен: по-голям от {limit}.",
        "fa": "{name} نگه داشته نشد: بزرگ‌تر از {limit}.",
    },
    "mail.file_refused.too_many": {
        "en": "{name} was not kept: the incident already has {limit} files.",
        "bg": "{name} не е запазен: инцидентът вече има {limit} файла.",
        "fa": "{name} نگه داشته نشد: رخداد هم‌اکنون {limit} پرونده دارد.",
    },
    "mail.file_refused.type": {
        "en": "{name} was not kept: the desk keeps images, PDF, text and logs, office files and archives only.",
        "bg": "{name} не е запазен: пазят се само изображения, PDF, текст и логове, офис файлове и архиви.",
        "fa": "{name} نگه داشته نشد: میز تنها تصویر، PDF، متن و گزارش، پرونده‌های اداری و بایگانی نگه می‌دارد.",
    },
    "mail.file_refused.empty": {
        "en": "{name} was not kept: it is empty.",
        "bg": "{name} не е запазен: празен е.",
        "fa": "{name} نگه داشته نشد: خالی است.",
    },
    "mail.only_files": {
        "en": "(files only)",
        "bg": "(само файлове)",
        "fa": "(تنها پرونده)",
    },
    "event.attachment": {
        "en": "file",
        "bg": "файл",
        "fa": "پرونده",
    },
    "status.files": {
        "en": "Files: {names}",
        "bg": "Файлове: {names}",
        "fa": "پرونده‌ها: {names}",
    },
}
