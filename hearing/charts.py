"""Charts for pages and documents: an SVG for the web, a PNG for DOCX/PDF, always with text and a table.

Built on matplotlib (Agg, no pyplot, no network, fonts shipped with matplotlib). Every chart comes as a
:class:`Chart` that carries the same numbers three ways, so no reader depends on seeing the picture
(WCAG 1.1.1 and 1.4.1):

* ``chart.svg``   – an inline ``<svg role="img" aria-labelledby=…>`` with ``<title>`` and ``<desc>``,
  scaled to the width of its container. Put it in a page with ``{{ chart.svg|safe }}`` or, better, the
  macro ``chart_with_table(chart)`` in ``templates/_charts.html`` (figure + caption + text + table).
* ``chart.png``   – PNG bytes (150 dpi) for python-docx (``doc.add_picture(io.BytesIO(chart.png))``);
  ``chart.png_data_uri`` for an ``<img src>`` in a WeasyPrint PDF.
* ``chart.text``  – the text alternative: what the chart shows in one or two sentences (title, largest
  and smallest values, total), for ``alt=`` and for the paragraph under the chart in documents.
* ``chart.table`` – :class:`ChartTable` (``caption``, ``headers``, ``rows`` of formatted strings) with
  every number in the chart; write it as an HTML or DOCX table beside the picture.

The functions take plain data (labels and numbers), never models or a session::

    from hearing import charts
    c = charts.bar_chart("Innspill per gruppe", [("Eldrerådet", 12), ("Ansatte", 30)], value_label="Innspill")
    c.svg, c.png, c.text, c.table.headers, c.table.rows

    charts.grouped_bar_chart("Andel per gruppe", ["Ansatte", "Innbyggere"],
                             {"Forventet": [40, 60], "Faktisk": [70, 30]}, unit="%")
    charts.line_chart("Innspill per uke", ["Uke 1", "Uke 2", "Uke 3"], {"Innspill": [3, 9, 4]})

``unit="%"`` writes values as percentages ("12,5 %"); ``locale`` ("nb", "nn", "en") sets how numbers are
written and defaults to the request's language (bokmål outside a request). Labels on the axes are the
caller's text; translate them before passing them in. Rendering is lazy (``svg``/``png`` are computed on
first use and kept), serialised by a lock (the module may be used from request threads and jobs), and the
last 64 pictures are kept per process, so a page shown again with the same numbers is not drawn again.
"""

from __future__ import annotations

import base64
import io
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from html import escape
from typing import TYPE_CHECKING

from babel.numbers import format_decimal
from flask_babel import gettext as _
from flask_babel import ngettext

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Chart", "ChartTable", "bar_chart", "grouped_bar_chart", "line_chart"]

#: Colours with at least 3:1 contrast against white (WCAG 1.4.11); series also differ by hatch/marker.
COLOURS = ("#0062ba", "#7a3d00", "#1e7a3e", "#6b2a8a", "#474e57")
HATCHES = ("", "///", "...", "xx", "\\\\")
MARKERS = ("o", "s", "^", "D", "v")
TEXT_COLOUR = "#1e2b3c"
GRID_COLOUR = "#c8ced6"

_render_lock = threading.Lock()
_cache_lock = threading.Lock()


def _locale(locale: str | None) -> str:
    if locale:
        return locale
    try:
        from flask_babel import get_locale

        current = get_locale()
    except Exception:  # noqa: BLE001 - outside an app context there is no locale
        current = None
    return str(current.language) if current is not None else "nb"


def format_value(value: float | int | None, *, unit: str = "", locale: str | None = None) -> str:
    """A number as the language writes it: ``12``, ``3,5``, ``12,5 %`` (nb) or ``12.5%`` (en)."""
    if value is None:
        return "–"
    loc = _locale(locale)
    number = format_decimal(value, format="#,##0.#", locale=loc)
    if unit == "%":
        return f"{number}%" if loc == "en" else f"{number}\u00a0%"
    return f"{number}\u00a0{unit}" if unit else number


@dataclass(frozen=True)
class ChartTable:
    """The chart's numbers as a table: ``headers`` and ``rows`` are strings ready to write out."""

    caption: str
    headers: list[str]
    rows: list[list[str]]


