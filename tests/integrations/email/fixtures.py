"""Mail as the clients and servers that send it to a service desk shape it, as raw bytes (the charsets'
own bytes, base64 and quoted-printable as the clients encode them): Outlook (Exchange), Gmail,
Thunderbird, an HTML-only mail, Bulgarian in windows-1251, Russian in KOI8-R, Persian in windows-1256
and in UTF-8, encoded words in headers, attachments, an out-of-office auto-reply and a bounce."""

from __future__ import annotations

import base64
import quopri
from email.header import Header

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def _b64(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii")


def _word(text: str, charset: str = "utf-8") -> str:
    return Header(text, charset).encode()


def outlook(sender: str, subject: str, text: str, *, msgid: str, to: str = "desk@contractor.example",
            in_reply_to: str | None = None, references: str | None = None, extra: str = "") -> bytes:
    """Exchange/Outlook 16: multipart/alternative, quoted-printable, Thread-Index, the Outlook quote header."""
    html = "<html><body><div>" + "".join(f"<p class=MsoNormal>{line}</p>" for line in text.split("\n")) + \
        "</div></body></html>"
    threading = ""
    if in_reply_to:
        threading += f"In-Reply-To: {in_reply_to}\n"
    if references:
        threading += f"References: {references}\n"
    plain = quopri.encodestring(text.encode("utf-8")).decode("ascii")
    return (f"""Received: from EXCH01.noi.local (10.0.0.5) by EXCH02.noi.local (10.0.0.6) with Microsoft SMTP Server
 (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.1.2507.6; Mon, 23 Nov 2026
 10:03:58 +0200
From: {_word("Ивана Петрова")} <{sender}>
To: Service Desk <{to}>
Subject: {_word(subject)}
Thread-Topic: {_word(subject)}
Thread-Index: AdrQm3c1pLk0Zb5mR0mVw3r0rLk0Zg==
Date: Mon, 23 Nov 2026 08:03:58 +0000
Message-ID: {msgid}
{threading}Accept-Language: bg-BG, en-US
Content-Language: bg-BG
X-MS-Has-Attach:
X-MS-TNEF-Correlator:
X-Mailer: Microsoft Outlook 16.0
{extra.replace(chr(13), "")}Content-Type: multipart/alternative;
\tboundary="_000_DB9PR01MB1234ABCDEFnoilocal_"
MIME-Version: 1.0

--_000_DB9PR01MB1234ABCDEFnoilocal_
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

{plain}
--_000_DB9PR01MB1234ABCDEFnoilocal_
Content-Type: text/html; charset="utf-8"
Content-Transfer-Encoding: base64

{_b64(html.encode("utf-8"))}
--_000_DB9PR01MB1234ABCDEFnoilocal_--
""").replace("\n", "\r\n").encode("ascii")


def gmail(sender: str, subject: str, text: str, *, msgid: str, to: str = "desk@contractor.example",
          in_reply_to: str | None = None, references: str | None = None) -> bytes:
    """Gmail: multipart/alternative, base64 UTF-8, <div dir="ltr">, the "On ... wrote:" quote."""
    html = '<div dir="ltr">' + "<br>".join(text.split("\n")) + "</div>"
    threading = ""
    if in_reply_to:
        threading += f"In-Reply-To: {in_reply_to}\n"
    if references:
        threading += f"References: {references}\n"
    return (f"""MIME-Version: 1.0
Date: Mon, 23 Nov 2026 10:03:58 +0200
Message-ID: {msgid}
{threading}Subject: {_word(subject)}
From: {_word("Ivana Petrova")} <{sender}>
To: {to}
Content-Type: multipart/alternative; boundary="000000000000a1b2c3d4e5f60718"

--000000000000a1b2c3d4e5f60718
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: base64

{_b64(text.encode("utf-8"))}
--000000000000a1b2c3d4e5f60718
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: base64

{_b64(html.encode("utf-8"))}
--000000000000a1b2c3d4e5f60718--
""").replace("\n", "\r\n").encode("ascii")


def thunderbird(sender: str, subject: str, text: str, *, msgid: str, charset: str = "utf-8",
                to: str = "desk@contractor.example", files: tuple[tuple[str, str, bytes], ...] = ()) -> bytes:
    """Thunderbird: format=flowed text in the given charset (8bit), attachments as base64 parts."""
    head = (f"Message-ID: {msgid}\r\nDate: Mon, 23 Nov 2026 10:03:58 +0200\r\nMIME-Version: 1.0\r\n"
            f"User-Agent: Mozilla Thunderbird\r\nContent-Language: bg\r\nTo: {to}\r\n"
            f"From: {_word('Ивана', 'windows-1251' if charset == 'windows-1251' else 'utf-8')} <{sender}>\r\n"
            f"Subject: {_word(subject, charset)}\r\n").encode("ascii")
    part = (f"Content-Type: text/plain; charset={charset}; format=flowed\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            ).encode("ascii") + text.replace("\n", "\r\n").encode(charset) + b"\r\n"
    if not files:
        return head + part
    boundary = "------------0P3Zxy7Ab1cD2eF3gH4iJ5kL"
    out = head + f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\nThis is a multi-part message in MIME format.\r\n'.encode()
    out += f"--{boundary}\r\n".encode() + part
    for name, ctype, data in files:
        out += (f"--{boundary}\nContent-Type: {ctype}; name=\"{name}\"\n"
                f"Content-Disposition: attachment; filename=\"{name}\"\nContent-Transfer-Encoding: base64\n\n"
                f"{_b64(data)}").replace("\n", "\r\n").encode("ascii")
    return out + f"--{boundary}--\r\n".encode()


def html_only(sender: str, subject: str, html: str, *, msgid: str, charset: str = "utf-8") -> bytes:
    return (f"From: <{sender}>\nTo: desk@contractor.example\nSubject: {_word(subject, charset)}\n"
            f"Date: Mon, 23 Nov 2026 08:03:58 +0000\nMessage-ID: {msgid}\nMIME-Version: 1.0\n"
            f"Content-Type: text/html; charset={charset}\nContent-Transfer-Encoding: base64\n\n"
            f"{_b64(html.encode(charset))}").replace("\n", "\n").encode("ascii")


def auto_reply(sender: str, *, msgid: str, in_reply_to: str, subject: str) -> bytes:
    """Exchange's out-of-office answer (RFC 3834 Auto-Submitted, X-Auto-Response-Suppress)."""
    return (f"From: <{sender}>\r\nTo: desk@contractor.example\r\nSubject: {_word('Automatic reply: ' + subject)}\r\n"
            f"Date: Mon, 23 Nov 2026 08:05:00 +0000\r\nMessage-ID: {msgid}\r\nIn-Reply-To: {in_reply_to}\r\n"
            f"Auto-Submitted: auto-replied\r\nX-Auto-Response-Suppress: All\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\nI am out of the office until Monday.\r\n").encode("ascii")


def bounce(*, msgid: str, original_to: str) -> bytes:
    """A delivery status notification (RFC 3464): multipart/report, null return path."""
    return f"""Return-Path: <>
From: Mail Delivery System <MAILER-DAEMON@mx.noi.bg>
To: desk@contractor.example
Subject: Undelivered Mail Returned to Sender
Date: Mon, 23 Nov 2026 08:05:00 +0000
Message-ID: {msgid}
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B0UNCE"

--B0UNCE
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not be delivered to {original_to}.

--B0UNCE
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.noi.bg
Final-Recipient: rfc822; {original_to}
Action: failed
Status: 5.1.1

--B0UNCE--
""".replace("\n", "\r\n").encode("ascii")
