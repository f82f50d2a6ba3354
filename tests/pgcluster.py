"""A PostgreSQL cluster of a test's own, which the test may stop and start (a database outage), never the
shared server on :5432: ``initdb`` in a temporary directory, ``pg_ctl`` on a free port of 127.0.0.1.

The server refuses to run as root, so as root the cluster belongs to the ``postgres`` user (``runuser``).
``available()`` says whether the binaries (``/usr/lib/postgresql/<version>/bin``) are here; a test without
them skips.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def _bin_dir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name)
                   if p.parent.parent.name.isdigit() else 0)
    return found[-1].parent if found else None


def available() -> bool:
    if _bin_dir() is None:
        return False
    return os.geteuid() != 0 or (shutil.which("runuser") is not None and _user_exists("postgres"))


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    bin: Path
    data: Path
    log: Path
    port: int
    as_postgres: bool

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 120) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, timeout=timeout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> None:
        """Start the server and wait until it takes connections (``pg_ctl -w``)."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "120", "-o",
                  f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='{self.data}' "
                  "-c fsync=off -c full_page_writes=off", "start")

    def stop(self) -> None:
        """Stop it as an administrator's fast shutdown does: sessions are ended, connections refused."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


@contextmanager
def temporary_cluster() -> Iterator[Cluster]:
    """A new cluster, started; stopped and removed afterwards."""
    bin_dir = _bin_dir()
    assert bin_dir is not None, "no PostgreSQL binaries under /usr/lib/postgresql"
    root = Path(tempfile.mkdtemp(prefix="dutydesk-pg-"))
    as_postgres = os.geteuid() == 0
    if as_postgres:
        shutil.chown(root, "postgres", "postgres")
    cluster = Cluster(bin_dir, root / "data", root / "server.log", _free_port(), as_postgres)
    try:
        cluster._run("initdb", "-D", str(cluster.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):  # already stopped
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
