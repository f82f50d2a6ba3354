"""``attach``: the use case every channel calls to keep a person's files with an incident after their
command on it succeeded, and ``file_lines``, the reply's lines about them."""

from __future__ import annotations

from commands.incidents.attachments import Kept, Refused, Upload, attach, file_lines, files
from commands.incidents.domain.attachments import AttachmentsConfig
from storage.register import Register
from tests.harness import DeskHarness

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
LIMITS = AttachmentsConfig(max_bytes=512 * 1024, max_per_incident=2)


async def _incident(desk: DeskHarness) -> str:
    reply = await desk.say("ivana", "/incident urgent cucm Inbound calls fail")
    assert reply.control_number is not None
    return reply.control_number


async def test_files_are_kept_with_the_persons_own_customers_incident_and_refusals_say_why(desk: DeskHarness) -> None:
    number = await _incident(desk)
    now = desk.clock.now()
    uploads = [Upload("screen.png", "image/png", PNG), Upload("big.log", "text/plain", b"x" * (600 * 1024)),
               Upload("virus.exe", "application/octet-stream", b"MZ\x90\x00" + b"\0" * 60)]
    results = desk.db.write_sync(lambda s: attach(s, LIMITS, number, uploads, person="ivana", customers=["noi"],
                                                  source="slack", channel="slack:D1", now=now))
    assert [type(r) for r in results] == [Kept, Refused, Refused]
    assert file_lines("en", results, LIMITS) == [
        "Files kept with the incident: screen.png",
        "big.log was not kept: larger than 512 KB.",
        "virus.exe was not kept: the desk keeps images, PDF, text and logs, office files and archives only."]
    assert file_lines("bg", results[1:2], LIMITS) == ["big.log не е запазен: по-голям от 512 KB."]
    # the same file again is the same file, not a second one
    again = desk.db.write_sync(lambda s: attach(s, LIMITS, number, uploads[:1], person="ivana", customers=["noi"],
                                                source="telegram", channel="telegram:1", now=now))
    [same] = again
    assert isinstance(same, Kept) and same.id == results[0].id and not same.fresh  # type: ignore[union-attr]


async def test_nothing_is_kept_with_another_customers_or_an_unknown_incident(desk: DeskHarness) -> None:
    number = await _incident(desk)
    now = desk.clock.now()
    upload = [Upload("screen.png", "image/png", PNG)]
    for who_serves, which in ((["hgp"], number), (["noi"], "NOI-2026-9999999")):
        assert desk.db.write_sync(lambda s, c=who_serves, n=which: attach(  # type: ignore[misc]
            s, LIMITS, n, upload, person="sara", customers=c, source="slack", channel="slack:D2", now=now)) == []
    inc = desk.db.read_sync(lambda s: Register(s).by_number(number))
    assert inc is not None and desk.db.read_sync(lambda s: files(s, inc.id)) == []
