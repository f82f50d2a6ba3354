"""Charts of the protocol (matplotlib, Agg, no pyplot state): SLA compliance per category and clock,
and incidents per day. matplotlib (3.11+, through libraqm; 3.10 drew isolated letters left to right) lays out Persian itself: joined letters, right
to left; DejaVu Sans, shipped with matplotlib, covers all three locales."""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from commands.domain.i18n.format import format_date
from commands.incidents.views import category_title
from commands.reports.report import MonthlyProtocol

_COLOURS = {"reaction": "#4C72B0", "arrival": "#55A868", "resolution": "#C44E52"}


def shape(text: str, locale: str) -> str:
    """Text as matplotlib draws it (kept as a seam: older matplotlib needed pre-shaped Persian)."""
    return text


def figure(p: MonthlyProtocol, *, width: float = 11.0, height: float = 7.5) -> Figure:
    fig = Figure(figsize=(width, height), dpi=110)
    fig.set_layout_engine("constrained")
    loc = p.locale
    ax1, ax2 = fig.subplots(2, 1, height_ratios=(1, 1))
    cats = list(dict.fromkeys(c.category for c in p.compliance))
    n = max(1, len(p.clocks))
    bar = 0.8 / n
    for k, clock in enumerate(p.clocks):
        xs, ys = [], []
        for i, cat in enumerate(cats):
            row = next((c for c in p.compliance if c.category == cat and c.clock == clock), None)
            if row is not None and row.percent is not None:
                xs.append(i + (k - (n - 1) / 2) * bar)
                ys.append(row.percent)
        bars = ax1.bar(xs, ys, bar, label=shape(p.t(f"clock.{clock}"), loc), color=_COLOURS.get(clock))
        ax1.bar_label(bars, fmt="%.0f", fontsize=7)
    ax1.set_xticks(range(len(cats)), [shape(category_title(p.customer, c, loc), loc) for c in cats])
    ax1.set_ylim(0, 110)
    ax1.set_title(shape(p.t("report.chart.compliance"), loc))
    if p.clocks and cats:
        ax1.legend(fontsize=8, loc="lower right")
    days = [d for d, _ in p.per_day]
    counts = [c for _, c in p.per_day]
    ax2.bar(range(len(days)), counts, color="#8172B2")
    step = max(1, len(days) // 10)
    ticks = list(range(0, len(days), step))
    ax2.set_xticks(ticks, [shape(format_date(days[i], loc), loc) for i in ticks], fontsize=7, rotation=30)
    ax2.set_title(shape(p.t("report.chart.per_day"), loc))
    ax2.yaxis.get_major_locator().set_params(integer=True)
    return fig


def render_chart(p: MonthlyProtocol) -> bytes:
    fig = figure(p)
    FigureCanvasAgg(fig)
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
