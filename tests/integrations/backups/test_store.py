"""Text configurations and the artifact store: volatile lines, masking, git versions, retention."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from commands.backups.domain.config import DEFAULT_SECRET_PATTERNS, DEFAULT_VOLATILE_PATTERNS
from integrations.backups.store import BackupStore
from integrations.backups.textconfig import compose, mask_line, strip_volatile, unified_diff

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)

RUNNING = """Building configuration...

Current configuration : 1843 bytes
!
! Last configuration change at 10:11:12 EET Mon Nov 23 2026 by admin
! NVRAM config last updated at 10:11:20 EET Mon Nov 23 2026 by admin
!
version 15.7
hostname gw1
!
enable secret 5 $1$mERr$hx5rVt7rPNoS4wqbXKX7m0
username backup privilege 15 secret 9 $9$abcdefghijklmn
!
snmp-server community n0iPublic RO
ntp clock-period 17179843
ntp server 10.0.0.1
!
voice-port 0/0/0:15
 description PSTN E1
end
"""


def test_volatile_lines_are_dropped_as_oxidized_does() -> None:
    text = strip_volatile(RUNNING, DEFAULT_VOLATILE_PATTERNS)
    assert "Current configuration" not in text
    assert "Building configuration" not in text
    assert "ntp clock-period" not in text
    assert "Last configuration change" not in text
    assert "ntp server 10.0.0.1" in text and "hostname gw1" in text


def test_compose_keeps_show_version_as_comments_without_uptime() -> None:
    version = "Cisco IOS Software, C2900 Software (C2900-UNIVERSALK9-M), Version 15.7(3)M8\ngw1 uptime is 3 weeks, 2 days\n"
    text = compose([(version, True), (RUNNING, False)], DEFAULT_VOLATILE_PATTERNS)
    assert text.startswith("! Cisco IOS Software, C2900 Software")
    assert "uptime" not in text
    assert text.endswith("end\n")


@pytest.mark.parametrize(("line", "masked"), [
    ("enable secret 5 $1$mERr$hx5r", "enable secret <masked>"),
    ("snmp-server community n0iPublic RO", "snmp-server community <masked>"),
    (" password 7 0822455D0A16", " password <masked>"),
    ("crypto isakmp key S3cr3t address 10.1.1.1", "crypto isakmp key <masked>"),
    ("hostname gw1", "hostname gw1"),
    ("keyboard-layout us", "keyboard-layout us"),  # "key" only as a word
])
def test_secret_lines_are_masked(line: str, masked: str) -> None:
    assert mask_line(line, DEFAULT_SECRET_PATTERNS) == masked


def test_diff_masks_secrets_but_shows_that_they_changed() -> None:
    old = strip_volatile(RUNNING, DEFAULT_VOLATILE_PATTERNS)
    new = old.replace("n0iPublic", "n3wPublic").replace("ntp server 10.0.0.1", "ntp server 10.0.0.2")
    diff = unified_diff(old, new, name="gw1.cfg", secret_patterns=DEFAULT_SECRET_PATTERNS)
    assert "-ntp server 10.0.0.1" in diff and "+ntp server 10.0.0.2" in diff
    assert "-snmp-server community <masked>" in diff and "+snmp-server community <masked>" in diff
    assert "n0iPublic" not in diff and "n3wPublic" not in diff and "$1$mERr" not in diff


def test_git_versions_each_change_once(tmp_path: Path) -> None:
    store = BackupStore(tmp_path)
    text = strip_volatile(RUNNING, DEFAULT_VOLATILE_PATTERNS)
    v1 = store.version("noi", "gw1", text, at=T0, message="gw1: run 1", secret_patterns=DEFAULT_SECRET_PATTERNS)
    assert v1.changed and v1.first and v1.diff == ""
    v2 = store.version("noi", "gw1", text, at=T0 + timedelta(days=1), message="gw1: run 2")
    assert not v2.changed and v2.commit == v1.commit
    changed = text.replace("enable secret 5 $1$mERr$hx5rVt7rPNoS4wqbXKX7m0", "enable secret 5 $1$NEW$zzz")
    v3 = store.version("noi", "gw1", changed, at=T0 + timedelta(days=2), message="gw1: run 3",
                       secret_patterns=DEFAULT_SECRET_PATTERNS)
    assert v3.changed and not v3.first
    assert "-enable secret <masked>" in v3.diff and "+enable secret <masked>" in v3.diff
    assert "$1$NEW" not in v3.diff
    # another target in the same repository does not disturb this one's history
    store.version("noi", "gw2", "hostname gw2\n", at=T0 + timedelta(days=3), message="gw2: run 4")
    assert store.history("noi", "gw1") == [v3.commit, v1.commit]
    assert store.text_at("noi", "gw1") == changed  # the stored text keeps the secret: it must be restorable
    last = store.last_change("noi", "gw1", DEFAULT_SECRET_PATTERNS)
    assert last is not None and last.commit == v3.commit and last.diff == v3.diff
    assert last.at == T0 + timedelta(days=2)
    # an ordinary git can read it
    log = subprocess.run(["git", "--git-dir", str(store.repo_path("noi")), "log", "--format=%s"],
                         capture_output=True, text=True, check=True).stdout.split("\n")
    assert log[:3] == ["gw2: run 4", "gw1: run 3", "gw1: run 1"]


def _make_runs(store: BackupStore, n: int, every: timedelta) -> list[int]:
    ids = []
    for i in range(1, n + 1):
        work = store.workdir("noi", "crm", i)
        (work / "crm.bak").write_bytes(b"x" * i)
        store.keep(work, T0 + every * i, i)
        ids.append(i)
    return ids


def test_keep_writes_size_and_checksum(tmp_path: Path) -> None:
    store = BackupStore(tmp_path)
    work = store.workdir("noi", "cucm", 7)
    (work / "a.tar").write_bytes(b"hello")
    art = store.keep(work, T0, 7)
    assert art.size == 5 and art.files == ("a.tar",)
    assert art.sha256 == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    assert Path(art.location).name == "20261123T020000Z-r7" and not work.exists()


def test_retention_keep_last(tmp_path: Path) -> None:
    store = BackupStore(tmp_path)
    _make_runs(store, 6, timedelta(days=1))
    deleted = store.prune("noi", "crm", T0 + timedelta(days=7), keep_last=3, keep_days=None)
    assert deleted == [1, 2, 3]
    assert [r[1] for r in store.runs("noi", "crm")] == [4, 5, 6]


def test_retention_keep_days_or_last(tmp_path: Path) -> None:
    store = BackupStore(tmp_path)
    _make_runs(store, 10, timedelta(days=1))  # runs 1..10 on days 1..10
    now = T0 + timedelta(days=10, hours=1)
    # younger than 4 days: 7, 8, 9, 10; the newest 2 are among them; run 6 is exactly 4 days + 1h old
    assert store.prune("noi", "crm", now, keep_last=2, keep_days=4) == [1, 2, 3, 4, 5, 6]
    assert [r[1] for r in store.runs("noi", "crm")] == [7, 8, 9, 10]
    # keep_last wins where it keeps more
    assert store.prune("noi", "crm", now, keep_last=3, keep_days=1) == [7]


def test_retention_never_deletes_the_newest(tmp_path: Path) -> None:
    store = BackupStore(tmp_path)
    _make_runs(store, 3, timedelta(days=1))
    assert store.prune("noi", "crm", T0 + timedelta(days=100), keep_last=None, keep_days=7) == [1, 2]
    assert [r[1] for r in store.runs("noi", "crm")] == [3]


def test_retention_ignores_unfinished_and_foreign_entries(tmp_path: Path) -> None:
    store = BackupStore(tmp_path)
    _make_runs(store, 2, timedelta(days=1))
    store.workdir("noi", "crm", 3)  # still running
    (store.target_dir("noi", "crm") / "README").write_text("kept by the customer")
    assert store.prune("noi", "crm", T0 + timedelta(days=30), keep_last=1, keep_days=None) == [1]
    names = sorted(p.name for p in store.target_dir("noi", "crm").iterdir())
    assert names == [".tmp-r3", "20261125T020000Z-r2", "README"]


def test_a_secret_value_containing_a_keyword_is_still_hidden() -> None:
    assert mask_line("snmp-server community n3wSecret RO", DEFAULT_SECRET_PATTERNS) == "snmp-server community <masked>"
    assert mask_line("username admin password MyKeyPassword", DEFAULT_SECRET_PATTERNS) == "username admin password <masked>"
