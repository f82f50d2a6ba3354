"""``dutydesk report monthly --customer C --month YYYY-MM --format md|csv|xlsx|pdf [--output FILE]``.

Markdown and CSV go to standard output unless ``--output`` is given; XLSX and PDF (and the chart, ``png``)
to a file named like ``protocol-noi-2026-11.pdf`` in the current directory.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.settings import load_config

FORMATS = ("md", "csv", "xlsx", "pdf", "png")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rep = sub.add_parser("report", help="reports: the monthly protocol of a customer")
    rep_sub = rep.add_subparsers(dest="report_command", required=True)
    monthly = rep_sub.add_parser("monthly", help="the monthly protocol (contract IV 1.11)")
    monthly.add_argument("--config", required=True)
    monthly.add_argument("--customer", required=True)
    monthly.add_argument("--month", required=True, help="YYYY-MM (the customer's local month)")
    monthly.add_argument("--format", choices=FORMATS, default="pdf")
    monthly.add_argument("--output", help="file to write (default: stdout for md/csv, protocol-<customer>-<month>.<ext>)")
    monthly.add_argument("--locale", choices=("en", "bg", "fa"), help="language (default: the customer's)")


def run_report(args: argparse.Namespace, database_url: str) -> int:
    from bot.app import build_app
    from commands.reports.report import monthly_protocol, parse_month, render

    cfg = load_config(args.config)
    if args.customer not in cfg.customers:
        print(f"dutydesk: no customer {args.customer!r}; customers: {', '.join(cfg.customers)}", file=sys.stderr)
        return 2
    ym = parse_month(args.month)
    if ym is None:
        print(f"dutydesk: --month {args.month!r} is not a month like 2026-11", file=sys.stderr)
        return 2
    fmt = "chart" if args.format == "png" else args.format
    app = build_app(cfg, database_url)
    try:
        services = app.services
        now = services.clock.now()
        protocol = app.db.read_sync(
            lambda s: monthly_protocol(s, services, args.customer, ym[0], ym[1], now, args.locale))
        attachment = render(protocol, fmt, services.render_report)
    finally:
        app.close()
    if args.output is None and fmt in ("md", "csv"):
        sys.stdout.buffer.write(attachment.content)
        sys.stdout.buffer.flush()
        return 0
    path = Path(args.output or attachment.filename)
    path.write_bytes(attachment.content)
    print(f"{path} ({len(attachment.content)} bytes, {protocol.totals['total']} incidents)", file=sys.stderr)
    return 0
