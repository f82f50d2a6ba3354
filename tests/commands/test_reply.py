"""A reply rendered before its control number existed, filled in afterwards."""

from __future__ import annotations

import dataclasses

from commands.desk.reply import Attachment, Button, Reply

SLOT = "\x00number\x00"


def test_filling_the_number_replaces_every_slot_and_keeps_every_other_field() -> None:
    draft = Reply(text=f"{SLOT} registered", lines=("due 10:34", f"see {SLOT}"), kind="info",
                  buttons=(Button("Ack", f"/ack {SLOT}", "primary"), Button(f"{SLOT}?", "/help")),
                  attachment=Attachment("a.txt", b"x"), locale="bg", control_number=SLOT)
    filled = draft.filled(SLOT, "NOI-2026-00001")
    expected = {f.name: getattr(draft, f.name) for f in dataclasses.fields(Reply)} | {
        "text": "NOI-2026-00001 registered", "lines": ("due 10:34", "see NOI-2026-00001"),
        "buttons": (Button("Ack", "/ack NOI-2026-00001", "primary"), Button("NOI-2026-00001?", "/help")),
        "control_number": "NOI-2026-00001",
    }
    assert {f.name: getattr(filled, f.name) for f in dataclasses.fields(Reply)} == expected
