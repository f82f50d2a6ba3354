"""Configuration of e-mail as a channel: ``[desk.email]`` (the desk's mailbox) and ``[customers.<id>.email]``
(a customer's own mailbox, who may write, what a mail without a category becomes). Secrets (passwords,
OAuth client secrets) come from the environment: the config names the variables. docs/email.md.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_ADDRESS = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$|^[^@\s<>\"]+@localhost$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MailboxConfig(_Strict):
    """An IMAP mailbox the desk reads (``[desk.email]`` or ``[customers.<id>.email.mailbox]``)."""

    address: str = Field(description="the mailbox's own address: the desk never answers it (loops)")
    host: str
    port: int = 993
    # implicit TLS (993) with the certificate and host name verified (the system's CAs, or only ca_file);
    # "starttls" on 143; "none" only for a server on this host (127.0.0.1, ::1, localhost)
    tls: Literal["implicit", "starttls", "none"] = "implicit"
    ca_file: str | None = None
    username: str
    auth: Literal["password", "xoauth2"] = "password"
    password_env: str | None = None
    # XOAUTH2 (Microsoft 365, Gmail): a client-credentials token from token_url (Entra ID:
    # https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token, scope https://outlook.office365.com/.default)
    token_url: str | None = None
    client_id_env: str | None = None
    client_secret_env: str | None = None
    scope: str | None = None
    folder: str = "INBOX"
    # What the desk does with a message it handled: the \\Seen flag (search UNSEEN) or a move to done_folder
    after: Literal["seen", "move"] = "seen"
    done_folder: str = "Dutydesk"
    poll_seconds: float = Field(default=60, gt=0, le=3600)  # without IDLE; with IDLE, the longest wait
    idle: bool = True  # use IDLE when the server offers it
    timeout_seconds: float = Field(default=30, gt=0, le=600)

    @field_validator("address")
    @classmethod
    def _address(cls, v: str) -> str:
        if not _ADDRESS.match(v.strip()):
            raise ValueError(f"{v!r} is not an e-mail address")
        return v.strip().lower()

    @model_validator(mode="after")
    def _auth(self) -> MailboxConfig:
        if self.auth == "password" and not self.password_env:
            raise ValueError("auth = \"password\" needs password_env (the variable that holds it)")
        if self.auth == "xoauth2" and not (self.token_url and self.client_id_env and self.client_secret_env):
            raise ValueError("auth = \"xoauth2\" needs token_url, client_id_env and client_secret_env")
        if self.tls == "none" and self.host not in ("127.0.0.1", "::1", "localhost"):
            raise ValueError("tls = \"none\" is only for a server on this host: the password would go in clear")
        if self.ca_file is not None and self.tls == "none":
            raise ValueError("ca_file is for TLS: set tls = \"implicit\" or \"starttls\"")
        return self


class CustomerEmailConfig(_Strict):
    """How a customer's mail is taken (``[customers.<id>.email]``)."""

    # the customer's mail domains: guests may write from them, and mail from them belongs to this customer
    domains: tuple[str, ...] = ()
    # an unknown sender from one of ``domains``: "guest" registers the report as a guest's; "refuse"
    # answers politely that the address is not known (in the customer's language)
    unknown: Literal["refuse", "guest"] = "refuse"
    # the category and component of a mail whose subject names none ([urgent] [cucm] ...)
    category: str
    component: str
    # a mailbox of the customer's own (otherwise the desk's [desk.email] takes their mail)
    mailbox: MailboxConfig | None = None
    # honour the receiving server's Authentication-Results: a sender whose SPF, DKIM or DMARC failed there
    # is not taken as the person the From names. ``authserv_id``: the receiving server's name in the header
    # (only its results count; a sender can write any other Authentication-Results themselves)
    require_authentication: bool = False
    authserv_id: str | None = None
    # changes of state, SLA warnings and breaches that go to the customer's channel also go by mail to the
    # incident's thread (the people who wrote in it)
    thread_updates: bool = True
    # addresses that get the customer's daily summary by mail (its ``reports.daily_to`` must name
    # "customer"): for a customer who reads the desk by mail only, as in chat the customer's channel does
    summary_to: tuple[str, ...] = ()

    @field_validator("summary_to")
    @classmethod
    def _summary_to(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [a for a in v if not _ADDRESS.match(a.strip())]
        if bad:
            raise ValueError(f"not e-mail addresses: {bad}")
        return tuple(dict.fromkeys(a.strip().lower() for a in v))

    @field_validator("domains")
    @classmethod
    def _domains(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        out = tuple(d.strip().lower().lstrip("@") for d in v)
        bad = [d for d in out if not _DOMAIN.match(d)]
        if bad:
            raise ValueError(f"not mail domains: {bad}")
        return out

    @model_validator(mode="after")
    def _checks(self) -> CustomerEmailConfig:
        if self.unknown == "guest" and not self.domains:
            raise ValueError("unknown = \"guest\" needs domains (guests may write from those only)")
        if self.require_authentication and not self.authserv_id:
            raise ValueError("require_authentication needs authserv_id (the receiving server's name in "
                             "Authentication-Results)")
        return self
