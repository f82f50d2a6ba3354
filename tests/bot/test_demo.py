"""``dutydesk demo``: the desk with simulated customer systems on 127.0.0.1. ``--fast`` tells the whole
story as a real process in seconds, under the socket guard (tests/netguard.py): nothing outside
127.0.0.0/8 is tried. The demo keeps its own clock (Monday 2026-11-30 from 10:00 in Sofia): it runs with a
DUTYDESK_CLOCK_FILE that does not exist, so it leans neither on a test's clock nor on today."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bot.demo.config import demo_config, demo_raw
from commands.domain.placeholders import placeholders
from tests.netguard import ENV as NETGUARD_ENV

ROOT = Path(__file__).resolve().parents[2]
NO_CLOCK_FILE = "/nonexistent/the-demo-keeps-its-own-clock"  # a process that read it would refuse to start


def _demo(tmp_path: Path, *args: str, stdin: str = "") -> tuple[subprocess.CompletedProcess[str], float, str]:
    log = tmp_path / "netguard.log"
    log.write_text("", encoding="utf-8")
    env = {**os.environ, NETGUARD_ENV: str(log), "DUTYDESK_CLOCK_FILE": NO_CLOCK_FILE}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "tests.netguard", "demo", *args], input=stdin, env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    return done, time.monotonic() - started, log.read_text(encoding="utf-8")


def test_demo_fast_tells_the_whole_story_and_contacts_nothing(tmp_path: Path) -> None:
    done, seconds, refused = _demo(tmp_path, "--fast")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert seconds < 60, seconds
    assert refused == ""
    assert "Traceback" not in done.stderr, done.stderr
    out = done.stdout
    story = [
        "Вие сте Георги Иванов. Демо времето започва в 2026-11-30 10:00",
        "── 10:01 история: CallRec спира да записва разговори",
        "── 10:02 история: гласовият шлюз 2 спира да отговаря на SIP OPTIONS",
        "[до инженерите] VGW-2 НЕ РАБОТИ — gw2_sip: no answer within 1s",  # after two silent OPTIONS
        "── 10:05 история: гласовият шлюз 2 отново отговаря",
        "[до инженерите] VGW-2 отново работи — gw2_sip: SIP 200 OK",  # after two good answers
        "[до инженерите] CallRec НЕ РАБОТИ — callrec_recording: newest recording is 7 min old (limit 5 min)",
        "Инцидент: NOI-2026-00001",
        "[до канала на клиента] NOI-2026-00001 · регистриран · спешен · CallRec",
        "[до Георги Иванов] Нов инцидент NOI-2026-00001",  # the on-call engineer (primary) is paged
        "[до Петър Стоянов] Нов инцидент NOI-2026-00001",  # five minutes on, nobody took it: the secondary too
        "── 10:15 история: планираното архивиране на шлюз 1 започва",
        "[до инженерите] gw1: конфигурацията е променена (+6 −1)",
        "+dial-peer voice 300 voip",
        "── 10:20 история: време е за дневното обобщение",
        "[до канала на клиента] Дневна справка · НОИ — контактен център · 2026-11-30",
        "10:03 · VGW-2 · up → down",
        "10:06 · VGW-2 · down → up",
        "── 10:21 историята свърши.",
    ]
    at = 0
    for line in story:
        found = out.find(line, at)
        assert found >= 0, f"{line!r} missing (in order) from:\n{out}"
        at = found
    assert out.count("VGW-2 НЕ РАБОТИ") == 1  # one alert for the outage, not one per failed probe
    # the simulated systems' secrets never show: the SNMP community changed is masked in the diff
    assert "demo-gw-pass" not in out and "n0iPriv8te" not in out and "n0iPublic" not in out
    assert "-snmp-server community <masked>" in out


def test_demo_types_into_the_console_desk_against_the_simulated_systems(tmp_path: Path) -> None:
    done, _, refused = _demo(tmp_path, "--as", "maria", stdin="/health\n/oncall\n")
    out = done.stdout
    assert done.returncode == 0, out[-3000:] + done.stderr[-3000:]
    assert refused == ""
    assert "Вие сте Мария Димитрова" in out, out
    assert "> /health" in out
    for label in ("CUCM", "UCCX", "CallRec", "CRM", "VGW-1", "VGW-2", "Integration", "Phones"):
        assert label in out.split("> /health", 1)[1], out
    assert "> /oncall" in out and "Георги Иванов" in out.split("> /oncall", 1)[1], out


def test_an_unknown_person_is_refused_before_anything_starts(tmp_path: Path) -> None:
    done, _, refused = _demo(tmp_path, "--as", "<!channel>")
    assert done.returncode == 2
    assert "there is no person '<!channel>' in the demo; people: ivana, georgi, petar, maria" in done.stderr
    assert refused == ""


def test_the_demo_config_is_noi_s_contract_with_every_host_on_loopback(tmp_path: Path) -> None:
    raw = demo_raw()
    ports = {8443: 40001, 8445: 40002, 8080: 40003, 5555: 40004, 8081: 40005, 5060: 40006, 5062: 40007,
             2201: 40008, 2202: 40009}
    config = demo_config(ports, tmp_path, raw)
    noi = config.customers["noi"]
    assert noi.categories["urgent"].target("reaction") == "30m"  # noi's SLA table, kept
    assert set(noi.escalation) == {"urgent", "pressing", "default"}
    assert set(config.people) == {"ivana", "georgi", "petar", "maria"}
    assert placeholders(config) == []  # nothing of the example's documentation addresses is left
    assert noi.checks["cucm_axl"].url == "http://127.0.0.1:40001"  # type: ignore[union-attr]
    assert noi.checks["gw2_sip"].port == 40007  # type: ignore[union-attr]
    assert noi.backups["gw1"].port == 40008  # type: ignore[union-attr]
    assert noi.backups["gw1"].known_hosts == f"{tmp_path}/known_hosts"  # type: ignore[union-attr]
    assert config.desk.data_dir == str(tmp_path)
    assert "cucm_cert" not in noi.checks and "callrec" not in noi.backups  # demo.toml replaces them whole
    hosts = {getattr(c, "host", None) for c in [*noi.checks.values(), *noi.backups.values()]} - {None}
    assert hosts == {"127.0.0.1"}
