"""Sentences of backups: /backup, /backups, /backup diff, progress, diffs and alerts."""

from __future__ import annotations

MESSAGES = {
    "help.backup": {
        "en": "/backup <target|all> | /backup diff <target> — back up now (progress follows); the last configuration change",
        "bg": "/backup <цел|all> | /backup diff <цел> — архивиране сега (с напредък); последната промяна в конфигурацията",
        "fa": "/backup <هدف|all> | /backup diff <هدف> — پشتیبان‌گیری اکنون (با پیشرفت)؛ آخرین تغییر پیکربندی",
    },
    "help.backups": {
        "en": "/backups [target] — recent backup runs: status, size, SHA-256, where stored",
        "bg": "/backups [цел] — последните архивирания: състояние, размер, SHA-256, къде са съхранени",
        "fa": "/backups [هدف] — اجراهای اخیر پشتیبان‌گیری: وضعیت، اندازه، SHA-256، محل نگهداری",
    },
    "backup.no_targets": {
        "en": "{customer} has no backup targets configured",
        "bg": "За {customer} няма настроени цели за архивиране",
        "fa": "برای {customer} هیچ هدف پشتیبان‌گیری پیکربندی نشده است",
    },
    "backup.unknown_target": {
        "en": "No backup target {value} for {customer}. Choose one of: {choices}, all",
        "bg": "Няма цел за архивиране {value} за {customer}. Изберете от: {choices}, all",
        "fa": "هدف پشتیبان‌گیری {value} برای {customer} وجود ندارد. یکی را انتخاب کنید: {choices}, all",
    },
    "backup.not_running": {
        "en": "Backups are not running in this desk process",
        "bg": "Архивирането не работи в този процес на бюрото",
        "fa": "پشتیبان‌گیری در این فرایند میز فعال نیست",
    },
    "backup.started": {
        "en": "Backups of {customer}: {count} started; progress follows in the engineers' channel",
        "bg": "Архивиране на {customer}: стартирани {count}; напредъкът следва в канала на инженерите",
        "fa": "پشتیبان‌گیری {customer}: {count} مورد آغاز شد؛ پیشرفت در کانال مهندسان اعلام می‌شود",
    },
    "backup.line.queued": {
        "en": "#{id} {target} — queued",
        "bg": "#{id} {target} — в опашката",
        "fa": "#{id} {target} — در صف",
    },
    "backup.line.busy": {
        "en": "{target} — already {state} as #{id}",
        "bg": "{target} — вече е {state} като #{id}",
        "fa": "{target} — هم‌اکنون {state} است (#{id})",
    },
    "backup.state.queued": {"en": "queued", "bg": "в опашката", "fa": "در صف"},
    "backup.state.running": {"en": "running", "bg": "изпълнява се", "fa": "در حال اجرا"},
    "backup.state.succeeded": {"en": "done", "bg": "готово", "fa": "انجام شد"},
    "backup.state.failed": {"en": "failed", "bg": "неуспешно", "fa": "ناموفق"},
    "backup.state.interrupted": {"en": "interrupted", "bg": "прекъснато", "fa": "قطع شد"},
    "backup.progress.queued": {
        "en": "Backup #{id} {target}: queued",
        "bg": "Архивиране #{id} {target}: в опашката",
        "fa": "پشتیبان‌گیری #{id} {target}: در صف",
    },
    "backup.progress.running": {
        "en": "Backup #{id} {target}: running",
        "bg": "Архивиране #{id} {target}: изпълнява се",
        "fa": "پشتیبان‌گیری #{id} {target}: در حال اجرا",
    },
    "backup.progress.succeeded": {
        "en": "Backup #{id} {target}: done · {size} · SHA-256 {sha}",
        "bg": "Архивиране #{id} {target}: готово · {size} · SHA-256 {sha}",
        "fa": "پشتیبان‌گیری #{id} {target}: انجام شد · {size} · SHA-256 {sha}",
    },
    "backup.progress.failed": {
        "en": "Backup #{id} {target}: failed — {error}",
        "bg": "Архивиране #{id} {target}: неуспешно — {error}",
        "fa": "پشتیبان‌گیری #{id} {target}: ناموفق — {error}",
    },
    "backup.line.location": {"en": "Stored in {location}", "bg": "Съхранено в {location}", "fa": "محل نگهداری: {location}"},
    "backup.line.note": {"en": "Remote copy: {note}", "bg": "Копие при клиента: {note}", "fa": "نسخه راه دور: {note}"},
    "backup.line.unchanged": {
        "en": "Configuration unchanged (version {commit})",
        "bg": "Конфигурацията е без промяна (версия {commit})",
        "fa": "پیکربندی تغییری نکرده است (نسخه {commit})",
    },
    "backup.line.changed": {
        "en": "Configuration changed: +{added} −{removed} (version {commit})",
        "bg": "Конфигурацията е променена: +{added} −{removed} (версия {commit})",
        "fa": "پیکربندی تغییر کرد: +{added} −{removed} (نسخه {commit})",
    },
    "backup.line.first": {
        "en": "First version stored ({commit})",
        "bg": "Съхранена е първата версия ({commit})",
        "fa": "نخستین نسخه ذخیره شد ({commit})",
    },
    "backup.line.pruned": {
        "en": "Retention removed {count} old backup(s)",
        "bg": "Политиката за съхранение изтри {count} стари архива",
        "fa": "سیاست نگهداری {count} پشتیبان قدیمی را حذف کرد",
    },
    "backup.diff.title": {
        "en": "{target}: configuration changed (+{added} −{removed}) · backup #{id}",
        "bg": "{target}: конфигурацията е променена (+{added} −{removed}) · архив #{id}",
        "fa": "{target}: پیکربندی تغییر کرد (+{added} −{removed}) · پشتیبان #{id}",
    },
    "backup.diff.more": {
        "en": "… {count} more lines: /backup diff {target}",
        "bg": "… още {count} реда: /backup diff {target}",
        "fa": "… {count} خط دیگر: /backup diff {target}",
    },
    "backup.diff.last": {
        "en": "{target}: last change {when} · version {commit}",
        "bg": "{target}: последна промяна {when} · версия {commit}",
        "fa": "{target}: آخرین تغییر {when} · نسخه {commit}",
    },
    "backup.diff.none": {
        "en": "{target}: no configuration version is stored yet",
        "bg": "{target}: все още няма съхранена версия на конфигурацията",
        "fa": "{target}: هنوز هیچ نسخه‌ای از پیکربندی ذخیره نشده است",
    },
    "backup.diff.first": {
        "en": "Only the first version is stored; there is nothing to compare it with yet",
        "bg": "Съхранена е само първата версия; все още няма с какво да се сравни",
        "fa": "فقط نخستین نسخه ذخیره شده است؛ هنوز چیزی برای مقایسه نیست",
    },
    "backup.not_versioned": {
        "en": "{target} is not a text configuration; /backups {target} lists its runs",
        "bg": "{target} не е текстова конфигурация; /backups {target} показва архивиранията",
        "fa": "{target} پیکربندی متنی نیست؛ /backups {target} اجراهای آن را نشان می‌دهد",
    },
    "backup.list.title": {
        "en": "Backups of {customer}",
        "bg": "Архиви на {customer}",
        "fa": "پشتیبان‌های {customer}",
    },
    "backup.list.empty": {
        "en": "No backup runs recorded yet",
        "bg": "Все още няма записани архивирания",
        "fa": "هنوز هیچ اجرای پشتیبان‌گیری ثبت نشده است",
    },
    "backup.trigger.schedule": {"en": "scheduled", "bg": "по график", "fa": "زمان‌بندی‌شده"},
    "backup.trigger.person": {"en": "by {person}", "bg": "от {person}", "fa": "توسط {person}"},
    "backup.word.pruned": {"en": "removed by retention", "bg": "изтрит по политиката", "fa": "حذف‌شده طبق سیاست نگهداری"},
    "backup.alert.failed": {
        "en": "Scheduled backup of {target} failed (attempt {attempt} of {attempts}): {error}",
        "bg": "Архивирането по график на {target} е неуспешно (опит {attempt} от {attempts}): {error}",
        "fa": "پشتیبان‌گیری زمان‌بندی‌شده {target} ناموفق بود (تلاش {attempt} از {attempts}): {error}",
    },
    "backup.alert.retry": {
        "en": "Next attempt in {delay}",
        "bg": "Следващ опит след {delay}",
        "fa": "تلاش بعدی پس از {delay}",
    },
    "backup.alert.gave_up": {
        "en": "No attempts left: a backup of {target} is needed by hand (/backup {target})",
        "bg": "Няма повече опити: нужно е ръчно архивиране на {target} (/backup {target})",
        "fa": "تلاشی باقی نمانده است: پشتیبان‌گیری دستی از {target} لازم است (/backup {target})",
    },
    "backup.alert.stale": {
        "en": "No successful backup of {target} for {age} (allowed: {limit})",
        "bg": "Няма успешен архив на {target} от {age} (допустимо: {limit})",
        "fa": "{age} است که پشتیبان موفقی از {target} گرفته نشده است (مجاز: {limit})",
    },
    "backup.alert.never": {
        "en": "No successful backup of {target} is recorded (allowed age: {limit})",
        "bg": "Няма записан успешен архив на {target} (допустима възраст: {limit})",
        "fa": "هیچ پشتیبان موفقی از {target} ثبت نشده است (حداکثر سن مجاز: {limit})",
    },
    "backup.line.last_success": {
        "en": "Last successful backup: {when}",
        "bg": "Последен успешен архив: {when}",
        "fa": "آخرین پشتیبان موفق: {when}",
    },
}
