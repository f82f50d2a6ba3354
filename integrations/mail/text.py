"""The text a person wrote in a mail: HTML turned into text, quoted replies and signatures cut.

Cutting uses mail-parser-reply (a maintained port of GitHub's email_reply_parser with many languages);
the desk adds the headers Bulgarian and Persian mail clients put above a quoted mail, which the library
does not know.
"""

from __future__ import annotations

import re
import unicodedata

import html2text
from mailparser_reply import EmailReplyParser
from mailparser_reply.constants import MAIL_LANGUAGES, QUOTED_MATCH_INCLUDE

# Outlook writes "От: … / Изпратено: … / До: … / Тема: …" (bg) and "از: … / ارسال: … / به: … / موضوع: …" (fa)
# above a quoted mail; Gmail and Thunderbird "На <date> <who> написа:" and "… نوشت:".
_LANGUAGES: dict[str, dict[str, object]] = {
    "bg": {
        "wrote_header": r"^(" + QUOTED_MATCH_INCLUDE + r"(?:На|В)\s.+?\sнаписа:)$",
        "from_header": r"((?:(?:^|\n|\n" + QUOTED_MATCH_INCLUDE
                       + r")[* ]*(?:От|Изпратено|Изпратен|До|Тема|Дата|Копие):[ *]*(?:\s{,2}).*){2,}(?:\n.*){,1})",
        "disclaimers": ["ПОВЕРИТЕЛНО:"],
        "signatures": ["Поздрави", "С уважение", "Благодаря,"],
        "sent_from": "Изпратено от моя",
    },
    "fa": {
        "wrote_header": r"^(" + QUOTED_MATCH_INCLUDE + r".+?\sنوشت:)$",
        "from_header": r"((?:(?:^|\n|\n" + QUOTED_MATCH_INCLUDE
                       + r")[* ]*(?:از|ارسال شده|ارسال|به|موضوع|تاریخ|رونوشت):[ *]*(?:\s{,2}).*){2,}(?:\n.*){,1})",
        "disclaimers": ["محرمانه:"],
        "signatures": ["با احترام", "با سپاس", "ارادتمند"],
        "sent_from": "ارسال شده از",
    },
}
for _code, _rules in _LANGUAGES.items():
    MAIL_LANGUAGES.setdefault(_code, _rules)

_PARSERS: dict[str, EmailReplyParser] = {}
_BLANKS = re.compile(r"\n{3,}")


_KEPT_FORMAT = frozenset("\u200c\u200d\u200e\u200f")  # ZWNJ/ZWJ (Persian words) and the direction marks


def plain(text: str) -> str:
    """The text without the invisible characters mail clients leave in (soft hyphens, byte-order marks,
    bidi embeddings and overrides, other control characters): the desk refuses them in what people type,
    but a mail's report must not be lost for a character its sender never saw. Line breaks and tabs stay;
    so do the zero-width joiners Persian needs and the direction marks."""
    if text.isprintable():
        return text
    out = []
    for ch in text.replace("\r\n", "\n").replace("\r", "\n"):
        if ch in "\n\t" or ch in _KEPT_FORMAT:
            out.append(ch)
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Cs", "Co"):
            continue
        out.append(ch)
    return "".join(out)


def html_to_text(html: str) -> str:
    """Readable text of an HTML mail: paragraphs and lists kept, links as their text, images dropped."""
    converter = html2text.HTML2Text()
    converter.body_width = 0  # no re-wrapping
    converter.ignore_images = True
    converter.ignore_links = True
    converter.ignore_emphasis = True
    converter.unicode_snob = True  # the characters as they are, not ASCII stand-ins
    converter.ignore_tables = True  # a table's cells as lines, not Markdown table rules
    return _BLANKS.sub("\n\n", converter.handle(html)).strip()


def written_part(text: str, locale: str = "en") -> str:
    """What the sender wrote in this mail: without the mail it quotes, the signature and the disclaimer.
    Falls back to the whole text when cutting would leave nothing (a mail that is only a quote)."""
    languages = ["en"] if locale == "en" else ["en", locale]
    key = ",".join(languages)
    parser = _PARSERS.get(key)
    if parser is None:
        parser = _PARSERS[key] = EmailReplyParser(languages=languages)
    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        replies = parser.read(text=normalized).replies
    except re.error:  # the library's patterns against an odd text: keep the text as it is
        return plain(normalized.strip())
    body = replies[0].body if replies else ""
    return plain(body.strip() or normalized.strip())
