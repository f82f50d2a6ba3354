"""Real mail peers for the e-mail channel's tests, on 127.0.0.1 only.

- ``Dovecot``: Debian's dovecot-imapd (``/usr/sbin/dovecot``, installed by ``bin/test``) started in the
  foreground with a throwaway configuration, users file and maildirs under the test's temporary directory,
  on a free loopback port. Plaintext authentication is allowed (loopback only); optionally implicit TLS with
  a certificate the test made, and XOAUTH2 checked by Dovecot's ``oauth2`` passdb against a token endpoint
  the test runs (``TokenEndpoint``: a client-credentials grant and the introspection Dovecot asks).
- ``deliver``: puts a message into a mailbox by IMAP APPEND with the INTERNALDATE the test says, as a
  receiving server stamps the time a message arrived.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from imap_tools import MailBox, MailBoxUnencrypted

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)
needs_dovecot = pytest.mark.skipif(
    DOVECOT is None, reason="dovecot is not installed (apt-get install -y dovecot-imapd)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TokenEndpoint:
    """An OAuth 2.0 token endpoint (RFC 6749 §4.4, client credentials) and the token introspection
    (RFC 7662) Dovecot's oauth2 passdb asks: a token is issued to a known client id and secret and names
    the mailbox it may open (``username``); anything else is refused as the RFCs say (401/invalid_client,
    ``{"active": false}``)."""

    def __init__(self, clients: dict[str, tuple[str, str]]) -> None:
        self.clients = clients  # client id → (secret, mailbox user the token is for)
        self.tokens: dict[str, str] = {}
        self.issued = 0
        self.port = free_port()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def _json(self, status: int, body: dict[str, object]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                if self.path == "/token":
                    client = outer.clients.get(form.get("client_id", ""))
                    if form.get("grant_type") != "client_credentials":
                        return self._json(400, {"error": "unsupported_grant_type"})
                    if client is None or not secrets.compare_digest(client[0], form.get("client_secret", "")):
                        return self._json(401, {"error": "invalid_client"})
                    token = secrets.token_urlsafe(24)
                    outer.tokens[token] = client[1]
                    outer.issued += 1
                    return self._json(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})
                if self.path == "/introspect":
                    user = outer.tokens.get(form.get("token", ""))
                    if user is None:
                        return self._json(200, {"active": False})
                    return self._json(200, {"active": True, "username": user})
                self._json(404, {"error": "not_found"})

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def token_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/token"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Dovecot:
    """One Dovecot IMAP server of the test's own (see the module's docstring)."""

    def __init__(self, root: Path, users: dict[str, str], *, cert: tuple[Path, Path] | None = None,
                 introspection_url: str | None = None) -> None:
        assert DOVECOT is not None
        self.root = root
        self.port = free_port()
        self.users = users
        self.tls = cert is not None
        root.mkdir(parents=True, exist_ok=True)
        for sub in ("run", "state", "mail"):
            (root / sub).mkdir(exist_ok=True)
        (root / "passwd").write_text("".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in users.items()))
        me = os.getuid(), os.getgid()
        import pwd
        user = pwd.getpwuid(me[0]).pw_name
        # Dovecot refuses to run its login and internal processes as root: the package's own users then.
        internal, login = ("dovecot", "dovenull") if me[0] == 0 else (user, user)
        auth_user = user  # the auth process reads the users file under the test's (private) directory
        # Nor will it open mail as root: as root, the maildirs belong to Debian's "mail" user, in a directory
        # of their own (the test's is private to root), removed by stop().
        self.mail_root = root / "mail"
        if me[0] == 0:
            mail_user = pwd.getpwnam("mail")
            me = mail_user.pw_uid, mail_user.pw_gid
            self.mail_root = Path(tempfile.mkdtemp(prefix="dutydesk-maildir-"))
            os.chown(self.mail_root, *me)
        listener = (f"inet_listener imaps {{\n    address = 127.0.0.1\n    port = {self.port}\n    ssl = yes\n  }}\n"
                    "  inet_listener imap {\n    port = 0\n  }\n") if cert else (
            f"inet_listener imap {{\n    address = 127.0.0.1\n    port = {self.port}\n  }}\n"
            "  inet_listener imaps {\n    port = 0\n  }\n")
        ssl_lines = (f"ssl = required\nssl_cert = <{cert[0]}\nssl_key = <{cert[1]}\n" if cert else "ssl = no\n")
        oauth = ""
        mechanisms = "plain login"
        if introspection_url:
            (root / "oauth2.conf").write_text(
                f"introspection_mode = post\nintrospection_url = {introspection_url}\n"
                "username_attribute = username\ntokeninfo_url = \n")
            oauth = f"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = {root}/oauth2.conf\n}}\n"
            mechanisms += " xoauth2 oauthbearer"
        (root / "dovecot.conf").write_text(f"""
base_dir = {root}/run
state_dir = {root}/state
instance_name = dutydesk-test-{self.port}
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
{ssl_lines}
disable_plaintext_auth = no
auth_mechanisms = {mechanisms}
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = 0
first_valid_gid = 0
mail_location = maildir:{self.mail_root}/%u
mail_privileged_group =
passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
{oauth}
userdb {{
  driver = static
  args = uid={me[0]} gid={me[1]} home={self.mail_root}/%u
}}
service imap-login {{
  {listener}
}}
service auth {{
  user = {auth_user}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
protocol imap {{
  imap_idle_notify_interval = 1 secs
}}
""")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen([str(DOVECOT), "-F", "-c", str(self.root / "dovecot.conf")],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.process.stdout.read().decode() if self.process.stdout else ''}"
                                   f"{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not listen on {self.port}: {self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def remove(self) -> None:
        """Stopped, and the maildirs gone."""
        self.stop()
        shutil.rmtree(self.mail_root, ignore_errors=True)

    def pause(self) -> None:
        """The server stops answering (a mailbox unreachable); ``resume`` brings it back."""
        self.stop()

    def mailbox(self, user: str) -> MailBox | MailBoxUnencrypted:
        if self.tls:
            import ssl
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE  # the test's own peer; the desk's client verifies
            box: MailBox | MailBoxUnencrypted = MailBox("127.0.0.1", self.port, ssl_context=ctx)
        else:
            box = MailBoxUnencrypted("127.0.0.1", self.port)
        return box.login(user, self.users[user])

    def deliver(self, user: str, messages: Iterable[tuple[bytes, dt.datetime]], folder: str = "INBOX") -> None:
        """APPEND each message with its INTERNALDATE (the time the server received it)."""
        with self.mailbox(user) as box:
            for raw, received in messages:
                box.append(raw, folder, dt=received, flag_set=())

    def flags(self, user: str, folder: str = "INBOX") -> list[tuple[str, tuple[str, ...]]]:
        """(Message-ID, flags) of every message in ``folder``."""
        with self.mailbox(user) as box:
            box.folder.set(folder)
            return [(m.headers.get("message-id", ("",))[0], tuple(m.flags))
                    for m in box.fetch(mark_seen=False, headers_only=True)]
