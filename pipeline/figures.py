"""PNG figures of the report (matplotlib), for papers and slides.

They are drawn from the same chart data as the page (`charts.chart_data`): periods at their
midpoints on a time axis, each theme on its own scale unless --common-scale, points joined
only between neighbouring periods with enough text, the catch-all theme apart.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .charts import ChartData, Series, chart_data, nice_max, pct_tick, theme_colors
from .i18n import BY, short, tr
from .report import ALL, ReportRun

#: Families with Chinese glyphs, tried in order (source names and the zh page's labels need them).
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
             "Droid Sans Fallback", "AR PL UMing CN", "Microsoft YaHei", "SimHei", "PingFang SC", "Hiragino Sans GB",
             "Heiti SC", "Arial Unicode MS")
#: Font files with Chinese glyphs, looked for in the usual folders when matplotlib's font cache
#: (built once, perhaps before such a font was installed) does not list one.
CJK_FILES = ("NotoSansCJK*", "NotoSansSC*", "SourceHanSans*", "wqy-microhei*", "wqy-zenhei*", "DroidSansFallback*",
             "uming*", "msyh*", "simhei*", "PingFang*", "Hiragino Sans GB*", "Arial Unicode*")
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts", "/Library/Fonts",
             "/System/Library/Fonts", "C:/Windows/Fonts")
#: The per-group figure (`by_source.png`) draws at most this many groups, the largest; all of
#: them are in the tables and on the page.
MAX_GROUPS_DRAWN = 40
#: Every text matplotlib draws is plain text: a source named `$x^{$` is not TeX (mathtext
#: would fail on it, or draw something else than the name).
PLAIN_TEXT = {"text.parse_math": False, "text.usetex": False}


def find_cjk_font(dirs: tuple[str, ...] = FONT_DIRS) -> str | None:
    """The family name of a font with Chinese glyphs, registering its file with matplotlib when
    the font cache predates it (a fresh clone caches fonts before `scripts/ensure_browser.sh`
    installs one); None when the machine has none."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    found = next((f for f in CJK_FONTS if f in installed), None)
    if found:
        return found
    for folder in dirs:
        base = Path(folder).expanduser()
        if not base.is_dir():
            continue
        for pattern in CJK_FILES:
            for path in sorted(base.rglob(pattern)):
                if path.suffix.lower() not in (".ttf", ".ttc", ".otf"):
                    continue
                try:
                    font_manager.fontManager.addfont(str(path))
                    return str(font_manager.FontProperties(fname=str(path)).get_name())
                except (OSError, RuntimeError, ValueError):
                    continue
    return None


def setup() -> tuple[Any, str | None]:
    """pyplot on the Agg backend with a Chinese-capable fallback font when there is one."""
    import logging

    import matplotlib

    matplotlib.use("Agg")
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    import matplotlib.pyplot as plt

    cjk = find_cjk_font()
    plt.rcParams.update({
        "font.family": ["DejaVu Sans", *([cjk] if cjk else [])],
        "axes.spines.top": False, "axes.spines.right": False, "figure.dpi": 100, "savefig.dpi": 150,
        "axes.titlesize": 10.5, "axes.labelsize": 9, "xtick.labelsize": 8, "ytick.labelsize": 8,
    })
    return plt, cjk


def write_figures(run: ReportRun, folder: Path) -> list[str]:
    """Write the PNGs; returns notes for the report (e.g. no font for Chinese)."""
    folder.mkdir(parents=True, exist_ok=True)
    plt, cjk = setup()
    notes = []
    if cjk is None:
        notes.append("No font with Chinese glyphs was found, so Chinese labels in the PNG figures may show as boxes "
                     "(install e.g. fonts-noto-cjk or fonts-wqy-microhei); the HTML page uses the browser's fonts.")
    with warnings.catch_warnings(record=True) as caught, plt.rc_context(PLAIN_TEXT):
        warnings.simplefilter("always")  # missing glyphs are reported once as a note, not per character
        data = chart_data(run)
        _shares_figure(plt, run, data, folder / "theme_shares.png")
        _composition_figure(plt, run, data, folder / "composition.png")
        _changes_figure(plt, run, folder / "changes.png")
        n_groups = len(run.report.groups) - 1
        if run.report.by != "none" and n_groups > 1:
            _groups_figure(plt, run, folder / f"by_{run.report.by}.png")
            if n_groups > MAX_GROUPS_DRAWN:
                notes.append(f"figures/by_{run.report.by}.png shows the {MAX_GROUPS_DRAWN} largest of the "
                             f"{n_groups:,} groups; theme_shares.csv and the page have them all.")
    missing = sorted({str(w.message).split(")")[0] + ")" for w in caught if "missing from font" in str(w.message)})
    if missing and cjk is not None:
        notes.append(f"{len(missing)} characters have no glyph in the fonts of the PNG figures (e.g. "
                     f"{', '.join(missing[:3])}); they show as boxes there, not on the page.")
    return notes


