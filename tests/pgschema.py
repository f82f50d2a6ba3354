"""A fresh PostgreSQL schema for one test or benchmark run, dropped afterwards."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

LOCAL_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"  # this machine's server (trust auth)


def local_pg_reachable() -> bool:
    """Whether the local PostgreSQL server answers on 127.0.0.1:5432 (benchmarks use it when it does)."""
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
        return True
    except OSError:
        return False


@contextmanager
def temporary_schema(base_url: str, prefix: str = "bench") -> Iterator[str]:
    """Yields ``base_url`` with its search_path set (libpq ``options``) to a new schema, so every
    connection of every process given the URL works in it."""
    import sqlalchemy as sa

    from storage.db import normalise_url

    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(normalise_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield f"{base_url}{'&' if '?' in base_url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()
