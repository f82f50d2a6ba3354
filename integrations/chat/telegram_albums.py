"""Albums: several photos or files sent together come as separate messages with one ``media_group_id``, and
only one of them (usually the first) carries the caption (https://core.telegram.org/bots/api#message).

What the album's captioned message resolved to is remembered for a short while, in memory: the incident
its command was about (the album's other files are kept with it, silently), or that it was refused (the
others are dropped: the person got the refusal once). A file of the album that comes before its captioned
message is held until the caption's message resolves the album or ``wait`` seconds pass. Bounded: old
albums are forgotten after ``ttl`` seconds, and at most ``MAX_ALBUMS`` are remembered. A restart forgets
them (the files held then are lost; the answer to the captioned message lists what was kept).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

MAX_ALBUMS = 1000
Held = TypeVar("Held")
Key = tuple[int, str]  # (chat id, media_group_id)


@dataclass
class Album(Generic[Held]):
    at: float
    number: str | None = None  # the incident the captioned message's command was about
    closed: bool = False  # resolved (number set) or refused or answered: nothing more is held
    held: list[Held] = field(default_factory=list)  # files that came before the captioned message


class Albums(Generic[Held]):
    def __init__(self, ttl: float = 600.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._albums: dict[Key, Album[Held]] = {}

    def get(self, key: Key) -> Album[Held] | None:
        album = self._albums.get(key)
        if album is not None and self.clock() - album.at > self.ttl:
            del self._albums[key]
            return None
        return album

    def _album(self, key: Key) -> Album[Held]:
        album = self.get(key)
        if album is None:
            now = self.clock()
            if len(self._albums) >= MAX_ALBUMS:  # the oldest go first (dicts keep insertion order)
                for old in list(self._albums)[: len(self._albums) - MAX_ALBUMS + 1]:
                    del self._albums[old]
            album = self._albums[key] = Album(now)
        return album

    def hold(self, key: Key, item: Held) -> bool:
        """Keep a file that came before the album resolved; True if it is the first held (start waiting)."""
        album = self._album(key)
        album.held.append(item)
        return len(album.held) == 1

    def close(self, key: Key, number: str | None) -> list[Held]:
        """The album resolved to incident ``number`` (None: refused, or given up): the files held so far,
        which are now the caller's."""
        album = self._album(key)
        album.number, album.closed = number, True
        held, album.held = album.held, []
        return held
