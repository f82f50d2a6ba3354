"""Sentences of ``dutydesk demo``: the narrator of the story, and where a message printed in the console
went."""

from __future__ import annotations

MESSAGES = {
    "demo.start": {
        "en": "Demo: simulated customer systems on 127.0.0.1 — CUCM (AXL, RISPort, Control Center), UCCX, "
              "CallRec, Dynamics CRM (NTLM), voice gateways (SIP, SSH). You are {person}. Demo time starts at {when}.",
        "bg": "Демо: симулирани системи на клиента на 127.0.0.1 — CUCM (AXL, RISPort, Control Center), UCCX, "
              "CallRec, Dynamics CRM (NTLM), гласови шлюзове (SIP, SSH). Вие сте {person}. Демо времето започва в {when}.",
        "fa": "نمایش: سامانه‌های شبیه‌سازی‌شدهٔ مشتری روی 127.0.0.1 — CUCM (AXL، RISPort، Control Center)، UCCX، "
              "CallRec، Dynamics CRM (NTLM)، درگاه‌های صوتی (SIP، SSH). شما {person} هستید. زمان نمایش از {when} آغاز می‌شود.",
    },
    "demo.type": {
        "en": "Type commands as in chat (/help, /health, /incidents, /status <number>, /ack <number>); Ctrl-D ends the demo.",
        "bg": "Пишете команди като в чата (/help, /health, /incidents, /status <номер>, /ack <номер>); Ctrl-D спира демото.",
        "fa": "فرمان‌ها را مانند گفتگو بنویسید (/help، /health، /incidents، /status <شماره>، /ack <شماره>)؛ Ctrl-D نمایش را پایان می‌دهد.",
    },
    "demo.backup_first": {
        "en": "{when} story: last night's backup of gateway 1's configuration is taken",
        "bg": "{when} история: нощното архивиране на конфигурацията на шлюз 1",
        "fa": "{when} داستان: پشتیبان دیشب از پیکربندی درگاه ۱ گرفته می‌شود",
    },
    "demo.callrec_stops": {
        "en": "{when} story: CallRec stops recording calls (its web page still answers)",
        "bg": "{when} история: CallRec спира да записва разговори (уеб страницата му още отговаря)",
        "fa": "{when} داستان: CallRec ضبط تماس‌ها را متوقف می‌کند (صفحهٔ وبش هنوز پاسخ می‌دهد)",
    },
    "demo.gw_silent": {
        "en": "{when} story: voice gateway 2 stops answering SIP OPTIONS",
        "bg": "{when} история: гласовият шлюз 2 спира да отговаря на SIP OPTIONS",
        "fa": "{when} داستان: درگاه صوتی ۲ دیگر به SIP OPTIONS پاسخ نمی‌دهد",
    },
    "demo.gw_back": {
        "en": "{when} story: voice gateway 2 answers again",
        "bg": "{when} история: гласовият шлюз 2 отново отговаря",
        "fa": "{when} داستان: درگاه صوتی ۲ دوباره پاسخ می‌دهد",
    },
    "demo.gw_changed": {
        "en": "{when} story: an engineer adds a dial-peer on gateway 1 and changes its SNMP community",
        "bg": "{when} история: инженер добавя dial-peer на шлюз 1 и сменя SNMP community",
        "fa": "{when} داستان: یک مهندس یک dial-peer به درگاه ۱ می‌افزاید و SNMP community را عوض می‌کند",
    },
    "demo.backup_scheduled": {
        "en": "{when} story: the scheduled backup of gateway 1 runs",
        "bg": "{when} история: планираното архивиране на шлюз 1 започва",
        "fa": "{when} داستان: پشتیبان‌گیری زمان‌بندی‌شدهٔ درگاه ۱ اجرا می‌شود",
    },
    "demo.daily": {
        "en": "{when} story: time for the daily summary",
        "bg": "{when} история: време е за дневното обобщение",
        "fa": "{when} داستان: زمان گزارش روزانه",
    },
    "demo.end": {
        "en": "{when} the story is over; the desk keeps watching the simulated systems.",
        "bg": "{when} историята свърши; бюрото продължава да следи симулираните системи.",
        "fa": "{when} داستان تمام شد؛ میز همچنان سامانه‌های شبیه‌سازی‌شده را پایش می‌کند.",
    },
    "demo.end_fast": {
        "en": "{when} the story is over.",
        "bg": "{when} историята свърши.",
        "fa": "{when} داستان تمام شد.",
    },
    # where a message printed between console commands went
    "console.to.customer": {"en": "to the customer's channel", "bg": "до канала на клиента", "fa": "به کانال مشتری"},
    "console.to.engineers": {"en": "to the engineers", "bg": "до инженерите", "fa": "به مهندسان"},
    "console.to.person": {"en": "to {person}", "bg": "до {person}", "fa": "به {person}"},
}
