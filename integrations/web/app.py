"""The web application: one more channel of the desk, served on the operations HTTP server.

Pages are rendered on the server (Jinja2, autoescaped) and work without JavaScript; the board polls a
fragment with a small script of ours served from /static. Every action goes to the desk as a form
(``Desk.handle(Request(transport="web", form=Form(...)))``), exactly as a Slack modal does: the same use
case, the same rights and rate limits, the same timeline (its source is ``web``). Who a person is, their
customers, roles and language come from the one ``Directory``.

Security (docs/web.md): sign-in by one-time links or an identity provider (OpenID Connect,
integrations/web/oidc_signin.py); server-side sessions; the cookie HttpOnly,
SameSite=Lax, Secure behind https; a CSRF token in every form; another customer's incident, report or
file is "not found", exactly as a number that does not exist; every page is ``no-store`` with a CSP that
allows no inline script and no framing.
"""

from __future__ import annotations

import csv
import hmac
import io
import json
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlmodel import Session
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request as HttpRequest
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from commands.desk.context import Services
from commands.desk.desk import Desk
from commands.desk.directory import Actor
from commands.desk.domain.ratelimit_config import Rate, parse_rate
from commands.desk.domain.roles import may_run
from commands.desk.ratelimit import TokenBuckets
from commands.desk.reply import Form, Reply, Request
from commands.desk.web_link import signin_url
from commands.domain.config import Config
from commands.domain.i18n.catalog import t
from commands.domain.i18n.format import format_datetime
from commands.incidents.attachments import Kept, Refused, Upload, attach, file_content, file_lines, files
from commands.oncall.escalation import schedule_with_overrides
from integrations.reports.cells import csv_row
from integrations.web import queries as q
from integrations.web import task_views as tv
from integrations.web.oidc_signin import OidcSignIn
from integrations.web.pages import actions_for, clock_view, event_view, promises, titles
from storage.outbox import Outbox
from storage.web_auth import LINK_LIFETIME, SESSION_LIFETIME, WebAuth, digest, new_secret

HERE = Path(__file__).resolve().parent
TRANSPORT = "web"
COOKIE = "dd_session"
PRE_COOKIE = "dd_pre"  # the double-submit token of forms shown before sign-in
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
MAX_FORM = 64 * 1024
MAX_UPLOADS = 5  # files in one submitted form
# Served as themselves (always as a download); anything else as application/octet-stream.
SAFE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "application/pdf", "text/plain"})
PAGE_RATE = "240/min"  # page views of one person (actions are limited by the desk, as in chat)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_SEQ = re.compile(r"^\d{1,6}$")
TASK_ACTIONS = ("start", "check", "note", "done", "skip")  # an engineer's steps on an occurrence's page
_NUMBER = re.compile(r"^[A-Z][A-Z0-9]{1,9}-\d{4}-\d{5,}$")
FORMATS = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "csv": "text/csv; charset=utf-8", "chart": "image/png"}


@dataclass(frozen=True)
class Who:
    """The signed-in reader of a page."""

    actor: Actor
    csrf: str
    session: str
    locale: str

    @property
    def person_id(self) -> str:
        return self.actor.person_id

    def customers(self) -> list[str]:
        return self.actor.customers()


