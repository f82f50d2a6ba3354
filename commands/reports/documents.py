"""A protocol as plain data — what a signed paper says, already in the reader's language — for an outbound
renderer (integrations/reports/protocol_pdf.py) to draw: the service protocol of an incident and the
maintenance protocol of a completed planned task. No I/O, no PDF here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    """A heading and a table. Without ``headers`` it is a two-column table of label and value."""

    title: str
    rows: tuple[tuple[str, ...], ...]
    headers: tuple[str, ...] = ()
    weights: tuple[float, ...] = ()  # relative column widths (default: equal; label/value 1:3)
    empty: str = "—"  # shown when there are no rows


@dataclass(frozen=True)
class Side:
    """One party's signature block."""

    role: str  # "Contractor"
    party: str  # the company
    name: str  # who signs ("" leaves a line)
    title: str  # their position


@dataclass(frozen=True)
class Document:
    locale: str
    filename: str
    title: str
    subtitle: tuple[str, ...]  # lines under the title: customer, contract, reference
    running: str  # the small header of every page
    sections: tuple[Section, ...]
    signatures: str  # the heading of the signature blocks
    sides: tuple[Side, ...]
    labels: dict[str, str]  # name, title, signature, date, place, page ({page} of {pages})
    place: str = ""
    author: str = ""
