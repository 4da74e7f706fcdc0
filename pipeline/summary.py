"""The headline shifts in plain words, for `summary.md` and the top of the page.

It leads with what an analyst reads first: the themes' biggest shifts that are more than
noise (largest first), then where each theme peaked; the catch-all theme is reported apart,
and a heading with nothing under it is left out.
"""

from __future__ import annotations

from typing import Any

from .i18n import BY, fallback_theme, short, tr, unit
from .report import ALL, Cell, ReportRun


def pct(x: float) -> str:
    """A share in percent: one decimal below 10%, so that themes at 1-10% stay distinguishable."""
    v = x * 100
    return f"{v:.1f}%" if 0.05 <= v < 9.95 else f"{v:.0f}%"


def pp(x: float) -> str:
    return f"{x:+.1f} pp"


def _ui(run: ReportRun) -> str:
    view = getattr(run, "view", None)
    return getattr(view, "ui", "en")


def _fallback(run: ReportRun) -> str | None:
    view = getattr(run, "view", None)
    return fallback_theme(run.report.labels, getattr(view, "themes_path", None))


def unit_of(run: ReportRun, plural: bool = False) -> str:
    """The period word of this report in its language (`year`, `Five-Year-Plan periods`)."""
    return unit(_ui(run), run.report.period, plural)


def main_themes(run: ReportRun) -> list[str]:
    """The substantive themes (all but the catch-all), in taxonomy order."""
    fb = _fallback(run)
    return [t for t in run.report.labels if t != fb]


def _time_changes(run: ReportRun) -> Any:
    """Changes between time periods for the whole corpus (never to or from `all`)."""
    ch = run.report.changes
    return ch[(ch["source"] == ALL) & (ch["period_from"] != ALL) & (ch["period_to"] != ALL)]


def _change_words(run: ReportRun, row: Any) -> str:
    return tr(_ui(run), "rose" if row.change_pp > 0 else "fell", name=run.names[str(row.theme)],
              a=pct(row.share_from), pa=row.period_from, b=pct(row.share_to), pb=row.period_to, pp=pp(row.change_pp),
              lo=f"{row.ci_low_pp:+.1f}", hi=f"{row.ci_high_pp:+.1f}")


def _series_cells(run: ReportRun, theme: str) -> list[Cell]:
    """A theme's cells for the whole corpus in the time periods with enough text."""
    rep = run.report
    return [c for p in rep.periods if rep.has(p, ALL) and not (c := rep.cell(p, ALL, theme)).too_few]


def headlines(run: ReportRun, limit: int = 8) -> list[tuple[str, str]]:
    """(theme, sentence) pairs: each substantive theme's biggest significant change (largest
    first), then further significant changes by size, then a line for each theme that never
    changed significantly (with the range it stayed in)."""
    ui = _ui(run)
    main = main_themes(run)
    ch = _time_changes(run)
    sig = ch[ch["significant"] & ch["theme"].isin(main)].sort_values("change_pp", key=abs, ascending=False,
                                                                         kind="stable")
    best = sig.drop_duplicates("theme")
    rest = sig.drop(best.index)
    out = [(str(r.theme), _change_words(run, r) + ".") for r in [*best.itertuples(), *rest.itertuples()]][:limit]
    if ch.empty:
        return out
    for theme in main:
        if theme in set(sig["theme"]):
            continue
        cells = _series_cells(run, theme)
        if len(cells) < 2:
            continue
        lo = min(c.share_corrected for c in cells)
        hi = max(c.share_corrected for c in cells)
        if pct(hi) == pct(lo):  # never "from 0% to 0%"
            out.append((theme, tr(ui, "flat_level", name=run.names[theme], level=pct(hi), unit=unit_of(run))
                        + ("。" if ui == "zh" else ".")))
            continue
        out.append((theme, tr(ui, "flat", name=run.names[theme], unit=unit_of(run), units=unit_of(run, True),
                              lo=pct(lo), hi=pct(hi))
                    + ("。" if ui == "zh" else ".")))
    return out


def peaks(run: ReportRun) -> list[tuple[str, str]]:
    """Where each substantive theme's corrected share was highest and lowest, among periods with
    enough text; a theme that never varies (or never appears) has no line."""
    ui = _ui(run)
    out = []
    for theme in main_themes(run):
        cells = _series_cells(run, theme)
        if len(cells) < 2:
            continue
        hi = max(cells, key=lambda c: c.share_corrected)
        lo = min(cells, key=lambda c: c.share_corrected)
        if hi.period == lo.period or pct(hi.share_corrected) == pct(lo.share_corrected):
            continue
        out.append((theme, tr(ui, "peak", name=run.names[theme], pa=hi.period, a=_ci(hi), pb=lo.period, b=_ci(lo))
                    + ("。" if ui == "zh" else ".")))
    return out


def other_line(run: ReportRun) -> str:
    """The catch-all theme in one line, shown apart from the themes the report is about."""
    fb = _fallback(run)
    if fb is None:
        return ""
    ui = _ui(run)
    overall = pct(run.report.cell(ALL, ALL, fb).share_corrected)
    cells = _series_cells(run, fb)
    end = "。" if ui == "zh" else "."
    if len(cells) < 2:
        return tr(ui, "other_flat", name=run.names[fb], all=overall) + end
    lo = min(cells, key=lambda c: c.share_corrected)
    hi = max(cells, key=lambda c: c.share_corrected)
    return tr(ui, "other_line", name=run.names[fb], all=overall, lo=pct(lo.share_corrected), pa=lo.period,
              hi=pct(hi.share_corrected), pb=hi.period) + end


