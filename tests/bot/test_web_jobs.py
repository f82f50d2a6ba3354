"""The hourly purge of the web application's ended sign-in links and sessions (bot/web_jobs.py): what
ended more than a week ago goes, what can still be used or asked about stays, on both databases."""

from __future__ import annotations

from datetime import timedelta

from bot.dispatcher import Dispatcher
from bot.scheduler import Jobs
from bot.web_jobs import PURGE_EVERY, purge_web_sign_ins
from commands.domain.config import Config
from storage.web_auth import KEEP_ENDED, WebAuth
from tests.conftest import utc
from tests.harness import DeskHarness

T0 = utc(2026, 11, 23, 8, 0)


def _rows(h: DeskHarness) -> tuple[set[str], set[str]]:
    """The persons of the links and of the sessions still stored (each test person has one of each)."""
    from sqlmodel import select

    from storage.models_web import WebSession, WebSignIn

    def read(s):  # type: ignore[no-untyped-def]
        return ({r.person_id for r in s.exec(select(WebSignIn))}, {r.person_id for r in s.exec(select(WebSession))})

    return h.db.read_sync(read)  # type: ignore[no-any-return]


async def test_ended_links_and_sessions_go_a_week_after_they_ended_and_the_live_ones_stay(
        db_url: str, noi_config: Config) -> None:
    h = DeskHarness(noi_config, db_url, T0)
    try:
        def setup(s):  # type: ignore[no-untyped-def]
            auth = WebAuth(s)
            auth.issue_link("link-unused", "unused", "chat", T0)  # expires unused at T0 + 15 min
            auth.issue_link("link-kept", "kept", "chat", T0)
            assert auth.use_link("link-kept", "cookie-kept", "csrf1", T0) == "kept"  # a 12-hour session
            auth.issue_link("link-out", "out", "email", T0)
            assert auth.use_link("link-out", "cookie-out", "csrf2", T0) == "out"
            auth.revoke("cookie-out", T0 + timedelta(minutes=30))  # signed out after half an hour

        h.db.write_sync(setup)
        assert _rows(h) == ({"unused", "kept", "out"}, {"kept", "out"})

        h.advance(days=1)  # everything but nothing old enough: all ended less than a week ago
        assert await purge_web_sign_ins(h.app.services) == (0, 0)

        h.clock.set(T0 + KEEP_ENDED + timedelta(hours=1))
        h.db.write_sync(lambda s: WebAuth(s).issue_link("link-new", "new", "chat", h.clock.now()))
        # the unused link (expired at 0:15), both used links (used at 0:00) and the session signed out at
        # 0:30 ended over a week ago; "kept"'s session ended at 12:00, less than a week ago
        assert await purge_web_sign_ins(h.app.services) == (3, 1)
        assert _rows(h) == ({"new"}, {"kept"})
        assert h.db.read_sync(lambda s: WebAuth(s).signed_in("cookie-kept", T0 + timedelta(hours=1))) is not None
        # nothing live is touched: the new link still signs its person in
        assert h.db.write_sync(lambda s: WebAuth(s).use_link("link-new", "cookie-new", "c", h.clock.now())) == "new"

        h.clock.set(T0 + KEEP_ENDED + timedelta(hours=12))  # "kept"'s session ended a week ago now
        assert await purge_web_sign_ins(h.app.services) == (0, 1)
        assert _rows(h) == ({"new"}, {"new"})
    finally:
        h.close()


async def test_the_running_process_purges_hourly(db_url: str, noi_config: Config) -> None:
    h = DeskHarness(noi_config, db_url, T0)
    try:
        jobs = Jobs(h.app.services, Dispatcher(h.db, h.clock, [], noi_config))
        job = jobs.scheduler.get_job("web:purge")
        assert job is not None and job.trigger.interval == PURGE_EVERY
    finally:
        h.close()
