"""What files the desk keeps with an incident (pure: no I/O).

A file is kept when its size is within ``max_bytes``, the incident holds fewer than ``max_per_incident``,
and its content is of a kind the desk takes — judged by the bytes, not by the name or the type the sender
declared: a "screenshot.png" that is a Windows program is refused. The kinds: images (PNG, JPEG, GIF,
WebP, BMP, TIFF), PDF, plain text and logs (UTF-8 or another 8-bit text without NUL bytes), ZIP-based
office files and archives, gzip, and mail (message/rfc822).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

# magic bytes → the content type the desk stores
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
    (b"BM", 0, "image/bmp"),
    (b"II*\x00", 0, "image/tiff"),
    (b"MM\x00*", 0, "image/tiff"),
    (b"%PDF-", 0, "application/pdf"),
    (b"PK\x03\x04", 0, "application/zip"),
    (b"\x1f\x8b", 0, "application/gzip"),
)
# a declared type that may stand for the sniffed one (office files are ZIPs)
_ZIP_TYPES = frozenset({
    "application/zip", "application/x-zip-compressed",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
})
_TEXT_TYPES = ("text/plain", "text/csv", "text/x-log", "application/json", "application/xml", "text/xml",
               "message/rfc822", "text/calendar", "application/octet-stream")
MAX_FILENAME = 255


class AttachmentsConfig(BaseModel):
    """``[desk.attachments]``: the bounds of the attachment store."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    max_bytes: int = Field(default=10 * 1024 * 1024, ge=1, le=100 * 1024 * 1024)
    max_per_incident: int = Field(default=20, ge=1, le=500)


@dataclass(frozen=True)
class Verdict:
    content_type: str | None  # what is stored; None when refused
    reason: str = ""  # why refused: "too_big", "too_many", "type", "empty"


def sniff(content: bytes, declared: str) -> str | None:
    """The content type the bytes show, or None for a kind the desk does not take."""
    for magic, offset, kind in _MAGIC:
        if content[offset:offset + len(magic)] == magic:
            if kind == "image/webp" and content[:4] != b"RIFF":
                continue
            if kind == "application/zip" and declared in _ZIP_TYPES:
                return declared
            return kind
    head = content[:65536]
    if b"\x00" in head or head.startswith((b"MZ", b"\x7fELF", b"#!")):
        return None  # binary (programs, unknown formats) and scripts are not kept
    declared = declared.lower()
    if declared in _TEXT_TYPES or declared.startswith("text/"):
        if declared == "message/rfc822":
            return declared
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if len(content) <= len(head) or exc.start < len(head) - 4:  # not a character cut at 64 KiB
                return "text/plain"  # an 8-bit text (windows-1251 ...): kept as text, no charset claimed
        return "text/plain; charset=utf-8"
    return None


def judge(content: bytes, declared: str, already: int, config: AttachmentsConfig) -> Verdict:
    """Whether a file joins an incident that already holds ``already`` files, and as what type."""
    if not content:
        return Verdict(None, "empty")
    if len(content) > config.max_bytes:
        return Verdict(None, "too_big")
    if already >= config.max_per_incident:
        return Verdict(None, "too_many")
    kind = sniff(content, declared)
    return Verdict(kind, "" if kind else "type")


def clean_filename(name: str) -> str:
    """A file name safe to show and to offer for download: no path, no control characters, bounded."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in "\u2028\u2029\u202e\u202d\u2066\u2067\u2068")
    base = base.strip(" .") or "file"
    return base[-MAX_FILENAME:]