class WebApp:
    def __init__(self, desk: Desk, public_url: str | None, *, poll_seconds: int = 10,
                 environ: Mapping[str, str] | None = None) -> None:
        self.desk = desk
        self.services = desk.services
        self.db = desk.services.db
        self.config = desk.services.config
        self.directory = desk.services.directory
        self.secure = bool(public_url and public_url.lower().startswith("https://"))
        self.poll_seconds = poll_seconds
        self.env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                               trim_blocks=True, lstrip_blocks=True, auto_reload=False)
        count, period = parse_rate(PAGE_RATE)
        self._page_rate = Rate(count, period, count)
        self._pages = TokenBuckets(desk.services.config.desk.rate_limits.max_buckets)
        limits = desk.services.config.desk.rate_limits
        count, period = parse_rate(limits.failed_auth)
        self._guess_rate = Rate(count, period, count)
        self._guesses = TokenBuckets(limits.max_buckets)
        self._limits_on = limits.enabled
        self._title_cache: dict[tuple[str, str], tuple[dict[str, str], dict[str, str]]] = {}
        # the identity providers; a client secret missing from the environment stops the start (ValueError)
        self.oidc = OidcSignIn(self, public_url, os.environ if environ is None else environ)

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/", self.home, methods=["GET"]),
            Route("/signin", self.signin_page, methods=["GET"]),
            Route("/signin", self.signin_by_email, methods=["POST"]),
            Route("/signin/oidc/{provider}", self.signin_oidc, methods=["GET"]),
            Route("/signin/oidc/{provider}/callback", self.signin_oidc_callback, methods=["GET"]),
            Route("/signin/{secret}", self.signin_link, methods=["GET"]),
            Route("/signin/{secret}", self.signin_use, methods=["POST"]),
            Route("/signout", self.signout, methods=["POST"]),
            Route("/report", self.report_page, methods=["GET"]),
            Route("/report", self.report_submit, methods=["POST"]),
            Route("/incidents", self.register, methods=["GET"]),
            Route("/incidents.csv", self.register_csv, methods=["GET"]),
            Route("/incidents/{number}", self.incident, methods=["GET"]),
            Route("/incidents/{number}/files", self.attach, methods=["POST"]),
            Route("/incidents/{number}/files/{file}", self.download, methods=["GET"]),
            Route("/incidents/{number}/{action}", self.incident_action, methods=["POST"]),
            Route("/board", self.board, methods=["GET"]),
            Route("/board/rows", self.board_rows, methods=["GET"]),
            Route("/reports", self.reports, methods=["GET"]),
            Route("/tasks", self.tasks, methods=["GET"]),
            Route("/tasks/{customer}/{task}/{n}", self.task, methods=["GET"]),
            Route("/tasks/{customer}/{task}/{n}/protocol.pdf", self.task_protocol, methods=["GET"]),
            Route("/tasks/{customer}/{task}/{n}/{action}", self.task_action, methods=["POST"]),
            Route("/reports/{customer}/{period}.{fmt}", self.report_file, methods=["GET"]),
            Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
        ]

    def _titles(self, customer_id: str, locale: str) -> tuple[dict[str, str], dict[str, str]]:
        """The customer's category and component titles in ``locale``, built once (the config is fixed
        for the life of the process); read only."""
        key = (customer_id, locale)
        found = self._title_cache.get(key)
        if found is None:
            found = self._title_cache[key] = titles(self.services, customer_id, locale)
        return found

    # -- responses ----------------------------------------------------------------------------
    def page(self, template: str, locale: str, status: int = 200, **values: Any) -> HTMLResponse:
        html = self.env.get_template(template).render(
            locale=locale, dir="rtl" if locale == "fa" else "ltr", tr=lambda msgid, **p: t(locale, msgid, **p),
            poll_seconds=self.poll_seconds, **values)
        return HTMLResponse(html, status_code=status, headers=_headers())

    def not_found(self, locale: str, who: Who | None = None) -> HTMLResponse:
        return self.page("message.html", locale, 404, who=who, message=t(locale, "web.not_found"))

    def _locale(self, actor: Actor | None, customer_id: str | None = None) -> str:
        if actor is None:
            return "en"
        ident = f"{TRANSPORT}:{actor.person_id}"
        return self.directory.reply_locale(ident, ident, customer_id)

    async def who(self, request: HttpRequest) -> Who | None:
        secret = request.cookies.get(COOKIE)
        if not secret or len(secret) > 100:
            return None
        now = self.services.clock.now()
        found = await self.db.read(lambda s: WebAuth(s).signed_in(secret, now))
        if found is None:
            return None
        actor = self.directory.actor(f"{TRANSPORT}:{found.person_id}")
        if actor is None:  # removed from the configuration since: their session ends with them
            return None
        return Who(actor, found.csrf, secret, self._locale(actor))

    def _throttled(self, who: Who) -> Response | None:
        if not self._limits_on:
            return None
        now = self.services.clock.now().timestamp()
        key = f"page:{who.person_id}"
        wait = self._pages.wait(key, self._page_rate, now)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            resp = self.page("message.html", who.locale, 429, who=who, message=t(who.locale, "web.too_many",
                                                                                   seconds=seconds))
            resp.headers["Retry-After"] = str(seconds)
            return resp
        self._pages.take(key, self._page_rate, now)
        return None

    async def _reader(self, request: HttpRequest) -> Who | Response:
        who = await self.who(request)
        if who is None:
            return RedirectResponse("/signin", status_code=303, headers=_headers())
        return self._throttled(who) or who

    async def _form(self, request: HttpRequest, who: Who | None, *, files: int = 0) -> Mapping[str, str] | None:
        """The submitted form, or None when its CSRF token is missing or wrong (or it is too large: a form
        that may carry ``files`` files may be that many times the store's largest file)."""
        declared = request.headers.get("content-length", "")
        limit = MAX_FORM + files * self.config.desk.attachments.max_bytes
        if not declared.isdigit() or int(declared) > limit:
            return None
        try:
            form = await request.form(max_files=files, max_fields=50)
        except HTTPException:  # more files or fields than allowed, or a broken multipart body
            return None
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        expected = who.csrf if who is not None else request.cookies.get(PRE_COOKIE, "")
        given = values.get("csrf", "")
        if not expected or not given or not hmac.compare_digest(given.encode(), expected.encode()):
            return None
        return values

    def _csrf_refused(self, who: Who | None, locale: str) -> HTMLResponse:
        return self.page("message.html", locale, 403, who=who, message=t(locale, "web.csrf"))

    # -- signing in -----------------------------------------------------------------------------
    async def home(self, request: HttpRequest) -> Response:
        who = await self.who(request)
        if who is None:
            return RedirectResponse("/signin", status_code=303, headers=_headers())
        return RedirectResponse("/board" if who.actor.is_staff else "/incidents", status_code=303, headers=_headers())

    def _pre_form(self, template: str, locale: str, status: int = 200, **values: Any) -> HTMLResponse:
        token = new_secret()
        resp = self.page(template, locale, status, who=None, csrf=token, **values)
        resp.set_cookie(PRE_COOKIE, token, max_age=3600, httponly=True, samesite="lax", secure=self.secure, path="/")
        return resp

    async def signin_page(self, request: HttpRequest) -> Response:
        locale = _accepted_locale(request)
        return self._pre_form("signin.html", locale, providers=self.oidc.buttons(locale))

    async def signin_oidc(self, request: HttpRequest) -> Response:
        return await self.oidc.start(request, _accepted_locale(request))

    async def signin_oidc_callback(self, request: HttpRequest) -> Response:
        return await self.oidc.callback(request, _accepted_locale(request))

    def guessing(self, key: str, now: datetime, *, count: bool = True, rate: Rate | None = None) -> bool:
        """Whether ``key`` (a source address) has tried too often (``rate``, by default
        desk.rate_limits.failed_auth); ``count``: this try counts."""
        if not self._limits_on:
            return False
        rate = rate or self._guess_rate
        if self._guesses.wait(key, rate, now.timestamp()) > 0:
            return True
        if count:
            self._guesses.take(key, rate, now.timestamp())
        return False

    def locale_of(self, actor: Actor | None) -> str:
        return self._locale(actor)

    @staticmethod
    def headers() -> dict[str, str]:
        return _headers()

    def session_response(self, session_secret: str) -> Response:
        """Signed in: the session cookie (the same for a link and an identity provider), on to ``/``."""
        resp = RedirectResponse("/", status_code=303, headers=_headers())
        resp.set_cookie(COOKIE, session_secret, max_age=int(SESSION_LIFETIME.total_seconds()), httponly=True,
                        samesite="lax", secure=self.secure, path="/")
        resp.delete_cookie(PRE_COOKIE, path="/")
        return resp

    async def signin_by_email(self, request: HttpRequest) -> Response:
        """A link by e-mail to an address of a person's: the answer is the same whether or not the address
        is known (the page tells nobody who is in the configuration)."""
        locale = _accepted_locale(request)
        values = await self._form(request, None)
        if values is None:
            return self._csrf_refused(None, locale)
        address = values.get("email", "").strip()[:254]
        now = self.services.clock.now()
        keys = [f"ip:{request.client.host if request.client else '?'}", f"mail:{address.lower()}"]
        if self._limits_on:
            if any(self._guesses.wait(k, self._guess_rate, now.timestamp()) > 0 for k in keys):
                return self.page("message.html", locale, 429, who=None, message=t(locale, "web.too_many", seconds=60))
            for key in keys:
                self._guesses.take(key, self._guess_rate, now.timestamp())
        person = self.directory.person_with_address(address) if "@" in address else None
        base = self.services.web_url
        if person is not None and base and self.config.people[person].roles:
            await self.db.write(_email_link(self.config, person, address, base, now))
        return self._pre_form("signin.html", locale, sent=True)

    async def signin_link(self, request: HttpRequest) -> Response:
        # Opening the link only shows a button: a chat's link preview or a mail scanner that fetches it
        # does not spend it. The POST (with the page's own token) signs in.
        return self._pre_form("signin_link.html", _accepted_locale(request), secret=request.path_params["secret"])

    async def signin_use(self, request: HttpRequest) -> Response:
        locale = _accepted_locale(request)
        if await self._form(request, None) is None:
            return self._csrf_refused(None, locale)
        secret = str(request.path_params["secret"])
        source = f"ip:{request.client.host if request.client else '?'}"
        now = self.services.clock.now()
        if self._limits_on and self._guesses.wait(source, self._guess_rate, now.timestamp()) > 0:
            return self.page("message.html", locale, 429, who=None, message=t(locale, "web.too_many", seconds=60))
        session_secret, csrf = new_secret(), new_secret()
        person = None
        if len(secret) <= 100:
            person = await self.db.write(lambda s: WebAuth(s).use_link(secret, session_secret, csrf, now))
        if person is None:
            if self._limits_on:
                self._guesses.take(source, self._guess_rate, now.timestamp())
            return self.page("message.html", locale, 400, who=None, message=t(locale, "web.signin.bad_link"))
        return self.session_response(session_secret)

    async def signout(self, request: HttpRequest) -> Response:
        who = await self.who(request)
        if who is None:
            return RedirectResponse("/signin", status_code=303, headers=_headers())
        if await self._form(request, who) is None:
            return self._csrf_refused(who, who.locale)
        now = self.services.clock.now()
        await self.db.write(lambda s: WebAuth(s).revoke(who.session, now))
        resp = RedirectResponse("/signin", status_code=303, headers=_headers())
        resp.delete_cookie(COOKIE, path="/")
        return resp

    # -- the desk -------------------------------------------------------------------------------
    async def _ask(self, who: Who, form: Form, token: str | None) -> Reply:
        """One action, as the desk takes a submitted form: the form's token is the delivery id, so a
        double submit is answered once."""
        delivery = f"{who.person_id}:{token}" if token else None
        return await self.desk.handle(Request(text=f"/{form.command}", transport=TRANSPORT, user_id=who.person_id,
                                              channel_id=who.person_id, delivery_id=delivery, form=form))

    async def _reader_of_customer(self, request: HttpRequest) -> tuple[Who, str] | Response:
        """The signed-in reader and the customer the page is about (``?customer=``, else their first), or
        the answer instead: sign in, or "not found" for a customer that is not theirs."""
        who = await self._reader(request)
        if not isinstance(who, Who):
            return who
        cid = self._customer(who, request.query_params.get("customer"))
        if cid is None:
            return self.not_found(who.locale, who)
        return who, cid

    def _customer(self, who: Who, wanted: str | None) -> str | None:
        mine = who.customers()
        if wanted and wanted in mine:
            return wanted
        return None if wanted else (mine[0] if mine else None)

    # -- report a problem -------------------------------------------------------------------------
    async def report_page(self, request: HttpRequest) -> Response:
        found = await self._reader_of_customer(request)
        if not isinstance(found, tuple):
            return found
        who, cid = found
        return self._report_form(who, cid, {})

    def _report_form(self, who: Who, cid: str, values: Mapping[str, str], error: Reply | None = None) -> HTMLResponse:
        locale = self._locale(who.actor, cid)
        categories, components = self._titles(cid, locale)
        return self.page("report.html", locale, 422 if error else 200, who=who, customer=cid,
                         customers=[(c, self.config.customers[c].name) for c in who.customers()],
                         categories=categories, components=components, values=values, error=error,
                         promises=promises(self.services, cid, self.services.clock.now(), locale), token=new_secret())

    async def report_submit(self, request: HttpRequest) -> Response:
        who = await self.who(request)
        if who is None:
            return RedirectResponse("/signin", status_code=303, headers=_headers())
        values = await self._form(request, who, files=MAX_UPLOADS)
        if values is None:
            return self._csrf_refused(who, who.locale)
        cid = self._customer(who, values.get("customer"))
        if cid is None:
            return self.not_found(who.locale, who)
        options = {"customer": cid}
        if values.get("reported", "").strip():
            options["reported"] = values["reported"]
        form = Form("incident", fields=(values.get("category", ""), values.get("component", "")),
                    text=values.get("description", ""), options=options)
        reply = await self._ask(who, form, values.get("token") or None)
        if reply.is_error or reply.control_number is None:
            return self._report_form(who, cid, values, reply)
        refused = await self._keep(who, reply.control_number, await _uploads(request))
        if refused:  # the answer at once, with why a file was not kept (a reload submits the same token)
            answer = Reply(text=reply.text, lines=(*reply.lines, *refused), kind="info", locale=reply.locale,
                           control_number=reply.control_number)
            return await self._incident_page(who, reply.control_number, answer, new=True)
        return RedirectResponse(f"/incidents/{reply.control_number}?new=1&r={values.get('token', '')}", status_code=303,
                                headers=_headers())

    # -- files ----------------------------------------------------------------------------------
    async def _keep(self, who: Who, number: str, uploads: list[Upload]) -> list[str]:
        """The files kept with the incident (after its report committed; keeping the same file again adds
        nothing, so a double submit keeps it once): a line per file refused."""
        if not uploads:
            return []
        limits, now, mine, person = self.config.desk.attachments, self.services.clock.now(), who.customers(), who.person_id
        results = await self.db.write(lambda s: attach(s, limits, number, uploads, person=person, customers=mine,
                                                       source=TRANSPORT, channel=f"{TRANSPORT}:{person}", now=now))
        return file_lines(who.locale, [r for r in results if isinstance(r, Refused)], limits)  # kept: listed on the page

    async def attach(self, request: HttpRequest) -> Response:
        who = await self.who(request)
        if who is None:
            return RedirectResponse("/signin", status_code=303, headers=_headers())
        values = await self._form(request, who, files=MAX_UPLOADS)
        if values is None:
            return self._csrf_refused(who, who.locale)
        number = str(request.path_params["number"]).upper()
        mine = who.customers()
        found = await self.db.read(lambda s: q.incident_detail(s, number, mine)) if _NUMBER.match(number) else None
        if found is None:
            return self.not_found(who.locale, who)
        refused = await self._keep(who, number, await _uploads(request))
        if refused:
            banner = Reply(text=refused[0], lines=tuple(refused[1:]), kind="error", locale=who.locale)
            return await self._incident_page(who, number, banner, status=422)
        return RedirectResponse(f"/incidents/{number}", status_code=303, headers=_headers())

    async def download(self, request: HttpRequest) -> Response:
        who = await self._reader(request)
        if not isinstance(who, Who):
            return who
        number = str(request.path_params["number"]).upper()
        file_id = str(request.path_params["file"])
        mine = who.customers()

        def read(session: Session) -> tuple[Kept, bytes] | None:
            detail = q.incident_detail(session, number, mine)
            if detail is None or not file_id.isdigit():
                return None
            found = file_content(session, int(file_id))
            return found if found is not None and found[0].incident_id == detail.incident.id else None

        found = await self.db.read(read) if _NUMBER.match(number) else None
        if found is None:  # another customer's file, or another incident's: as if it did not exist
            return self.not_found(who.locale, who)
        kept, content = found
        kind = kept.content_type if kept.content_type in SAFE_TYPES else "application/octet-stream"
        return _download(content, kind, kept.filename)

    # -- the register ---------------------------------------------------------------------------
    def _filter(self, who: Who, params: Mapping[str, str]) -> tuple[q.RegisterFilter, str | None] | None:
        cid = self._customer(who, params.get("customer"))
        if cid is None:
            return None
        customer = self.config.customers[cid]
        error = None
        month = None
        m = _MONTH.match(params.get("month", "").strip())
        if m and 1 <= int(m.group(2)) <= 12:
            y, mo = int(m.group(1)), int(m.group(2))
            start = datetime(y, mo, 1, tzinfo=customer.tz)
            end = datetime(y + (mo == 12), mo % 12 + 1, 1, tzinfo=customer.tz)
            month = (start.astimezone(UTC), end.astimezone(UTC))
        elif params.get("month", "").strip():
            error = "web.bad_month"
        page = params.get("page", "1")
        f = q.RegisterFilter(
            customer_id=cid, scope="all" if params.get("scope") == "all" else "open",
            category=params.get("category", "") if params.get("category", "") in customer.categories else "",
            component=params.get("component", "") if params.get("component", "") in customer.components else "",
            month=month, text=params.get("text", "").strip()[:200],
            page=min(int(page), q.MAX_PAGE) if page.isdigit() else 1)
        return f, error

    async def register(self, request: HttpRequest) -> Response:
        who = await self._reader(request)
        if not isinstance(who, Who):
            return who
        found = self._filter(who, request.query_params)
        if found is None:
            return self.not_found(who.locale, who)
        f, error = found
        locale = self._locale(who.actor, f.customer_id)
        result = await self.db.read(lambda s: q.register_page(s, f))
        now = self.services.clock.now()
        rows = [self._row(r, now, locale) for r in result.rows]
        categories, components = self._titles(f.customer_id, locale)
        query = {k: v for k, v in request.query_params.items() if k != "page"}
        return self.page("register.html", locale, who=who, f=f, rows=rows, result=result, error=error,
                         customers=[(c, self.config.customers[c].name) for c in who.customers()],
                         categories=categories, components=components, params=dict(request.query_params),
                         query=query)

    def _row(self, r: q.IncidentRow, now: datetime, locale: str) -> dict[str, Any]:
        inc = r.incident
        customer = self.config.customers[inc.customer_id]
        running = [c for c in r.clocks if c.deadline is not None and c.stopped_at is None]
        nearest = min(running, key=lambda c: c.deadline or now) if running else None
        view = clock_view(self.services, inc.customer_id, nearest, now, locale) if nearest is not None else None
        cat, comp = self._titles(inc.customer_id, locale)
        return {"number": inc.control_number, "state": t(locale, f"state.{inc.state}"),
                "category": cat.get(inc.category, inc.category), "component": comp.get(inc.component, inc.component),
                "description": inc.description, "customer": customer.name,
                "reported": format_datetime(inc.reported_at, customer.tz, locale),
                "next": view}

    async def register_csv(self, request: HttpRequest) -> Response:
        who = await self._reader(request)
        if not isinstance(who, Who):
            return who
        found = self._filter(who, request.query_params)
        if found is None:
            return self.not_found(who.locale, who)
        f, _ = found
        locale = self._locale(who.actor, f.customer_id)
        result = await self.db.read(lambda s: q.register_page(s, f))
        now = self.services.clock.now()
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(csv_row([t(locale, "web.number"), t(locale, "web.state"), t(locale, "web.category"),
                                 t(locale, "web.component"), t(locale, "reported_at", when="").rstrip(": "),
                                 t(locale, "web.next_deadline"), t(locale, "web.description")]))
        for r in result.rows:
            row = self._row(r, now, locale)
            nxt = row["next"]
            writer.writerow(csv_row([row["number"], row["state"], row["category"], row["component"], row["reported"],
                                     f"{nxt.deadline} · {nxt.status}" if nxt else "", row["description"]]))
        return _download(out.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8",
                         f"{f.customer_id}-register-{f.scope}-p{result.page}.csv")

    # -- one incident ---------------------------------------------------------------------------
    async def incident(self, request: HttpRequest) -> Response:
        who = await self._reader(request)
        if not isinstance(who, Who):
            return who
        number = str(request.path_params["number"]).upper()
        banner = None
        token = request.query_params.get("r", "")
        if token and len(token) <= 64:
            stored = await self.db.read(lambda s: q.stored_reply(s, f"{who.person_id}:{token}"))
            if stored:
                banner = Reply.from_dict(json.loads(stored))
        return await self._incident_page(who, number, banner, new=request.query_params.get("new") == "1")

    async def _incident_page(self, who: Who, number: str, banner: Reply | None, *, new: bool = False,
                             status: int = 200) -> Response:
        mine = who.customers()

        def read(session: Session) -> tuple[q.IncidentDetail, list[Kept]] | None:
            detail = q.incident_detail(session, number, mine)
            if detail is None or detail.incident.id is None:
                return None
            return detail, files(session, detail.incident.id)

        found = await self.db.read(read) if _NUMBER.match(number) else None
        if found is None:
            return self.not_found(who.locale, who)
        detail, kept = found
        inc = detail.incident
        locale = self._locale(who.actor, inc.customer_id)
        customer = self.config.customers[inc.customer_id]
        tz = ZoneInfo(customer.timezone)
        now = self.services.clock.now()
        names = {pid: p.name for pid, p in self.config.people.items()}
        cat, comp = self._titles(inc.customer_id, locale)
        roles = who.actor.roles(inc.customer_id)
        engineers = [(pid, names[pid]) for pid in self.directory.people_of(inc.customer_id)
                     if self.directory.may_be_paged_for(pid, inc.customer_id)]
        return self.page(
            "incident.html", locale, status, who=who, inc=inc, customer=customer, banner=banner, new=new,
            state=t(locale, f"state.{inc.state}"), category=cat.get(inc.category, inc.category),
            component=comp.get(inc.component, inc.component),
            reported=format_datetime(inc.reported_at, tz, locale, with_tz=True),
            reporter=names.get(inc.reporter, inc.reporter),
            clocks=[clock_view(self.services, inc.customer_id, c, now, locale) for c in detail.clocks],
            events=[event_view(e, tz, locale, names) for e in detail.events],
            actions=actions_for(inc.state, roles), categories=cat, engineers=engineers, token=new_secret(),
            files=kept)

    async def incident_action(self, request: HttpRequest) -> Response:
        who = await self.who(request)
        if who is None:
            return RedirectResponse("/signin", status_code=303, headers=_headers())
        values = await self._form(request, who)
        if values is None:
            return self._csrf_refused(who, who.locale)
        number = str(request.path_params["number"]).upper()
        action = str(request.path_params["action"])
        if not _NUMBER.match(number) or action not in _ACTION_FIELDS:
            return self.not_found(who.locale, who)
        extra, text_field = _ACTION_FIELDS[action]
        fields = (number, *(values.get(x, "") for x in extra))
        form = Form(action, fields=fields, text=values.get(text_field, "") if text_field else "")
        token = values.get("token", "")
        reply = await self._ask(who, form, token or None)
        if reply.is_error:  # a refusal is not stored: shown at once, with the page as it stands
            return await self._incident_page(who, number, reply, status=422)
        return RedirectResponse(f"/incidents/{number}?r={token}", status_code=303, headers=_headers())

    # -- the board ------------------------------------------------------------------------------
    async def board(self, request: HttpRequest) -> Response:
        who = await self._reader(request)
        if not isinstance(who, Who):
            return who
        if not who.actor.is_staff:
            return self.page("message.html", who.locale, 403, who=who, message=t(who.locale, "web.forbidden"))
        return self.page("board.html", who.locale, who=who, **(await self._board(who)))

    async def board_rows(self, request: HttpRequest) -> Response:
        who = await self._reader(request)
        if not isinstance(who, Who):
            return who
        if not who.actor.is_staff:
            return self.page("message.html", who.locale, 403, who=who, message=t(who.locale, "web.forbidden"))
        return self.page("board_rows.html", who.locale, who=who, **(await self._board(who)))

    async def _board(self, who: Who) -> dict[str, Any]:
        staff_of = [c for c in who.customers() if {"engineer", "admin"} & set(who.actor.roles(c))]
        now = self.services.clock.now()
        services = self.services

        def read(session: Session) -> tuple[Any, ...]:
            rows, total = q.open_across(session, staff_of)
            return (rows, total, on_call(session, services, staff_of, now), q.health_states(session, staff_of),
                    q.last_backups(session, {c: list(self.config.customers[c].backups) for c in staff_of}))

        rows, total, oncall, health, backups = await self.db.read(read)
        locale = who.locale
        tz = ZoneInfo(self.config.desk.timezone)
        name = self.directory.person_name
        customers = self.config.customers
        return {"rows": [self._row(r, now, locale) for r in rows], "total": total,
                "updated": format_datetime(now, tz, locale, with_date=False),
                "oncall": [(s, name(a) if a else "—", name(b) if b else "—") for s, a, b in oncall],
                "health": [(customers[c].name, comp, t(locale, f"health.status.{state}"), state)
                           for c, comp, state in health],
                "backups": [(customers[c].name, target, t(locale, f"backup.state.{run.status}") if run else "—",
                             run.status if run else "none",
                             format_datetime(run.finished_at or run.queued_at, customers[c].tz, locale) if run else "")
                            for c, target, run in backups]}

    # -- reports --------------------------------------------------------------------------------
    async def reports(self, request: HttpRequest) -> Response:
        found = await self._reader_of_customer(request)
        if not isinstance(found, tuple):
            return found
        who, cid = found
        locale = self._locale(who.actor, cid)
        daily = await self._ask(who, Form("report", fields=("daily",), options={"customer": cid}), None)
        local = self.services.clock.now().astimezone(self.config.customers[cid].tz)
        y, m = (local.year - 1, 12) if local.month == 1 else (local.year, local.month - 1)
        months = [f"{y:04d}-{m:02d}", f"{local.year:04d}-{local.month:02d}"]
        return self.page("reports.html", locale, who=who, customer=cid, daily=daily, months=months,
                         customers=[(c, self.config.customers[c].name) for c in who.customers()],
                         formats=[f for f in FORMATS])

    async def report_file(self, request: HttpRequest) -> Response:
        who = await self._reader(request)
        if not isinstance(who, Who):
            return who
        cid, period, fmt = (str(request.path_params[k]) for k in ("customer", "period", "fmt"))
        if cid not in who.customers() or fmt not in FORMATS or not _MONTH.match(period):
            return self.not_found(who.locale, who)
        reply = await self._ask(who, Form("report", fields=("monthly", period, fmt), options={"customer": cid}), None)
        if reply.attachment is None:
            return self.page("message.html", who.locale, 422, who=who, message=reply.as_text())
        return _download(reply.attachment.content, FORMATS[fmt], reply.attachment.filename)

    # -- planned maintenance ---------------------------------------------------------------------
    async def tasks(self, request: HttpRequest) -> Response:
        """The customer's planned maintenance, as ``/tasks [overdue|all]`` lists it (``?show=``)."""
        found = await self._reader_of_customer(request)
        if not isinstance(found, tuple):
            return found
        who, cid = found
        show = request.query_params.get("show", "due")
        scope = show if show in ("overdue", "all") else "due"
        locale = self._locale(who.actor, cid)
        services, now = self.services, self.services.clock.now()
        view = await self.db.read(lambda s: tv.task_list_view(s, services, cid, now, locale, scope))
        table = self.config.customers[cid].preventive
        planned = table is not None and bool(table.tasks)
        return self.page("tasks.html", locale, who=who, customer=cid, view=view, scope=scope, planned=planned,
                         customer_name=self.config.customers[cid].name,
                         customers=[(c, self.config.customers[c].name) for c in who.customers()])

    def _task_path(self, who: Who, request: HttpRequest) -> tuple[str, str, int] | None:
        """(customer, task, occurrence) of the URL when the customer is the reader's (else None: "not
        found", exactly as a task that does not exist)."""
        cid, task, n = (str(request.path_params[k]) for k in ("customer", "task", "n"))
        if cid not in who.customers() or not _SEQ.match(n):
            return None
        return cid, task, int(n)

    async def task(self, request: HttpRequest) -> Response:
        who = await self._reader(request)
        if not isinstance(who, Who):
            return who
        found = self._task_path(who, request)
        if found is None:
            return self.not_found(who.locale, who)
        banner = None
        token = request.query_params.get("r", "")
        if token and len(token) <= 64:
            stored = await self.db.read(lambda s: q.stored_reply(s, f"{who.person_id}:{token}"))
            if stored:
                banner = Reply.from_dict(json.loads(stored))
        return await self._task_page(who, *found, banner)

    async def _task_page(self, who: Who, cid: str, task: str, n: int, banner: Reply | None,
                         status: int = 200) -> Response:
        locale = self._locale(who.actor, cid)
        services, now = self.services, self.services.clock.now()
        detail = await self.db.read(lambda s: tv.task_detail(s, services, cid, task, n, now, locale))
        if detail is None:
            return self.not_found(who.locale, who)
        pdf = detail.closed and services.render_document is not None
        staff = may_run("task", who.actor.roles(cid))
        return self.page("task.html", locale, status, who=who, d=detail, banner=banner,
                         customer_name=self.config.customers[cid].name,
                         pdf=f"{detail.row.url}/protocol.pdf" if pdf else None,
                         actions=TASK_ACTIONS if staff and not detail.closed else (), token=new_secret())

    async def task_action(self, request: HttpRequest) -> Response:
        """An engineer's step from the occurrence page, taken by the desk as ``/task <task>#<n> <action>``
        (the same rights, checks and timeline as in chat)."""
        who = await self.who(request)
        if who is None:
            return RedirectResponse("/signin", status_code=303, headers=_headers())
        values = await self._form(request, who)
        if values is None:
            return self._csrf_refused(who, who.locale)
        found = self._task_path(who, request)
        action = str(request.path_params["action"])
        if found is None or action not in TASK_ACTIONS:
            return self.not_found(who.locale, who)
        cid, task, n = found
        items = " ".join(v for v in (await request.form()).getlist("item") if isinstance(v, str) and v.isdigit())
        options = {"customer": cid}
        if action == "done" and items:
            options["check"] = items
        text = items if action == "check" else values.get("text", "")
        token = values.get("token", "")
        reply = await self._ask(who, Form("task", fields=(f"{task}#{n}", action), text=text, options=options),
                                token or None)
        if reply.is_error:  # shown at once, with the page as it stands
            return await self._task_page(who, cid, task, n, reply, status=422)
        return RedirectResponse(f"/tasks/{cid}/{task}/{n}?r={token}", status_code=303, headers=_headers())

    async def task_protocol(self, request: HttpRequest) -> Response:
        """The occurrence's maintenance protocol, made by the desk as ``/report task <task>#<n> pdf``."""
        who = await self._reader(request)
        if not isinstance(who, Who):
            return who
        found = self._task_path(who, request)
        if found is None:
            return self.not_found(who.locale, who)
        cid, task, n = found
        services = self.services
        if services.render_document is None or not await self.db.read(
                lambda s: tv.has_protocol(s, services, cid, task, n)):
            return self.not_found(who.locale, who)
        reply = await self._ask(who, Form("report", fields=("task", f"{task}#{n}", "pdf"), options={"customer": cid}),
                                None)
        if reply.attachment is None:
            return self.page("message.html", who.locale, 422, who=who, message=reply.as_text())
        return _download(reply.attachment.content, FORMATS["pdf"], reply.attachment.filename)


