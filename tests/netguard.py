"""A socket guard for real ``dutydesk`` processes under test: ``python -m tests.netguard <dutydesk args>``
runs ``python -m bot`` with an audit hook (PEP 578, ``sys.addaudithook``) on ``socket.connect``,
``socket.sendto`` and ``socket.getaddrinfo`` that refuses every address outside 127.0.0.0/8 and ::1 (and
every name but ``localhost``) and writes each refusal as a line to the file ``DUTYDESK_NETGUARD_LOG``
names. A test reads that file: empty means the process tried to contact nothing but this machine.
"""

from __future__ import annotations

import ipaddress
import os
import runpy
import socket
import sys
from typing import Any

ENV = "DUTYDESK_NETGUARD_LOG"


def loopback(host: object) -> bool:
    """This machine: a loopback address, the unspecified one (a server binding every interface), or the
    names ``localhost`` and the machine's own host name."""
    if host is None:  # getaddrinfo(None, port): the local wildcard for a server socket
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    text = str(host).strip("[]").split("%", 1)[0].lower().rstrip(".")
    if text in ("localhost", "localhost.localdomain", "", socket.gethostname().lower()):
        return True
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def install(log_path: str) -> None:
    def refuse(event: str, host: object) -> None:
        with open(log_path, "a", encoding="utf-8") as log:
            log.write(f"{event} {host!r}\n")

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event in ("socket.connect", "socket.sendto"):
            sock, address = args[0], args[1]
            if sock.family in (socket.AF_INET, socket.AF_INET6) and not loopback(address[0]):
                refuse(event, address[0])
                raise OSError(f"netguard: {event} to {address[0]} refused (only 127.0.0.0/8 and ::1 allowed)")
        elif event == "socket.getaddrinfo" and not loopback(args[0]):
            refuse(event, args[0])
            raise socket.gaierror(socket.EAI_NONAME, f"netguard: {args[0]} refused (only loopback allowed)")

    sys.addaudithook(hook)


if __name__ == "__main__":
    install(os.environ[ENV])
    sys.argv = ["dutydesk", *sys.argv[1:]]
    runpy.run_module("bot", run_name="__main__", alter_sys=True)
