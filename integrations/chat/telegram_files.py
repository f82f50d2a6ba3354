"""Files in Telegram messages: which file a message carries, and fetching it from the Bot API.

A photo comes in several sizes (``message.photo``, smallest first): only the largest is kept, named
``photo-<file_unique_id>.jpg`` (Telegram photos have no file name). A document, video, audio file or voice
note is one file with its declared name and type; the bytes are judged when kept
(commands/incidents/domain/attachments.py). A video, audio file or voice note is of no kind the desk keeps
(Telegram sends them as media, not as a document): refused by its kind, politely, without downloading it.

Fetching is ``getFile`` and then the download from the file URL (``base_file_url``, derived from the API's
base URL in the transport). Bots may download files of up to 20 MB (https://core.telegram.org/bots/api#getfile):
a file declared bigger than that or than the desk keeps is refused before getFile is called, and getFile's
own "file is too big" (a file that declared no size) is the same refusal.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import Bot, Message
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from commands.incidents.attachments import Refused, Upload
from commands.incidents.domain.attachments import clean_filename

log = logging.getLogger(__name__)
BOT_API_DOWNLOAD_MAX = 20 * 1024 * 1024  # https://core.telegram.org/bots/api#getfile


@dataclass(frozen=True)
class Incoming:
    """A file a message carries, as Telegram describes it (nothing fetched yet)."""

    file_id: str
    filename: str
    content_type: str  # declared; photos are JPEG
    size: int | None  # declared; optional in the Bot API
    media: bool = False  # a video, audio or voice message: no kind the desk keeps


class NotFetched(Exception):
    """Telegram could not hand a file over for a passing reason (the network, a 5XX, a flood limit)."""


def files_of(msg: Message) -> list[Incoming]:
    """The file a message carries (a message carries one), or none."""
    if msg.photo:
        big = max(msg.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        return [Incoming(big.file_id, f"photo-{big.file_unique_id}.jpg", "image/jpeg", big.file_size)]
    if msg.document is not None:
        d = msg.document
        return [Incoming(d.file_id, d.file_name or f"file-{d.file_unique_id}",
                         d.mime_type or "application/octet-stream", d.file_size)]
    if msg.video is not None:
        v = msg.video
        return [Incoming(v.file_id, v.file_name or f"video-{v.file_unique_id}.mp4", v.mime_type or "video/mp4",
                         v.file_size, media=True)]
    if msg.audio is not None:
        a = msg.audio
        return [Incoming(a.file_id, a.file_name or f"audio-{a.file_unique_id}.mp3", a.mime_type or "audio/mpeg",
                         a.file_size, media=True)]
    if msg.voice is not None:
        n = msg.voice
        return [Incoming(n.file_id, f"voice-{n.file_unique_id}.ogg", n.mime_type or "audio/ogg", n.file_size,
                         media=True)]
    return []


def download_limit(max_bytes: int) -> int:
    """The largest file worth fetching: what the desk keeps, and what the Bot API hands over."""
    return min(max_bytes, BOT_API_DOWNLOAD_MAX)


async def fetch(bot: Bot, files: Sequence[Incoming], max_bytes: int) -> tuple[list[Upload], list[Refused]]:
    """Each file fetched, or refused with why (too big: never fetched; "unavailable": Telegram refused to
    hand it over). Raises NotFetched when a passing failure may heal on a later try."""
    uploads: list[Upload] = []
    refused: list[Refused] = []
    limit = download_limit(max_bytes)
    for f in files:
        name = clean_filename(f.filename)
        if f.media:
            refused.append(Refused(name, "type"))  # never downloaded to be refused
            continue
        if f.size is not None and f.size > limit:
            refused.append(Refused(name, "too_big"))
            continue
        try:
            described = await bot.get_file(f.file_id)
            if described.file_size is not None and described.file_size > limit:
                refused.append(Refused(name, "too_big"))
                continue
            content = bytes(await described.download_as_bytearray())
        except BadRequest as err:  # 400: "file is too big", "invalid file_id"
            if "too big" in str(err).lower():
                refused.append(Refused(name, "too_big"))
            else:
                log.warning("Telegram refused file %s (%s): %s", f.file_id, name, err)
                refused.append(Refused(name, "unavailable"))
            continue
        except (NetworkError, RetryAfter) as err:  # NetworkError includes TimedOut and Telegram's 5XX
            raise NotFetched(f"{name}: {err}") from err
        except TelegramError as err:  # 401/403/404 of the file server (an expired file_path): not now, not later
            log.warning("could not download Telegram file %s (%s): %s", f.file_id, name, err)
            refused.append(Refused(name, "unavailable"))
            continue
        uploads.append(Upload(f.filename, f.content_type, content))
    return uploads, refused
