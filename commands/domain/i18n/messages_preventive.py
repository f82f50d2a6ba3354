"""Sentences of preventive maintenance: reminders, overdue notices, /tasks, /task, the daily summary."""

from __future__ import annotations

MESSAGES = {
    "pm.line": {
        "en": "{ref} · {title} · due {when} · {state}",
        "bg": "{ref} · {title} · срок {when} · {state}",
        "fa": "{ref} · {title} · مهلت {when} · {state}",
    },
    "pm.state.planned": {"en": "planned", "bg": "планирана", "fa": "برنامه‌ریزی‌شده"},
    "pm.state.started": {"en": "in progress", "bg": "в изпълнение", "fa": "در حال انجام"},
    "pm.state.done": {"en": "done", "bg": "извършена", "fa": "انجام‌شده"},
    "pm.state.skipped": {"en": "skipped", "bg": "пропусната", "fa": "رد‌شده"},
    "pm.state.overdue": {"en": "OVERDUE", "bg": "ПРОСРОЧЕНА", "fa": "سررسید گذشته"},
    "pm.reminder": {
        "en": "Planned maintenance {ref} for {customer} is due {when}: {title}",
        "bg": "Профилактика {ref} за {customer} е със срок {when}: {title}",
        "fa": "نگهداری پیشگیرانه {ref} برای {customer} تا {when} باید انجام شود: {title}",
    },
    "pm.overdue": {
        "en": "Planned maintenance {ref} for {customer} is OVERDUE since {when}: {title}",
        "bg": "Профилактика {ref} за {customer} е ПРОСРОЧЕНА от {when}: {title}",
        "fa": "مهلت نگهداری پیشگیرانه {ref} برای {customer} از {when} گذشته است: {title}",
    },
    "pm.components": {"en": "Components: {components}", "bg": "Компоненти: {components}", "fa": "اجزا: {components}"},
    "pm.checklist_count": {
        "en": "Checklist: {count} item(s)", "bg": "Контролен списък: {count} точки", "fa": "فهرست بررسی: {count} مورد",
    },
    "pm.how": {
        "en": "/task {ref} start · /task {ref} done [notes] · /task {ref} skip <reason>",
        "bg": "/task {ref} start · /task {ref} done [бележки] · /task {ref} skip <причина>",
        "fa": "/task {ref} start · /task {ref} done [یادداشت] · /task {ref} skip <دلیل>",
    },
    "pm.late": {
        "en": "(sent late: the desk was not running when it fell due)",
        "bg": "(изпратено със закъснение: бюрото не работеше, когато настъпи срокът)",
        "fa": "(با تأخیر ارسال شد: میز هنگام سررسید در حال اجرا نبود)",
    },
    "pm.auto_done": {
        "en": "{ref} done by the backups inside its window: {title}",
        "bg": "{ref} е извършена чрез архивиранията в срока ѝ: {title}",
        "fa": "{ref} با پشتیبان‌گیری‌های درون بازه‌اش انجام شد: {title}",
    },
    "pm.evidence_item": {
        "en": "backup {target} run {run} · {when} · SHA-256 {sha}",
        "bg": "архив {target} изпълнение {run} · {when} · SHA-256 {sha}",
        "fa": "پشتیبان {target} اجرای {run} · {when} · SHA-256 {sha}",
    },
}

MESSAGES.update({
    "pm.daily.title": {
        "en": "Planned maintenance due within a week: {count} (overdue: {overdue})",
        "bg": "Профилактики със срок до една седмица: {count} (просрочени: {overdue})",
        "fa": "نگهداری‌های پیشگیرانه با مهلت تا یک هفته: {count} (گذشته از مهلت: {overdue})",
    },
})