@dataclass(eq=False)
class Chart:
    """One chart: ``svg`` (page), ``png`` (documents), ``text`` (alternative) and ``table`` (numbers)."""

    title: str
    text: str
    table: ChartTable
    _draw: object = field(repr=False)
    #: What the picture is drawn from (kind, texts, numbers): equal keys draw the same picture.
    _key: tuple = field(default=(), repr=False)
    #: id prefix of the SVG's <title>/<desc>; unique so that several charts can share a page.
    chart_id: str = field(default_factory=lambda: "chart-" + uuid.uuid4().hex[:10])

    @cached_property
    def svg(self) -> str:
        """Inline SVG with role="img", <title> and <desc>, scaled to its container's width."""
        raw = _cached(self._key, "svg", self._draw).decode("utf-8")
        return _accessible_svg(raw, self.chart_id, self.title, self.text)

    @cached_property
    def png(self) -> bytes:
        """PNG bytes at 150 dpi for DOCX (python-docx ``add_picture``) and PDF."""
        return _cached(self._key, "png", self._draw)

    @property
    def png_data_uri(self) -> str:
        """``data:image/png;base64,…`` for an <img> in a WeasyPrint PDF (no file, no network)."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")

    def __html__(self) -> str:  # {{ chart }} in Jinja writes the SVG
        return self.svg


# --- public functions ------------------------------------------------------------------------------


def bar_chart(
    title: str,
    data: Sequence[tuple[str, float | int]] | Mapping[str, float | int],
    *,
    value_label: str = "",
    category_label: str = "",
    unit: str = "",
    description: str = "",
    locale: str | None = None,
) -> Chart:
    """Horizontal bars, one per category, in the given order, each with its value written at its end.

    ``data`` is ``[(label, value), …]`` or a mapping. ``value_label`` names the numbers ("Innspill"),
    ``category_label`` the first column of the table ("Gruppe"). ``description`` replaces the automatic
    text alternative (keep the automatic one unless you have something better to say).
    """
    items = list(data.items()) if isinstance(data, Mapping) else [(str(k), v) for k, v in data]
    labels = [str(k) for k, _v in items]
    values = [float(v or 0) for _k, v in items]
    loc = _locale(locale)
    text = description or _summary(title, labels, values, unit=unit, locale=loc)
    table = ChartTable(
        caption=title,
        headers=[category_label or _("Kategori"), value_label or _("Antall")],
        rows=[[label, format_value(v, unit=unit, locale=loc)] for label, v in zip(labels, values, strict=True)],
    )

    def draw(fig: Figure) -> None:
        height = max(1.6, 0.42 * len(labels) + 1.0)
        fig.set_size_inches(7.2, height)
        ax = fig.add_subplot()
        positions = list(range(len(labels)))
        bars = ax.barh(positions, values, color=COLOURS[0], height=0.6)
        ax.set_yticks(positions, labels=[_short(lb) for lb in labels])
        ax.invert_yaxis()  # first item on top, as in the table
        top = max(values, default=0) or 1
        if unit == "%":
            top = max(top, 100)  # a share is read against the whole: 33 % fills a third of the axis, 0 % shows 0–100
        ax.set_xlim(0, top * 1.18)
        for bar, v in zip(bars, values, strict=True):
            ax.text(bar.get_width() + top * 0.01, bar.get_y() + bar.get_height() / 2,
                    format_value(v, unit=unit, locale=loc), va="center", fontsize=9, color=TEXT_COLOUR)
        _style_axes(ax, xlabel=value_label, grid_axis="x")
        _value_ticks(ax.xaxis, values, unit=unit, locale=loc)
        if not labels:
            _empty(ax)

    return Chart(title=title, text=text, table=table, _draw=draw,
                 _key=("bar", title, tuple(labels), tuple(values), value_label, unit, loc))


def _series(title, labels, series, *, what, first_header, description, unit, locale):
    """Several series over the same labels: checked, with their text alternative and numbers table
    (one piece for the grouped bars and the lines)."""
    labels = [str(x) for x in labels]
    named = [(str(name), [float(v or 0) for v in vals]) for name, vals in series.items()]
    for name, vals in named:
        if len(vals) != len(labels):
            raise ValueError(f"series {name!r} has {len(vals)} values for {len(labels)} {what}")
    loc = _locale(locale)
    text = description or _series_summary(title, labels, named, unit=unit, locale=loc, over_time=what == "points")
    table = ChartTable(
        caption=title,
        headers=[first_header, *[name for name, _v in named]],
        rows=[[x, *[format_value(vals[i], unit=unit, locale=loc) for _n, vals in named]] for i, x in enumerate(labels)],
    )
    return labels, named, loc, text, table


def grouped_bar_chart(
    title: str,
    categories: Sequence[str],
    series: Mapping[str, Sequence[float | int]],
    *,
    value_label: str = "",
    category_label: str = "",
    unit: str = "",
    description: str = "",
    locale: str | None = None,
) -> Chart:
    """Horizontal bars for several series per category (e.g. "Forventet" beside "Faktisk" per group).

    ``series`` maps a series name to one value per category. Series differ by colour *and* hatch, with a
    legend, so the chart reads in greyscale too.
    """
    cats, named, loc, text, table = _series(title, categories, series, what="categories",
                                            first_header=category_label or _("Kategori"),
                                            description=description, unit=unit, locale=locale)

    def draw(fig: Figure) -> None:
        n = max(len(named), 1)
        fig.set_size_inches(7.2, max(1.8, (0.28 * n + 0.2) * len(cats) + 1.3))
        ax = fig.add_subplot()
        width = 0.8 / n
        top = max((max(vals, default=0) for _n, vals in named), default=0) or 1
        for s, (name, vals) in enumerate(named):
            pos = [i - 0.4 + width * (s + 0.5) for i in range(len(cats))]
            bars = ax.barh(pos, vals, height=width * 0.92, label=name, color=COLOURS[s % len(COLOURS)],
                           hatch=HATCHES[s % len(HATCHES)], edgecolor="white", linewidth=0)
            for bar, v in zip(bars, vals, strict=True):
                ax.text(bar.get_width() + top * 0.01, bar.get_y() + bar.get_height() / 2,
                        format_value(v, unit=unit, locale=loc), va="center", fontsize=8, color=TEXT_COLOUR)
        ax.set_yticks(range(len(cats)), labels=[_short(c) for c in cats])
        ax.invert_yaxis()
        ax.set_xlim(0, top * 1.2)
        _style_axes(ax, xlabel=value_label, grid_axis="x")
        _value_ticks(ax.xaxis, [v for _n, vals in named for v in vals], unit=unit, locale=loc)
        if named and cats:
            ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=n, frameon=False, fontsize=9)
        else:
            _empty(ax)

    return Chart(title=title, text=text, table=table, _draw=draw,
                 _key=("grouped", title, tuple(cats), tuple((n, tuple(v)) for n, v in named), value_label, unit, loc))


def line_chart(
    title: str,
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[float | int]],
    *,
    value_label: str = "",
    category_label: str = "",
    unit: str = "",
    description: str = "",
    locale: str | None = None,
) -> Chart:
    """Lines over an ordered axis (weeks, months), one per series, each with its own marker."""
    xs, named, loc, text, table = _series(title, x_labels, series, what="points",
                                          first_header=category_label or _("Periode"),
                                          description=description, unit=unit, locale=locale)

    def draw(fig: Figure) -> None:
        fig.set_size_inches(7.2, 3.2)
        ax = fig.add_subplot()
        for s, (name, vals) in enumerate(named):
            ax.plot(range(len(xs)), vals, label=name, color=COLOURS[s % len(COLOURS)],
                    marker=MARKERS[s % len(MARKERS)], linewidth=2, markersize=5)
        step = max(1, len(xs) // 12)  # at most about 12 labels on the axis; the table has them all
        ax.set_xticks(range(0, len(xs), step), labels=[_short(x, 12) for x in xs[::step]])
        ax.set_ylim(bottom=0)
        _style_axes(ax, xlabel=category_label, ylabel=value_label, grid_axis="y")
        _value_ticks(ax.yaxis, [v for _n, vals in named for v in vals], unit=unit, locale=loc)
        if len(named) > 1:
            ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=len(named), frameon=False, fontsize=9)
        if not xs:
            _empty(ax)

    return Chart(title=title, text=text, table=table, _draw=draw,
                 _key=("line", title, tuple(xs), tuple((n, tuple(v)) for n, v in named), value_label,
                       category_label, unit, loc))


# --- helpers ---------------------------------------------------------------------------------------


def _short(label: str, limit: int = 34) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _style_axes(ax, *, xlabel: str = "", ylabel: str = "", grid_axis: str = "x") -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(GRID_COLOUR)
    ax.tick_params(colors=TEXT_COLOUR, labelsize=9)
    ax.grid(axis=grid_axis, color=GRID_COLOUR, linewidth=0.6)
    ax.set_axisbelow(True)
    if xlabel:
        ax.set_xlabel(xlabel, color=TEXT_COLOUR, fontsize=9)
    if ylabel:
        ax.set_ylabel(ylabel, color=TEXT_COLOUR, fontsize=9)


def _value_ticks(axis, values: Sequence[float], *, unit: str, locale: str) -> None:
    """The value axis's ticks: whole numbers only when every value is whole (a count has no "0.5 measures"),
    written as the language writes numbers ("2,5", "20 %"), as the bars' own labels and the table are."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    if all(float(v).is_integer() for v in values):
        axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: format_value(v, unit=unit, locale=locale)))


