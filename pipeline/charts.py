"""What the charts show, computed once for the page's SVG and the PNG figures alike.

Periods sit on a time axis at their midpoints (so the years between 1964 and 1975 take room
and no line crosses them), each theme's panel is scaled to its own data unless a common scale
is asked for, and points are joined only between neighbouring periods with enough text.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING

from .i18n import short, tr
from .periods import PeriodScheme, scheme
from .report import ALL, Cell, ReportRun

if TYPE_CHECKING:
    from collections.abc import Callable

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#7f7f7f", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]
OTHER_COLOR = "#7f7f7f"
#: Upper ends a panel's scale is rounded up to (shares).
NICE = (0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0)


def theme_colors(labels: list[str]) -> dict[str, str]:
    """Fixed colours by position, with the fallback theme `other` always grey."""
    colors = {}
    rest = [c for c in PALETTE if c != OTHER_COLOR]
    for i, t in enumerate(x for x in labels if x != "other"):
        colors[t] = rest[i % len(rest)]
    if "other" in labels:
        colors["other"] = OTHER_COLOR
    return colors


def nice_max(v: float) -> float:
    """The smallest of NICE at or above v (a scale's top)."""
    return next((n for n in NICE if n >= v - 1e-12), 1.0)


@dataclass
class Point:
    period: str
    x: float  # the period's midpoint in decimal years
    cell: Cell
    ok: bool  # enough text: drawn filled and joined to its neighbours


@dataclass
class Series:
    theme: str
    points: list[Point]
    runs: list[list[Point]]  # points joined by a line: neighbours in time, each with enough text
    ymax: float


@dataclass
class Axis:
    x0: float
    x1: float
    ticks: list[tuple[float, str]]
    gaps: list[tuple[float, float, str, str]]  # (from, to, last period before, first after)
    spans: dict[str, tuple[float, float]] = field(default_factory=dict)  # period -> (start, end)


@dataclass
class ChartData:
    axis: Axis
    series: dict[str, Series]
    main: list[str]  # the substantive themes, drawn first
    fallback: str | None  # the catch-all theme, drawn apart
    periods: list[str]


def report_scheme(run: ReportRun) -> PeriodScheme:
    """The report's period scheme (a report built without one used a named scheme)."""
    return run.report.scheme or scheme(run.report.period)


def _axis(sch: PeriodScheme, periods: list[str]) -> Axis:
    spans = {p: sch.bounds(p) for p in periods}
    x0, x1 = spans[periods[0]][0], spans[periods[-1]][1]
    gaps = [(spans[a][1], spans[b][0], a, b) for a, b in pairwise(periods)
            if not sch.adjacent(a, b)]
    n = len(periods)
    if n <= 10 or x1 - x0 < 4:
        step = max(1, math.ceil(n / 8))
        ticks = [((spans[p][0] + spans[p][1]) / 2, short(p)) for p in periods[::step]]
    else:
        span = x1 - x0
        ystep = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100) if span / s <= 8)
        first = math.ceil(x0 / ystep) * ystep
        ticks = [(float(y), str(y)) for y in range(int(first), math.floor(x1) + 1, ystep)]
    return Axis(x0, x1, ticks, gaps, spans)


def chart_data(run: ReportRun, group: str = ALL) -> ChartData:
    """Points, joins and scales of every theme for one group (the same for page and PNGs)."""
    from .summary import main_themes

    rep = run.report
    sch = report_scheme(run)
    periods = [p for p in rep.periods if rep.has(p, group)]
    axis = _axis(sch, periods)
    series: dict[str, Series] = {}
    for theme in rep.labels:
        pts = [Point(p, (axis.spans[p][0] + axis.spans[p][1]) / 2, c, not c.too_few)
               for p in periods for c in [rep.cell(p, group, theme)]]
        runs: list[list[Point]] = []
        prev: Point | None = None
        for pt in pts:
            if pt.ok and prev is not None and prev.ok and sch.adjacent(prev.period, pt.period):
                runs[-1].append(pt)
            elif pt.ok:
                runs.append([pt])
            prev = pt
        top = max([max(p.cell.ci_high, p.cell.share_raw) if p.ok else p.cell.share_corrected for p in pts] or [0.0])
        series[theme] = Series(theme, pts, runs, nice_max(max(top, 0.005)))
    main = main_themes(run)
    fb = next((t for t in rep.labels if t not in main), None)
    if getattr(run, "view", None) is not None and run.view.common_scale:
        top = max(s.ymax for s in series.values())
        for s in series.values():
            s.ymax = top
    return ChartData(axis, series, main, fb, periods)


