"""Rate limits: the 21st command a minute is refused politely in the person's language; time refills."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import func, select

from bot.settings import ConfigError, load_config
from commands.desk.domain.ratelimit_config import Rate, RateLimitsConfig
from commands.desk.ratelimit import RateLimiter, Refusal, TokenBuckets, refusal_params
from commands.desk.reply import Request
from commands.domain.clock import FakeClock
from commands.domain.config import Config
from commands.domain.i18n.catalog import t
from storage.models import Incident
from tests.commands.conftest import MONDAY_1004_SOFIA
from tests.conftest import EXAMPLES, utc
from tests.harness import DeskHarness


def _config(rate_limits: dict[str, Any] | None = None, *, extra_reporters: int = 0) -> Config:
    raw = tomllib.loads((EXAMPLES / "noi.toml").read_text(encoding="utf-8"))
    if rate_limits is not None:
        raw.setdefault("desk", {})["rate_limits"] = rate_limits
    for n in range(extra_reporters):
        raw["people"][f"rep{n}"] = {"name": f"Reporter {n}", "identities": [f"console:rep{n}", f"slack:rep{n}"],
                                    "roles": {"noi": ["reporter"]}}
    return Config.model_validate(raw)


@pytest.fixture
def harness(db_url: str) -> Iterator[Any]:
    made: list[DeskHarness] = []

    def make(config: Config) -> DeskHarness:
        made.append(DeskHarness(config, db_url, MONDAY_1004_SOFIA))
        return made[-1]

    yield make
    for h in made:
        h.close()


def _incidents(desk: DeskHarness) -> int:
    return int(desk.db.read_sync(lambda s: s.exec(select(func.count()).select_from(Incident)).one()))


async def test_the_21st_command_within_a_minute_is_refused_in_bulgarian_and_works_after_the_refill(
        desk: DeskHarness) -> None:
    for i in range(20):  # reads count too: help, the register, a status
        text = ("/help", "/incidents", "/status NOI-2026-00001", "/incident urgent cucm Down")[i % 4]
        reply = await desk.say("ivana", text)
        assert "ratelimit" not in reply.text and "бързо" not in reply.text, (i, reply.text)
    before = _incidents(desk)
    refused = await desk.say("ivana", "/incident urgent cucm Still down")
    assert refused.is_error
    assert refused.text == ("Изпращате команди по-бързо, отколкото бюрото приема (20 в минута). "
                            "Моля, опитайте отново след 3 сек.")
    assert _incidents(desk) == before  # nothing written for a refusal
    desk.advance(seconds=2)
    assert "след 1 сек" in (await desk.say("ivana", "/help")).text  # a refused command consumed nothing
    desk.advance(seconds=1)
    ok = await desk.say("ivana", "/incident urgent cucm Still down")
    assert not ok.is_error, ok.text
    assert (await desk.say("ivana", "/help")).is_error  # one token came back, one was used
    desk.advance(minutes=1)
    for _ in range(20):
        assert "бързо" not in (await desk.say("ivana", "/help")).text


async def test_english_and_persian_refusals(harness: Any, hgp_config: Config) -> None:
    msgid, params = refusal_params(Refusal("person", Rate(20, 60, 20), 12), "en")
    assert t("en", msgid, **params) == ("You are sending commands faster than the desk accepts (20 a minute). "
                                        "Please try again in 12 s.")
    msgid, params = refusal_params(Refusal("channel", Rate(600, 3600, 600), 150), "en")
    assert t("en", msgid, **params).endswith("(600 an hour for the whole channel). Please try again in 3 min.")

    hgp = harness(hgp_config)
    for _ in range(20):
        assert "سریع‌تر" not in (await hgp.say("sara", "/help")).text
    refused = await hgp.say("sara", "/help")
    assert refused.is_error and refused.locale == "fa"
    assert "(۲۰ در دقیقه)" in refused.text and "۳ ثانیه دیگر" in refused.text, refused.text


async def test_the_channel_limit_counts_everyone_in_it_but_not_other_channels_or_engineers(harness: Any) -> None:
    desk = harness(_config({"per_channel": "5/min"}, extra_reporters=3))
    for n in range(5):
        reply = await desk.say(f"rep{n % 3}", "/help", transport="slack", channel="C0NOIDESK")
        assert not reply.is_error, reply.text
    refused = await desk.say("U0IVANA", "/help", transport="slack", channel="C0NOIDESK")
    assert refused.is_error and "(5 в минута за целия канал)" in refused.text and "след 12 сек" in refused.text
    # the same people elsewhere are fine: their own buckets are far from empty
    assert not (await desk.say("rep0", "/help", transport="slack", channel="D0REP0")).is_error
    assert not (await desk.say("ivana", "/help")).is_error  # the console channel
    # an engineer answering the outage in that channel is not locked out by it
    for _ in range(10):
        assert not (await desk.say("U0GEORGI", "/help", transport="slack", channel="C0NOIDESK")).is_error


async def test_one_persons_limit_does_not_touch_another_person_or_customer(harness: Any, hgp_config: Config) -> None:
    desk = harness(_config({"per_person": "3/min", "per_channel": "100/min"}, extra_reporters=1))
    for _ in range(3):
        await desk.say("ivana", "/help")
    assert (await desk.say("ivana", "/help")).is_error
    assert not (await desk.say("rep0", "/help")).is_error  # same customer, same channel, another person
    other = harness(hgp_config)  # another customer's desk: its own limits entirely
    assert not (await other.say("sara", "/help")).is_error


async def test_engineers_have_their_own_higher_limit(desk: DeskHarness) -> None:
    for i in range(120):
        reply = await desk.say("georgi", "/help")
        assert not reply.is_error, (i, reply.text)
    refused = await desk.say("georgi", "/help")
    assert refused.is_error and "(120 в минута)" in refused.text and "след 1 сек" in refused.text
    assert not (await desk.say("maria", "/help")).is_error  # the admin is not georgi


async def test_a_repeated_delivery_gets_its_first_answer_and_is_not_charged_again(desk: DeskHarness) -> None:
    for _ in range(19):
        await desk.say("ivana", "/help")
    first = await desk.say("ivana", "/incident urgent cucm Down", delivery_id="slack-retry-1")  # the 20th
    assert not first.is_error and first.control_number == "NOI-2026-00001"
    for _ in range(5):  # Slack retries it: the stored first reply, and nothing counted
        assert await desk.say("ivana", "/incident urgent cucm Down", delivery_id="slack-retry-1") == first
    assert _incidents(desk) == 1
    assert (await desk.say("ivana", "/help")).is_error  # the 21st new command
    desk.advance(seconds=3)
    assert not (await desk.say("ivana", "/help")).is_error


async def test_a_refused_delivery_retried_after_the_refill_is_done_once(desk: DeskHarness) -> None:
    for _ in range(20):
        await desk.say("ivana", "/help")
    assert (await desk.say("ivana", "/incident urgent cucm Down", delivery_id="late")).is_error
    desk.advance(seconds=3)
    done = await desk.say("ivana", "/incident urgent cucm Down", delivery_id="late")
    assert not done.is_error and done.control_number == "NOI-2026-00001"
    assert await desk.say("ivana", "/incident urgent cucm Down", delivery_id="late") == done
    assert _incidents(desk) == 1


async def test_disabled_limits_refuse_nothing(harness: Any) -> None:
    desk = harness(_config({"enabled": False}))
    for _ in range(50):
        assert not (await desk.say("ivana", "/help")).is_error


def test_memory_is_bounded() -> None:
    clock = FakeClock(utc(2026, 11, 23, 8, 4))
    limiter = RateLimiter(RateLimitsConfig(max_buckets=100), clock)
    for n in range(1000):
        req = Request(text="/help", transport="slack", user_id=f"U{n}", channel_id=f"C{n}", delivery_id=f"d{n}")
        assert limiter.check(req, staff=False) is None
    assert len(limiter.buckets) <= 100 and len(limiter._admitted) <= 100
    # an evicted bucket comes back full: the error is on the side of letting people through
    buckets = TokenBuckets(max_buckets=100)
    rate = RateLimitsConfig().rate("person")
    for _ in range(20):
        buckets.take("a", rate, 0.0)
    assert buckets.wait("a", rate, 0.0) == pytest.approx(3.0)
    for n in range(200):
        buckets.wait(f"k{n}", rate, 0.0)
    assert buckets.wait("a", rate, 0.0) == 0.0


def test_a_clock_set_back_neither_refills_nor_drains() -> None:
    buckets = TokenBuckets(max_buckets=100)
    rate = RateLimitsConfig().rate("person")
    for _ in range(20):
        buckets.take("a", rate, 1000.0)
    assert buckets.wait("a", rate, 900.0) == pytest.approx(3.0)
    assert buckets.wait("a", rate, 1003.0) == 0.0


@pytest.mark.parametrize(("table", "expected"), [
    ('per_person = "fast"', "desk.rate_limits.per_person: 'fast' is not a rate like 20/min"),
    ('per_channel = "0/min"', "desk.rate_limits.per_channel: '0/min' is not a rate"),
    ('per_engineer = "10/fortnight"', "desk.rate_limits.per_engineer: '10/fortnight' is not a rate"),
    ("burst_person = 0", "desk.rate_limits.burst_person: "),
    ("max_buckets = 5", "desk.rate_limits.max_buckets: "),
    ("per_persn = \"20/min\"", "desk.rate_limits.per_persn: unknown key"),
])
def test_bad_rate_limits_are_named_by_key(tmp_path: Any, table: str, expected: str) -> None:
    text = (EXAMPLES / "noi.toml").read_text(encoding="utf-8")
    path = tmp_path / "c.toml"
    path.write_text(f"{text}\n[desk.rate_limits]\n{table}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert any(p.startswith(expected) for p in err.value.problems), err.value.problems


def test_rates_and_bursts_parse() -> None:
    cfg = RateLimitsConfig(per_person="2/s", per_channel="600 / hour", burst_channel=50)
    assert cfg.rate("person").count == 2 and cfg.rate("person").period == 1 and cfg.rate("person").burst == 2
    assert cfg.rate("channel").per_second == pytest.approx(600 / 3600) and cfg.rate("channel").burst == 50
    assert load_config(EXAMPLES / "noi.toml").desk.rate_limits.rate("person").count == 20