def _empty(ax) -> None:
    ax.text(0.5, 0.5, _("Ingen tall ennå"), transform=ax.transAxes, ha="center", va="center",
            color=TEXT_COLOUR, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])


def _summary(title: str, labels: list[str], values: list[float], *, unit: str, locale: str) -> str:
    if not labels:
        return _("%(title)s: ingen tall ennå.", title=title)
    fmt = lambda v: format_value(v, unit=unit, locale=locale)  # noqa: E731
    hi = max(range(len(values)), key=values.__getitem__)
    lo = min(range(len(values)), key=values.__getitem__)
    parts = [ngettext("%(title)s, %(num)d kategori.", "%(title)s, %(num)d kategorier.", len(labels), title=title),
             _("Høyest: %(label)s (%(value)s).", label=labels[hi], value=fmt(values[hi]))]
    if len(labels) > 1:
        parts.append(_("Lavest: %(label)s (%(value)s).", label=labels[lo], value=fmt(values[lo])))
    if unit != "%":
        parts.append(_("Til sammen %(total)s.", total=fmt(sum(values))))
    return " ".join(parts)


def _series_summary(title: str, cats: list[str], named: list[tuple[str, list[float]]], *, unit: str,
                    locale: str, over_time: bool = False) -> str:
    if not cats or not named:
        return _("%(title)s: ingen tall ennå.", title=title)
    if over_time and len(cats) == 1:  # lines over weeks or months: how many, from when to when
        parts = [_("%(title)s, én periode: %(first)s.", title=title, first=cats[0])]
    elif over_time:
        parts = [_("%(title)s, %(num)d perioder fra %(first)s til %(last)s.", title=title, num=len(cats),
                   first=cats[0], last=cats[-1])]
    else:
        parts = [ngettext("%(title)s, %(num)d kategori.", "%(title)s, %(num)d kategorier.", len(cats), title=title)]
    for name, vals in named:
        hi = max(range(len(vals)), key=vals.__getitem__)
        parts.append(_("%(series)s: høyest %(label)s (%(value)s).", series=name, label=cats[hi],
                       value=format_value(vals[hi], unit=unit, locale=locale)))
    parts.append(_("Alle tallene står i tabellen."))
    return " ".join(parts)


