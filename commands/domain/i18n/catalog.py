"""The message catalogue: every sentence the desk says, per locale.

Lookups are gettext-style (``t(locale, msgid, **params)``) with English as the fallback, so a missing
translation shows English rather than a key. Keep placeholders identical across locales.
"""

from __future__ import annotations

from collections.abc import Mapping

LOCALES = ("en", "bg", "fa")

MESSAGES: Mapping[str, Mapping[str, str]] = {
    # --- registration and lifecycle -----------------------------------------------------------
    "registered": {
        "en": "{number} registered {when} · {category} · {component}",
        "bg": "{number} регистриран {when} · {category} · {component}",
        "fa": "{number} ثبت شد {when} · {category} · {component}",
    },
    "reported_at": {
        "en": "First notification: {when}",
        "bg": "Първо уведомяване: {when}",
        "fa": "نخستین اعلام: {when}",
    },
    "acknowledged": {
        "en": "{number} acknowledged by {person}",
        "bg": "{number} е поет от {person}",
        "fa": "{number} توسط {person} پذیرفته شد",
    },
    "arrived": {
        "en": "{number}: {person} started work ({mode})",
        "bg": "{number}: {person} започна работа ({mode})",
        "fa": "{number}: {person} کار را آغاز کرد ({mode})",
    },
    "mode.onsite": {"en": "on site", "bg": "на място", "fa": "در محل"},
    "mode.remote": {"en": "remote", "bg": "отдалечено", "fa": "از راه دور"},
    "resolved": {
        "en": "{number} resolved by {person}; waiting for the customer's confirmation",
        "bg": "{number} е решен от {person}; очаква потвърждение от клиента",
        "fa": "{number} توسط {person} حل شد؛ در انتظار تأیید مشتری",
    },
    "confirmed": {
        "en": "{number} confirmed by {person} and closed",
        "bg": "{number} е потвърден от {person} и приключен",
        "fa": "{number} توسط {person} تأیید و بسته شد",
    },
    "reopened": {
        "en": "{number} reopened by {person}: {reason}",
        "bg": "{number} е отворен отново от {person}: {reason}",
        "fa": "{number} توسط {person} دوباره باز شد: {reason}",
    },
    "cancelled": {
        "en": "{number} cancelled by {person}: {reason}",
        "bg": "{number} е анулиран от {person}: {reason}",
        "fa": "{number} توسط {person} لغو شد: {reason}",
    },
    "noted": {
        "en": "Note added to {number}",
        "bg": "Бележката е добавена към {number}",
        "fa": "یادداشت به {number} افزوده شد",
    },
    # --- clocks ------------------------------------------------------------------------------------
    "clock.reaction": {"en": "Reaction", "bg": "Реакция", "fa": "واکنش"},
    "clock.arrival": {"en": "Arrival", "bg": "Пристигане", "fa": "حضور"},
    "clock.resolution": {"en": "Resolution", "bg": "Решаване", "fa": "رفع"},
    "clock.due": {"en": "{clock} due {when}", "bg": "{clock} до {when}", "fa": "{clock} تا {when}"},
    "clock.waiting": {
        "en": "{clock} starts when {event}",
        "bg": "{clock} започва при {event}",
        "fa": "{clock} از {event} آغاز می‌شود",
    },
    "event.received": {
        "en": "the device is received",
        "bg": "получаване на апарата",
        "fa": "دریافت دستگاه",
    },
    "clock.met": {
        "en": "{clock}: met {when} ({margin} to spare)",
        "bg": "{clock}: спазено {when} (резерв {margin})",
        "fa": "{clock}: رعایت شد {when} ({margin} زودتر)",
    },
    "clock.breached": {
        "en": "{clock}: breached {when} (late by {margin})",
        "bg": "{clock}: нарушено {when} (закъснение {margin})",
        "fa": "{clock}: نقض شد {when} ({margin} تأخیر)",
    },
    "clock.left": {
        "en": "{clock} due {when} ({margin} left)",
        "bg": "{clock} до {when} (остават {margin})",
        "fa": "{clock} تا {when} ({margin} مانده)",
    },
    "clock.overdue": {
        "en": "{clock} due {when} (overdue by {margin})",
        "bg": "{clock} до {when} (просрочено с {margin})",
        "fa": "{clock} تا {when} ({margin} گذشته)",
    },
    # --- status and lists ---------------------------------------------------------------------------
    "status.title": {
        "en": "{number} · {state} · {category} · {component}",
        "bg": "{number} · {state} · {category} · {component}",
        "fa": "{number} · {state} · {category} · {component}",
    },
    "status.description": {"en": "Description: {text}", "bg": "Описание: {text}", "fa": "شرح: {text}"},
    "status.reporter": {
        "en": "Reported by {person} via {channel}",
        "bg": "Подаден от {person} чрез {channel}",
        "fa": "گزارش‌دهنده {person} از طریق {channel}",
    },
    "status.timeline": {"en": "Timeline:", "bg": "Хронология:", "fa": "رویدادها:"},
    "list.title": {
        "en": "{count} incident(s) of {customer}",
        "bg": "{count} инцидент(а) на {customer}",
        "fa": "{count} رخداد برای {customer}",
    },
    "list.empty": {
        "en": "No incidents match.",
        "bg": "Няма инциденти по тези критерии.",
        "fa": "هیچ رخدادی یافت نشد.",
    },
    "state.registered": {"en": "registered", "bg": "регистриран", "fa": "ثبت‌شده"},
    "state.acknowledged": {"en": "acknowledged", "bg": "поет", "fa": "پذیرفته‌شده"},
    "state.in_progress": {"en": "in progress", "bg": "в работа", "fa": "در حال انجام"},
    "state.resolved": {"en": "resolved", "bg": "решен", "fa": "حل‌شده"},
    "state.confirmed": {"en": "confirmed", "bg": "потвърден", "fa": "تأییدشده"},
    "state.cancelled": {"en": "cancelled", "bg": "анулиран", "fa": "لغوشده"},
    "event.registered": {"en": "registered", "bg": "регистриран", "fa": "ثبت"},
    "event.acknowledged": {"en": "acknowledged", "bg": "поет", "fa": "پذیرش"},
    "event.arrived": {"en": "work started", "bg": "започната работа", "fa": "آغاز کار"},
    "event.resolved": {"en": "resolved", "bg": "решен", "fa": "رفع"},
    "event.confirmed": {"en": "confirmed", "bg": "потвърден", "fa": "تأیید"},
    "event.reopened": {"en": "reopened", "bg": "отворен отново", "fa": "بازگشایی"},
    "event.cancelled": {"en": "cancelled", "bg": "анулиран", "fa": "لغو"},
    "event.note": {"en": "note", "bg": "бележка", "fa": "یادداشت"},
    # --- buttons ------------------------------------------------------------------------------------
    "button.ack": {"en": "Acknowledge", "bg": "Поемам", "fa": "می‌پذیرم"},
    "button.onsite": {"en": "On site", "bg": "На място", "fa": "در محل"},
    "button.remote": {"en": "Remote", "bg": "Отдалечено", "fa": "از راه دور"},
    "button.resolve": {"en": "Resolve", "bg": "Решен", "fa": "حل شد"},
    "button.confirm": {"en": "Confirm", "bg": "Потвърждавам", "fa": "تأیید"},
    # --- errors ---------------------------------------------------------------------------------------
    "error.unknown_person": {
        "en": "Sorry, I don't know you ({identity}). Ask the desk's administrator to add you to the configuration.",
        "bg": "Съжалявам, не ви познавам ({identity}). Помолете администратора да ви добави в конфигурацията.",
        "fa": "متأسفم، شما را نمی‌شناسم ({identity}). از مدیر میز خدمت بخواهید شما را به پیکربندی بیفزاید.",
    },
    "error.unknown_command": {
        "en": "Sorry, there is no command {command}. Type /help to see what I can do.",
        "bg": "Съжалявам, няма команда {command}. Напишете /help, за да видите какво мога.",
        "fa": "متأسفم، فرمان {command} وجود ندارد. برای دیدن فرمان‌ها /help را بنویسید.",
    },
    "error.not_a_command": {
        "en": "Commands start with /. Type /help to see what I can do.",
        "bg": "Командите започват с /. Напишете /help, за да видите какво мога.",
        "fa": "فرمان‌ها با / آغاز می‌شوند. برای دیدن فرمان‌ها /help را بنویسید.",
    },
    "error.no_customer": {
        "en": "You have no role with any customer of this desk.",
        "bg": "Нямате роля при нито един клиент на това бюро.",
        "fa": "شما نزد هیچ مشتری این میز خدمت نقشی ندارید.",
    },
    "error.which_customer": {
        "en": "You work for several customers ({customers}); add --customer <id> or use the customer's channel.",
        "bg": "Работите за няколко клиента ({customers}); добавете --customer <id> или пишете в канала на клиента.",
        "fa": "شما برای چند مشتری کار می‌کنید ({customers})؛ --customer <id> را بیفزایید یا در کانال مشتری بنویسید.",
    },
    "error.unknown_customer": {
        "en": "There is no customer {customer} you work for.",
        "bg": "Няма клиент {customer}, за когото работите.",
        "fa": "مشتری {customer} که برایش کار کنید وجود ندارد.",
    },
    "error.delivery_reused": {
        "en": "This request id (Idempotency-Key) was already used for a different command; nothing was done. "
              "Send a new request with a new key.",
        "bg": "Този идентификатор на заявка (Idempotency-Key) вече е използван за друга команда; нищо не е "
              "направено. Изпратете новата заявка с нов ключ.",
        "fa": "این شناسهٔ درخواست (Idempotency-Key) پیش‌تر برای فرمان دیگری به کار رفته است؛ کاری انجام نشد. "
              "درخواست تازه را با کلید تازه بفرستید.",
    },
    "error.foreign_channel": {
        "en": "This channel belongs to a customer you have no role with. Write in your own customer's channel "
              "or to the desk directly.",
        "bg": "Този канал принадлежи на клиент, при когото нямате роля. Пишете в канала на своя клиент или "
              "директно на бюрото.",
        "fa": "این کانال از آنِ مشتری‌ای است که نزد او نقشی ندارید. در کانال مشتری خود یا مستقیم به میز "
              "خدمت بنویسید.",
    },
    "error.staff_channel": {
        "en": "This is the contractor's own channel: only its engineers and admins use the desk here.",
        "bg": "Това е собственият канал на изпълнителя: тук само неговите инженери и администратори "
              "използват бюрото.",
        "fa": "این کانال خودِ پیمانکار است: اینجا تنها کارشناسان و مدیرانش از میز خدمت استفاده می‌کنند.",
    },
    "error.forbidden": {
        "en": "Sorry, /{command} needs the role {roles} with {customer}; you are {have}.",
        "bg": "Съжалявам, /{command} изисква роля {roles} при {customer}; вашата роля е {have}.",
        "fa": "متأسفم، /{command} نیاز به نقش {roles} نزد {customer} دارد؛ نقش شما {have} است.",
    },
    "error.usage": {
        "en": "Usage: {usage}",
        "bg": "Употреба: {usage}",
        "fa": "شیوهٔ کاربرد: {usage}",
    },
    "error.unknown_category": {
        "en": "Unknown category {value}. Categories of {customer}: {choices}.",
        "bg": "Непозната категория {value}. Категории на {customer}: {choices}.",
        "fa": "دستهٔ ناشناخته {value}. دسته‌های {customer}: {choices}.",
    },
    "error.unknown_component": {
        "en": "Unknown component {value}. Components of {customer}: {choices}.",
        "bg": "Непознат компонент {value}. Компоненти на {customer}: {choices}.",
        "fa": "مؤلفهٔ ناشناخته {value}. مؤلفه‌های {customer}: {choices}.",
    },
    "error.missing_description": {
        "en": "Please describe the problem after the component, e.g. /incident urgent cucm Calls fail for all operators.",
        "bg": "Моля, опишете проблема след компонента, напр. /incident спешен cucm Входящите обаждания не работят.",
        "fa": "لطفاً پس از مؤلفه مشکل را شرح دهید، مثلاً /incident critical crm سامانه در دسترس نیست.",
    },
    "error.too_long": {
        "en": "That text is too long ({length} characters; the limit is {limit}). Please shorten it or attach a file.",
        "bg": "Текстът е твърде дълъг ({length} знака; ограничението е {limit}). Моля, съкратете го.",
        "fa": "این متن بیش از حد بلند است ({length} نویسه؛ حداکثر {limit}). لطفاً کوتاه‌ترش کنید.",
    },
    "error.control_chars": {
        "en": "The message contains control characters I can't store. Please retype it as plain text.",
        "bg": "Съобщението съдържа управляващи символи, които не мога да запиша. Моля, въведете го като обикновен текст.",
        "fa": "پیام نویسه‌های کنترلی دارد که نمی‌توانم ذخیره کنم. لطفاً آن را به صورت متن ساده بنویسید.",
    },
    "error.bad_time": {
        "en": "I can't understand the time {value}. Try e.g. \"today 08:55\", \"yesterday 14:30\" or \"2026-11-23 08:55\".",
        "bg": "Не разбирам времето {value}. Опитайте напр. \"днес 08:55\", \"вчера 14:30\" или \"23.11.2026 08:55\".",
        "fa": "زمان {value} را نمی‌فهمم. برای نمونه \"امروز ساعت ۸:۵۵\" یا \"دیروز ساعت ۱۴:۳۰\" را بیازمایید.",
    },
    "error.future_time": {
        "en": "The first notification {when} is in the future. Please give the time the problem was reported.",
        "bg": "Първото уведомяване {when} е в бъдещето. Моля, посочете кога е съобщен проблемът.",
        "fa": "زمان نخستین اعلام {when} در آینده است. لطفاً زمان گزارش مشکل را بدهید.",
    },
    "error.too_old": {
        "en": "The first notification {when} is more than {limit} ago; an administrator can register older reports.",
        "bg": "Първото уведомяване {when} е преди повече от {limit}; по-стари доклади регистрира администратор.",
        "fa": "نخستین اعلام {when} بیش از {limit} پیش است؛ گزارش‌های قدیمی‌تر را مدیر ثبت می‌کند.",
    },
    "error.bad_number": {
        "en": "{value} is not a control number like {example}.",
        "bg": "{value} не е контролен номер като {example}.",
        "fa": "{value} شمارهٔ پیگیری مانند {example} نیست.",
    },
    "error.no_such_incident": {
        "en": "There is no incident {number} that you can see.",
        "bg": "Няма инцидент {number}, който можете да видите.",
        "fa": "رخداد {number} که بتوانید ببینید وجود ندارد.",
    },
    "error.transition": {
        "en": "{number} is {state}, so /{command} is not possible now. Possible now: {allowed}.",
        "bg": "{number} е {state}, затова /{command} не е възможно сега. Възможно сега: {allowed}.",
        "fa": "{number} در وضعیت {state} است، پس /{command} اکنون ممکن نیست. ممکن: {allowed}.",
    },
    "error.nothing_allowed": {"en": "nothing", "bg": "нищо", "fa": "هیچ"},
    "error.missing_text": {
        "en": "Please add {what}: {usage}",
        "bg": "Моля, добавете {what}: {usage}",
        "fa": "لطفاً {what} را بیفزایید: {usage}",
    },
    "what.reason": {"en": "a reason", "bg": "причина", "fa": "دلیل"},
    "what.resolution": {"en": "what was done", "bg": "какво е направено", "fa": "کار انجام‌شده"},
    "what.note": {"en": "the note's text", "bg": "текст на бележката", "fa": "متن یادداشت"},
    "error.bad_mode": {
        "en": "Say onsite or remote, e.g. /arrive {number} remote.",
        "bg": "Посочете onsite (на място) или remote (отдалечено), напр. /arrive {number} remote.",
        "fa": "onsite (در محل) یا remote (از راه دور) را بنویسید، مثلاً /arrive {number} remote.",
    },
    "error.bad_option": {
        "en": "Unknown option --{option}. {usage}",
        "bg": "Непозната опция --{option}. {usage}",
        "fa": "گزینهٔ ناشناخته --{option}. {usage}",
    },
    "error.internal": {
        "en": "Sorry, something went wrong on our side and nothing was changed. Please try again; the desk's team has been told.",
        "bg": "Съжаляваме, възникна грешка при нас и нищо не е променено. Моля, опитайте отново.",
        "fa": "متأسفیم، خطایی در سامانه رخ داد و چیزی تغییر نکرد. لطفاً دوباره تلاش کنید.",
    },
    # --- help -----------------------------------------------------------------------------------------
    "help.title": {
        "en": "dutydesk commands (you are {roles} with {customer}):",
        "bg": "Команди на dutydesk (вие сте {roles} при {customer}):",
        "fa": "فرمان‌های dutydesk (شما {roles} نزد {customer} هستید):",
    },
    "help.incident": {
        "en": "/incident <category> <component> <description> [--reported <time>] — register a problem",
        "bg": "/incident <категория> <компонент> <описание> [--reported <време>] — регистрира проблем",
        "fa": "/incident <دسته> <مؤلفه> <شرح> [--reported <زمان>] — ثبت مشکل",
    },
    "help.ack": {
        "en": "/ack <number> [note] — take the incident",
        "bg": "/ack <номер> [бележка] — поемане на инцидента",
        "fa": "/ack <شماره> [یادداشت] — پذیرش رخداد",
    },
    "help.arrive": {
        "en": "/arrive <number> [onsite|remote] — work has started",
        "bg": "/arrive <номер> [onsite|remote] — започната работа",
        "fa": "/arrive <شماره> [onsite|remote] — آغاز کار",
    },
    "help.resolve": {
        "en": "/resolve <number> <what was done> — the fix is in place",
        "bg": "/resolve <номер> <какво е направено> — проблемът е отстранен",
        "fa": "/resolve <شماره> <کار انجام‌شده> — مشکل رفع شد",
    },
    "help.confirm": {
        "en": "/confirm <number> — the customer confirms the fix (closes it)",
        "bg": "/confirm <номер> — клиентът потвърждава отстраняването (приключва)",
        "fa": "/confirm <شماره> — مشتری رفع مشکل را تأیید می‌کند (بستن)",
    },
    "help.reopen": {
        "en": "/reopen <number> <why> — the problem is back",
        "bg": "/reopen <номер> <защо> — проблемът се появи отново",
        "fa": "/reopen <شماره> <دلیل> — مشکل بازگشته است",
    },
    "help.cancel": {
        "en": "/cancel <number> <reason> — cancel a registration (admin)",
        "bg": "/cancel <номер> <причина> — анулира регистрация (администратор)",
        "fa": "/cancel <شماره> <دلیل> — لغو ثبت (مدیر)",
    },
    "help.note": {
        "en": "/note <number> <text> — add a note to the timeline",
        "bg": "/note <номер> <текст> — добавя бележка в хронологията",
        "fa": "/note <شماره> <متن> — افزودن یادداشت",
    },
    "help.status": {
        "en": "/status <number> — clocks and timeline of an incident",
        "bg": "/status <номер> — срокове и хронология на инцидент",
        "fa": "/status <شماره> — زمان‌سنج‌ها و رویدادهای رخداد",
    },
    "help.incidents": {
        "en": "/incidents [open|all] [component] — the register",
        "bg": "/incidents [open|all] [компонент] — регистърът",
        "fa": "/incidents [open|all] [مؤلفه] — فهرست رخدادها",
    },
    "help.help": {
        "en": "/help [command] — this list",
        "bg": "/help [команда] — този списък",
        "fa": "/help [فرمان] — همین فهرست",
    },
    "help.categories": {"en": "Categories: {choices}", "bg": "Категории: {choices}", "fa": "دسته‌ها: {choices}"},
    "help.components": {"en": "Components: {choices}", "bg": "Компоненти: {choices}", "fa": "مؤلفه‌ها: {choices}"},
    "role.reporter": {"en": "reporter", "bg": "заявител", "fa": "گزارش‌دهنده"},
    "role.engineer": {"en": "engineer", "bg": "инженер", "fa": "کارشناس"},
    "role.admin": {"en": "admin", "bg": "администратор", "fa": "مدیر"},
    "word.or": {"en": " or ", "bg": " или ", "fa": " یا "},
    "word.none": {"en": "none", "bg": "няма", "fa": "هیچ"},
}


