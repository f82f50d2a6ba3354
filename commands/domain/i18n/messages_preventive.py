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

MESSAGES.update({
    "help.tasks": {
        "en": "/tasks [overdue|all] — planned maintenance due within a week and overdue",
        "bg": "/tasks [overdue|all] — профилактики със срок до седмица и просрочени",
        "fa": "/tasks [overdue|all] — نگهداری‌های پیشگیرانه با مهلت تا یک هفته و گذشته از مهلت",
    },
    "help.task": {
        "en": "/task <task>[#n] [start|note <text>|check <1,2|all>|done [notes] [--check 1,2|all]|skip <reason>|"
              "incident <category> <component> <description>] — one planned task: show it or record the work",
        "bg": "/task <задача>[#n] [start|note <текст>|check <1,2|all>|done [бележки] [--check 1,2|all]|skip <причина>|"
              "incident <категория> <компонент> <описание>] — една профилактика: преглед или отчитане на работата",
        "fa": "/task <کار>[#n] [start|note <متن>|check <1,2|all>|done [یادداشت] [--check 1,2|all]|skip <دلیل>|"
              "incident <دسته> <جزء> <شرح>] — یک کار برنامه‌ریزی‌شده: نمایش یا ثبت کار انجام‌شده",
    },
    "event.maintenance": {"en": "filed from planned maintenance", "bg": "заведен от профилактика",
                          "fa": "ثبت‌شده از نگهداری پیشگیرانه"},
    "pm.list.title": {
        "en": "Planned maintenance: {count} due within a week (overdue: {overdue})",
        "bg": "Профилактики: {count} със срок до седмица (просрочени: {overdue})",
        "fa": "نگهداری پیشگیرانه: {count} با مهلت تا یک هفته (گذشته از مهلت: {overdue})",
    },
    "pm.list.none": {
        "en": "No planned maintenance is due within a week",
        "bg": "Няма профилактики със срок до една седмица",
        "fa": "هیچ نگهداری پیشگیرانه‌ای تا یک هفته سررسید ندارد",
    },
    "pm.error.no_plan": {
        "en": "{customer} has no planned maintenance in the configuration",
        "bg": "За {customer} няма планирани профилактики в конфигурацията",
        "fa": "برای {customer} هیچ نگهداری پیشگیرانه‌ای پیکربندی نشده است",
    },
    "pm.error.unknown_task": {
        "en": "No planned task {value} for {customer}. Choose one of: {choices} (a task, or task#n for its n-th time)",
        "bg": "Няма планирана задача {value} за {customer}. Изберете от: {choices} (задача или задача#n за n-тия път)",
        "fa": "کار برنامه‌ریزی‌شدهٔ {value} برای {customer} وجود ندارد. یکی را انتخاب کنید: {choices} (کار، یا کار#n برای بار n-ام)",
    },
    "pm.error.no_occurrence": {
        "en": "{ref} has no such occurrence in the plan (yet): see /tasks all",
        "bg": "{ref} няма такова изпълнение в плана (все още): вижте /tasks all",
        "fa": "{ref} چنین نوبتی در برنامه (هنوز) ندارد: /tasks all را ببینید",
    },
    "pm.error.bad_action": {
        "en": "{value} is not something to do with a task. Choose one of: {choices}",
        "bg": "{value} не е действие със задача. Изберете от: {choices}",
        "fa": "{value} کاری برای یک کار برنامه‌ریزی‌شده نیست. یکی را انتخاب کنید: {choices}",
    },
    "pm.error.closed": {
        "en": "{ref} is already {state}; its record stays as it is",
        "bg": "{ref} вече е {state}; записът ѝ остава непроменен",
        "fa": "{ref} قبلاً {state} است؛ سابقه‌اش همان‌گونه می‌ماند",
    },
    "pm.error.already_started": {
        "en": "{ref} is already in progress", "bg": "{ref} вече е в изпълнение", "fa": "{ref} از قبل در حال انجام است",
    },
    "pm.error.text_needed": {
        "en": "Please write the note after the word note",
        "bg": "Моля, напишете бележката след думата note",
        "fa": "لطفاً یادداشت را پس از واژهٔ note بنویسید",
    },
    "pm.error.reason_needed": {
        "en": "Please give the reason for skipping: /task <task> skip <reason>",
        "bg": "Моля, посочете причината за пропускането: /task <задача> skip <причина>",
        "fa": "لطفاً دلیل رد کردن را بنویسید: /task <کار> skip <دلیل>",
    },
    "pm.error.no_checklist": {
        "en": "Task {task} has no checklist", "bg": "Задача {task} няма контролен списък",
        "fa": "کار {task} فهرست بررسی ندارد",
    },
    "pm.error.bad_check": {
        "en": "{value} is not a list of checklist items: give numbers from 1 to {total} (e.g. 1,3) or all",
        "bg": "{value} не е списък от точки: дайте номера от 1 до {total} (напр. 1,3) или all",
        "fa": "{value} فهرست موارد نیست: شماره‌هایی از ۱ تا {total} (مثلاً 1,3) یا all بنویسید",
    },
    "pm.start.ok": {"en": "{ref} started: {title}", "bg": "{ref} е започната: {title}", "fa": "{ref} آغاز شد: {title}"},
    "pm.note.ok": {"en": "Note added to {ref}", "bg": "Бележката е добавена към {ref}", "fa": "یادداشت به {ref} افزوده شد"},
    "pm.check.ok": {"en": "Checklist of {ref} updated", "bg": "Контролният списък на {ref} е обновен",
                    "fa": "فهرست بررسی {ref} به‌روز شد"},
    "pm.done.ok": {"en": "{ref} done: {title}", "bg": "{ref} е извършена: {title}", "fa": "{ref} انجام شد: {title}"},
    "pm.skip.ok": {"en": "{ref} skipped: {title}", "bg": "{ref} е пропусната: {title}", "fa": "{ref} رد شد: {title}"},
    "pm.checked_count": {"en": "Checklist: {ticked} of {total} ticked", "bg": "Контролен списък: {ticked} от {total}",
                         "fa": "فهرست بررسی: {ticked} از {total} علامت خورده"},
    "pm.done_late": {"en": "Done after its due time ({when})", "bg": "Извършена след срока ({when})",
                     "fa": "پس از مهلت ({when}) انجام شد"},
    "pm.protocol_hint": {
        "en": "Maintenance protocol: /report task {ref}", "bg": "Протокол от профилактиката: /report task {ref}",
        "fa": "صورت‌جلسهٔ نگهداری: /report task {ref}",
    },
    "pm.incident.linked": {
        "en": "Filed from planned maintenance {ref}", "bg": "Заведен от профилактика {ref}",
        "fa": "ثبت‌شده از نگهداری پیشگیرانه {ref}",
    },
    "pm.show.title": {"en": "{ref}: {title}", "bg": "{ref}: {title}", "fa": "{ref}: {title}"},
    "pm.show.window": {"en": "Window {opens} – due {due}", "bg": "Период {opens} – срок {due}",
                       "fa": "بازه {opens} – مهلت {due}"},
    "pm.show.state": {"en": "State: {state} ({who})", "bg": "Състояние: {state} ({who})", "fa": "وضعیت: {state} ({who})"},
    "pm.show.incident": {"en": "Incident {number} ({state})", "bg": "Инцидент {number} ({state})",
                         "fa": "رخداد {number} ({state})"},
    "pm.show.timeline": {"en": "Timeline:", "bg": "Хронология:", "fa": "گاه‌شمار:"},
    "pm.event.reminded": {"en": "reminder sent", "bg": "изпратено напомняне", "fa": "یادآوری ارسال شد"},
    "pm.event.overdue": {"en": "overdue notice sent", "bg": "изпратено известие за просрочие", "fa": "اعلان گذشتن مهلت ارسال شد"},
    "pm.event.started": {"en": "started", "bg": "започната", "fa": "آغاز شد"},
    "pm.event.note": {"en": "note", "bg": "бележка", "fa": "یادداشت"},
    "pm.event.checked": {"en": "checklist ticked", "bg": "отметнати точки", "fa": "موارد علامت خورد"},
    "pm.event.done": {"en": "done", "bg": "извършена", "fa": "انجام شد"},
    "pm.event.skipped": {"en": "skipped", "bg": "пропусната", "fa": "رد شد"},
    "pm.event.incident": {"en": "incident filed", "bg": "заведен инцидент", "fa": "رخداد ثبت شد"},
})

