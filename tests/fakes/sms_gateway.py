"""A fake HTTP SMS gateway on 127.0.0.1: records what it is asked to send, or fails on demand."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeSmsGateway:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.fail_with: int | None = None  # answer this HTTP status instead of accepting
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if gateway.fail_with is not None:
                    self.send_response(gateway.fail_with)
                    self.end_headers()
                    return
                gateway.sent.append({"path": self.path, "auth": self.headers.get("Authorization"),
                                     "body": json.loads(body or b"{}")})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"status": "queued"}')

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/send"

    def __enter__(self) -> FakeSmsGateway:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
