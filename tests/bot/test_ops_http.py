"""The operations server in-process: readiness names what is not ready; the intake's refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import text

from bot.api_intake import MAX_BODY, CommandIntake, parse_tokens
from bot.app import build_app
from bot.metrics import OpsMetrics
from bot.ops_http import OpsServer
from bot.readiness import Readiness
from commands.domain.i18n.catalog import t
from tests.conftest import utc
from tests.harness import DeskHarness

TOKENS = {"noi-monitoring": "tok-noi-1234567890", "hgp-monitoring": "tok-hgp-1234567890", "nobody": "tok-x-123"}


@dataclass
class Served:
    harness: DeskHarness
    readiness: Readiness
    intake: CommandIntake
    http: httpx.AsyncClient
    closing: list[bool]

    async def post(self, body: object, *, token: str | None = TOKENS["noi-monitoring"],
                   key: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if key is not None:
            headers["Idempotency-Key"] = key
        return await self.http.post("/api/v1/commands", json=body, headers=headers)


@pytest.fixture
async def served(noi_config, hgp_config, db_url: str) -> AsyncIterator[Served]:  # type: ignore[no-untyped-def]
    config = noi_config.model_copy(update={"customers": {**noi_config.customers, **hgp_config.customers},
                                           "people": {**noi_config.people, **hgp_config.people}})
    h = DeskHarness(config, db_url, utc(2026, 11, 23, 8, 4))
    h.db.start_writer()
    closing = [False]
    readiness = Readiness(h.db, expected_transports=["slack"])
    intake = CommandIntake(h.app.desk, h.app.services.directory, TOKENS, lambda: closing[0])
    server = OpsServer("127.0.0.1", 0, readiness, OpsMetrics(h.db, h.clock.now, config.customers), intake)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}", timeout=30) as http:
            yield Served(h, readiness, intake, http, closing)
    finally:
        await server.stop()
        h.close()


async def test_readiness_names_what_is_not_ready(served: Served) -> None:
    r = await served.http.get("/readyz")
    assert r.status_code == 503 and r.json() == {"status": "not ready", "problems": {"transports": "not started: slack"}}
    served.readiness.started.add("slack")
    assert (await served.http.get("/readyz")).status_code == 200
    served.readiness.shutting_down = True
    r = await served.http.get("/readyz")
    assert r.status_code == 503 and set(r.json()["problems"]) == {"shutdown"}
    assert (await served.http.get("/healthz")).json() == {"status": "ok"}  # alive all the same


async def test_readiness_wants_the_schema_at_head_and_the_writer_alive(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.settings import load_config
    from tests.conftest import EXAMPLES

    app = build_app(load_config(EXAMPLES / "noi.toml"), f"sqlite:///{tmp_path / 'old.db'}", migrate=False)
    try:
        from storage.migrate import upgrade

        upgrade(app.db.engine, "0001")  # the register only: the areas' branches are missing
        problems = await Readiness(app.db).check()
        assert set(problems) == {"schema", "writer"}
        assert "b0001" in problems["schema"] and "h0001" in problems["schema"]
        app.db.upgrade()
        app.db.start_writer()
        assert await Readiness(app.db).check() == {}
    finally:
        app.close()


async def test_the_intake_files_once_per_idempotency_key_and_per_caller(served: Served) -> None:
    a = await served.post({"text": "/incident urgent cucm Calls fail"}, key="alert-7")
    b = await served.post({"text": "/incident urgent cucm Calls fail"}, key="alert-7")
    assert a.status_code == b.status_code == 200 and a.json() == b.json()
    assert a.json()["control_number"] == "NOI-2026-00001"
    # the same key from another caller is another request (keys are each caller's own)
    c = await served.post({"text": "/incident 1 crm CRM is down"}, token=TOKENS["hgp-monitoring"], key="alert-7")
    assert c.status_code == 200, c.text
    assert c.json()["control_number"].startswith("HGP-")
    assert served.harness.db.read_sync(lambda s: s.execute(text("SELECT count(*) FROM incident")).scalar()) == 2


async def test_the_intake_refuses_in_the_callers_language(served: Served) -> None:
    r = await served.post({"text": "/incident critical nothing Calls fail"}, token=TOKENS["hgp-monitoring"])
    assert r.status_code == 422 and r.json()["ok"] is False
    assert r.json()["text"].startswith("مؤلفهٔ ناشناخته nothing.")  # sara (api:hgp-monitoring) reads Persian
    bad = await served.http.post("/api/v1/commands", content=b"[1, 2]",
                                 headers={"Authorization": f"Bearer {TOKENS['noi-monitoring']}"})
    assert (bad.status_code, bad.json()["text"]) == (400, t("bg", "api.bad_json"))


async def test_the_intake_refusals_before_the_desk(served: Served) -> None:
    assert (await served.post({"text": "/incidents"}, token=None)).status_code == 401
    assert (await served.post({"text": "/incidents"}, token="tok-noi-1234567890x")).status_code == 401
    nobody = await served.post({"text": "/incidents"}, token=TOKENS["nobody"])
    assert nobody.status_code == 403 and "api:nobody" in nobody.json()["text"]
    assert (await served.post({"text": 42})).status_code == 400
    assert (await served.post({"text": "   "})).status_code == 400
    assert (await served.post({"text": "/incidents"}, key="k" * 200)).status_code == 400
    assert (await served.post({"text": "/incidents"}, key="with space")).status_code == 400
    big = await served.post({"text": "/note NOI-2026-00001 " + "x" * MAX_BODY})
    assert (big.status_code, big.json()["text"]) == (413, t("bg", "api.too_large", limit=MAX_BODY))
    served.closing[0] = True
    late = await served.post({"text": "/incidents"})
    assert late.status_code == 503 and late.headers["retry-after"] == "5"
    # none of these reached the register
    assert served.harness.db.read_sync(lambda s: s.execute(text("SELECT count(*) FROM delivery")).scalar()) == 0


def test_tokens_come_as_name_colon_token_pairs() -> None:
    assert parse_tokens("") == {}
    assert parse_tokens("a:1, b-2:x:y") == {"a": "1", "b-2": "x:y"}
    for bad in ("a", "a:", ":x", "a:1,a:2", "a b:1"):
        with pytest.raises(ValueError):
            parse_tokens(bad)