# The service protocol of an incident and the maintenance protocol of a planned task (commands/preventive/protocol.py).
MESSAGES.update({
    "doc.service.title": {"en": "Service protocol {number}", "bg": "Сервизен протокол {number}",
                          "fa": "صورت‌جلسهٔ خدمات {number}"},
    "doc.maintenance.title": {"en": "Maintenance protocol {ref}", "bg": "Протокол за профилактика {ref}",
                              "fa": "صورت‌جلسهٔ نگهداری پیشگیرانه {ref}"},
    "doc.made": {"en": "Drawn up {when}", "bg": "Съставен на {when}", "fa": "تنظیم‌شده در {when}"},
    "doc.late": {"en": "late by {by}", "bg": "закъсняла с {by}", "fa": "{by} تأخیر"},
    "doc.section.incident": {"en": "The incident", "bg": "Инцидентът", "fa": "رخداد"},
    "doc.section.report": {"en": "The report", "bg": "Заявката", "fa": "گزارش"},
    "doc.section.clocks": {"en": "SLA clocks", "bg": "Срокове по SLA", "fa": "زمان‌سنج‌های SLA"},
    "doc.section.work": {"en": "What was done, by whom and when", "bg": "Извършени действия — кой и кога",
                         "fa": "کارهای انجام‌شده — چه کسی و چه زمانی"},
    "doc.section.resolution": {"en": "Resolution", "bg": "Отстраняване", "fa": "رفع مشکل"},
    "doc.section.attachments": {"en": "Attachments", "bg": "Приложения", "fa": "پیوست‌ها"},
    "doc.section.planned": {"en": "Planned maintenance", "bg": "Профилактика", "fa": "نگهداری پیشگیرانه"},
    "doc.section.maintenance": {"en": "The task", "bg": "Задачата", "fa": "کار"},
    "doc.section.checklist": {"en": "Checklist", "bg": "Контролен списък", "fa": "فهرست بررسی"},
    "doc.section.evidence": {"en": "Backups that completed it", "bg": "Архивирания, с които е извършена",
                             "fa": "پشتیبان‌گیری‌هایی که آن را کامل کردند"},
    "doc.section.incidents": {"en": "Incidents filed from it", "bg": "Заведени инциденти", "fa": "رخدادهای ثبت‌شده"},
    "doc.section.timeline": {"en": "Timeline", "bg": "Хронология", "fa": "گاه‌شمار"},
    "doc.number": {"en": "Control number", "bg": "Контролен номер", "fa": "شمارهٔ پیگیری"},
    "doc.customer": {"en": "Customer", "bg": "Възложител", "fa": "کارفرما"},
    "doc.category": {"en": "Category", "bg": "Категория", "fa": "دسته"},
    "doc.component": {"en": "Component", "bg": "Компонент", "fa": "جزء"},
    "doc.components": {"en": "Components", "bg": "Компоненти", "fa": "اجزا"},
    "doc.reporter": {"en": "Reported by", "bg": "Заявил", "fa": "گزارش‌دهنده"},
    "doc.first_notification": {"en": "First notification", "bg": "Първо уведомяване", "fa": "نخستین اعلام"},
    "doc.registered": {"en": "Control number issued", "bg": "Издаден контролен номер", "fa": "صدور شمارهٔ پیگیری"},
    "doc.state": {"en": "State", "bg": "Състояние", "fa": "وضعیت"},
    "doc.description": {"en": "Description", "bg": "Описание", "fa": "شرح"},
    "doc.clock": {"en": "Clock", "bg": "Срок", "fa": "زمان‌سنج"},
    "doc.target": {"en": "Target", "bg": "Норма", "fa": "هدف"},
    "doc.deadline": {"en": "Deadline", "bg": "Краен срок", "fa": "مهلت"},
    "doc.stopped": {"en": "Stopped", "bg": "Спрян", "fa": "توقف"},
    "doc.outcome": {"en": "Outcome", "bg": "Резултат", "fa": "نتیجه"},
    "doc.when": {"en": "When", "bg": "Кога", "fa": "زمان"},
    "doc.what": {"en": "What", "bg": "Какво", "fa": "چه"},
    "doc.who": {"en": "Who", "bg": "Кой", "fa": "چه کسی"},
    "doc.how": {"en": "How", "bg": "Как", "fa": "چگونه"},
    "doc.text": {"en": "Text", "bg": "Текст", "fa": "متن"},
    "doc.resolution": {"en": "What was done", "bg": "Извършено", "fa": "کار انجام‌شده"},
    "doc.resolved": {"en": "Resolved", "bg": "Отстранен", "fa": "رفع‌شده"},
    "doc.confirmed": {"en": "Confirmed", "bg": "Потвърден", "fa": "تأییدشده"},
    "doc.arrival_mode": {"en": "On site or remote", "bg": "На място или отдалечено", "fa": "در محل یا از راه دور"},
    "doc.file": {"en": "File", "bg": "Файл", "fa": "پرونده"},
    "doc.no_attachments": {"en": "No attachments", "bg": "Няма приложения", "fa": "بدون پیوست"},
    "doc.task": {"en": "Task", "bg": "Задача", "fa": "کار"},
    "doc.window": {"en": "Window", "bg": "Период", "fa": "بازه"},
    "doc.started": {"en": "Started", "bg": "Започната", "fa": "آغاز"},
    "doc.closed": {"en": "Done / closed", "bg": "Извършена / приключена", "fa": "انجام / بسته"},
    "doc.by_backups": {"en": "by the backups (automatic)", "bg": "чрез архивиранията (автоматично)",
                       "fa": "با پشتیبان‌گیری‌ها (خودکار)"},
    "doc.notes": {"en": "Notes", "bg": "Бележки", "fa": "یادداشت‌ها"},
    "doc.skip_reason": {"en": "Reason for skipping", "bg": "Причина за пропускане", "fa": "دلیل رد کردن"},
    "doc.item": {"en": "Item", "bg": "Точка", "fa": "مورد"},
    "doc.checked": {"en": "Done", "bg": "Изпълнена", "fa": "انجام"},
    "doc.run": {"en": "Run", "bg": "Изпълнение", "fa": "اجرا"},
})

