"""The headline shifts in plain words, for `summary.md` and the top of the page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .report import ALL, Cell

if TYPE_CHECKING:
    from .publish import ReportRun


def pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def pp(x: float) -> str:
    return f"{x:+.1f} pp"


def _change_words(row: Any, name: str) -> str:
    verb = "rose" if row.change_pp > 0 else "fell"
    return (f"{name} {verb} from {pct(row.share_from)} in {row.period_from} to {pct(row.share_to)} in "
            f"{row.period_to} ({pp(row.change_pp)}, 95% interval {row.ci_low_pp:+.1f} to {row.ci_high_pp:+.1f} pp)")


def headlines(run: ReportRun, limit: int = 8) -> list[tuple[str, str]]:
    """(theme, sentence) pairs: significant first-to-last shifts, then the largest significant
    period-to-period changes, for the whole corpus."""
    ch = run.report.changes
    ch = ch[(ch["source"] == ALL) & ch["significant"]]
    out: list[tuple[str, str]] = []
    long = ch[ch["kind"] == "first to last"].sort_values("change_pp", key=abs, ascending=False)
    for row in long.itertuples():
        out.append((str(row.theme), _change_words(row, run.names[str(row.theme)]) + "."))
    steps = ch[ch["kind"] == "consecutive"].sort_values("change_pp", key=abs, ascending=False)
    for row in steps.head(max(0, limit - len(out))).itertuples():
        out.append((str(row.theme), _change_words(row, run.names[str(row.theme)]) + "."))
    return out


def peaks(run: ReportRun) -> list[tuple[str, str]]:
    """Where each theme's corrected share was highest and lowest (periods with enough data)."""
    rep = run.report
    out = []
    for theme in rep.labels:
        cells = [c for p in rep.periods if rep.has(p, ALL) and not (c := rep.cell(p, ALL, theme)).too_few]
        if not cells:
            continue
        hi = max(cells, key=lambda c: c.share_corrected)
        lo = min(cells, key=lambda c: c.share_corrected)
        out.append((theme, f"{run.names[theme]}: highest in {hi.period} ({_ci(hi)}), lowest in {lo.period} "
                           f"({_ci(lo)})."))
    return out


def _ci(c: Cell) -> str:
    return f"{pct(c.share_corrected)}, {pct(c.ci_low)}-{pct(c.ci_high)}"


def cautions(run: ReportRun) -> list[str]:
    rep = run.report
    s = rep.shares
    out = []
    few = s[(s["source"] == ALL) & (s["period"] != ALL) & s["too_few"]].drop_duplicates("period")
    if len(few):
        out.append("Too little text for firm shares in " + ", ".join(
            f"{r.period} ({r.n_sentences} sentences, {r.n_statements} statements)" for r in few.itertuples())
            + f": they are drawn hollow, and changes involving them are never called significant "
              f"(threshold: {rep.info['min_sentences']} sentences and 2 statements).")
    if rep.info["n_unplaced"]:
        out.append(f"{rep.info['n_unplaced']} statements ({rep.info['n_unplaced_sentences']} sentences) could not be "
                   f"placed in a {rep.period} and are left out of the time series (unplaced.csv says why).")
    real = run.model_meta.get("real_text_check") or {}
    cv = (run.model_meta.get("cv") or {}).get("scores") or {}
    cv_f1 = ", ".join(f"{k} {v['macro_f1']:.2f}" for k, v in cv.items() if k != ALL and "macro_f1" in v)
    real_f1 = ", ".join(f"{k} {v['macro_f1']:.2f}" for k, v in real.items() if "macro_f1" in v)
    text = (f"Corrected shares use the error rates the classifier showed in cross-validation on the team's "
            f"labeled sentences (macro-F1 {cv_f1}).")
    if real_f1:
        text += (f" On real statements it errs more (macro-F1 {real_f1}), so the correction removes only part of "
                 "the bias and the intervals may be too narrow for text unlike the training data.")
    out.append(text)
    return out


def accounting(run: ReportRun) -> list[str]:
    c = run.counts
    rep = run.report
    lines = [f"Sentences in the report: {rep.info['n_sentences']:,} from {rep.info['n_statements']:,} statements."]
    if "statements_read" in c:
        removed = ", ".join(f"{k} {v}" for k, v in c["removed"].items()) or "none"
        lines.append(f"Statements read: {c['statements_read']}; failed: {c['failed']}; no content after cleaning: "
                     f"{c['no_content']}; lines removed by cleaning: {c['removed_total']} ({removed}).")
    else:
        lines.append("Input: an existing classification output (cleaning counts are in its own run).")
    return lines


def render_summary(run: ReportRun) -> str:
    rep = run.report
    info = rep.info
    lines = [
        "# Policy themes over time: summary",
        "",
        f"{info['n_statements']:,} statements ({info['n_sentences']:,} sentences) dated {info['date_min']} to "
        f"{info['date_max']}, by {rep.period}. Shares are corrected for the classifier's known errors; intervals "
        f"are {info['level']:.0%} bootstrap intervals (statements within periods, sentences within statements). "
        f"Model {run.model_version}.",
        "",
        "## Headline shifts",
        "",
    ]
    heads = headlines(run)
    lines += [f"- {text}" for _, text in heads] or ["- No change between periods is significant at this level."]
    lines += ["", "## Where each theme peaked", ""]
    lines += [f"- {text}" for _, text in peaks(run)]
    lines += ["", "## Overall shares", "", "| theme | corrected | 95% interval | raw |", "|---|---:|---|---:|"]
    for theme in rep.labels:
        c = rep.cell(ALL, ALL, theme)
        lines.append(f"| {run.names[theme]} | {pct(c.share_corrected)} | {pct(c.ci_low)}-{pct(c.ci_high)} | "
                     f"{pct(c.share_raw)} |")
    if rep.by != "none":
        lines += ["", f"## By {rep.by}", ""]
        for theme in rep.labels:
            cells = sorted((c for g in rep.groups[1:] if not (c := rep.cell(ALL, g, theme)).too_few),
                           key=lambda c: -c.share_corrected)
            if len(cells) >= 2:
                lines.append(f"- {run.names[theme]}: most emphasized by {cells[0].source} ({_ci(cells[0])}), least "
                             f"by {cells[-1].source} ({_ci(cells[-1])}).")
    lines += ["", "## Cautions", ""]
    lines += [f"- {c}" for c in cautions(run)]
    lines += ["", "## What went in", ""]
    lines += [f"- {a}" for a in accounting(run)]
    lines += ["", "Files: `index.html` (interactive), `figures/*.png`, `theme_shares.csv`/`.parquet`, `changes.csv`, "
              "`statement_shares.csv`, `evidence.csv` (the sentences behind each figure), `unplaced.csv`, "
              "`sentences.parquet` (every classified sentence), `report.json`.", ""]
    return "\n".join(lines)