def _download(content: bytes, media_type: str, filename: str) -> Response:
    """A file the browser saves rather than shows (a person's upload is never rendered as a page of
    ours), its name cut to characters no header or file system misreads."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", filename) or "file"
    return Response(content, media_type=media_type,
                    headers={**_headers(), "Content-Disposition": f'attachment; filename="{safe}"'})


def _email_link(config: Config, person: str, address: str, base: str, now: datetime) -> Callable[[Session], None]:
    """The unit that issues a sign-in link and queues it for ``address`` alone (the outbox's e-mail)."""
    secret = new_secret()
    pc = config.people[person]
    customer = next(iter(pc.roles))
    locale = pc.locale or config.customers[customer].locale
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    mail = Reply(text=t(locale, "web.link", minutes=minutes), lines=(signin_url(base, secret),), locale=locale,
                 kind="info")

    def unit(session: Session) -> None:
        WebAuth(session).issue_link(secret, person, "email", now)
        Outbox(session).put(dedupe_key=f"web.link:{digest(secret)}", customer_id=customer, kind="web.link",
                            audience=f"chat:email:{address}", payload=mail.to_dict(), now=now)

    return unit


def on_call(session: Session, services: Services, customers: list[str], now: datetime,
            ) -> list[tuple[str, str | None, str | None]]:
    """Each schedule of the customers: who is on call now and who takes over next (within two weeks),
    overrides included, as paging would find them."""
    out = []
    for cid in customers:
        for name in services.config.schedules_of(cid):
            shifts = schedule_with_overrides(session, services, name, now, cid).shifts(now, now + timedelta(days=14))
            current = shifts[0].person if shifts and shifts[0].start <= now else None
            after = next((x.person for x in shifts if x.person != current), None)
            out.append((name, current, after))
    return sorted(set(out))


# action → (the form's fields after the number, the field holding the free text)
_ACTION_FIELDS: Mapping[str, tuple[tuple[str, ...], str | None]] = {
    "ack": ((), None), "arrive": (("mode",), None), "resolve": ((), "text"), "confirm": ((), None),
    "reopen": ((), "text"), "note": ((), "text"), "pause": ((), "text"), "resume": ((), None),
    "category": (("category",), None), "handover": (("person",), None),
}


async def _uploads(request: HttpRequest) -> list[Upload]:
    """The files of the submitted form (already parsed and bounded by ``_form``)."""
    form = await request.form()
    out = []
    for item in form.getlist("files"):
        if isinstance(item, UploadFile) and item.filename:
            out.append(Upload(item.filename, item.content_type or "application/octet-stream", await item.read()))
    return out


def _headers() -> dict[str, str]:
    return {"Content-Security-Policy": CSP, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}


def _accepted_locale(request: HttpRequest) -> str:
    """Before sign-in: the browser's first language the desk speaks (``Accept-Language``), else English."""
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in ("en", "bg", "fa"):
            return tag
    return "en"