MESSAGES.update({
    "doc.service.reply": {"en": "Service protocol of {number}", "bg": "Сервизен протокол на {number}",
                          "fa": "صورت‌جلسهٔ خدمات {number}"},
    "doc.maintenance.reply": {"en": "Maintenance protocol of {ref}", "bg": "Протокол за профилактика {ref}",
                              "fa": "صورت‌جلسهٔ نگهداری پیشگیرانه {ref}"},
    "doc.service.button": {"en": "Service protocol (PDF)", "bg": "Сервизен протокол (PDF)",
                           "fa": "صورت‌جلسهٔ خدمات (PDF)"},
    "doc.backup_target": {"en": "Backup target", "bg": "Цел на архивиране", "fa": "هدف پشتیبان‌گیری"},
    "pm.error.not_done": {
        "en": "{ref} is not done or skipped yet: its protocol is drawn up when it is",
        "bg": "{ref} още не е извършена или пропусната: протоколът се съставя след това",
        "fa": "{ref} هنوز انجام یا رد نشده است: صورت‌جلسه پس از آن تنظیم می‌شود",
    },
})

# The monthly protocol's sections of the month's papers (integrations/reports/tables.py).
MESSAGES.update({
    "report.section.preventive_done": {"en": "Preventive maintenance done", "bg": "Извършени профилактики",
                                       "fa": "نگهداری‌های پیشگیرانهٔ انجام‌شده"},
    "report.section.preventive_missed": {"en": "Planned maintenance missed or overdue",
                                         "bg": "Пропуснати или просрочени профилактики",
                                         "fa": "نگهداری‌های پیشگیرانهٔ انجام‌نشده یا دیرکرد"},
    "report.section.service_protocols": {"en": "Service protocols of fixed faults",
                                         "bg": "Сервизни протоколи за отстранени повреди",
                                         "fa": "صورت‌جلسه‌های خدمات خرابی‌های رفع‌شده"},
    "report.col.task": {"en": "Task", "bg": "Задача", "fa": "کار"},
    "report.col.title": {"en": "Title", "bg": "Наименование", "fa": "عنوان"},
    "report.col.due": {"en": "Due", "bg": "Срок", "fa": "مهلت"},
    "report.col.done": {"en": "Done", "bg": "Извършена", "fa": "انجام"},
    "report.col.by": {"en": "By", "bg": "От", "fa": "توسط"},
    "report.col.checklist": {"en": "Checklist", "bg": "Точки", "fa": "فهرست بررسی"},
    "report.col.protocol": {"en": "Protocol", "bg": "Протокол", "fa": "صورت‌جلسه"},
    "report.col.status": {"en": "Status", "bg": "Състояние", "fa": "وضعیت"},
    "report.col.closed": {"en": "Closed", "bg": "Приключена", "fa": "بسته‌شده"},
    "report.pm.overdue": {"en": "overdue", "bg": "просрочена", "fa": "گذشته از مهلت"},
    "report.pm.skipped": {"en": "skipped", "bg": "пропусната", "fa": "رد‌شده"},
    "report.pm.late": {"en": "done late", "bg": "извършена след срока", "fa": "انجام با تأخیر"},
    "report.pm.done": {"en": "done", "bg": "извършена", "fa": "انجام‌شده"},
})

MESSAGES.update({
    "doc.section.health": {"en": "Health checks of its components in its window",
                           "bg": "Мониторинг на компонентите ѝ в периода", "fa": "پایش سلامت اجزای آن در بازه"},
    "doc.check": {"en": "Check", "bg": "Проверка", "fa": "بررسی"},
    "doc.change": {"en": "Change", "bg": "Промяна", "fa": "تغییر"},
    "doc.no_health_changes": {"en": "No state changes: every check stayed as it was",
                              "bg": "Няма промени: всички проверки останаха в същото състояние",
                              "fa": "بدون تغییر وضعیت: همهٔ بررسی‌ها ثابت ماندند"},
})
