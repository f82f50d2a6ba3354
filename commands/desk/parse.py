"""The chat grammar: ``/command positional words... --option value``.

Descriptions are free text, so only ``--name`` options are special; an option's value is a quoted
string (straight or typographic quotes) or the words up to the next option. Everything else is kept
verbatim, apostrophes included.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

_OPTION = re.compile(r"(?:(?<=\s)|^)--([a-z][a-z-]*)(?=\s|$)")
_QUOTES = {'"': '"', "“": "”", "„": "“", "«": "»", "'": "'"}
# Persian needs ZWNJ/ZWJ and the direction marks; everything else in Cc/Cf (except tab and newline) is
# refused rather than stored, because it hides text or breaks rendering in the register.
_ALLOWED_FORMAT = {"\u200c", "\u200d", "\u200e", "\u200f"}
_MARKS = "\u200e\u200f"
# The command word ends at any whitespace (a tab or a no-break space too, not only " " and "\n").
_HEAD = re.compile(r"/(\S*)\s*(.*)", re.DOTALL)


@dataclass(frozen=True)
class Parsed:
    command: str  # lower-case, without "/" and "@botname"
    args: str  # the text after the command, options removed, stripped
    options: dict[str, str] = field(default_factory=dict)
    fields: tuple[str, ...] | None = None  # a form's positional values, already separated (see of_form)
    text: str = ""  # a form's free text, verbatim

    @classmethod
    def of_form(cls, command: str, fields: tuple[str, ...], text: str, options: dict[str, str]) -> Parsed:
        """What a form submitted, as the handlers read a command: nothing in it is parsed again."""
        text = text.strip()
        return cls(command=command, args=" ".join(p for p in (*fields, text) if p), options=options,
                   fields=fields, text=text)

    def words(self, n: int) -> tuple[list[str], str]:
        """The first ``n`` whitespace-separated words and the rest of the text verbatim (a form's own
        fields and text, as the form separated them)."""
        if self.fields is not None:
            rest = " ".join(p for p in (*self.fields[n:], self.text) if p)
            return list(self.fields[:n]), rest
        parts = self.args.split(None, n)
        if len(parts) <= n:
            return parts, ""
        return parts[:n], parts[n].strip()


class ParseError(ValueError):
    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def has_control_characters(text: str) -> bool:
    if text.isprintable():  # no Cc, Cf, Cs or Co character at all (checked in C): the usual case
        return False
    for ch in text:
        if ch in "\n\t\r":
            continue
        cat = unicodedata.category(ch)
        if cat == "Cc" or (cat == "Cf" and ch not in _ALLOWED_FORMAT) or cat in ("Cs", "Co"):
            return True
    return False


def parse(text: str) -> Parsed:
    """Split a command line. Raises ParseError("not_a_command") if it does not start with "/"."""
    # RTL keyboards put direction marks before and inside the command word; they are not part of it.
    text = text.strip().lstrip(_MARKS)
    m = _HEAD.match(text)
    if not m:
        raise ParseError("not_a_command")
    head, rest = m.group(1).replace("\u200e", "").replace("\u200f", ""), m.group(2)
    command = head.split("@", 1)[0].casefold()  # Telegram addresses commands as /ack@botname
    options: dict[str, str] = {}
    args_parts: list[str] = []
    pos = 0
    rest = rest.strip()
    while True:
        m = _OPTION.search(rest, pos)
        if not m:
            args_parts.append(rest[pos:])
            break
        args_parts.append(rest[pos : m.start()])
        name = m.group(1)
        value, pos = _option_value(rest, m.end())
        options[name] = value
    args = " ".join(p.strip() for p in args_parts if p.strip())
    return Parsed(command=command, args=args, options=options)


def _option_value(text: str, start: int) -> tuple[str, int]:
    i = start
    while i < len(text) and text[i].isspace():
        i += 1
    if i < len(text) and text[i] in _QUOTES:
        close = _QUOTES[text[i]]
        end = text.find(close, i + 1)
        if end == -1:
            return text[i + 1 :].strip(), len(text)
        return text[i + 1 : end].strip(), end + 1
    m = _OPTION.search(text, i)
    end = m.start() if m else len(text)
    return text[i:end].strip(), end
