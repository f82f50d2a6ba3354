"""``dutydesk demo [--as PERSON] [--fast]``: the console desk over the demo's configuration, with the
simulated systems, the jobs and the story in one process; everything is removed at the end."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
from pathlib import Path

from bot.app import build_app
from bot.backup_jobs import wire_backups
from bot.demo.config import demo_config, demo_raw
from bot.demo.story import CUSTOMER, DemoClock, Story
from bot.demo.systems import SimulatedSystems
from bot.dispatcher import Dispatcher
from bot.health_jobs import wire_health
from bot.scheduler import Jobs
from commands.domain.i18n.catalog import t
from commands.domain.i18n.format import format_datetime
from integrations.chat.console import ConsoleNotifier, run_console

SPEED = 10.0  # without --fast: a demo minute every six seconds


def run_demo(args: argparse.Namespace) -> int:
    people = demo_raw().get("people", {})
    if args.person not in people:  # before anything starts
        print(f"dutydesk: there is no person {args.person!r} in the demo; people: {', '.join(people)}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="dutydesk-demo-") as tmp:
        return asyncio.run(_demo(Path(tmp), args.person, args.fast))


async def _demo(tmp: Path, person: str, fast: bool) -> int:
    clock = DemoClock(speed=0.0 if fast else SPEED)
    systems = SimulatedSystems(clock=clock, directory=tmp)
    async with systems.running():
        config = demo_config(systems.ports, tmp)
        user = next((i.split(":", 1)[1] for i in config.people[person].identities if i.startswith("console:")),
                    person)
        app = build_app(config, f"sqlite:///{tmp / 'demo.db'}", clock=clock)
        try:
            app.db.start_writer()
            locale = app.services.directory.reply_locale(f"console:{user}", "console:console", CUSTOMER)
            health, backups = wire_health(app.services), wire_backups(app.services)
            notifier = ConsoleNotifier(None, sys.stdout, locale=locale,
                                       names={pid: p.name for pid, p in config.people.items()})
            jobs = Jobs(app.services, Dispatcher(app.db, clock, [notifier], config))
            story = Story(app.services, systems, health, backups, jobs, clock, sys.stdout, locale)
            tz = config.customers[CUSTOMER].tz
            print(t(locale, "demo.start", person=config.people[person].name,
                    when=format_datetime(clock.now(), tz, locale)))
            if fast:
                await story.tell(fast=True, keep_watching=False)
                return 0
            print(t(locale, "demo.type"))
            jobs.start()  # the sweeper and dispatcher between the story's minutes: typed reports page too
            teller = asyncio.create_task(story.tell(fast=False, keep_watching=True))
            try:
                return await run_console(app.desk, user)
            finally:  # the minute under way ends (its writes complete), then everything stops
                story.stopping.set()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(teller), 30)
                teller.cancel()
                await asyncio.gather(teller, return_exceptions=True)
                await jobs.finish()
        finally:
            app.close()
