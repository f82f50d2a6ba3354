"""A desk for customer noi at Monday 2026-11-23 10:04 Sofia, on each database backend."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import utc
from tests.harness import DeskHarness

MONDAY_1004_SOFIA = utc(2026, 11, 23, 8, 4)


@pytest.fixture
async def desk(noi_config, db_url: str) -> AsyncIterator[DeskHarness]:  # type: ignore[no-untyped-def]
    h = DeskHarness(noi_config, db_url, MONDAY_1004_SOFIA)
    yield h
    h.close()
