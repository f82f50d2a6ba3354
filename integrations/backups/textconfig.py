"""Text configurations: volatile lines stripped before comparing, secrets masked before showing.

A device's configuration is compared, versioned and diffed as text. Some lines change without anyone
changing the configuration ("Current configuration : 4711 bytes", "ntp clock-period", uptime): they are
dropped before the text is stored, as Oxidized's IOS model does. Diffs go to a chat channel, so every
line that holds a secret (password, secret, community, key ...) is masked there; the stored text keeps
them, because a backup must be restorable.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

MASK = "<masked>"
_PROMPT_PAGER = re.compile(r"\s*--More--\s*(\x08+\s*\x08*)*")


@lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


def strip_volatile(text: str, patterns: Sequence[str]) -> str:
    """The text without the lines matching any of ``patterns`` (searched, case-insensitive)."""
    compiled = _compiled(tuple(patterns))
    kept = [line for line in text.splitlines() if not any(p.search(line) for p in compiled)]
    return "\n".join(kept) + ("\n" if kept else "")


def normalise(text: str) -> str:
    """Unix line ends, no trailing blanks, no pager leftovers, exactly one final newline."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _PROMPT_PAGER.sub("", text)
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines) + ("\n" if lines else "")


def as_comment(text: str, prefix: str = "! ") -> str:
    """``show version`` and ``show inventory`` kept above the configuration, as comment lines."""
    return "".join(f"{prefix}{line}".rstrip() + "\n" for line in text.splitlines())


def compose(sections: Iterable[tuple[str, bool]], volatile: Sequence[str]) -> str:
    """One stored text from command outputs: ``(output, is_comment)`` in order, volatile lines dropped."""
    parts = []
    for output, comment in sections:
        cleaned = strip_volatile(normalise(output), volatile)
        parts.append(as_comment(cleaned) if comment else cleaned)
    return normalise("".join(parts))


def mask_line(line: str, patterns: Sequence[str]) -> str:
    """Everything after the earliest secret keyword replaced by ``<masked>`` (the earliest of all
    patterns, so a value that itself contains a keyword — "community n0wSecret" — is still hidden)."""
    matches = [m for p in _compiled(tuple(patterns)) if (m := p.search(line))]
    if not matches:
        return line
    first = min(matches, key=lambda m: (m.start(), -m.end()))
    return line[: first.end()] + " " + MASK


def unified_diff(old: str, new: str, *, name: str, old_label: str = "", new_label: str = "",
                 secret_patterns: Sequence[str] = (), context: int = 3) -> str:
    """A unified diff of two texts with every secret line masked (headers are left as they are)."""
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), fromfile=f"a/{name}{old_label}",
                                 tofile=f"b/{name}{new_label}", lineterm="", n=context)
    out = []
    for line in lines:
        if line.startswith(("---", "+++", "@@")):
            out.append(line)
        else:
            out.append(line[:1] + mask_line(line[1:], secret_patterns))
    return "\n".join(out) + ("\n" if out else "")