def _load_extensions() -> dict[str, Mapping[str, str]]:
    """Each area may keep its sentences in a module ``messages_<area>.py`` beside this one, holding a
    ``MESSAGES`` dict of the same shape; they are merged here (a duplicate id is an error)."""
    import importlib
    import pkgutil
    from pathlib import Path

    merged: dict[str, Mapping[str, str]] = {}
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if info.name.startswith("messages_"):
            module = importlib.import_module(f"{__package__}.{info.name}")
            for key, value in module.MESSAGES.items():
                if key in MESSAGES or key in merged:
                    raise KeyError(f"message {key!r} of {info.name} is defined twice")
                merged[key] = value
    return merged


MESSAGES = {**MESSAGES, **_load_extensions()}


def t(locale: str, msgid: str, /, **params: object) -> str:
    """Translate ``msgid`` into ``locale`` (English if missing) and fill in the placeholders."""
    entry = MESSAGES.get(msgid)
    if entry is None:
        raise KeyError(f"no message {msgid!r} in the catalogue")
    template = entry.get(locale) or entry["en"]
    return template.format(**params) if params else template

MESSAGES = {
    **MESSAGES,
    "sla.warning": {
        "en": "{number}: {percent}% of the {clock} time is used — due {when} ({left} left)",
        "bg": "{number}: изтекли са {percent}% от времето за {clock} — срок {when} (остават {left})",
        "fa": "{number}: {percent}٪ از زمان {clock} گذشته است — مهلت {when} ({left} مانده)",
    },
    "sla.breach": {
        "en": "{number}: the {clock} deadline {when} has passed",
        "bg": "{number}: срокът за {clock} {when} е изтекъл",
        "fa": "{number}: مهلت {clock} در {when} سپری شد",
    },
    "sla.late": {
        "en": "(sent late: the desk was not running at {when})",
        "bg": "(изпратено със закъснение: бюрото не работеше в {when})",
        "fa": "(با تأخیر ارسال شد: میز خدمت در {when} فعال نبود)",
    },
    "sla.summary": {
        "en": "{category} · {component} · {description}",
        "bg": "{category} · {component} · {description}",
        "fa": "{category} · {component} · {description}",
    },
}

