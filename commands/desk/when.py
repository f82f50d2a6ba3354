"""The instants a person typed for a command, in the customer's time zone and the person's language.

``when`` reads one instant (``parse_time``: a time alone is its most recent past occurrence, as for
"when did it start"). ``span`` reads a start and an end that belong together (``/maintenance``,
``/oncall override``): a time alone is today's for the start ("22:00": tonight's, "09:00": this
morning's, a span already under way) and, for the end, the first such time after the start
("--from 22:00 --to 02:00" ends tomorrow at 02:00); anything else reads as ``when`` does."""

from __future__ import annotations

from datetime import datetime, timedelta

from commands.desk.context import Caller
from commands.domain.calendar import local_to_utc
from commands.domain.i18n.format import to_local
from commands.domain.timeparse import TimeParseError, parse_time, time_of_day


def when(ctx: Caller, text: str, *, as_of: datetime | None = None) -> datetime:
    """The instant ``text`` names, read as of ``as_of`` (default: now; a report kept in the journal is read
    as of its arrival), or the command fails with ``error.bad_time``."""
    try:
        return parse_time(text, locale=ctx.locale, tz=ctx.customer.tz, now=as_of or ctx.now)
    except TimeParseError:
        ctx.fail("error.bad_time", value=f'"{text}"')


def span(ctx: Caller, start_text: str, end_text: str) -> tuple[datetime, datetime]:
    """The start and the end of a span typed as two texts (see the module's rule for a time alone)."""
    tz = ctx.customer.tz
    tod = time_of_day(start_text)
    start = (local_to_utc(datetime.combine(to_local(ctx.now, tz).date(), tod), tz) if tod is not None
             else when(ctx, start_text))
    tod = time_of_day(end_text)
    if tod is None:
        return start, when(ctx, end_text)
    day = to_local(start, tz).date()
    end = local_to_utc(datetime.combine(day, tod), tz)
    return start, end if end > start else local_to_utc(datetime.combine(day + timedelta(days=1), tod), tz)
