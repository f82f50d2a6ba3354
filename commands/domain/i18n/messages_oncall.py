"""Sentences of on-call, paging and handover."""

from __future__ import annotations

MESSAGES = {
    "oncall.title": {"en": "On call:", "bg": "Дежурни:", "fa": "کشیک:"},
    "oncall.now": {
        "en": "{schedule}: {person} until {until}; next {next}",
        "bg": "{schedule}: {person} до {until}; следващ {next}",
        "fa": "{schedule}: {person} تا {until}؛ بعدی {next}",
    },
    "oncall.none": {
        "en": "No on-call schedule is configured.",
        "bg": "Няма настроен график за дежурства.",
        "fa": "هیچ برنامهٔ کشیکی پیکربندی نشده است.",
    },
    "oncall.unknown_person": {
        "en": "There is no person {person}. People: {people}.",
        "bg": "Няма човек {person}. Хора: {people}.",
        "fa": "فردی به نام {person} وجود ندارد. افراد: {people}.",
    },
    "oncall.unknown_schedule": {
        "en": "There is no schedule {schedule}. Schedules: {schedules}.",
        "bg": "Няма график {schedule}. Графици: {schedules}.",
        "fa": "برنامهٔ {schedule} وجود ندارد. برنامه‌ها: {schedules}.",
    },
    "oncall.not_placeable": {
        "en": "{person} cannot be on call for {schedule}: everyone on it needs an engineer role with each "
              "customer it pages.",
        "bg": "{person} не може да е дежурен по {schedule}: всеки в графика трябва да е инженер при всеки "
              "клиент, за когото той повиква.",
        "fa": "{person} نمی‌تواند کشیک {schedule} باشد: هر کس در آن باید نزد هر مشتری‌ای که این برنامه "
              "برایش فراخوان می‌کند نقش کارشناس داشته باشد.",
    },
    "oncall.override_forbidden": {
        "en": "Only an engineer or admin of every customer {schedule} pages may change it.",
        "bg": "Само инженер или администратор на всеки клиент, за когото {schedule} повиква, може да го променя.",
        "fa": "تنها کارشناس یا مدیرِ همهٔ مشتریانی که {schedule} برایشان فراخوان می‌کند می‌تواند آن را تغییر دهد.",
    },
    "oncall.unknown_target": {
        "en": "{target} is neither a person nor a schedule. People: {people}. Schedules: {schedules}.",
        "bg": "{target} не е нито човек, нито график. Хора: {people}. Графици: {schedules}.",
        "fa": "{target} نه فرد است نه برنامه. افراد: {people}. برنامه‌ها: {schedules}.",
    },
    "oncall.end_before_start": {
        "en": "The override must end after it starts.",
        "bg": "Замяната трябва да завършва след началото си.",
        "fa": "پایان جایگزینی باید پس از آغاز آن باشد.",
    },
    "oncall.in_the_past": {
        "en": "That override would lie entirely in the past.",
        "bg": "Тази замяна би била изцяло в миналото.",
        "fa": "این جایگزینی کاملاً در گذشته است.",
    },
    "oncall.overridden": {
        "en": "{person} is on call for {schedule} from {start} to {end}.",
        "bg": "{person} е дежурен по {schedule} от {start} до {end}.",
        "fa": "{person} از {start} تا {end} کشیک {schedule} است.",
    },
    "oncall.schedule": {
        "en": "Shifts of the next {days} day(s):",
        "bg": "Дежурства през следващите {days} дни:",
        "fa": "شیفت‌های {days} روز آینده:",
    },
    "oncall.ics.summary": {"en": "On call: {schedule}", "bg": "Дежурство: {schedule}", "fa": "کشیک: {schedule}"},
    "oncall.ics.description": {
        "en": "{person} on call in schedule {schedule} ({source})",
        "bg": "{person} е дежурен в графика {schedule} ({source})",
        "fa": "{person} در برنامهٔ {schedule} کشیک است ({source})",
    },
    "oncall.ics.override": {"en": "override", "bg": "замяна", "fa": "جایگزینی"},
    "oncall.ics.calendar": {"en": "On call — {person}", "bg": "Дежурства — {person}", "fa": "کشیک‌ها — {person}"},
    "oncall.ics": {
        "en": "{count} shift(s) of {person} as an iCalendar file",
        "bg": "{count} дежурства на {person} като iCalendar файл",
        "fa": "{count} شیفت {person} در قالب فایل iCalendar",
    },
    "oncall.nobody": {
        "en": "Nobody is on call for {target} right now.",
        "bg": "В момента никой не е дежурен по {target}.",
        "fa": "اکنون کسی کشیک {target} نیست.",
    },
    "oncall.paged": {"en": "Paged: {people}", "bg": "Повикани: {people}", "fa": "فراخوانده شد: {people}"},
    "oncall.not_engineer": {
        "en": "{person} is not an engineer of {customer}.",
        "bg": "{person} не е инженер на {customer}.",
        "fa": "{person} کارشناس {customer} نیست.",
    },
    "oncall.handed_over": {
        "en": "{number} handed over to {person}",
        "bg": "{number} е предаден на {person}",
        "fa": "{number} به {person} واگذار شد",
    },
    "page.manual": {"en": "Page from {person}: {text}", "bg": "Повикване от {person}: {text}", "fa": "فراخوان از {person}: {text}"},
    "help.oncall": {
        "en": "/oncall [schedule [days] | ics [person] | override ...] — who is on call now and next",
        "bg": "/oncall [schedule [дни] | ics [човек] | override ...] — кой е дежурен сега и след това",
        "fa": "/oncall [schedule [روز] | ics [فرد] | override ...] — کشیک اکنون و بعدی",
    },
    "help.oncall_override": {
        "en": '/oncall override <person> --from "<time>" --to "<time>" [--schedule <name>]',
        "bg": '/oncall override <човек> --from "<време>" --to "<време>" [--schedule <име>]',
        "fa": '/oncall override <فرد> --from "<زمان>" --to "<زمان>" [--schedule <نام>]',
    },
    "help.page": {
        "en": "/page <person|schedule> <message> — page someone now",
        "bg": "/page <човек|график> <съобщение> — повиква някого сега",
        "fa": "/page <فرد|برنامه> <پیام> — فراخوانی فوری",
    },
    "help.handover": {
        "en": "/handover <number> <person> — give the incident to someone else",
        "bg": "/handover <номер> <човек> — предава инцидента на друг",
        "fa": "/handover <شماره> <فرد> — واگذاری رخداد به دیگری",
    },
}