def _unit(run: ReportRun, plural: bool = False) -> str:
    from .summary import unit_of

    return unit_of(run, plural)


def _time_axis(ax: Any, data: ChartData) -> None:
    """Ticks at the chart data's places and the gaps shaded, as on the page."""
    for a, b, _, _ in data.axis.gaps:
        ax.axvspan(a, b, color="#eef0f3", linewidth=0, zorder=0)
    ax.set_xlim(data.axis.x0, data.axis.x1)
    ax.set_xticks([x for x, _ in data.axis.ticks], [label for _, label in data.axis.ticks], rotation=45, ha="right")


def _draw_series(ax: Any, s: Series, color: str, plt: Any) -> None:
    for r in s.runs:
        if len(r) < 2:
            continue
        x = [p.x for p in r]
        ax.fill_between(x, [p.cell.ci_low for p in r], [p.cell.ci_high for p in r], color=color, alpha=0.18,
                        linewidth=0)
        ax.plot(x, [p.cell.share_raw for p in r], color="#333333", linewidth=1, linestyle="--")
        ax.plot(x, [p.cell.share_corrected for p in r], color=color, linewidth=2)
    joined = {p.period for r in s.runs if len(r) > 1 for p in r}
    for p in s.points:
        c = p.cell
        if p.period not in joined:
            ax.plot([p.x, p.x], [c.ci_low, min(c.ci_high, s.ymax)], color=color, linewidth=1, linestyle=":")
        ax.plot([p.x], [c.share_corrected], marker="o", markersize=4.5, color=color,
                markerfacecolor=color if p.ok else "white", linestyle="none", zorder=3)
    ax.set_ylim(0, s.ymax)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: pct_tick(v, s.ymax)))
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)


def _shares_figure(plt: Any, run: ReportRun, data: ChartData, path: Path) -> None:
    ui = run.view.ui
    colors = theme_colors(run.report.labels)
    main = data.main
    rows = max(1, int(np.ceil(len(main) / 2)))
    fig = plt.figure(figsize=(12.5, 2.9 * rows + 0.9))
    grid = fig.add_gridspec(rows, 3, wspace=0.28, hspace=0.6)
    for i, theme in enumerate(main):
        ax = fig.add_subplot(grid[i // 2, i % 2])
        _draw_series(ax, data.series[theme], colors[theme], plt)
        _time_axis(ax, data)
        ax.set_title(short(run.names[theme]))
    if data.fallback:
        ax = fig.add_subplot(grid[0, 2])
        _draw_series(ax, data.series[data.fallback], colors[data.fallback], plt)
        _time_axis(ax, data)
        ax.set_title(tr(ui, "apart", name=short(run.names[data.fallback])), fontsize=10)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Line2D([], [], color="#444444", linewidth=2), Patch(color="#444444", alpha=0.18),
               Line2D([], [], color="#333333", linewidth=1, linestyle="--"),
               Line2D([], [], color="#444444", marker="o", markerfacecolor="white", linestyle="none")]
    names = [tr(ui, "lg_corr"), tr(ui, "lg_band"), tr(ui, "lg_raw"), tr(ui, "lg_few")]
    fig.legend(handles, names, loc="lower right", frameon=False, fontsize=9, bbox_to_anchor=(0.97, 0.05))
    fig.suptitle(tr(ui, "fig_shares", unit=_unit(run)), fontsize=12)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)