#: Drawn pictures by (key, format), newest last: a page shown again with the same numbers is not drawn
#: again. Per process and bounded; ids are made unique per chart after the cache (_accessible_svg).
_drawn: OrderedDict[tuple, bytes] = OrderedDict()
CACHE_SIZE = 64


def _cached(key: tuple, fmt: str, draw) -> bytes:
    if not key:
        return _render(draw, fmt, salt="hearing")
    with _cache_lock:
        hit = _drawn.get((key, fmt))
        if hit is not None:
            _drawn.move_to_end((key, fmt))
            return hit
    data = _render(draw, fmt, salt="hearing")
    with _cache_lock:
        _drawn[(key, fmt)] = data
        while len(_drawn) > CACHE_SIZE:
            _drawn.popitem(last=False)
    return data


def _render(draw, fmt: str, *, salt: str) -> bytes:
    """Draw the figure and save it as SVG or PNG; the lock keeps rcParams per figure."""
    # Imported on the first chart drawn, not with the app: half a second of every process's start-up
    # (web workers, job workers, commands), most of which never draw one.
    import matplotlib

    matplotlib.use("Agg")  # before anything else imports pyplot; we never do
    from matplotlib.figure import Figure

    rc = {
        "font.family": "DejaVu Sans",
        "svg.fonttype": "none",  # text stays text in the SVG (smaller, sharp, selectable)
        "svg.hashsalt": salt,  # ids of clip paths differ between charts on one page
        "text.color": TEXT_COLOUR,
    }
    buf = io.BytesIO()
    with _render_lock, matplotlib.rc_context(rc):
        fig = Figure(dpi=150)
        draw(fig)
        fig.tight_layout()
        fig.savefig(buf, format=fmt, metadata={"Date": None} if fmt == "svg" else None,
                    dpi=150, facecolor="white")
    return buf.getvalue()


