"""The console desk as a person runs it: the real ``dutydesk chat`` process, scripted through stdin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLES, pinned_clock


def _chat(db: Path, person: str, script: str, config: str = "noi.toml") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "--database", f"sqlite:///{db}", "chat",
         "--config", str(EXAMPLES / config), "--as", person],
        input=script, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, **pinned_clock(db.parent)},
    )


def test_a_scripted_session_files_acknowledges_resolves_and_confirms(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    filed = _chat(db, "ivana", "/incident urgent cucm Inbound calls fail for all operators\n")
    assert filed.returncode == 0, filed.stderr
    assert "NOI-2026-00001 регистриран" in filed.stdout
    assert "Реакция до" in filed.stdout
    eng = _chat(db, "georgi", "/ack NOI-2026-00001\n/arrive NOI-2026-00001 onsite\n"
                "/resolve NOI-2026-00001 Replaced the failed power supply\n")
    assert eng.returncode == 0, eng.stderr
    assert "е поет от Георги Иванов" in eng.stdout
    assert "е решен от Георги Иванов" in eng.stdout
    done = _chat(db, "ivana", "/confirm NOI-2026-00001\n/status NOI-2026-00001\n")
    assert done.returncode == 0, done.stderr
    for session in (filed, eng, done):  # the end of input lets the sweeper's running tick finish
        assert "Traceback" not in session.stderr and "ERROR" not in session.stderr, session.stderr
    assert "потвърден от Ивана Петрова и приключен" in done.stdout
    timeline = done.stdout.split("Хронология:")[1]
    for event in ("регистриран", "поет", "започната работа", "решен", "потвърден"):
        assert event in timeline
    assert "Replaced the failed power supply" in timeline


def test_an_unknown_person_is_refused_with_the_people_it_knows(tmp_path: Path) -> None:
    result = _chat(tmp_path / "d.db", "nobody", "/help\n")
    assert result.returncode == 2
    assert "there is no person 'nobody'" in result.stderr and "ivana" in result.stderr


def test_check_config_accepts_the_examples_and_names_a_bad_key(tmp_path: Path) -> None:
    for name in ("noi.toml", "hgp.toml"):
        ok = subprocess.run([sys.executable, "-m", "bot", "check-config", str(EXAMPLES / name)],
                            capture_output=True, text=True, check=False)
        assert ok.returncode == 0, ok.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text((EXAMPLES / "noi.toml").read_text(encoding="utf-8").replace('reaction = "30m"', 'reaction = "soon"'),
                   encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bot", "check-config", str(bad)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "customers.noi.categories.urgent.reaction" in result.stderr


def test_the_desk_process_starts_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    import signal

    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "--database", f"sqlite:///{tmp_path / 'run.db'}", "run", "--no-health", "--no-backups",
         "--config", str(EXAMPLES / "noi.toml")],
        stderr=subprocess.PIPE, text=True, env={**os.environ, **pinned_clock(tmp_path)},
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()  # blocks until the process says it is running
        assert "dutydesk running on sqlite" in line
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_reporter_is_offered_only_what_they_may_do_and_the_engineer_the_rest(tmp_path: Path) -> None:
    """ivana (reporter) used to see ``[Поемам: /ack …]`` under her own report, an action only engineers
    may take; georgi (engineer) still gets the button as the command to type."""
    db = tmp_path / "desk.db"
    filed = _chat(db, "ivana", "/incident urgent cucm Inbound calls fail for all operators\n")
    assert filed.returncode == 0, filed.stderr
    assert "NOI-2026-00001 регистриран" in filed.stdout
    assert "/ack" not in filed.stdout and "Поемам" not in filed.stdout
    engineer = _chat(db, "georgi", "/incident urgent uccx IVR does not answer\n")
    assert "[Поемам: /ack NOI-2026-00002]" in engineer.stdout