MESSAGES = {
    **MESSAGES,
    "paused": {
        "en": "{number}: clocks paused — {reason}",
        "bg": "{number}: сроковете са спрени — {reason}",
        "fa": "{number}: زمان‌سنج‌ها متوقف شد — {reason}",
    },
    "resumed": {
        "en": "{number}: clocks running again; deadlines moved by the paused time",
        "bg": "{number}: сроковете текат отново; крайните срокове са изместени с времето на паузата",
        "fa": "{number}: زمان‌سنج‌ها دوباره فعال شد؛ مهلت‌ها به اندازهٔ توقف جابه‌جا شد",
    },
    "recategorised": {
        "en": "{number}: category {old} → {new}; deadlines recomputed from the first notification",
        "bg": "{number}: категория {old} → {new}; сроковете са преизчислени от първото уведомяване",
        "fa": "{number}: دسته {old} → {new}؛ مهلت‌ها از نخستین اعلام دوباره محاسبه شد",
    },
    "received": {
        "en": "{number}: device received at the service centre {when}",
        "bg": "{number}: апаратът е получен в сервизния център {when}",
        "fa": "{number}: دستگاه در {when} در مرکز خدمات دریافت شد",
    },
    "sla.preview": {
        "en": "A {category} incident reported {when} gets:",
        "bg": "Инцидент с категория {category}, съобщен {when}, получава:",
        "fa": "رخداد {category} که در {when} گزارش شود این مهلت‌ها را دارد:",
    },
    "sla.preview_line": {
        "en": "{clock} ({target}): {when}",
        "bg": "{clock} ({target}): {when}",
        "fa": "{clock} ({target}): {when}",
    },
    "error.closed": {
        "en": "{number} is {state}; reopen it first.",
        "bg": "{number} е {state}; първо го отворете отново.",
        "fa": "{number} در وضعیت {state} است؛ ابتدا آن را دوباره باز کنید.",
    },
    "error.already_paused": {
        "en": "{number} is already paused; /resume {number} first.",
        "bg": "{number} вече е на пауза; първо /resume {number}.",
        "fa": "{number} هم‌اکنون متوقف است؛ ابتدا /resume {number}.",
    },
    "error.not_paused": {
        "en": "{number} is not paused.",
        "bg": "{number} не е на пауза.",
        "fa": "{number} متوقف نیست.",
    },
    "error.same_category": {
        "en": "{number} already is {category}.",
        "bg": "{number} вече е с категория {category}.",
        "fa": "{number} هم‌اکنون در دستهٔ {category} است.",
    },
    "error.nothing_waits": {
        "en": "No clock of {number} waits for a received device.",
        "bg": "Нито един срок на {number} не чака получаване на апарат.",
        "fa": "هیچ زمان‌سنجی از {number} منتظر دریافت دستگاه نیست.",
    },
    "event.paused": {"en": "paused", "bg": "пауза", "fa": "توقف"},
    "event.resumed": {"en": "resumed", "bg": "възобновен", "fa": "ادامه"},
    "event.category_changed": {"en": "category changed", "bg": "сменена категория", "fa": "تغییر دسته"},
    "help.pause": {
        "en": "/pause <number> <reason> — stop the clocks while waiting for the customer",
        "bg": "/pause <номер> <причина> — спира сроковете, докато се чака клиентът",
        "fa": "/pause <شماره> <دلیل> — توقف زمان‌سنج‌ها در انتظار مشتری",
    },
    "help.resume": {
        "en": "/resume <number> — the clocks run again",
        "bg": "/resume <номер> — сроковете текат отново",
        "fa": "/resume <شماره> — ادامهٔ زمان‌سنج‌ها",
    },
    "help.category": {
        "en": "/category <number> <category> — re-categorise; deadlines are recomputed",
        "bg": "/category <номер> <категория> — смяна на категорията; сроковете се преизчисляват",
        "fa": "/category <شماره> <دسته> — تغییر دسته؛ مهلت‌ها دوباره محاسبه می‌شود",
    },
    "help.received": {
        "en": "/received <number> [--at <time>] — the device arrived at the service centre",
        "bg": "/received <номер> [--at <време>] — апаратът е получен в сервизния център",
        "fa": "/received <شماره> [--at <زمان>] — دستگاه به مرکز خدمات رسید",
    },
    "help.sla": {
        "en": "/sla <category> [--at <time>] — the deadlines the contract promises",
        "bg": "/sla <категория> [--at <време>] — сроковете по договора",
        "fa": "/sla <دسته> [--at <زمان>] — مهلت‌های قرارداد",
    },
}

MESSAGES = {
    **MESSAGES,
    "page.new": {
        "en": "New incident {number} of {customer}: {category} · {component}",
        "bg": "Нов инцидент {number} на {customer}: {category} · {component}",
        "fa": "رخداد تازهٔ {number} از {customer}: {category} · {component}",
    },
}

MESSAGES = {
    **MESSAGES,
    "page.taken": {
        "en": "{number} was taken by {person}; no need to act.",
        "bg": "{number} е поет от {person}; не е нужно да действате.",
        "fa": "{number} را {person} پذیرفت؛ نیازی به اقدام شما نیست.",
    },
    "event.paged": {"en": "paged", "bg": "повикани", "fa": "فراخوانی"},
    "event.handover": {"en": "handed over", "bg": "предаден", "fa": "واگذاری"},
    "event.page_attempt": {"en": "page delivery", "bg": "доставка на повикване", "fa": "ارسال فراخوان"},
}