def pct_tick(v: float, ymax: float) -> str:
    """A tick label with as many decimals as the scale needs (2.5%, 10%)."""
    return f"{v * 100:.1f}%" if ymax < 0.1 and round(v * 1000) % 10 else f"{v * 100:.0f}%"


def y_ticks(ymax: float) -> list[float]:
    """Four or five round ticks from 0 to the top."""
    for step in (0.0025, 0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25):
        if ymax / step <= 5 + 1e-9:
            return [i * step for i in range(round(ymax / step) + 1) if i * step <= ymax + 1e-9]
    return [0.0, ymax]


# ---------------------------------------------------------------- the page's SVG


def esc(x: object) -> str:
    return html.escape(str(x), quote=True)


W, H, ML, MR, MT, MB = 330, 210, 44, 10, 26, 38


def svg_panels(run: ReportRun, group: str, key: Callable[[str, str, str], int], pct: Callable[[float], str]) -> str:
    """The themes' panels (the catch-all and the composition apart), one SVG each."""
    data = chart_data(run, group)
    colors = theme_colors(run.report.labels)
    ui = run.view.ui
    main = "".join(_svg_theme(run, data, t, group, colors[t], key, pct) for t in data.main)
    rest = "".join(_svg_theme(run, data, t, group, colors[t], key, pct) for t in [data.fallback] if t)
    rest += svg_composition(run, data, group, key, pct)
    scale = tr(ui, "scale_common" if run.view.common_scale else "scale_own")
    return (f'<div class="panels main" data-scale="{"common" if run.view.common_scale else "own"}">{main}</div>'
            f'<p class="note">{esc(scale)}</p><h3>{esc(tr(ui, "h_other_panel"))}</h3>'
            f'<div class="panels apart">{rest}</div>')


def _xmap(axis: Axis) -> Callable[[float], float]:
    pw = W - ML - MR
    span = max(axis.x1 - axis.x0, 1e-9)
    return lambda x: ML + pw * (x - axis.x0) / span


def _x_axis(axis: Axis, xp: Callable[[float], float], ui: str) -> list[str]:
    parts = []
    for a, b, pa, pb in axis.gaps:
        parts.append(f'<rect class="gap" x="{xp(a):.1f}" y="{MT}" width="{max(1.0, xp(b) - xp(a)):.1f}" '
                     f'height="{H - MT - MB}"><title>{esc(tr(ui, "tip_gap", a=pa, b=pb))}</title></rect>')
    for x, label in axis.ticks:
        parts.append(f'<text class="xtick" x="{xp(x):.1f}" y="{H - MB + 14}" '
                     f'transform="rotate(-40 {xp(x):.1f} {H - MB + 14})">{esc(label)}</text>')
    return parts


