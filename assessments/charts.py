"""Charts as inline SVG, drawn on the server from plain data.

No ORM, no settings, no translation here: callers hand in the values and every word (already
in the reader's language). The markup is built as an XML tree and serialised by the standard
library, so every text and attribute is escaped; what comes out is one ``<svg>`` element with
``role="img"``, a ``<title>`` and a ``<desc>``, to be inlined in a page beside the data table
that is its accessible alternative. A chart for a right-to-left page is mirrored (``mirrored``):
time runs from right to left and the axis of values stands on the right, while every text
keeps its own reading direction.
"""

# Builds SVG; parses nothing.
import xml.etree.ElementTree as ET  # nosec B405
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.safestring import SafeString, mark_safe

SVG_NS = "http://www.w3.org/2000/svg"
WIDTH = 760
#: One colour per series, told apart in greyscale and by colour-blind readers (Okabe-Ito);
#: each series also has its own marker shape, and the legend names it.
SERIES_COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#000000")
MARKERS = ("circle", "square", "triangle", "diamond")
#: Cell fills of an ordinal scale, lightest for its lowest step (readable in greyscale).
SCALE_FILLS = ("#ffffff", "#e0e0e0", "#fdd49e", "#f16913", "#8c2d04")
TEXT_COLOUR = "#212529"
GRID_COLOUR = "#ced4da"
FONT = "system-ui, sans-serif"


@dataclass(frozen=True)
class Moment:
    """One point in time on the x axis (an assessment): its date, and whether it is approved.

    ``label`` names it in a point's tooltip ("2026-05-01, draft"); ``ref`` is written on its
    points as ``data-ref`` (an assessment's id), for scripts and tests.
    """

    when: date
    approved: bool
    label: str
    ref: str = ""


@dataclass(frozen=True)
class Series:
    """A named line (or row) of values, one per moment: a step of the scale, or None."""

    key: str
    name: str
    values: tuple[int | None, ...]


@dataclass(frozen=True)
class Words:
    """Every word a chart shows, in the reader's language."""

    title: str
    desc: str
    x_label: str
    y_label: str
    approved: str  # the legend's word for a filled point (or a marked column)
    unapproved: str  # and for a hollow one (an unmarked column)


def _el(
    parent: ET.Element | None, tag: str, text: str | None = None, **attrs: object
) -> ET.Element:
    """A child element; ``attrs`` names use ``_`` for ``-`` (``font_size`` is font-size)."""
    values = {name.rstrip("_").replace("_", "-"): _number(value) for name, value in attrs.items()}
    element = ET.Element(tag, values) if parent is None else ET.SubElement(parent, tag, values)
    if text is not None:
        element.text = text
    return element


