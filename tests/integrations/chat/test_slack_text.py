"""Escaping and cutting text to Slack's limits: never inside an entity, never silently."""

from __future__ import annotations

import random
import re

import pytest

from integrations.chat.slack_text import ELLIPSIS, chunks, clip, escape, size, unescape

ENTITY_BROKEN = re.compile(r"&(?!amp;|lt;|gt;)")


def test_escape_turns_the_three_control_characters_into_entities_and_nothing_else() -> None:
    assert escape("a & b <!channel> c>d 'q' \"q\"") == "a &amp; b &lt;!channel&gt; c&gt;d 'q' \"q\""
    assert unescape(escape("&amp; typed <x>")) == "&amp; typed <x>"


@pytest.mark.parametrize("typed", ["&" * 4000, "x&" * 2000, "<>" * 2000, "a<b " * 1000, "😀&" * 2000])
def test_chunks_hold_every_typed_character_and_never_cut_an_entity(typed: str) -> None:
    pieces = chunks([escape(typed)], 3000)
    assert all(0 < size(p) <= 3000 for p in pieces)
    assert not any(ENTITY_BROKEN.search(p) for p in pieces)
    joined = "".join(unescape(p) for p in pieces)
    assert joined == typed


def test_chunks_keep_whole_lines_together_when_they_fit() -> None:
    lines = [escape(f"line {n} <{n}>") for n in range(400)]
    pieces = chunks(lines, 300)
    assert all(size(p) <= 300 for p in pieces)
    assert "\n".join(pieces).split("\n") == lines  # no line split, none lost, none begins a piece blank


def test_a_long_line_is_cut_at_its_last_space() -> None:
    words = " ".join(f"w{n:03d}" for n in range(200))  # 999 characters
    pieces = chunks([words], 100)
    assert all(p.endswith(" ") for p in pieces[:-1])  # each ends after a whole word
    assert "".join(pieces) == words


def test_clip_marks_the_cut_and_keeps_entities_whole() -> None:
    assert clip("short & sweet", 100) == "short &amp; sweet"
    clipped = clip("&" * 1000, 3000 // 5 * 5 - 3)
    assert clipped.endswith(ELLIPSIS) and not ENTITY_BROKEN.search(clipped)
    assert size(clipped) <= 3000 // 5 * 5 - 3
    assert size(clip("😀" * 3000, 3000)) <= 3000  # a character outside the BMP counts twice


def test_chunks_hold_for_any_mix_of_characters_and_limits() -> None:
    rng = random.Random(15)
    alphabet = "&<>  a\nжخ😀\u200f*"
    for _ in range(300):
        lines = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 3000))) for _ in range(rng.randint(1, 5))]
        limit = rng.randint(12, 3000)
        pieces = chunks([escape(x) for x in lines], limit)
        assert all(0 < size(p) <= limit and p.strip() for p in pieces)
        assert not any(ENTITY_BROKEN.search(p) for p in pieces)
        shown = "".join(unescape(p) for p in pieces)
        assert "".join(shown.split()) == "".join("".join(lines).split())  # only blanks at a cut may go
