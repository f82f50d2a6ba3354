"""The web application in a real browser: Debian's headless Chromium driven by chromedriver through
Selenium, against the desk's operations HTTP server (bot/ops_http.OpsServer) serving the pages, with the
console desk and the outbox dispatcher running beside it in one event loop.

A reporter signs in through the link a chat DM delivered (/web typed in the console; the dispatcher prints
the DM), reports, finds the incident in the register, and confirms the fix; an engineer watches the board
update by itself when they acknowledge in the console; the Persian pages are right to left. Screenshots
of the main pages go to docs/ (docs/web.md shows them).

Chromium is kept on this machine: every host name but 127.0.0.1 resolves to nothing
(``--host-resolver-rules``), and its background services (updates, sync, safe browsing) are off.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import shutil
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_app
from bot.dispatcher import Dispatcher
from bot.metrics import OpsMetrics
from bot.ops_http import OpsServer
from bot.readiness import Readiness
from commands.domain.clock import FakeClock
from integrations.chat.console import ConsoleNotifier, run_console
from integrations.web.app import WebApp
from tests.conftest import ROOT
from tests.integrations.web.rig import CONSOLE, MONDAY_1004_SOFIA
from tests.two_customers import two_customer_config

pytest.importorskip("selenium", reason="selenium is not installed (pip install -e .[dev])")
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="chromium and chromedriver are not installed")
DOCS = ROOT / "docs"
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/signin/[A-Za-z0-9_-]+)")


class LiveDesk:
    """The desk with its pages on a real HTTP server, in a thread of its own (Selenium blocks)."""

    def __init__(self, db_url: str) -> None:
        self.clock = FakeClock(MONDAY_1004_SOFIA)
        self.app = build_app(two_customer_config(), db_url, clock=self.clock)
        self.out = io.StringIO()
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        port = _free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.app.services.web_url = self.base  # DUTYDESK_PUBLIC_URL
        self.ops = OpsServer("127.0.0.1", port, Readiness(self.app.db),
                             OpsMetrics(self.app.db, self.clock.now, self.app.config.customers), None,
                             pages=WebApp(self.app.desk, self.base, poll_seconds=1).routes())
        self.call(self._start())

    async def _start(self) -> None:
        self.app.db.start_writer()
        await self.ops.start()
        self.dispatcher = Dispatcher(self.app.db, self.clock, [ConsoleNotifier(None, self.out)], self.app.config)

    def call(self, coro: Any) -> Any:
        fut: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return fut.result(timeout=60)

    def console(self, person: str, *lines: str) -> str:
        """Lines typed in the console desk as ``person``; then the dispatcher delivers what they queued."""
        out = io.StringIO()
        self.call(run_console(self.app.desk, person, stdin=io.StringIO("".join(f"{x}\n" for x in lines)),
                              stdout=out, channel=CONSOLE[person]))
        self.call(self.dispatcher.tick())
        return out.getvalue()

    def dm_link(self, person: str) -> str:
        before = len(self.out.getvalue())
        self.console(person, "/web")
        found = LINK.findall(self.out.getvalue()[before:])
        assert len(found) == 1, self.out.getvalue()[before:]
        return str(found[0])

    def close(self) -> None:
        self.call(self.ops.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.app.close()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveDesk]:
    desk = LiveDesk(f"sqlite:///{tmp_path / 'desk.db'}")
    yield desk
    desk.close()


def _browser(width: int = 1200, height: int = 900) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager never downloads anything: the paths are given
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or ""
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-default-apps", "--disable-extensions", "--metrics-recording-only",
                "--disable-client-side-phishing-detection", "--disable-features=Translate,OptimizationHints,"
                "MediaRouter,DialMediaRouteProvider,AutofillServerCommunication,CertificateTransparencyComponentUpdater",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", f"--window-size={width},{height}",
                "--lang=en-US"):
        options.add_argument(arg)
    # The any-day runs (bin/test) preload libfaketime into every process; Chromium under it never finishes
    # loading a page (a navigation timed out after 120 s). The browser needs no fake clock: the desk's
    # clock is its file clock and the pages show what the desk renders, so the driver and the browser
    # start without it.
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER or "", env=env), options=options)


@pytest.fixture
def browsers() -> Iterator[list[Any]]:
    opened: list[Any] = []
    yield opened
    for b in opened:
        b.quit()


def _sign_in(driver: Any, link: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(link)
    driver.find_element(By.ID, "signin").click()


def _wait(driver: Any, condition: Any, timeout: float = 20) -> Any:
    """Until ``condition`` holds (bounded): a page being replaced, or the board's rows being swapped,
    may be caught half way."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.2,
                         ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(condition)


def _shot(driver: Any, name: str) -> None:
    """A screenshot of the page as it stands; docs/ keeps one of each (docs/web.md), refreshed only when
    asked (DUTYDESK_DOCS_SCREENSHOTS=1), so a run of the suite never writes into the checkout (the any-day
    runs go side by side)."""
    png = driver.get_screenshot_as_png()
    assert png.startswith(b"\x89PNG\r\n")
    if os.environ.get("DUTYDESK_DOCS_SCREENSHOTS"):
        (DOCS / name).write_bytes(png)


