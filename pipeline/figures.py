"""PNG figures of the report (matplotlib), for papers and slides."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .report import ALL

if TYPE_CHECKING:
    from .publish import ReportRun

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#7f7f7f", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]
#: Fonts with Chinese glyphs, tried in order as fallbacks (source names are often Chinese).
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
             "Microsoft YaHei", "SimHei", "PingFang SC", "Hiragino Sans GB", "Heiti SC", "Arial Unicode MS")


def theme_colors(labels: list[str]) -> dict[str, str]:
    """Fixed colours by position, with the fallback theme `other` always grey."""
    colors = {}
    rest = [c for c in PALETTE if c != "#7f7f7f"]
    for i, t in enumerate(x for x in labels if x != "other"):
        colors[t] = rest[i % len(rest)]
    if "other" in labels:
        colors["other"] = "#7f7f7f"
    return colors


def _setup() -> tuple[Any, str | None]:
    import logging

    import matplotlib

    matplotlib.use("Agg")
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    cjk = next((f for f in CJK_FONTS if f in installed), None)
    plt.rcParams.update({
        "font.family": ["DejaVu Sans", *([cjk] if cjk else [])],
        "axes.spines.top": False, "axes.spines.right": False, "figure.dpi": 100, "savefig.dpi": 150,
        "axes.titlesize": 11, "axes.labelsize": 9, "xtick.labelsize": 8, "ytick.labelsize": 8,
    })
    return plt, cjk


def _ticks(n: int, most: int = 8) -> list[int]:
    step = max(1, int(np.ceil(n / most)))
    return list(range(0, n, step))


def write_figures(run: ReportRun, folder: Path) -> list[str]:
    """Write the PNGs; returns notes for the report (e.g. a missing Chinese font)."""
    folder.mkdir(parents=True, exist_ok=True)
    plt, cjk = _setup()
    notes = []
    if cjk is None:
        notes.append("No font with Chinese glyphs was found, so Chinese labels in the PNG figures may show as boxes "
                     "(install e.g. fonts-noto-cjk or fonts-wqy-microhei); the HTML page uses the browser's fonts.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # missing glyphs are reported once above, not per character
        _shares_figure(plt, run, folder / "theme_shares.png")
        _composition_figure(plt, run, folder / "composition.png")
        _changes_figure(plt, run, folder / "changes.png")
        if run.report.by != "none" and len(run.report.groups) > 2:
            _groups_figure(plt, run, folder / f"by_{run.report.by}.png")
    return notes


def _series(run: ReportRun, group: str = ALL) -> Any:
    s = run.report.shares
    return s[(s["source"] == group) & (s["period"] != ALL)]


def _shares_figure(plt: Any, run: ReportRun, path: Path) -> None:
    rep = run.report
    labels, colors = rep.labels, theme_colors(rep.labels)
    s = _series(run)
    periods = rep.periods
    x = np.arange(len(periods))
    ymax = min(1.0, np.ceil(max(0.1, s["ci_high"].max()) * 10) / 10)
    cols = 3
    rows = int(np.ceil(len(labels) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.9 * rows), sharey=True, squeeze=False)
    for ax, theme in zip(axes.flat, labels, strict=False):
        t = s[s["theme"] == theme].set_index("period").reindex(periods)
        ok = ~t["too_few"].astype(bool).to_numpy()
        c = colors[theme]
        corr = np.where(ok, t["share_corrected"], np.nan)
        ax.fill_between(x, np.where(ok, t["ci_low"], np.nan), np.where(ok, t["ci_high"], np.nan), color=c, alpha=0.18,
                        linewidth=0, label="95% interval")
        ax.plot(x, corr, color=c, linewidth=2, label="corrected share")
        ax.plot(x, np.where(ok, t["share_raw"], np.nan), color="#333333", linewidth=1, linestyle="--",
                label="raw share")
        few = ~ok
        if few.any():
            mid = t["share_corrected"][few]
            ax.errorbar(x[few], mid, yerr=[mid - t["ci_low"][few], t["ci_high"][few] - mid],
                        fmt="o", mfc="white", mec=c, ecolor=c, elinewidth=0.8, capsize=2, linestyle="none",
                        label="too few sentences")
        ax.set_title(run.names[theme])
        ax.set_ylim(0, ymax)
        ax.set_xticks(_ticks(len(periods)), [periods[i] for i in _ticks(len(periods))], rotation=45, ha="right")
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    for ax in list(axes.flat)[len(labels):]:
        ax.axis("off")
    handles, names = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower right", frameon=False, fontsize=9)
    fig.suptitle(f"Share of each theme by {rep.period} (corrected for classifier errors, 95% intervals)", fontsize=12)
    fig.tight_layout(rect=(0, 0.03, 1, 0.96))
    fig.savefig(path)
    plt.close(fig)


def _composition_figure(plt: Any, run: ReportRun, path: Path) -> None:
    rep = run.report
    s = _series(run)
    periods = rep.periods
    colors = theme_colors(rep.labels)
    wide = s.pivot(index="period", columns="theme", values="share_corrected").reindex(index=periods,
                                                                                     columns=rep.labels)
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.stackplot(np.arange(len(periods)), wide.to_numpy().T, labels=[run.names[t] for t in rep.labels],
                 colors=[colors[t] for t in rep.labels], alpha=0.85)
    ax.set_xticks(_ticks(len(periods), 14), [periods[i] for i in _ticks(len(periods), 14)], rotation=45, ha="right")
    ax.set_xlim(0, max(1, len(periods) - 1))
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_title(f"Theme composition of statements by {rep.period} (corrected shares)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _changes_figure(plt: Any, run: ReportRun, path: Path) -> None:
    rep = run.report
    ch = rep.changes[(rep.changes["source"] == ALL) & (rep.changes["kind"] == "consecutive")]
    steps = list(dict.fromkeys(zip(ch["period_from"], ch["period_to"], strict=True)))
    fig, ax = plt.subplots(figsize=(1.6 + 1.5 * len(rep.labels), 1.2 + 0.32 * max(1, len(steps))))
    if not steps:
        ax.text(0.5, 0.5, "Only one period: no changes to show", ha="center", va="center")
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
                        fontsize=7, color="black" if sig[i, j] else "#888888",
                        fontweight="bold" if sig[i, j] else "normal")
        ax.set_xticks(range(len(rep.labels)), [run.names[t] for t in rep.labels], rotation=20, ha="right")
        ax.set_yticks(range(len(steps)), [f"{a} → {b}" for a, b in steps])
        ax.tick_params(length=0)
    ax.set_title("Change in corrected share from the previous period (pp); * = 95% interval excludes zero",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _groups_figure(plt: Any, run: ReportRun, path: Path) -> None:
    rep = run.report
    s = rep.shares[(rep.shares["period"] == ALL) & (rep.shares["source"] != ALL)]
    groups = rep.groups[1:]
    colors = theme_colors(rep.labels)
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
        ax.set_title(run.names[theme], fontsize=9)
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    axes.flat[0].set_yticks(y, [f"{g} ({int(s[s['source'] == g]['n_sentences'].iloc[0])})" for g in groups])
    axes.flat[0].invert_yaxis()
    fig.suptitle(f"Corrected share by {rep.by}, all periods (sentences in brackets; hollow: too few)", fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    fig.savefig(path)
    plt.close(fig)