def single_statement_note(run: ReportRun) -> str:
    """What a share means where a period has one statement; '' when none has."""
    rep = run.report
    single = rep.info.get("single_statement_periods") or []
    if not single:
        return ""
    return tr(_ui(run), "single", count=len(single), total=len(rep.periods), units=unit_of(run, True),
              block=rep.info.get("block_size", 8))


def _ci(c: Cell) -> str:
    return f"{pct(c.share_corrected)}, {pct(c.ci_low)}-{pct(c.ci_high)}"


def cautions(run: ReportRun) -> list[str]:
    """Warnings about the figures; the last one is always about the classifier's known errors."""
    ui = _ui(run)
    rep = run.report
    s = rep.shares
    out = []
    few = s[(s["source"] == ALL) & (s["period"] != ALL) & s["too_few"]].drop_duplicates("period")
    if len(few):
        items = ("、" if ui == "zh" else ", ").join(
            tr(ui, "too_little_item", period=r.period, n=r.n_sentences) for r in few.itertuples())
        out.append(tr(ui, "too_little", list=items, min=rep.info["min_sentences"]))
    if rep.info["n_unplaced"]:
        out.append(tr(ui, "unplaced", n=rep.info["n_unplaced"], s=rep.info["n_unplaced_sentences"],
                      unit=unit_of(run)))
    from .quality import error_rates_caution

    out.append(error_rates_caution(run))  # where the error rates come from (training, or the user's labels)
    return out


def accounting(run: ReportRun) -> list[str]:
    ui = _ui(run)
    c = run.counts
    rep = run.report
    lines = [tr(ui, "acc_sentences", n=f"{rep.info['n_sentences']:,}", s=f"{rep.info['n_statements']:,}")]
    if "statements_read" in c:
        removed = ", ".join(f"{k} {v}" for k, v in c["removed"].items()) or tr(ui, "acc_none")
        lines.append(tr(ui, "acc_read", read=c["statements_read"], failed=c["failed"], none=c["no_content"],
                        removed=c["removed_total"], which=removed))
    else:
        lines.append(tr(ui, "acc_classified"))
    return lines


def by_group_lines(run: ReportRun) -> list[str]:
    """Which group emphasized each theme most and least (groups with enough text)."""
    rep = run.report
    ui = _ui(run)
    out: list[str] = []
    if rep.by == "none":
        return out
    for theme in rep.labels:
        cells = sorted((c for g in rep.groups[1:] if not (c := rep.cell(ALL, g, theme)).too_few),
                       key=lambda c: -c.share_corrected)
        if len(cells) >= 2 and cells[0].share_corrected > cells[-1].share_corrected:
            out.append(tr(ui, "by_line", name=run.names[theme], a=short(cells[0].source), x=_ci(cells[0]),
                          b=short(cells[-1].source), y=_ci(cells[-1])) + ("。" if ui == "zh" else "."))
    return out


def _section(title: str, items: list[str]) -> list[str]:
    """A heading with its bullet points, or nothing when there are none."""
    return ["", f"## {title}", "", *[f"- {x}" for x in items]] if items else []


def render_summary(run: ReportRun) -> str:
    ui = _ui(run)
    rep = run.report
    info = rep.info
    intro = tr(ui, "intro", n_statements=f"{info['n_statements']:,}", n_sentences=f"{info['n_sentences']:,}",
               date_min=info["date_min"], date_max=info["date_max"], unit=unit_of(run), level=f"{info['level']:.0%}",
               model=run.model_version)
    from .quality import accuracy_md, top_lines_md

    lines = [f"# {tr(ui, 'summary_title')}", "", intro, "", *top_lines_md(run)]
    if note := single_statement_note(run):
        lines += ["", note]
    lines += _section(tr(ui, "h_shifts"), [t for _, t in headlines(run)])
    lines += _section(tr(ui, "h_peaks"), [t for _, t in peaks(run)])
    lines += _section(tr(ui, "h_other"), [x for x in [other_line(run)] if x])
    lines += ["", f"## {tr(ui, 'h_overall')}", "",
              f"| {tr(ui, 'col_theme')} | {tr(ui, 'col_corrected')} | {tr(ui, 'col_interval')} | {tr(ui, 'col_raw')} |",
              "|---|---:|---|---:|"]
    for theme in rep.labels:
        c = rep.cell(ALL, ALL, theme)
        lines.append(f"| {run.names[theme]} | {pct(c.share_corrected)} | {pct(c.ci_low)}-{pct(c.ci_high)} | "
                     f"{pct(c.share_raw)} |")
    lines += _section(tr(ui, "h_by", by=BY[ui if ui in BY else "en"].get(rep.by, rep.by)), by_group_lines(run))
    lines += accuracy_md(run)
    lines += _section(tr(ui, "h_cautions"), cautions(run))
    lines += _section(tr(ui, "h_inputs"), accounting(run))
    lines += ["", tr(ui, "files"), ""]
    return "\n".join(lines)
