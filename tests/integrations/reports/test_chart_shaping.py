"""Persian chart labels are shaped (joined letters) and laid out right to left. matplotlib does that
through libraqm from 3.11 on; 3.10 draws the isolated letters left to right, so the requirement must
exclude it.

The reference is the same word written in Unicode's Arabic presentation forms (each letter already in
its joined form): a shaping layout draws both identically, an unshaped one does not (on matplotlib
3.10.8, 1,800 of the pixels differ)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
from matplotlib import ft2font
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from packaging.requirements import Requirement

from commands.domain.i18n.catalog import MESSAGES

ROOT = Path(__file__).resolve().parents[3]
REACTION = "\u0648\u0627\u06a9\u0646\u0634"  # واکنش, the reaction clock in the fa charts
# The same word as it must appear: isolated waw, isolated alef (waw does not join to the left), initial
# keheh, medial noon, final sheen; logical order (the layout puts it right to left).
REACTION_JOINED = "\ufeed\ufe8d\ufb90\ufee8\ufeb6"


def _pixels(text: str) -> np.ndarray:
    fig = Figure(figsize=(3, 1), dpi=100)
    fig.text(0.5, 0.5, text, size=28, ha="center", va="center", family="DejaVu Sans")  # the charts' font
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., 0].copy()


def test_the_requirement_excludes_matplotlib_without_libraqm() -> None:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    (req,) = [Requirement(d) for d in deps if Requirement(d).name == "matplotlib"]
    assert not req.specifier.contains("3.10.8") and req.specifier.contains("3.11.0")


def test_a_persian_label_is_shaped_right_to_left() -> None:
    assert MESSAGES["clock.reaction"]["fa"] == REACTION
    assert ft2font.__libraqm_version__  # matplotlib was built with its text layout engine
    drawn = _pixels(REACTION)
    assert (drawn < 128).sum() > 300  # something was drawn
    assert (drawn != _pixels(REACTION_JOINED)).sum() == 0
    # ...and not the letters one by one, left to right (what matplotlib 3.10 draws)
    isolated = "".join(reversed("\ufeed\ufe8d\ufb8e\ufee5\ufeb5"))
    assert (drawn != _pixels(isolated)).sum() > 300
