"""``dutydesk check-config`` shows when every schedule fires (issue 16 §2): the next fire times of each
backup and of each daily summary, in the schedule's own time zone, "now" being the process's clock
(DUTYDESK_CLOCK_FILE pins it here), so a person sees what a cron line means before trusting it."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import tomli_w

from tests.conftest import EXAMPLES, pinned_clock

MONDAY_1004_SOFIA = datetime(2026, 11, 23, 10, 4, tzinfo=ZoneInfo("Europe/Sofia"))


def _check(path: Path, tmp_path: Path, at: datetime, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "check-config", str(path), *extra], capture_output=True,
                          text=True, timeout=120, check=False, env={**os.environ, **pinned_clock(tmp_path, at)})


def _block(out: str, head: str) -> list[str]:
    """The fire-time lines printed under the schedule line that starts with ``head``."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(head))
    block = []
    for line in lines[start + 1:]:
        if not line.startswith("      "):
            break
        block.append(line.strip())
    return block


def test_the_examples_schedules_with_their_next_fire_times(tmp_path: Path) -> None:
    noi = _check(EXAMPLES / "noi.toml", tmp_path, MONDAY_1004_SOFIA)
    assert noi.returncode == 0, noi.stderr
    assert "now 2026-11-23 08:04 UTC" in noi.stdout
    assert "backup noi/gw1: 30 2 * * * (Europe/Sofia)" in noi.stdout
    assert _block(noi.stdout, "backup noi/gw1:") == [
        "Tue 2026-11-24 02:30 +02:00", "Wed 2026-11-25 02:30 +02:00", "Thu 2026-11-26 02:30 +02:00",
        "Fri 2026-11-27 02:30 +02:00", "Sat 2026-11-28 02:30 +02:00"]
    assert _block(noi.stdout, "backup noi/cucm:") == [  # "0 3 * * sun": Sundays
        "Sun 2026-11-29 03:00 +02:00", "Sun 2026-12-06 03:00 +02:00", "Sun 2026-12-13 03:00 +02:00",
        "Sun 2026-12-20 03:00 +02:00", "Sun 2026-12-27 03:00 +02:00"]
    # today's 08:30 has passed; the weekend is not a working day of noi
    assert "daily summary noi: 08:30 on working days (Europe/Sofia)" in noi.stdout
    assert _block(noi.stdout, "daily summary noi:") == [
        "Tue 2026-11-24 08:30 +02:00", "Wed 2026-11-25 08:30 +02:00", "Thu 2026-11-26 08:30 +02:00",
        "Fri 2026-11-27 08:30 +02:00", "Mon 2026-11-30 08:30 +02:00"]

    hgp = _check(EXAMPLES / "hgp.toml", tmp_path, MONDAY_1004_SOFIA, "--next", "3")
    assert hgp.returncode == 0, hgp.stderr
    assert _block(hgp.stdout, "backup hgp/crm-db:") == [  # Saturday to Wednesday, Tehran time
        "Mon 2026-11-23 23:00 +03:30", "Tue 2026-11-24 23:00 +03:30", "Wed 2026-11-25 23:00 +03:30"]


def test_a_dst_night_and_sundays_as_cron_reads_them(tmp_path: Path) -> None:
    raw = tomllib.loads((EXAMPLES / "noi.toml").read_text(encoding="utf-8"))
    raw["customers"]["noi"].pop("preventive", None)  # its tasks name the example's backup targets
    raw["customers"]["noi"]["backups"] = {
        "night": {"driver": "command", "argv": ["/bin/true"], "schedule": "30 3 * * *"},
        "sundays": {"driver": "command", "argv": ["/bin/true"], "schedule": "0 2 * * 0,7"},
        "weekdays": {"driver": "command", "argv": ["/bin/true"], "schedule": "0 2 * * 1-5"},
        "off": {"driver": "command", "argv": ["/bin/true"], "schedule": "0 2 * * *", "enabled": False},
        "by-hand": {"driver": "command", "argv": ["/bin/true"]},
    }
    raw["customers"]["noi"]["reports"] = {"daily": False}
    path = tmp_path / "noi.toml"
    path.write_text(tomli_w.dumps(raw), encoding="utf-8")
    saturday = datetime(2026, 10, 24, 12, 0, tzinfo=ZoneInfo("Europe/Sofia"))
    out = _check(path, tmp_path, saturday, "--next", "3")
    assert out.returncode == 0, out.stderr
    assert _block(out.stdout, "backup noi/night:") == [  # once in the repeated hour, then winter time
        "Sun 2026-10-25 03:30 +03:00", "Mon 2026-10-26 03:30 +02:00", "Tue 2026-10-27 03:30 +02:00"]
    assert _block(out.stdout, "backup noi/sundays:") == [
        "Sun 2026-10-25 02:00 +03:00", "Sun 2026-11-01 02:00 +02:00", "Sun 2026-11-08 02:00 +02:00"]
    assert _block(out.stdout, "backup noi/weekdays:") == [
        "Mon 2026-10-26 02:00 +02:00", "Tue 2026-10-27 02:00 +02:00", "Wed 2026-10-28 02:00 +02:00"]
    assert "backup noi/off: 0 2 * * * (Europe/Sofia) — disabled" in out.stdout
    assert _block(out.stdout, "backup noi/off:") == []
    assert "backup noi/by-hand: no schedule (only /backup)" in out.stdout
    assert "daily summary noi: off" in out.stdout


