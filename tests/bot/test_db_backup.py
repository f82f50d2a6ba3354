"""``dutydesk db backup``: an online SQLite copy that is one committed state of the register, taken while
the desk writes; refusal to overwrite; the pg_dump advice on PostgreSQL (never a pretend backup)."""

from __future__ import annotations

import asyncio
import re
import shutil
import sqlite3
import subprocess
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import run
from tests.conftest import PG_URL, utc
from tests.harness import DeskHarness

NUMBER = re.compile(r"NOI-2026-\d{5}")


def _numbers(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT control_number FROM incident ORDER BY seq")]
    finally:
        conn.close()


def test_backup_while_the_desk_writes_is_one_committed_state(noi_config, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    h = DeskHarness(noi_config.without_rate_limits(), url, utc(2026, 11, 23, 8, 4))
    committed: list[str] = []  # numbers whose reply came back, i.e. committed
    stop = threading.Event()
    failures: list[str] = []

    async def reporters() -> None:
        async def reporter(r: int) -> None:
            i = 0
            while not stop.is_set():
                reply = await h.say("ivana", f"/incident urgent cucm Calls fail {r}-{i}", delivery_id=f"{r}-{i}")
                i += 1
                m = NUMBER.search(reply.text)
                if reply.is_error or m is None:
                    failures.append(reply.text)
                    return
                committed.append(m.group(0))
        await asyncio.gather(*(reporter(r) for r in range(4)))

    writer = threading.Thread(target=lambda: asyncio.run(reporters()))
    writer.start()
    try:
        while len(committed) < 40 and writer.is_alive():
            threading.Event().wait(0.01)
        before = set(committed)
        target = tmp_path / "copy.db"
        code = run(["--database", url, "db", "backup", "--to", str(target)])
        while len(committed) < len(before) + 20 and writer.is_alive():  # the desk went on writing
            threading.Event().wait(0.01)
    finally:
        stop.set()
        writer.join(timeout=60)
        h.close()
    assert not failures
    assert code == 0
    copied = _numbers(target)
    final = _numbers(tmp_path / "desk.db")
    assert before <= set(copied)  # every incident committed before the backup began is in the copy
    assert copied == final[: len(copied)] and len(final) > len(copied) >= len(before)  # a prefix: one state
    assert copied == [f"NOI-2026-{i:05d}" for i in range(1, len(copied) + 1)]  # gapless
    conn = sqlite3.connect(target)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
        # each report's transaction is in the copy whole: its three clocks and its timeline event
        assert conn.execute("SELECT count(*) FROM sla_clock").fetchone()[0] == 3 * len(copied)
        assert conn.execute("SELECT count(*) FROM timeline_event WHERE kind = 'registered'").fetchone()[0] == len(copied)
    finally:
        conn.close()
    assert f"integrity ok, {len(copied)} incidents" in capsys.readouterr().out
    assert not list(tmp_path.glob(".copy.db.partial-*"))


def _small_db(tmp_path: Path, noi_config) -> str:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    h = DeskHarness(noi_config, url, utc(2026, 11, 23, 8, 4))
    asyncio.run(h.say("ivana", "/incident urgent cucm Calls fail"))
    h.close()
    return url


def test_refuses_to_overwrite_unless_forced(noi_config, tmp_path: Path,  # type: ignore[no-untyped-def]
                                            capsys: pytest.CaptureFixture[str]) -> None:
    url = _small_db(tmp_path, noi_config)
    target = tmp_path / "copy.db"
    target.write_bytes(b"yesterday's backup")
    assert run(["--database", url, "db", "backup", "--to", str(target)]) == 2
    assert "exists; give --force" in capsys.readouterr().err
    assert target.read_bytes() == b"yesterday's backup"
    assert run(["--database", url, "db", "backup", "--to", str(target), "--force"]) == 0
    assert _numbers(target) == ["NOI-2026-00001"]


def test_no_database_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.db"
    assert run(["--database", f"sqlite:///{missing}", "db", "backup", "--to", str(tmp_path / "b.db")]) == 2
    assert not missing.exists() and not (tmp_path / "b.db").exists()


def test_postgresql_gets_the_pg_dump_command_without_the_password(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "desk.dump"
    url = "postgresql://desk:s3cr%40t@db.example:5433/dutydesk?sslmode=require"
    assert run(["--database", url, "db", "backup", "--to", str(target)]) == 3
    err = capsys.readouterr().err
    assert f"pg_dump --format=custom --file={target} --dbname=" in err
    assert "'postgresql://desk@db.example:5433/dutydesk?sslmode=require'" in err
    assert "s3cr" not in err and "psycopg" not in err
    assert not target.exists()


@pytest.fixture
def own_pg_database() -> Iterator[str]:
    """A database of its own (the shared test database's other schemas come and go while pg_dump reads)."""
    assert PG_URL
    import sqlalchemy as sa

    name = f"dd_backup_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    yield str(sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE {name}")
    admin.dispose()


@pytest.mark.skipif(not PG_URL or not shutil.which("pg_dump"), reason="PostgreSQL or pg_dump not available")
def test_the_advised_pg_dump_command_works(noi_config, own_pg_database: str, tmp_path: Path,  # type: ignore[no-untyped-def]
                                           capsys: pytest.CaptureFixture[str]) -> None:
    h = DeskHarness(noi_config, own_pg_database, utc(2026, 11, 23, 8, 4))
    asyncio.run(h.say("ivana", "/incident urgent cucm Calls fail"))
    h.close()
    target = tmp_path / "desk.dump"
    assert run(["--database", own_pg_database, "db", "backup", "--to", str(target)]) == 3
    command = next(line.strip() for line in capsys.readouterr().err.splitlines() if line.strip().startswith("pg_dump "))
    subprocess.run(command, shell=True, check=True, timeout=120)
    assert target.read_bytes().startswith(b"PGDMP")  # the custom format's magic
    listing = subprocess.run(["pg_restore", "--list", str(target)], capture_output=True, text=True, check=True)
    assert "TABLE DATA public incident" in listing.stdout