def _svg_theme(run: ReportRun, data: ChartData, theme: str, group: str, c: str,
               key: Callable[[str, str, str], int], pct: Callable[[float], str]) -> str:
    ui = run.view.ui
    s = data.series[theme]
    ph = H - MT - MB
    xp = _xmap(data.axis)

    def yp(v: float) -> float:
        return MT + ph * (1 - min(v, s.ymax) / s.ymax)

    name = run.names[theme]
    parts = [f'<svg class="panel" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" '
             f'aria-label="{esc(name)}" data-theme="{esc(theme)}" data-ymax="{s.ymax:g}">',
             f'<text class="ptitle" x="{ML}" y="16" data-k="{key(ALL, group, theme)}">{esc(name)}</text>']
    for v in y_ticks(s.ymax):
        parts.append(f'<line class="grid" x1="{ML}" x2="{W - MR}" y1="{yp(v):.1f}" y2="{yp(v):.1f}"/>'
                     f'<text class="ytick" x="{ML - 4}" y="{yp(v) + 3:.1f}">{pct_tick(v, s.ymax)}</text>')
    parts += _x_axis(data.axis, xp, ui)
    for r in s.runs:
        if len(r) < 2:
            continue
        top = " ".join(f"{xp(p.x):.1f},{yp(p.cell.ci_high):.1f}" for p in r)
        bot = " ".join(f"{xp(p.x):.1f},{yp(p.cell.ci_low):.1f}" for p in reversed(r))
        parts.append(f'<polygon class="band" points="{top} {bot}" fill="{c}"/>')
        parts.append('<polyline class="raw" points="'
                     + " ".join(f"{xp(p.x):.1f},{yp(p.cell.share_raw):.1f}" for p in r) + '"/>')
        parts.append(f'<polyline class="corr" stroke="{c}" points="'
                     + " ".join(f"{xp(p.x):.1f},{yp(p.cell.share_corrected):.1f}" for p in r) + '"/>')
    joined = {p.period for r in s.runs if len(r) > 1 for p in r}
    for p in s.points:
        row = p.cell
        tip = tr(ui, "tip_point", period=p.period, name=name, share=pct(row.share_corrected), lo=pct(row.ci_low),
                 hi=pct(row.ci_high), raw=pct(row.share_raw), n=row.n_sentences, s=row.n_statements)
        if not p.ok:
            tip += f" — {row.warning}"
        if p.period not in joined:  # a point on its own shows its interval as a whisker
            parts.append(f'<line class="whisker" x1="{xp(p.x):.1f}" x2="{xp(p.x):.1f}" y1="{yp(row.ci_low):.1f}" '
                         f'y2="{yp(row.ci_high):.1f}" stroke="{c}"/>')
        parts.append(f'<circle class="pt{"" if p.ok else " few"}" cx="{xp(p.x):.1f}" '
                     f'cy="{yp(row.share_corrected):.1f}" r="{3.5 if p.ok else 4}" stroke="{c}" '
                     f'fill="{c if p.ok else "#fff"}" data-k="{key(p.period, group, theme)}" data-period="'
                     f'{esc(p.period)}" tabindex="0"><title>{esc(tip)}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


def svg_composition(run: ReportRun, data: ChartData, group: str, key: Callable[[str, str, str], int],
                    pct: Callable[[float], str]) -> str:
    """All themes stacked (corrected shares): one clickable column per period, as wide as the
    period, so gaps in time stay visible."""
    rep = run.report
    ui = run.view.ui
    ph = H - MT - MB
    xp = _xmap(data.axis)
    colors = theme_colors(rep.labels)
    order = [*data.main, *([data.fallback] if data.fallback else [])]
    parts = [f'<svg class="panel comp" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" '
             f'aria-label="{esc(tr(ui, "composition"))}">',
             f'<text class="ptitle" x="{ML}" y="16">{esc(tr(ui, "composition"))}</text>']
    for p in data.periods:
        a, b = data.axis.spans[p]
        x, w = xp(a), max(1.0, xp(b) - xp(a))
        y = float(MT + ph)
        for t in order:
            v = rep.cell(p, group, t).share_corrected
            y -= ph * v
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w + 0.3:.1f}" height="{ph * v:.1f}" '
                         f'fill="{colors[t]}" opacity="0.85"/>')
        allk = " ".join(str(key(p, group, t)) for t in rep.labels)
        tip = ", ".join(f"{run.names[t]} {pct(rep.cell(p, group, t).share_corrected)}" for t in order)
        parts.append(f'<rect class="col" x="{x:.1f}" y="{MT}" width="{w:.1f}" height="{ph}" data-k="{allk}">'
                     f"<title>{esc(p)}: {esc(tip)}</title></rect>")
    for v in (0, 0.5, 1):
        parts.append(f'<text class="ytick" x="{ML - 4}" y="{MT + ph * (1 - v) + 3:.1f}">{v:.0%}</text>')
    parts += _x_axis(data.axis, xp, ui)
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------- readable table cells


def _rgb(hex_color: str) -> tuple[float, float, float]:
    h = hex_color.lstrip("#")
    return int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255


def _luminance(rgb: tuple[float, float, float]) -> float:
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two colours (4.5 or more reads well as small text)."""
    la, lb = sorted((_luminance(_rgb(a)), _luminance(_rgb(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def cell_colors(color: str, share: float) -> tuple[str, str]:
    """(background, text) for a table cell tinted by its share: the theme's colour mixed with
    white (at most 45%), and whichever of near-black or white reads better on it."""
    alpha = min(0.45, max(0.0, share) * 0.9)
    bg = tuple(1 - alpha + alpha * c for c in _rgb(color))
    bg_hex = "#" + "".join(f"{round(c * 255):02x}" for c in bg)
    text = max(("#111111", "#ffffff"), key=lambda t: contrast(bg_hex, t))
    return bg_hex, text
