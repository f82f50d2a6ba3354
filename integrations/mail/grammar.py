"""What a mail's subject and first line say (pure: no I/O).

Subject: ``[urgent] [cucm] Calls fail`` — up to two leading bracketed words name the category and the
component (their ids, aliases or titles in any of the customer's languages); the rest is the title. A
control number in brackets anywhere (``Re: [NOI-2026-00042] Calls fail``) says the mail belongs to that
incident's thread. Reply and forward prefixes in the languages the desk serves are dropped.

First line of a reply in a thread: ``/confirm``, ``/reopen <why>`` or the same words in Bulgarian or
Persian perform that action; anything else is a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from commands.domain.config import CustomerConfig

# Re:, Fwd:, AW:, WG:, SV:, Отг:, Отн:, Пре:, FW:, پاسخ:, ارسال مجدد:, "Re[2]:", "RE: RE:" ...
_PREFIX = re.compile(r"^\s*(?:re|fwd?|aw|wg|sv|vs|tr|отг|отн|пре|препратено|پاسخ|ارسال مجدد|هدایت)\s*(?:\[\d+\])?\s*[:：]\s*",
                     re.IGNORECASE)
_NUMBER = re.compile(r"\[\s*([A-Z][A-Z0-9]{1,9}-\d{4}-\d{5,})\s*\]", re.IGNORECASE)
_BRACKET = re.compile(r"^\s*\[\s*([^\[\]\s]{1,64})\s*\]\s*")
_SPACES = re.compile(r"\s+")

# The thread's commands by their words: what a first line may start with (case and the Persian yeh/kaf
# variants folded), the desk command it means, and whether it takes a reason.
_COMMANDS: dict[str, str] = {
    "/confirm": "confirm", "confirm": "confirm", "confirmed": "confirm",
    "/потвърди": "confirm", "потвърди": "confirm", "потвърждавам": "confirm", "потвърдено": "confirm",
    "/تایید": "confirm", "تایید": "confirm", "تأیید": "confirm", "تائید": "confirm",
    "/reopen": "reopen", "reopen": "reopen",
    "/преотвори": "reopen", "преотвори": "reopen", "отвори отново": "reopen",
    "/بازگشایی": "reopen", "بازگشایی": "reopen", "بازگشایی مجدد": "reopen",
    "/note": "note",
}
_ARABIC_TO_PERSIAN = str.maketrans({"ي": "ی", "ك": "ک", "\u200c": " "})


@dataclass(frozen=True)
class SubjectParts:
    number: str | None  # a control number in brackets: the thread of that incident
    category: str | None
    component: str | None
    title: str  # the subject without prefixes, the number and the bracketed words


@dataclass(frozen=True)
class ThreadCommand:
    command: str  # "confirm" | "reopen" | "note"
    text: str  # the reason (reopen), or the whole text (a note)


def strip_prefixes(subject: str) -> str:
    text = subject
    for _ in range(10):
        shorter = _PREFIX.sub("", text, count=1)
        if shorter == text:
            break
        text = shorter
    return text


def read_subject(subject: str, customer: CustomerConfig | None = None) -> SubjectParts:
    text = strip_prefixes(subject)
    m = _NUMBER.search(text)
    number = m.group(1).upper() if m else None
    if m:
        text = (text[: m.start()] + " " + text[m.end():]).strip()
        text = strip_prefixes(text)
    category = component = None
    if customer is not None:
        for _ in range(2):
            b = _BRACKET.match(text)
            if not b:
                break
            word = b.group(1)
            if category is None and customer.category_key(word) is not None:
                category = customer.category_key(word)
            elif component is None and customer.component_key(word) is not None:
                component = customer.component_key(word)
            else:
                break  # a bracketed word that names neither stays part of the title
            text = text[b.end():]
    return SubjectParts(number, category, component, _SPACES.sub(" ", text).strip())


def thread_command(text: str) -> ThreadCommand:
    """The command a reply's first line gives, else a note with the whole text."""
    stripped = text.strip()
    first, _, rest = stripped.partition("\n")
    # matched on a folded copy (case, Arabic yeh/kaf, ZWNJ as a space: one character for one), cut from
    # the line as written
    folded = first.translate(_ARABIC_TO_PERSIAN).casefold()
    if len(folded) != len(first):  # casefold changed a length (ß → ss): the reason is cut from the folded line
        first = folded
    for words in sorted(_COMMANDS, key=len, reverse=True):
        pattern = r"\s*" + r"\s+".join(re.escape(w) for w in words.split()) + r"(?=$|[\s:.,!])"
        m = re.match(pattern, folded)
        if m is None:
            continue
        command = _COMMANDS[words]
        after = first[m.end():].lstrip(" :.,!").strip()
        if command == "note":
            return ThreadCommand("note", "\n".join(p for p in (after, rest.strip()) if p))
        if command == "reopen" and not after:
            after = rest.strip()
        return ThreadCommand(command, after)
    return ThreadCommand("note", stripped)
