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


@pytest.mark.usefixtures("pinned_environment_clock")
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


# -- the edges an attacker tries (issue 22) ------------------------------------------------------------
async def test_json_nested_ten_thousand_deep_is_a_bad_request_not_a_crash(served: Served) -> None:
    deep = b'{"text": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    assert len(deep) < MAX_BODY
    r = await served.http.post("/api/v1/commands", content=deep,
                               headers={"Authorization": f"Bearer {TOKENS['noi-monitoring']}"})
    assert (r.status_code, r.json()["text"]) == (400, t("bg", "api.bad_json"))


async def test_a_rate_limited_command_is_429_with_retry_after(served: Served) -> None:
    # ivana (api:noi-monitoring) is a reporter: 20 commands a minute
    answers = [await served.post({"text": "/incidents"}) for _ in range(21)]
    assert [a.status_code for a in answers[:20]] == [200] * 20
    late = answers[20]
    assert late.status_code == 429 and late.json()["ok"] is False
    assert 1 <= int(late.headers["retry-after"]) <= 60


async def test_failed_authentication_is_limited_per_source(served: Served) -> None:
    statuses = [(await served.post({"text": "/incidents"}, token=f"wrong-{n}")).status_code for n in range(12)]
    assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]
    refused = await served.post({"text": "/incidents"}, token="wrong-again")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    # even the right token waits: a source that guesses is slowed down whatever it sends next
    assert (await served.post({"text": "/incidents"})).status_code == 429
    served.harness.advance(minutes=1)  # the desk's clock refills the bucket
    assert (await served.post({"text": "/incidents"})).status_code == 200


async def test_the_same_idempotency_key_with_another_body_is_refused(served: Served) -> None:
    a = await served.post({"text": "/incident urgent cucm Calls fail"}, key="alert-9")
    assert a.status_code == 200 and a.json()["control_number"] == "NOI-2026-00001"
    b = await served.post({"text": "/incident urgent crm CRM is down"}, key="alert-9")
    assert b.status_code == 422 and b.json()["ok"] is False
    assert "Idempotency-Key" in b.json()["text"] and b.json()["control_number"] is None
    again = await served.post({"text": "/incident urgent cucm Calls fail"}, key="alert-9")
    assert again.status_code == 200 and again.json() == a.json()
    assert served.harness.db.read_sync(lambda s: s.execute(text("SELECT count(*) FROM incident")).scalar()) == 1


async def test_a_slash_after_healthz_never_redirects_to_the_host_header(served: Served) -> None:
    r = await served.http.get("/healthz/", headers={"Host": "evil.example"}, follow_redirects=False)
    location = r.headers.get("location", "")
    assert "evil.example" not in location
    assert r.status_code == 404 or (r.status_code in (301, 302, 307, 308) and location.startswith("/"))


def test_metrics_stay_off_a_public_port_unless_a_token_guards_them() -> None:
    from bot.settings import OpsSettings

    def where(**env: str) -> tuple[bool, int | None]:
        s = OpsSettings.read({"DUTYDESK_HTTP_PORT": "8080", **env})
        return s.metrics_on_http_port, s.metrics_port

    assert where() == (True, None)  # loopback only, the default
    assert where(DUTYDESK_HTTP_HOST="0.0.0.0") == (False, None)  # public: not served at all
    assert where(DUTYDESK_HTTP_HOST="0.0.0.0", DUTYDESK_METRICS_TOKEN="m" * 24) == (True, None)
    assert where(DUTYDESK_HTTP_HOST="0.0.0.0", DUTYDESK_METRICS_PORT="9100") == (False, 9100)
    assert OpsSettings.read({"DUTYDESK_METRICS_PORT": "9100"}).metrics_host == "127.0.0.1"
    for bad in ({"DUTYDESK_METRICS_TOKEN": "short"}, {"DUTYDESK_METRICS_PORT": "x"}):
        with pytest.raises(ValueError, match="DUTYDESK_METRICS_"):
            OpsSettings.read(bad)


async def test_metrics_want_the_bearer_token_or_live_on_their_own_port(served: Served) -> None:
    h = served.harness
    metrics = OpsMetrics(h.db, h.clock.now, h.app.config.customers)
    guarded = OpsServer("127.0.0.1", 0, served.readiness, metrics, served.intake, metrics_token="m" * 24)
    public = OpsServer("127.0.0.1", 0, served.readiness, metrics, served.intake, metrics_here=False)
    own = OpsServer("127.0.0.1", 0, served.readiness, metrics, None, probes_here=False)
    for server in (guarded, public, own):
        await server.start()
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            url = f"http://127.0.0.1:{guarded.port}/metrics"
            assert (await http.get(url)).status_code == 401
            assert (await http.get(url, headers={"Authorization": "Bearer wrong"})).status_code == 401
            ok = await http.get(url, headers={"Authorization": f"Bearer {'m' * 24}"})
            assert ok.status_code == 200 and "dutydesk_incidents" in ok.text
            assert (await http.get(f"http://127.0.0.1:{public.port}/metrics")).status_code == 404
            assert (await http.get(f"http://127.0.0.1:{public.port}/healthz")).status_code == 200
            assert (await http.get(f"http://127.0.0.1:{own.port}/metrics")).status_code == 200
            assert (await http.get(f"http://127.0.0.1:{own.port}/healthz")).status_code == 404
            assert (await http.post(f"http://127.0.0.1:{own.port}/api/v1/commands", json={})).status_code == 404
    finally:
        for server in (guarded, public, own):
            await server.stop()
