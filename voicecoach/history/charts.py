"""The report's charts, drawn by matplotlib as SVG text to put inside the page.

matplotlib is imported only here, and only when a chart is drawn: nothing that listens or
speaks pays for loading it. Charts are `matplotlib.figure.Figure`s saved as SVG, not pyplot's:
no backend is chosen, no display is needed and no state is left behind. SVG is vector, so the
charts print sharp on A4 at any zoom; its text is drawn as paths, so a browser without the
fonts shows the same picture.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH_IN = 5.0  # two thirds of A4's width inside its margins: the numbers go beside it
HEIGHT_IN = 2.6
# Colours told apart with the common kinds of colour blindness (Okabe and Ito), and in grey.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


def _figure() -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), layout="constrained")
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    return figure, axes


def _svg(figure: Figure, name: str) -> str:
    """The figure as an `<svg>` element. `name` seeds the ids inside it, so that several
    charts on one page never share an id."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": name, "svg.fonttype": "path"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _whole_numbers(axes: Axes, axis: str = "y") -> None:
    """Counts are ticked 0, 1, 2, never 0.25."""
    from matplotlib.ticker import MaxNLocator

    (axes.yaxis if axis == "y" else axes.xaxis).set_major_locator(MaxNLocator(integer=True))


def week_bars(name: str, weeks: Sequence[str], values: Sequence[float], label: str) -> str:
    """One bar per week: sessions, or minutes."""
    figure, axes = _figure()
    axes.bar(range(len(weeks)), values, color=PALETTE[0])
    _week_axis(axes, weeks)
    axes.set_ylabel(label)
    _whole_numbers(axes)
    return _svg(figure, name)


def weekly_lines(name: str, weeks: Sequence[str], series: Sequence[tuple[str, Sequence[int]]],
                 label: str) -> str:
    """One line per area over the weeks, with a marker at every week, so a trend shows."""
    figure, axes = _figure()
    for (area, counts), colour in zip(series, _colours(len(series)), strict=True):
        axes.plot(range(len(weeks)), counts, marker="o", color=colour, label=area)
    _week_axis(axes, weeks)
    axes.set_ylabel(label)
    axes.set_ylim(bottom=0)
    _whole_numbers(axes)
    # Outside the axes: a legend inside would hide the points of some week.
    axes.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _svg(figure, name)


def named_bars(name: str, values: Sequence[tuple[str, float]], label: str, *,
               counts: bool = True) -> str:
    """One horizontal bar per name (an area, an ending, a change), the first at the top;
    `counts`: the values are whole numbers (sessions, times), not minutes."""
    figure, axes = _figure()
    figure.set_size_inches(WIDTH_IN, 0.6 + 0.35 * max(len(values), 2))
    names = [item for item, _ in values]
    axes.barh(range(len(values)), [value for _, value in values], color=PALETTE[0])
    axes.set_yticks(range(len(values)), names)
    axes.invert_yaxis()
    axes.set_xlabel(label)
    axes.grid(axis="y", visible=False)
    axes.grid(axis="x", color="#dddddd", linewidth=0.6)
    if counts:
        _whole_numbers(axes, "x")
    return _svg(figure, name)


def _week_axis(axes: Axes, weeks: Sequence[str]) -> None:
    # Every week named while they fit; beyond a dozen, every second or third.
    step = max(1, -(-len(weeks) // 12))
    axes.set_xticks(range(0, len(weeks), step), list(weeks)[::step])
    axes.set_xlabel("week starting")


def _colours(count: int) -> list[Any]:
    return [PALETTE[n % len(PALETTE)] for n in range(count)]