#: CSS properties matplotlib writes that are SVG presentation attributes of the same name.
_PRESENTATION = {
    "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin",
    "stroke-opacity", "stroke-dasharray", "stroke-dashoffset", "stroke-miterlimit", "opacity", "font-size",
    "font-family", "font-weight", "font-style", "text-anchor", "clip-path", "dominant-baseline",
}


def _style_to_attributes(match: re.Match) -> str:
    attrs = []
    for decl in match.group(1).split(";"):
        name, sep, value = decl.partition(":")
        name, value = name.strip(), value.strip()
        if name == "font-family":  # the browser may lack DejaVu Sans: a sans-serif of similar width
            value = "DejaVu Sans, Verdana, Arial, sans-serif"
        if sep and name in _PRESENTATION:
            attrs.append(f' {name}="{escape(value, quote=True)}"')
    return "".join(attrs)


_SVG_OPEN = re.compile(r"<svg\b[^>]*>", re.S)


def _accessible_svg(raw: str, chart_id: str, title: str, text: str) -> str:
    """Strip the XML prologue, make the SVG scale, and give it role="img" with a <title> and <desc>."""
    start = raw.find("<svg")
    body = raw[start:]
    opening = _SVG_OPEN.match(body)
    if opening is None:  # pragma: no cover - matplotlib always writes one
        raise ValueError("matplotlib wrote no <svg> element")
    view_box = re.search(r'viewBox="([^"]+)"', opening.group(0))
    new_open = (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'viewBox="{view_box.group(1) if view_box else "0 0 518 230"}" id="{chart_id}" class="chart-svg" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false" '
        f'preserveAspectRatio="xMinYMin meet" stroke-linejoin="round" stroke-linecap="butt">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(text)}</desc>'
    )
    body = body[opening.end():]
    # matplotlib's own <metadata> (RDF about the generator) says nothing to a reader
    body = re.sub(r"<metadata>.*?</metadata>", "", body, flags=re.S)
    # matplotlib names every group (id="patch_1", "text_3"): the same ids in each chart would clash on a
    # page with two charts. Ids nothing refers to go; the referenced ones (clip paths, markers) get a prefix.
    referenced = set(re.findall(r"#([A-Za-z_][\w.\-]*)", body))

    def _id(match: re.Match) -> str:
        name = match.group(1)
        return f' id="{chart_id}-{name}"' if name in referenced else ""

    body = re.sub(r' id="([^"]+)"', _id, body)
    # The pages' Content-Security-Policy (style-src 'self') blocks <style> elements and style attributes,
    # which would leave every shape black: matplotlib's one rule is on the root as attributes (above), and
    # each style="a: b" becomes SVG presentation attributes a="b", which no policy blocks.
    body = re.sub(r"<style\b.*?</style>", "", body, flags=re.S)
    body = re.sub(r' style="([^"]*)"', _style_to_attributes, body)
    body = re.sub(r'(url\(#|href="#)([A-Za-z_][\w.\-]*)', lambda m: f"{m.group(1)}{chart_id}-{m.group(2)}", body)
    return (new_open + body).strip()