def _number(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return str(value)


def _svg(ident: str, words: Words, height: float) -> ET.Element:
    svg = _el(
        None,
        "svg",
        xmlns=SVG_NS,
        viewBox=f"0 0 {WIDTH} {_number(height)}",
        role="img",
        aria_labelledby=f"{ident}-title {ident}-desc",
        id=ident,
        class_="chart",
        font_family=FONT,
        font_size=12,
        fill=TEXT_COLOUR,
    )
    _el(svg, "title", words.title, id=f"{ident}-title")
    _el(svg, "desc", words.desc, id=f"{ident}-desc")
    return svg


def _mirror(svg: ET.Element) -> None:
    """Mirror the drawing left to right, each text flipped back so that it reads as it should:
    the mirror then only moves a text, from x to WIDTH - x, and its anchor swaps ends."""
    drawing = [child for child in svg if child.tag not in ("title", "desc")]
    mirror = _el(svg, "g", transform=f"matrix(-1 0 0 1 {WIDTH} 0)")
    for child in drawing:
        svg.remove(child)
        mirror.append(child)
    for text in mirror.iter("text"):
        x = float(text.get("x", "0"))
        flip = f"matrix(-1 0 0 1 {_number(2 * x)} 0)"
        text.set("transform", f"{flip} {text.get('transform', '')}".strip())
        anchor = text.get("text-anchor", "start")
        text.set("text-anchor", {"start": "end", "end": "start"}.get(anchor, anchor))


def _markup(svg: ET.Element, *, mirrored: bool = False) -> SafeString:
    if mirrored:
        _mirror(svg)
    # The tree was built from escaped text and attributes by the serialiser itself.
    return mark_safe(ET.tostring(svg, encoding="unicode"))  # noqa: S308  # nosec


def _iso(day: date) -> str:
    return day.isoformat()


def time_ticks(first: date, last: date, most: int = 6) -> list[date]:
    """Dates evenly spread from ``first`` to ``last`` (both included), at most ``most``."""
    span = (last - first).days
    if span <= 0:
        return [first]
    count = min(most, span + 1)
    return sorted({first + timedelta(days=round(i * span / (count - 1))) for i in range(count)})


def _marker(
    parent: ET.Element, shape: str, x: float, y: float, colour: str, filled: bool
) -> ET.Element:
    fill = colour if filled else "#ffffff"
    common: dict[str, object] = {"stroke": colour, "stroke_width": 1.5, "fill": fill}
    r = 4.5
    if shape == "square":
        return _el(parent, "rect", None, x=x - r, y=y - r, width=2 * r, height=2 * r, **common)
    if shape == "triangle":
        points = f"{_number(x)},{_number(y - r - 1)} {_number(x + r + 1)},{_number(y + r)} "
        points += f"{_number(x - r - 1)},{_number(y + r)}"
        return _el(parent, "polygon", None, points=points, **common)
    if shape == "diamond":
        points = " ".join(
            f"{_number(px)},{_number(py)}"
            for px, py in ((x, y - r - 1), (x + r + 1, y), (x, y + r + 1), (x - r - 1, y))
        )
        return _el(parent, "polygon", None, points=points, **common)
    return _el(parent, "circle", None, cx=x, cy=y, r=r, **common)


def _legend(
    svg: ET.Element, top: float, items: Sequence[tuple[str, ET.Element | None]], left: float
) -> float:
    """Lay out legend entries (a sample drawn by the caller into a group, and a name) in
    rows; return the height used."""
    x, y, row = left, top, 18.0
    for name, sample in items:
        width = 26 + 7 * len(name)
        if x + width > WIDTH - 8 and x > left:
            x, y = left, y + row
        group = _el(svg, "g", transform=f"translate({_number(x)},{_number(y)})", class_="legend")
        if sample is not None:
            group.append(sample)
        _el(group, "text", name, x=18, y=4)
        x += width + 14
    return y - top + row


def level_chart(
    ident: str,
    *,
    words: Words,
    moments: Sequence[Moment],
    series: Sequence[Series],
    scale: Sequence[str],
    mirrored: bool = False,
) -> SafeString:
    """Lines of values on an ordinal ``scale`` (its names on the y axis) over time.

    Points are placed by date. Approved moments are filled points joined by solid lines;
    the others are hollow points, reached by dotted lines. Series that share a value are
    set a few pixels apart so that none hides another.
    """
    left, right, top, step = 128.0, 16.0, 14.0, 44.0
    plot_w = WIDTH - left - right
    plot_h = step * (len(scale) - 1)
    bottom = top + plot_h
    svg = _svg(ident, words, 0)
    axes = _el(svg, "g", class_="axes", font_size=11)
    for rank, name in enumerate(scale):
        y = bottom - rank * step
        _el(axes, "line", x1=left, x2=WIDTH - right, y1=y, y2=y, stroke=GRID_COLOUR)
        _el(axes, "text", name, x=left - 8, y=y + 4, text_anchor="end")
    _el(axes, "line", x1=left, x2=left, y1=top, y2=bottom, stroke=TEXT_COLOUR)
    _el(axes, "line", x1=left, x2=WIDTH - right, y1=bottom, y2=bottom, stroke=TEXT_COLOUR)
    if moments:
        first = min(m.when for m in moments)
        last = max(m.when for m in moments)
        span = (last - first).days

        def x_of(day: date) -> float:
            if span == 0:
                return left + plot_w / 2
            return left + plot_w * (day - first).days / span

        for tick in time_ticks(first, last):
            x = x_of(tick)
            _el(axes, "line", x1=x, x2=x, y1=bottom, y2=bottom + 5, stroke=TEXT_COLOUR)
            anchor = "start" if x < left + 30 else "end" if x > WIDTH - right - 30 else "middle"
            _el(axes, "text", _iso(tick), x=x, y=bottom + 18, text_anchor=anchor)
    _el(axes, "text", words.x_label, x=left + plot_w / 2, y=bottom + 36, text_anchor="middle")
    _el(
        axes,
        "text",
        words.y_label,
        x=14,
        y=top + plot_h / 2,
        text_anchor="middle",
        transform=f"rotate(-90 14 {_number(top + plot_h / 2)})",
    )
    legend: list[tuple[str, ET.Element | None]] = []
    for index, line in enumerate(series):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        shape = MARKERS[index % len(MARKERS)]
        offset = (index - (len(series) - 1) / 2) * 4
        group = _el(svg, "g", class_="series", data_series=line.key)
        solid: list[str] = []
        dotted: list[str] = []
        previous: tuple[float, float, bool] | None = None
        placed: list[tuple[float, float, Moment, int]] = []
        for moment, value in zip(moments, line.values, strict=True):
            if value is None:
                previous = None
                continue
            x, y = x_of(moment.when), bottom - value * step + offset
            if previous is not None:
                px, py, approved = previous
                path = solid if approved and moment.approved else dotted
                path.append(f"M{_number(px)},{_number(py)}L{_number(x)},{_number(y)}")
            previous = (x, y, moment.approved)
            placed.append((x, y, moment, value))
        width = 2.5 if index == len(series) - 1 else 1.75
        if solid:
            _el(group, "path", d="".join(solid), fill="none", stroke=colour, stroke_width=width)
        if dotted:
            _el(
                group,
                "path",
                d="".join(dotted),
                fill="none",
                stroke=colour,
                stroke_width=width,
                stroke_dasharray="2 3",
            )
        for x, y, moment, value in placed:
            point = _marker(group, shape, x, y, colour, moment.approved)
            point.set("class", "point")
            point.set("data-ref", moment.ref)
            point.set("data-approved", "true" if moment.approved else "false")
            _el(point, "title", f"{line.name}, {moment.label}: {scale[value]}")
        sample = _el(None, "g")
        _el(sample, "line", x1=0, x2=14, y1=0, y2=0, stroke=colour, stroke_width=width)
        _marker(sample, shape, 7, 0, colour, True)
        legend.append((line.name, sample))
    filled = _el(None, "g")
    _marker(filled, "circle", 7, 0, TEXT_COLOUR, True)
    hollow = _el(None, "g")
    _marker(hollow, "circle", 7, 0, TEXT_COLOUR, False)
    legend += [(words.approved, filled), (words.unapproved, hollow)]
    used = _legend(svg, bottom + 60, legend, left=8)
    height = bottom + 60 + used
    svg.set("viewBox", f"0 0 {WIDTH} {_number(height)}")
    return _markup(svg, mirrored=mirrored)


def strip_chart(
    ident: str,
    *,
    words: Words,
    moments: Sequence[Moment],
    rows: Sequence[Series],
    scale: Sequence[str],
    mirrored: bool = False,
) -> SafeString:
    """A heat strip: one row per series, one column per moment (in date order, evenly
    spaced), each cell shaded by its step on the ordinal ``scale`` (None: its first step).

    A last row marks the approved moments (a dark cell) and leaves the others empty.
    """
    left, right, top, row_h = 64.0, 16.0, 8.0, 16.0
    plot_w = WIDTH - left - right
    column = plot_w / max(len(moments), 1)
    svg = _svg(ident, words, 0)
    cells = _el(svg, "g", class_="cells", stroke="#ffffff", stroke_width=0.5 if column > 3 else 0)
    for index, row in enumerate(rows):
        y = top + index * row_h
        _el(svg, "text", row.name, x=left - 8, y=y + row_h - 4, text_anchor="end", font_size=11)
        group = _el(cells, "g", class_="row", data_series=row.key)
        for position, (moment, value) in enumerate(zip(moments, row.values, strict=True)):
            step = value or 0
            cell = _el(
                group,
                "rect",
                x=left + position * column,
                y=y,
                width=column,
                height=row_h,
                fill=SCALE_FILLS[step % len(SCALE_FILLS)],
                class_="cell",
                data_ref=moment.ref,
            )
            _el(cell, "title", f"{row.name}, {moment.label}: {scale[step]}")
    status_y = top + len(rows) * row_h + 4
    _el(svg, "text", words.approved, x=left - 8, y=status_y + 9, text_anchor="end", font_size=10)
    _el(
        svg,
        "rect",
        x=left,
        y=status_y,
        width=plot_w,
        height=10,
        fill="none",
        stroke=GRID_COLOUR,
    )
    status = _el(svg, "g", class_="status")
    for position, moment in enumerate(moments):
        if moment.approved:
            _el(
                status,
                "rect",
                x=left + position * column,
                y=status_y,
                width=column,
                height=10,
                fill=TEXT_COLOUR,
                data_ref=moment.ref,
            )
    bottom = status_y + 10
    if moments:
        count = len(moments)
        picks = sorted({round(i * (count - 1) / 5) for i in range(min(count, 6))})
        for position in picks:
            x = left + (position + 0.5) * column
            _el(svg, "line", x1=x, x2=x, y1=bottom, y2=bottom + 5, stroke=TEXT_COLOUR)
            anchor = "start" if x < left + 30 else "end" if x > WIDTH - right - 30 else "middle"
            _el(
                svg,
                "text",
                _iso(moments[position].when),
                x=x,
                y=bottom + 18,
                text_anchor=anchor,
                font_size=11,
            )
    _el(svg, "text", words.x_label, x=left + plot_w / 2, y=bottom + 36, text_anchor="middle")
    legend: list[tuple[str, ET.Element | None]] = []
    for step, name in enumerate(scale):
        sample = _el(None, "g")
        _el(
            sample,
            "rect",
            x=0,
            y=-6,
            width=14,
            height=12,
            fill=SCALE_FILLS[step % len(SCALE_FILLS)],
            stroke=GRID_COLOUR,
        )
        legend.append((name, sample))
    marked = _el(None, "g")
    _el(marked, "rect", x=0, y=-5, width=14, height=10, fill=TEXT_COLOUR)
    legend.append((words.approved, marked))
    unmarked = _el(None, "g")
    _el(unmarked, "rect", x=0, y=-5, width=14, height=10, fill="none", stroke=GRID_COLOUR)
    legend.append((words.unapproved, unmarked))
    used = _legend(svg, bottom + 58, legend, left=8)
    height = bottom + 58 + used
    svg.set("viewBox", f"0 0 {WIDTH} {_number(height)}")
    return _markup(svg, mirrored=mirrored)