def test_a_bad_count_or_clock_is_refused(tmp_path: Path) -> None:
    bad = _check(EXAMPLES / "noi.toml", tmp_path, MONDAY_1004_SOFIA, "--next", "0")
    assert bad.returncode == 2 and "--next" in bad.stderr
    broken = subprocess.run([sys.executable, "-m", "bot", "check-config", str(EXAMPLES / "noi.toml")],
                            capture_output=True, text=True, timeout=120, check=False,
                            env={**os.environ, "DUTYDESK_CLOCK_FILE": str(tmp_path / "missing")})
    assert broken.returncode == 2 and "DUTYDESK_CLOCK_FILE" in broken.stderr


def _with_oidc(tmp_path: Path, **provider: object) -> Path:
    raw = tomllib.loads((EXAMPLES / "noi.toml").read_text(encoding="utf-8"))
    raw["desk"]["web"] = {"oidc": {"entra": {
        "issuer": "https://login.microsoftonline.com/tenant-id/v2.0", "client_id": "app-id",
        "client_secret_env": "DUTYDESK_OIDC_TEST_SECRET", "title": {"en": "Microsoft"}, **provider}}}
    path = tmp_path / "noi-oidc.toml"
    path.write_text(tomli_w.dumps(raw), encoding="utf-8")
    return path


def test_an_identity_providers_secret_must_be_in_the_environment(tmp_path: Path) -> None:
    path = _with_oidc(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "DUTYDESK_OIDC_TEST_SECRET"}
    out = subprocess.run([sys.executable, "-m", "bot", "check-config", str(path)], capture_output=True, text=True,
                         timeout=120, check=False, env={**env, **pinned_clock(tmp_path, MONDAY_1004_SOFIA)})
    assert out.returncode != 0
    assert ("desk.web.oidc.entra.client_secret_env: DUTYDESK_OIDC_TEST_SECRET is not set in the environment"
            in out.stderr)
    env["DUTYDESK_OIDC_TEST_SECRET"] = "s3cret-value-for-the-test"
    ok = subprocess.run([sys.executable, "-m", "bot", "check-config", str(path)], capture_output=True, text=True,
                        timeout=120, check=False, env={**env, **pinned_clock(tmp_path, MONDAY_1004_SOFIA)})
    assert ok.returncode == 0, ok.stderr


def test_a_bad_issuer_or_an_unknown_customer_is_named(tmp_path: Path) -> None:
    for provider, expected in [
        ({"issuer": "http://login.example.com/tenant"}, "desk.web.oidc.entra.issuer: 'http://login.example.com/tenant': "
                                                        "an issuer is an https:// URL"),
        ({"issuer": "not a url"}, "desk.web.oidc.entra.issuer: 'not a url' is not an issuer URL"),
        ({"customers": ["nobody"]}, "desk.web.oidc.entra.customers: unknown customer 'nobody'"),
        ({"client_secret": "pasted-here"}, "desk.web.oidc.entra.client_secret: unknown key"),
    ]:
        out = _check(_with_oidc(tmp_path, **provider), tmp_path, MONDAY_1004_SOFIA)
        assert out.returncode != 0
        assert expected in out.stderr, out.stderr