def _composition_figure(plt: Any, run: ReportRun, data: ChartData, path: Path) -> None:
    rep = run.report
    ui = run.view.ui
    colors = theme_colors(rep.labels)
    order = [*data.main, *([data.fallback] if data.fallback else [])]
    fig, ax = plt.subplots(figsize=(10, 4))
    starts = np.array([data.axis.spans[p][0] for p in data.periods])
    widths = np.array([data.axis.spans[p][1] - data.axis.spans[p][0] for p in data.periods])
    bottom = np.zeros(len(data.periods))
    for t in order:
        v = np.array([rep.cell(p, ALL, t).share_corrected for p in data.periods])
        ax.bar(starts, v, width=widths, bottom=bottom, align="edge", color=colors[t], alpha=0.85,
               label=short(run.names[t]), linewidth=0)
        bottom += v
    _time_axis(ax, data)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_title(tr(ui, "fig_comp", unit=_unit(run)))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _changes_figure(plt: Any, run: ReportRun, path: Path) -> None:
    rep = run.report
    ui = run.view.ui
    ch = rep.changes[(rep.changes["source"] == ALL) & (rep.changes["kind"] == "consecutive")
                     & (rep.changes["period_from"] != ALL) & (rep.changes["period_to"] != ALL)]
    steps = list(dict.fromkeys(zip(ch["period_from"], ch["period_to"], strict=True)))
    fig, ax = plt.subplots(figsize=(1.6 + 1.5 * len(rep.labels), 1.2 + 0.32 * max(1, len(steps))))
    if not steps:
        ax.text(0.5, 0.5, tr(ui, "fig_one", unit=_unit(run)), ha="center", va="center")
        ax.axis("off")
    else:
        grid = np.full((len(steps), len(rep.labels)), np.nan)
        sig = np.zeros_like(grid, dtype=bool)
        for r in ch.itertuples():
            i, j = steps.index((r.period_from, r.period_to)), rep.labels.index(str(r.theme))
            grid[i, j], sig[i, j] = r.change_pp, r.significant
        lim = max(5.0, float(np.nanmax(np.abs(grid))))
        from matplotlib.colors import LinearSegmentedColormap

        cmap = LinearSegmentedColormap.from_list("fall_rise", ["#e07b6f", "#ffffff", "#6cc27a"])  # as on the page
        ax.imshow(np.where(sig, grid, 0.0), cmap=cmap, vmin=-lim, vmax=lim, aspect="auto")
        for i in range(len(steps)):
            for j in range(len(rep.labels)):
                ax.text(j, i, f"{grid[i, j]:+.0f}" + ("*" if sig[i, j] else ""), ha="center", va="center",
                        fontsize=7, color="black" if sig[i, j] else "#555555",
                        fontweight="bold" if sig[i, j] else "normal")
        ax.set_xticks(range(len(rep.labels)), [short(run.names[t]) for t in rep.labels], rotation=20, ha="right")
        ax.set_yticks(range(len(steps)), [f"{short(a)} → {short(b)}" for a, b in steps])
        ax.tick_params(length=0)
    ax.set_title(tr(ui, "fig_changes", unit=_unit(run)), fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _groups_figure(plt: Any, run: ReportRun, path: Path) -> None:
    rep = run.report
    ui = run.view.ui
    groups = rep.groups[1 : MAX_GROUPS_DRAWN + 1]  # the largest groups, in order of size
    s = rep.shares[(rep.shares["period"] == ALL) & rep.shares["source"].isin(groups)]
    colors = theme_colors(rep.labels)
    tops = {t: nice_max(float(max(s[s["theme"] == t]["ci_high"].max(), s[s["theme"] == t]["share_raw"].max())))
            for t in rep.labels}
    sizes = s.groupby("source")["n_sentences"].first()
    if run.view.common_scale:
        tops = dict.fromkeys(tops, max(tops.values()))
    fig, axes = plt.subplots(1, len(rep.labels), figsize=(2.6 * len(rep.labels) + 2.5, 0.9 + 0.33 * len(groups)),
                             sharey=True, squeeze=False)
    y = np.arange(len(groups))
    for ax, theme in zip(axes.flat, rep.labels, strict=True):
        t = s[s["theme"] == theme].set_index("source").reindex(groups)
        few = t["too_few"].astype(bool).to_numpy()
        c = colors[theme]
        ax.errorbar(t["share_corrected"], y, xerr=[t["share_corrected"] - t["ci_low"],
                                                     t["ci_high"] - t["share_corrected"]],
                    fmt="none", ecolor=c, elinewidth=1.2, capsize=2)
        ax.scatter(t["share_corrected"][~few], y[~few], color=c, zorder=3, s=22)
        ax.scatter(t["share_corrected"][few], y[few], facecolor="white", edgecolor=c, zorder=3, s=22)
        ax.set_title(short(run.names[theme]), fontsize=9)
        ax.set_xlim(0, tops[theme])
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _, top=tops[theme]: pct_tick(v, top)))
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    axes.flat[0].set_yticks(y, [f"{short(g)} ({int(sizes[g])})" for g in groups])
    axes.flat[0].invert_yaxis()
    fig.suptitle(tr(ui, "fig_groups", by=BY[ui].get(rep.by, rep.by), units=_unit(run, True)), fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    fig.savefig(path)
    plt.close(fig)
