"""Mail the desk never answers (RFC 3834 §2, RFC 3464): automatic replies, lists and bulk mail, delivery
reports and bounces, and the desk's own mail. Such mail is still read (and marked handled); it never
starts a reply, so two robots cannot answer each other for ever."""

from __future__ import annotations

from collections.abc import Collection

from integrations.mail.message import InboundMail


def why_silent(mail: InboundMail, own_addresses: Collection[str]) -> str | None:
    """Why the desk must not answer ``mail`` (a short reason for the log), or None when it may."""
    if mail.sender is None:
        return "no sender address"
    if mail.sender in own_addresses:
        return "from the desk's own address"
    if mail.return_path == "":
        return "empty return path (a bounce or delivery report)"
    if mail.is_report:
        return "multipart/report (a delivery or read report)"
    if mail.auto_submitted not in ("", "no"):
        return f"Auto-Submitted: {mail.auto_submitted}"
    if mail.precedence in ("bulk", "list", "junk"):
        return f"Precedence: {mail.precedence}"
    if mail.auto_reply_hints:
        return "marked as an automatic reply (X-Autoreply, X-Auto-Response-Suppress)"
    local = mail.sender.split("@", 1)[0]
    if local in ("mailer-daemon", "postmaster") or local.startswith(("noreply", "no-reply", "do-not-reply")):
        return f"sent by {local}"
    return None
