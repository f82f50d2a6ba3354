"""Telegram rendering without a network: HTML escaping and splitting, buttons, prompts, the menu."""

from __future__ import annotations

from commands.desk.reply import Button, Reply
from integrations.chat import telegram_render as render
from tests.fakes.telegram_api import html_to_plain


def test_text_is_escaped_and_the_first_line_is_bold() -> None:
    reply = Reply(text="NOI-2026-00001 <урок> & «тест»", lines=("a < b > c & d", "x"))
    [html] = render.chunks(reply)
    assert html == "<b>NOI-2026-00001 &lt;урок&gt; &amp; «тест»</b>\na &lt; b &gt; c &amp; d\nx"
    assert html_to_plain(html) == reply.as_text()


def test_a_long_reply_is_split_at_line_ends_under_telegrams_limit() -> None:
    lines = tuple(f"{i:04d} " + "ж" * 90 for i in range(200))
    parts = render.chunks(Reply(text="Регистър", lines=lines))
    assert len(parts) > 1 and all(len(p) <= render.MAX_TEXT for p in parts)
    shown = "\n".join(html_to_plain(p) for p in parts)
    assert shown == Reply(text="Регистър", lines=lines).as_text()  # nothing lost, nothing cut mid-line


def test_buttons_carry_their_command_and_oversized_ones_are_left_out() -> None:
    reply = Reply(text="x", buttons=(Button("Поемам", "/ack NOI-2026-00001", "primary"),
                                     Button("too long", "/note NOI-2026-00001 " + "я" * 40)))
    markup = render.keyboard(reply)
    assert markup is not None
    assert [[b.callback_data for b in row] for row in markup.inline_keyboard] == [["/ack NOI-2026-00001"]]
    assert render.keyboard(Reply(text="x")) is None


def test_a_prompt_names_its_command_so_a_reply_can_complete_it() -> None:
    assert render.bare_text_command("/resolve NOI-2026-00001") == ("resolve", "NOI-2026-00001")
    assert render.bare_text_command("/resolve NOI-2026-00001 done") is None
    assert render.bare_text_command("/ack NOI-2026-00001") is None
    html = render.prompt_html("resolve", "HGP-2026-00007", "fa", 2002, "رضا <R&D>")
    shown = html_to_plain(html)
    assert shown.startswith("رضا <R&D>, ") and 'href="tg://user?id=2002"' in html
    assert render.prompted_command(shown) == "/resolve HGP-2026-00007"
    assert render.prompted_command("NOI-2026-00001 регистриран") is None


def test_the_menu_has_every_command_with_a_short_description() -> None:
    for locale in ("en", "bg", "fa"):
        menu = render.menu(locale)
        assert [c.command for c in menu][:3] == ["incident", "ack", "arrive"]
        assert all(1 <= len(c.description) <= 256 and " — " not in c.description for c in menu)
    assert {c.command: c.description for c in render.menu("en")}["ack"] == "take the incident"
