"""Text for Slack: what people typed, escaped, and cut to Slack's limits without breaking it.

Slack parses ``&``, ``<`` and ``>`` in every ``mrkdwn`` text object and in a message's ``text``
(https://api.slack.com/reference/surfaces/formatting#escaping): ``<!channel>`` pings a channel and
``<https://evil|invoice>`` disguises a link. Everything a person typed is therefore escaped before it
is put into such a field. ``plain_text`` objects are not parsed, and the desk puts only its own words and
the config's names there (headers, buttons, modal labels).

Slack's limits count the text as sent, entities included, so the escaped text is measured and cut, but
always between two characters of what was typed: never inside an entity (``&am`` | ``p;``), never
between the two halves of a surrogate pair. A cut says so with "…".
"""

from __future__ import annotations

from collections.abc import Iterable

ELLIPSIS = "…"
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape(text: str) -> str:
    """``&``, ``<`` and ``>`` as HTML entities, and nothing else (Slack decodes only these three)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def size(text: str) -> int:
    """The length Slack sees, in UTF-16 code units (a character outside the BMP counts twice), so a
    text within a limit is within it however Slack counts: characters or UTF-16 units."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _atoms(text: str) -> Iterable[str]:
    """The escaped text, one typed character at a time (an entity is one atom)."""
    for ch in text:
        yield _ENTITIES.get(ch, ch)


def clip(text: str, limit: int) -> str:
    """``text`` escaped, cut to at most ``limit`` (Slack's measure) with "…" when it does not fit."""
    escaped = escape(text)
    if size(escaped) <= limit:
        return escaped
    room, out, used = limit - size(ELLIPSIS), [], 0
    for atom in _atoms(text):
        n = size(atom)
        if used + n > room:
            break
        out.append(atom)
        used += n
    return "".join(out) + ELLIPSIS


def chunks(lines: Iterable[str], limit: int, max_pieces: int | None = None) -> list[str]:
    """Lines of escaped mrkdwn (each made with ``escape`` or ``bold``) packed into pieces of at most
    ``limit``: whole lines where they fit, a longer line cut at its last space or else between two
    characters, never inside an entity. Nothing is dropped; a piece never is empty or blank. With
    ``max_pieces``, packing stops once there are more pieces than that (the caller says what is cut)."""
    pieces: list[str] = []
    current: list[str] = []
    used = 0

    def flush() -> None:
        nonlocal current, used
        text = "".join(current).rstrip("\n")
        if text.strip():
            pieces.append(text)
        current, used = [], 0

    for line in lines:
        if max_pieces is not None and len(pieces) > max_pieces:
            return pieces
        n = size(line) + 1
        if used + n <= limit:  # the usual case: the whole line fits
            current.append(line + "\n")
            used += n
            continue
        flush()
        if size(line) == len(line):  # no character counts twice: cut the string by position
            while len(line) > limit:
                cut = _cut(line, limit)
                if line[:cut].strip():
                    pieces.append(line[:cut])
                line = line[cut:]
                if max_pieces is not None and len(pieces) > max_pieces:
                    return pieces
            current, used = [line + "\n"], len(line) + 1
            continue
        for atom in [*_split_atoms(line), "\n"]:
            if not current and atom == "\n":
                continue  # a piece does not begin with the line break that ended the one before
            a = size(atom)
            if used + a > limit:
                after = _last_space(current)
                carry = current[after:] if after is not None else []
                current = current[:after] if after is not None else current
                flush()
                if max_pieces is not None and len(pieces) > max_pieces:
                    return pieces
                current, used = carry, sum(size(x) for x in carry)
            current.append(atom)
            used += a
    flush()
    return pieces


def _cut(escaped: str, limit: int) -> int:
    """Where to end a piece of a long line (``len(escaped) > limit``): after its last space in the second
    half, else at ``limit`` — moved back to the start of an entity the limit would cut."""
    space = escaped.rfind(" ", limit // 2, limit)
    if space != -1:
        return space + 1
    amp = escaped.rfind("&", max(0, limit - 4), limit)
    if amp != -1 and escaped.startswith(("&amp;", "&lt;", "&gt;"), amp) and amp + _entity_len(escaped, amp) > limit:
        return amp
    return limit


def _entity_len(escaped: str, at: int) -> int:
    return 5 if escaped.startswith("&amp;", at) else 4


def _split_atoms(escaped: str) -> Iterable[str]:
    """Atoms of an already escaped line: an entity stays whole."""
    i = 0
    while i < len(escaped):
        if escaped[i] == "&":
            for entity in ("&amp;", "&lt;", "&gt;"):
                if escaped.startswith(entity, i):
                    yield entity
                    i += len(entity)
                    break
            else:
                yield "&"
                i += 1
        else:
            yield escaped[i]
            i += 1


def _last_space(atoms: list[str]) -> int | None:
    """Where to cut a long line: after its last space in the second half of the piece, if any."""
    for i in range(len(atoms) - 1, len(atoms) // 2, -1):
        if atoms[i] == " ":
            return i + 1
    return None


def bold(escaped: str) -> str:
    return f"*{escaped}*" if escaped else escaped