def test_report_follow_confirm_and_the_board_updates_itself(live: LiveDesk, browsers: list[Any]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    ivana = _browser(420, 1100)  # a phone's width
    browsers.append(ivana)
    _sign_in(ivana, live.dm_link("ivana"))
    _wait(ivana, lambda d: d.current_url.endswith("/incidents"))
    ivana.get(live.base + "/report")
    ivana.find_element(By.CSS_SELECTOR, "input[name=category][value=urgent]").click()
    Select(ivana.find_element(By.NAME, "component")).select_by_value("cucm")
    ivana.find_element(By.NAME, "description").send_keys("Calls to the call centre fail <b>&amp; =HYPERLINK(\"x\")")
    _shot(ivana, "web-report-bg.png")
    ivana.find_element(By.CSS_SELECTOR, "form#report button[type=submit]").click()
    answer = _wait(ivana, lambda d: d.find_elements(By.ID, "answer"))[0].text  # the answer page has loaded
    number = re.search(r"NOI-\d{4}-\d{5}", answer)
    assert number, answer
    n = number.group(0)
    assert "<b>" in ivana.find_element(By.CSS_SELECTOR, "blockquote.desc").text  # shown as typed, not as markup
    _shot(ivana, "web-incident-bg.png")
    ivana.back()
    ivana.back()  # the form again: the browser's resubmission of the same form token registers nothing new
    ivana.get(live.base + "/incidents")
    assert n in ivana.find_element(By.CSS_SELECTOR, "table.register").text
    _shot(ivana, "web-register-bg.png")

    georgi = _browser()
    browsers.append(georgi)
    _sign_in(georgi, live.dm_link("georgi"))
    _wait(georgi, lambda d: d.current_url.endswith("/board"))
    row = georgi.find_element(By.XPATH, f"//a[normalize-space()='{n}']/ancestor::tr")
    assert "регистриран" in row.text  # registered (the board is in georgi's customers' language)
    marker = georgi.find_element(By.ID, "updated")
    console = live.console("georgi", f"/ack {n}")
    assert "поет" in console or n in console
    # the board refreshes its rows by itself: no reload
    _wait(georgi, lambda d: "поет" in d.find_element(By.XPATH, f"//a[normalize-space()='{n}']/ancestor::tr").text)
    assert georgi.execute_script("return performance.getEntriesByType('navigation').length") == 1
    del marker
    _shot(georgi, "web-board-bg.png")

    live.console("georgi", f"/arrive {n} remote", f"/resolve {n} Restarted the CallManager service")
    ivana.get(f"{live.base}/incidents/{n}")
    ivana.find_element(By.CSS_SELECTOR, "form.action-confirm button").click()
    _wait(ivana, lambda d: "потвърден" in d.find_element(By.ID, "state").text)
    timeline = ivana.find_element(By.CSS_SELECTOR, "ol.timeline").text
    assert "(web)" in timeline and "(console)" in timeline
    ivana.get(live.base + "/incidents?scope=all")
    assert n in ivana.find_element(By.CSS_SELECTOR, "table.register").text


def test_persian_pages_render_right_to_left(live: LiveDesk, browsers: list[Any]) -> None:
    from selenium.webdriver.common.by import By

    sara = _browser(420, 1000)
    browsers.append(sara)
    _sign_in(sara, live.dm_link("sara"))
    _wait(sara, lambda d: d.current_url.endswith("/incidents"))
    sara.get(live.base + "/report")
    assert sara.execute_script("return document.documentElement.dir") == "rtl"
    assert sara.execute_script("return getComputedStyle(document.body).direction") == "rtl"
    # the main navigation starts at the right edge of the page
    nav = sara.find_element(By.CSS_SELECTOR, "header.top .brand")
    assert nav.location["x"] > 420 / 2
    _shot(sara, "web-report-fa.png")


def test_planned_maintenance_pages_in_bulgarian_and_persian(live: LiveDesk, browsers: list[Any]) -> None:
    """noi's plan on Monday 28 December 2026 (first due Thursday 31 December 17:30), one occurrence worked
    in the console; the pages read what the console wrote. hgp's list is right to left."""
    from selenium.webdriver.common.by import By

    from commands.preventive.sweep import preventive_sweep_unit
    from tests.commands.test_preventive_sweep import at_sofia

    live.clock.set(at_sofia(28, 12, 2026, 10))
    live.call(live.app.db.write(preventive_sweep_unit(live.app.services, live.clock.now())))
    live.console("georgi", "/task review start on site, with the customer's IT", "/task review#1 check 1, 2",
                 "/task logs note RTMT: 3 alarms <CallManagerFailure> & a =HYPERLINK(\"x\") cell")
    ivana = _browser(1200, 800)
    browsers.append(ivana)
    _sign_in(ivana, live.dm_link("ivana"))
    _wait(ivana, lambda d: d.current_url.endswith("/incidents"))
    ivana.find_element(By.LINK_TEXT, "Профилактики").click()
    table = _wait(ivana, lambda d: d.find_element(By.CSS_SELECTOR, "table.tasks")).text
    assert "review#1" in table and "в изпълнение" in table and "2026-12-31 17:30" in table
    _shot(ivana, "web-tasks-bg.png")
    ivana.find_element(By.LINK_TEXT, "Общ профилактичен преглед на хардуера и софтуера").click()
    ticked = _wait(ivana, lambda d: d.find_elements(By.CSS_SELECTOR, "ol.checklist li.ticked"))
    assert len(ticked) == 2
    _shot(ivana, "web-task-bg.png")

    sara = _browser(420, 1000)
    browsers.append(sara)
    _sign_in(sara, live.dm_link("sara"))
    _wait(sara, lambda d: d.current_url.endswith("/incidents"))
    sara.get(live.base + "/tasks")
    assert sara.execute_script("return getComputedStyle(document.body).direction") == "rtl"
