"""Alembic environment: uses the engine handed in by storage.migrate (or the URL in the config)."""

from __future__ import annotations

import importlib
import pkgutil

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import storage

# Every storage/models*.py module registers its tables on SQLModel.metadata.
for _info in pkgutil.iter_modules(storage.__path__):
    if _info.name.startswith("models"):
        importlib.import_module(f"storage.{_info.name}")

config = context.config
target_metadata = SQLModel.metadata


def run_migrations() -> None:
    engine = config.attributes.get("engine") or create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations()
