"""Whether the receiving server vouched for a mail's sender: ``Authentication-Results`` (RFC 8601).

Only the header of the configured receiving server (its authserv-id) counts: anyone can write an
Authentication-Results header into the mail they send; the receiving server adds its own on top.
The sender is vouched for when DMARC passed, or — with no DMARC result — SPF or DKIM passed and
neither failed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_RESULT = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*([a-z]+)", re.IGNORECASE)
_COMMENT = re.compile(r"\([^()]*\)")


def results(headers: Iterable[str], authserv_id: str) -> dict[str, set[str]]:
    """method → the results the trusted server recorded (``{"spf": {"pass"}, "dmarc": {"fail"}}``)."""
    found: dict[str, set[str]] = {}
    for header in headers:
        text = _COMMENT.sub(" ", header)
        server, _, rest = text.partition(";")
        words = server.split()
        if not words or words[0].lower() != authserv_id.lower():
            continue
        for method, outcome in _RESULT.findall(rest):
            found.setdefault(method.lower(), set()).add(outcome.lower())
    return found


def vouched(headers: Iterable[str], authserv_id: str) -> bool:
    found = results(headers, authserv_id)
    dmarc = found.get("dmarc", set())
    if dmarc:
        return dmarc == {"pass"}
    failed = {"fail", "softfail", "permerror"}
    spf, dkim = found.get("spf", set()), found.get("dkim", set())
    if (spf | dkim) & failed:
        return False
    return "pass" in spf or "pass" in dkim
