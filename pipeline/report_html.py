"""The report as one self-contained HTML page: inline SVG charts, no network, no libraries.

Every piece of input text (sentences, sources, ids, theme names) goes through `esc` into
markup, or into the JSON block with `<`, `>` and `&` escaped, and the script shows it with
`textContent` only. A Content-Security-Policy allows no script but our own (by hash), so
even markup that slipped through could not run.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
from typing import TYPE_CHECKING, Any

import numpy as np

from .figures import theme_colors
from .report import ALL
from .summary import accounting, cautions, headlines, pct, peaks

if TYPE_CHECKING:
    from .publish import ReportRun


def esc(x: object) -> str:
    return html.escape(str(x), quote=True)


def _json_for_script(obj: object) -> str:
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


class _Keys:
    """Numbers the figures a click can open, so markup carries only integers."""

    def __init__(self, run: ReportRun) -> None:
        self.ids: dict[tuple[str, str, str], int] = {}
        self.run = run

    def __call__(self, period: str, group: str, theme: str) -> int:
        key = (period, group, theme)
        if key not in self.ids:
            self.ids[key] = len(self.ids)
        return self.ids[key]

    def payload(self) -> list[dict[str, Any]]:
        rep = self.run.report
        ev = rep.evidence
        by_key = {k: g for k, g in ev.groupby(["period", "group_value", "theme"], sort=False)}
        out = []
        for (period, group, theme), _ in sorted(self.ids.items(), key=lambda kv: kv[1]):
            row = rep.cell(period, group, theme)
            items = []
            g = by_key.get((period, group, theme))
            if g is not None:
                for r in g.itertuples():
                    conf = float(str(r.confidence))
                    items.append([str(r.sentence), str(r.statement_id), str(r.date), str(r.source),
                                  None if np.isnan(conf) else round(conf, 3)])
            out.append({
                "period": "all periods" if period == ALL else period,
                "group": "all sources" if group == ALL else group,
                "theme": self.run.names[theme],
                "share": f"{pct(row.share_corrected)} ({pct(row.ci_low)}-{pct(row.ci_high)}), raw {pct(row.share_raw)}",
                "n": row.n_sentences,
                "items": items,
            })
        return out


# ---------------------------------------------------------------- charts


def _svg_series(run: ReportRun, group: str, keys: _Keys) -> str:
    """Small multiples: one panel per theme, corrected share with its band, raw dashed."""
    rep = run.report
    s = rep.shares[(rep.shares["source"] == group) & (rep.shares["period"] != ALL)]
    periods = rep.periods
    colors = theme_colors(rep.labels)
    ymax = min(1.0, float(np.ceil(max(0.1, float(s["ci_high"].max())) * 10) / 10))
    w, h, ml, mr, mt, mb = 330, 210, 40, 10, 26, 38
    pw, ph = w - ml - mr, h - mt - mb
    n = len(periods)

    def xp(i: int) -> float:
        return ml + (pw * (i + 0.5) / n)

    def yp(v: float) -> float:
        return mt + ph * (1 - min(v, ymax) / ymax)

    step = max(1, int(np.ceil(n / 7)))
    panels = []
    for theme in rep.labels:
        c = colors[theme]
        t = {p: rep.cell(p, group, theme) for p in periods if rep.has(p, group)}
        parts = [f'<svg class="panel" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
                 f'aria-label="{esc(run.names[theme])}">']
        parts.append(f'<text class="ptitle" x="{ml}" y="16" data-k="{keys(ALL, group, theme)}">'
                     f'{esc(run.names[theme])}</text>')
        for v in np.linspace(0, ymax, 5):
            parts.append(f'<line class="grid" x1="{ml}" x2="{w - mr}" y1="{yp(v):.1f}" y2="{yp(v):.1f}"/>'
                         f'<text class="ytick" x="{ml - 4}" y="{yp(v) + 3:.1f}">{v:.0%}</text>')
        for i in range(0, n, step):
            parts.append(f'<text class="xtick" x="{xp(i):.1f}" y="{h - mb + 14}" '
                         f'transform="rotate(-40 {xp(i):.1f} {h - mb + 14})">{esc(periods[i])}</text>')
        present = [i for i, p in enumerate(periods) if p in t]
        ok = [i for i in present if not t[periods[i]].too_few]
        runs: list[list[int]] = []
        for i in ok:  # consecutive periods with enough data are joined; thin ones stand alone
            if runs and runs[-1][-1] == i - 1:
                runs[-1].append(i)
            else:
                runs.append([i])
        for r in runs:
            rows = [t[periods[i]] for i in r]
            if len(r) > 1:
                top = " ".join(f"{xp(i):.1f},{yp(row.ci_high):.1f}" for i, row in zip(r, rows, strict=True))
                bot = " ".join(f"{xp(i):.1f},{yp(row.ci_low):.1f}" for i, row in reversed(list(zip(r, rows,
                                                                                                   strict=True))))
                parts.append(f'<polygon class="band" points="{top} {bot}" fill="{c}"/>')
                line = " ".join(f"{xp(i):.1f},{yp(row.share_corrected):.1f}" for i, row in zip(r, rows, strict=True))
                raw = " ".join(f"{xp(i):.1f},{yp(row.share_raw):.1f}" for i, row in zip(r, rows, strict=True))
                parts.append(f'<polyline class="raw" points="{raw}"/>')
                parts.append(f'<polyline class="corr" points="{line}" stroke="{c}"/>')
        for i in present:
            row = t[periods[i]]
            few = row.too_few
            tip = (f"{periods[i]} · {run.names[theme]}: {pct(row.share_corrected)} (95% interval "
                   f"{pct(row.ci_low)}-{pct(row.ci_high)}), raw {pct(row.share_raw)}; {row.n_sentences} sentences"
                   f" in {row.n_statements} statements" + (f" — {row.warning}" if few else ""))
            if few or len(present) == 1:
                parts.append(f'<line class="whisker" x1="{xp(i):.1f}" x2="{xp(i):.1f}" y1="{yp(row.ci_low):.1f}" '
                             f'y2="{yp(row.ci_high):.1f}" stroke="{c}"/>')
            parts.append(f'<circle class="pt{" few" if few else ""}" cx="{xp(i):.1f}" '
                         f'cy="{yp(row.share_corrected):.1f}" r="4" stroke="{c}" fill="{"#fff" if few else c}" '
                         f'data-k="{keys(periods[i], group, theme)}" tabindex="0"><title>{esc(tip)}</title></circle>')
        parts.append("</svg>")
        panels.append("".join(parts))
    panels.append(_svg_composition(run, keys, group, (w, h, ml, mr, mt, mb)))
    return '<div class="panels">' + "".join(panels) + "</div>"


def _svg_composition(run: ReportRun, keys: _Keys, group: str,
                     box: tuple[int, int, int, int, int, int]) -> str:
    """All themes stacked (corrected shares), one clickable column per period."""
    rep = run.report
    w, h, ml, mr, mt, mb = box
    pw, ph = w - ml - mr, h - mt - mb
    periods = [p for p in rep.periods if rep.has(p, group)]
    n = max(1, len(periods))
    colors = theme_colors(rep.labels)
    parts = [f'<svg class="panel" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
             'aria-label="all themes stacked">',
             f'<text class="ptitle" x="{ml}" y="16">All themes, stacked (corrected)</text>']
    col_w = pw / n
    for i, p in enumerate(periods):
        y = float(mt + ph)
        allk = " ".join(str(keys(p, group, t)) for t in rep.labels)
        for t in rep.labels:
            v = rep.cell(p, group, t).share_corrected
            hgt = ph * v
            y -= hgt
            parts.append(f'<rect x="{ml + i * col_w:.1f}" y="{y:.1f}" width="{col_w + 0.3:.1f}" height="{hgt:.1f}" '
                         f'fill="{colors[t]}" opacity="0.85"/>')
        parts.append(f'<rect class="col" x="{ml + i * col_w:.1f}" y="{mt}" width="{col_w:.1f}" height="{ph}" '
                     f'data-k="{allk}"><title>{esc(p)}: '
                     + esc(", ".join(f"{run.names[t]} {pct(rep.cell(p, group, t).share_corrected)}"
                                     for t in rep.labels))
                     + "</title></rect>")
    for v in (0, 0.5, 1):
        parts.append(f'<text class="ytick" x="{ml - 4}" y="{mt + ph * (1 - v) + 3:.1f}">{v:.0%}</text>')
    step = max(1, int(np.ceil(n / 7)))
    for i in range(0, len(periods), step):
        x = ml + col_w * (i + 0.5)
        parts.append(f'<text class="xtick" x="{x:.1f}" y="{h - mb + 14}" transform="rotate(-40 {x:.1f} '
                     f'{h - mb + 14})">{esc(periods[i])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _wrap(text: str, width: int) -> list[str]:
    """At most two lines for a chart title (the second cut with an ellipsis)."""
    words, lines = text.split(), [""]
    for word in words:
        if lines[-1] and len(lines[-1]) + 1 + len(word) > width:
            lines.append(word)
        else:
            lines[-1] = f"{lines[-1]} {word}".strip()
    if len(lines) > 2:
        lines = [lines[0], (" ".join(lines[1:]))[: width - 1] + "…"]
    return lines


def _color_keys(run: ReportRun) -> str:
    colors = theme_colors(run.report.labels)
    return '<div class="keys">' + "".join(f'<span style="--c:{colors[t]}">{esc(run.names[t])}</span>'
                                          for t in run.report.labels) + "</div>"


def _svg_groups(run: ReportRun, keys: _Keys) -> str:
    """Per-group comparison over all periods: a dot with its interval per theme and group."""
    rep = run.report
    groups = rep.groups[1:]
    colors = theme_colors(rep.labels)
    label_w, col_w, row_h, top = 230, 150, 22, 52
    w = label_w + col_w * len(rep.labels) + 10
    h = top + row_h * (len(groups) + 1) + 10
    parts = [f'<svg class="groups" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
             f'aria-label="shares by {esc(rep.by)}">']
    for j, theme in enumerate(rep.labels):
        x0 = label_w + j * col_w
        lines = _wrap(run.names[theme], 24)
        spans = "".join(f'<tspan x="{x0 + 4}" dy="{0 if i == 0 else 13}">{esc(t)}</tspan>' for i, t in enumerate(lines))
        parts.append(f'<text class="ptitle small" x="{x0 + 4}" y="{26 - 13 * (len(lines) - 1)}" '
                     f'data-k="{keys(ALL, ALL, theme)}">{spans}</text>')
        for v in (0, 0.5, 1):
            x = x0 + 6 + v * (col_w - 16)
            label = f'<text class="ytick mid" x="{x:.1f}" y="{top - 10}">{v:.0%}</text>' if v < 1 else ""
            parts.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{top - 8}" y2="{h - 8}"/>{label}')
    for i, g in enumerate([ALL, *groups]):
        y = top + row_h * i + row_h / 2
        n = rep.cell(ALL, g, rep.labels[0]).n_sentences
        name = "All sources" if g == ALL else g
        parts.append(f'<text class="glabel{" allrow" if g == ALL else ""}" x="{label_w - 8}" y="{y + 4:.1f}">'
                     f'{esc(name)} ({n})</text>')
        for j, theme in enumerate(rep.labels):
            row = rep.cell(ALL, g, theme)
            x0 = label_w + j * col_w + 6
            span = col_w - 16
            few = row.too_few
            c = colors[theme]
            tip = (f"{name} · {run.names[theme]}: {pct(row.share_corrected)} ({pct(row.ci_low)}-{pct(row.ci_high)}), "
                   f"raw {pct(row.share_raw)}; {n} sentences" + (f" — {row.warning}" if few else ""))
            parts.append(f'<line class="whisker" x1="{x0 + row.ci_low * span:.1f}" x2="{x0 + row.ci_high * span:.1f}" '
                         f'y1="{y:.1f}" y2="{y:.1f}" stroke="{c}"/>')
            parts.append(f'<circle class="pt{" few" if few else ""}" cx="{x0 + row.share_corrected * span:.1f}" '
                         f'cy="{y:.1f}" r="4" stroke="{c}" fill="{"#fff" if few else c}" '
                         f'data-k="{keys(ALL, g, theme)}" tabindex="0"><title>{esc(tip)}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------- tables


def _shares_table(run: ReportRun, group: str, keys: _Keys) -> str:
    rep = run.report
    colors = theme_colors(rep.labels)
    head = "".join(f'<th class="click" data-k="{keys(ALL, group, t)}">{esc(run.names[t])}</th>' for t in rep.labels)
    rows = []
    for p in [*[p for p in rep.periods if rep.has(p, group)], ALL]:
        first = rep.cell(p, group, rep.labels[0])
        few = first.too_few and p != ALL
        allk = " ".join(str(keys(p, group, t)) for t in rep.labels)
        cells = []
        for t in rep.labels:
            r = rep.cell(p, group, t)
            alpha = min(0.85, r.share_corrected * 1.6)
            cells.append(f'<td class="click" data-k="{keys(p, group, t)}" style="background:{colors[t]}'
                         f'{int(alpha * 255):02x}">{pct(r.share_corrected)}<small>{pct(r.ci_low)}-{pct(r.ci_high)}'
                         f"</small></td>")
        label = "All periods" if p == ALL else p
        mark = f' <span class="warn" title="{esc(first.warning)}">†</span>' if few else ""
        rows.append(f'<tr class="{"few" if few else ""}{" total" if p == ALL else ""}"><th class="click" '
                    f'data-k="{allk}">{esc(label)}{mark}</th><td class="num">{first.n_sentences}</td>'
                    f'<td class="num">{first.n_statements}</td>{"".join(cells)}</tr>')
    return (f'<table class="shares"><thead><tr><th>{esc(rep.period.capitalize())}</th><th>sentences</th>'
            f'<th>statements</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')


def _changes_table(run: ReportRun, group: str) -> str:
    rep = run.report
    ch = rep.changes_of(group)
    if not ch:
        return '<p class="note">Only one period: there are no changes to show.</p>'
    head = "".join(f"<th>{esc(run.names[t])}</th>" for t in rep.labels)
    steps: dict[tuple[str, str, str], dict[str, Any]] = {}
    for c in ch:
        steps.setdefault((c.period_from, c.period_to, c.kind), {})[c.theme] = c
    rows = []
    for (a, b, kind), by_theme in steps.items():
        cells = []
        for t in rep.labels:
            r = by_theme[t]
            cls = ("up" if r.change_pp > 0 else "down") if r.significant else ("few" if r.too_few else "ns")
            cells.append(f'<td class="chg {cls}">{r.change_pp:+.1f}<small>{r.ci_low_pp:+.1f} to {r.ci_high_pp:+.1f}'
                         f"</small></td>")
        label = f"{esc(a)} → {esc(b)}" + (" (first to last)" if kind == "first to last" else "")
        rows.append(f'<tr class="{"total" if kind != "consecutive" else ""}"><th>{label}</th>{"".join(cells)}</tr>')
    return (f'<table class="changes"><thead><tr><th>From → to</th>{head}</tr></thead><tbody>{"".join(rows)}'
            "</tbody></table>")


# ---------------------------------------------------------------- the page

_CSS = """
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC",
"WenQuanYi Micro Hei",sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2a44;color:#fff;padding:18px 28px}
header h1{margin:0 0 4px;font-size:22px}header p{margin:0;color:#c9d3e6}
.layout{display:grid;grid-template-columns:minmax(0,1fr) 380px;gap:18px;padding:18px 28px;align-items:start}
main section,aside{background:#fff;border:1px solid #e1e4ea;border-radius:8px;padding:14px 18px;margin-bottom:18px}
aside{position:sticky;top:12px;max-height:calc(100vh - 24px);overflow:auto}
h2{font-size:16px;margin:0 0 8px}h3{font-size:14px;margin:14px 0 6px}
.headlines li{margin:3px 0}.warnbox{border-left:4px solid #d08a00;background:#fff8e6;padding:8px 12px;margin:8px 0}
.legend{color:#555;font-size:12.5px;margin:0 0 6px}.legend i{display:inline-block;width:22px;height:0;
vertical-align:middle;margin:0 4px 0 10px}.legend .l1{border-top:2.5px solid #444}
.legend .l2{border-top:1.5px dashed #333}
.legend .l3{height:10px;background:#9995}.legend .l4{width:9px;height:9px;border:1.5px solid #444;border-radius:50%}
.panels{display:flex;flex-wrap:wrap;gap:6px}.panels svg.panel{width:calc(33.33% - 4px);height:auto}
svg .col{fill:transparent;cursor:pointer}svg .col:hover{fill:#0001}
.keys{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12.5px;margin:4px 0 8px}.keys span::before{content:"";
display:inline-block;width:10px;height:10px;margin-right:5px;background:var(--c);border-radius:2px}
svg text{font-size:10.5px;fill:#444}svg .ptitle{font-size:12.5px;font-weight:600;fill:#1d2330;cursor:pointer}
svg .ptitle.small{font-size:11.5px}svg .ytick{text-anchor:end}svg .ytick.mid{text-anchor:middle}
svg .xtick{text-anchor:end}
svg .grid{stroke:#e6e8ec;stroke-width:1}svg .band{opacity:.2;stroke:none}
svg .corr{fill:none;stroke-width:2.2}svg .raw{fill:none;stroke:#333;stroke-width:1;stroke-dasharray:4 3;opacity:.75}
svg .whisker{stroke-width:1.4;stroke-dasharray:2 2}svg .pt{cursor:pointer;stroke-width:1.8}
svg .pt:hover,svg .pt.sel{stroke:#000;stroke-width:2.5}svg .glabel{text-anchor:end;font-size:11.5px}
svg .allrow{font-weight:700}svg.groups{max-width:100%;height:auto}
select{font-size:14px;padding:3px 6px}
table{border-collapse:collapse;font-size:12.5px;width:100%}th,td{padding:4px 6px;border-bottom:1px solid #eceef2;
text-align:right;white-space:nowrap}thead th{position:sticky;top:0;background:#fff;text-align:right;white-space:normal;
vertical-align:bottom;
max-width:130px}
tbody th{text-align:left}td small{display:block;color:#555;font-size:10.5px}
.click{cursor:pointer}.click:hover{outline:2px solid #1d2a44}td.sel,th.sel{outline:2px solid #000}
details summary{cursor:pointer;color:#334;margin-top:6px}
tr.few th,tr.few td{color:#888;font-style:italic}tr.total th,tr.total td{border-top:2px solid #ccd}
td.chg.up{background:#d7efd9}td.chg.down{background:#f8d9d6}td.chg.ns{color:#777}td.chg.few{color:#aaa;font-style:italic}
.warn{color:#d08a00;font-style:normal}.note{color:#555;font-size:12.5px}
.tablewrap{max-height:520px;overflow:auto}
#ev-list ol{padding-left:20px;margin:4px 0 12px}#ev-list li{margin:0 0 10px}
#ev-list .evhead{margin-top:8px}#ev-list .meta{display:block;color:#667;font-size:11.5px}
#ev-title{font-weight:600}.muted{color:#667}
@media (max-width:1100px){.layout{grid-template-columns:1fr}aside{position:static;max-height:none}}
"""

_JS = """
(function(){
var data=JSON.parse(document.getElementById('evidence-data').textContent);
var title=document.getElementById('ev-title'),list=document.getElementById('ev-list');
var info=document.getElementById('ev-info');
function add(parent,tag,text,cls){var e=document.createElement(tag);if(cls){e.className=cls;}
if(text!==undefined){e.textContent=text;}parent.appendChild(e);return e;}
function show(keys){
while(list.firstChild){list.removeChild(list.firstChild);}
info.textContent='';
keys.forEach(function(k,ix){var d=data[k];if(!d){return;}
if(ix===0){title.textContent=d.period+' \u00b7 '+(keys.length>1?'every theme':d.theme)+' \u00b7 '+d.group;}
var h=add(list,'div',undefined,'evhead');add(h,'strong',d.theme+': '+d.share);
add(h,'span',' ('+d.n+' sentences)','muted');
if(!d.items.length){add(list,'p','No sentence was predicted as this theme here.','muted');return;}
var ol=add(list,'ol');
d.items.forEach(function(it){var li=add(ol,'li');add(li,'span',it[0]);
add(li,'span',it[1]+' \u00b7 '+it[2]+' \u00b7 '+it[3]+(it[4]===null?'':' \u00b7 confidence '+it[4]),'meta');});});
}
document.addEventListener('click',function(ev){var el=ev.target.closest('[data-k]');if(!el){return;}
document.querySelectorAll('.sel').forEach(function(x){x.classList.remove('sel');});el.classList.add('sel');
show(el.getAttribute('data-k').split(' ').map(Number));});
document.addEventListener('keydown',function(ev){if(ev.key==='Enter'&&ev.target.hasAttribute&&ev.target.hasAttribute('data-k')){
ev.target.dispatchEvent(new MouseEvent('click',{bubbles:true}));}});
var sel=document.getElementById('view');
if(sel){sel.addEventListener('change',function(){document.querySelectorAll('.view').forEach(function(v){
v.hidden=v.getAttribute('data-view')!==sel.value;});});}
})();
"""


def render_html(run: ReportRun) -> str:
    rep = run.report
    info = rep.info
    keys = _Keys(run)
    groups = rep.groups if rep.by != "none" else [ALL]
    views = []
    for gi, g in enumerate(groups):
        name = "all sources" if g == ALL else g
        views.append(
            f'<div class="view" data-view="{gi}"{"" if gi == 0 else " hidden"}>'
            f'<section><h2>Share of each theme over time — {esc(name)}</h2>'
            '<p class="legend"><i class="l1"></i>corrected share<i class="l3"></i>95% interval'
            '<i class="l2"></i>raw share (predicted labels)<i class="l4"></i>hollow: too few sentences, not joined'
            " · click a point for the sentences behind it</p>"
            f"{_color_keys(run)}"
            f"{_svg_series(run, g, keys)}</section>"
            f'<section><h2>Shares by {esc(rep.period)} — {esc(name)}</h2><p class="note">Corrected share, with its '
            f"95% interval below. Click a cell for its sentences, a {esc(rep.period)} for all its themes, a theme for "
            f'its strongest sentences overall.</p><div class="tablewrap">{_shares_table(run, g, keys)}</div></section>'
            f"<section><h2>Change from one {esc(rep.period)} to the next — {esc(name)}</h2>"
            '<p class="note">Percentage points, with the 95% interval below. Green and red: the interval excludes '
            "zero (a rise or fall that is not just noise). Grey italics: a period with too few sentences, never "
            f'called significant.</p><div class="tablewrap">{_changes_table(run, g)}</div></section></div>'
        )
    selector = ""
    if len(groups) > 1:
        opts = "".join(f'<option value="{i}">{esc("All sources" if g == ALL else g)}</option>'
                       for i, g in enumerate(groups))
        selector = (f'<section><label>Show: <select id="view">{opts}</select></label> '
                    f'<span class="note">one {esc(rep.by)} at a time, or all together</span></section>')
    group_section = ""
    if rep.by != "none" and len(groups) > 2:
        group_section = (f"<section><h2>Comparison by {esc(rep.by)} (all periods)</h2><p class=\"note\">Corrected "
                         f"share with its 95% interval; sentences in brackets; hollow: too few sentences.</p>"
                         f'<div class="tablewrap">{_svg_groups(run, keys)}</div></section>')
    heads = headlines(run, limit=5)
    head_items = "".join(f"<li>{esc(t)}</li>" for _, t in heads) or "<li>No change between periods is significant.</li>"
    peak_items = "".join(f"<li>{esc(t)}</li>" for _, t in peaks(run))
    cautions_ = cautions(run)  # the last one (the classifier's known errors) goes under the method
    warn = "".join(f'<div class="warnbox">{esc(c)}</div>' for c in cautions_[:-1])
    notes = "".join(f'<div class="warnbox">{esc(n)}</div>' for n in run.notes)
    unplaced = ""
    if len(rep.unplaced):
        rows = "".join(f"<tr><th>{esc(r.statement_id)}</th><td>{esc(r.date)}</td><td>{esc(r.source)}</td>"
                       f"<td>{esc(r.n_sentences)}</td><td>{esc(r.reason)}</td></tr>"
                       for r in rep.unplaced.head(200).itertuples())
        unplaced = ("<h3>Statements not placed in a period</h3><table><thead><tr><th>statement</th><th>date</th>"
                    f"<th>source</th><th>sentences</th><th>reason</th></tr></thead><tbody>{rows}</tbody></table>")
    failed = ""
    fl = (run.counts.get("failures") or []) + (run.counts.get("no_content_list") or [])
    if fl:
        rows = "".join(f"<tr><th>{esc(f['origin'])}</th><td>{esc(f['reason'])}</td></tr>" for f in fl[:200])
        failed = (f"<h3>Inputs not in the report ({len(fl)})</h3><table><thead><tr><th>input</th><th>reason</th></tr>"
                  f"</thead><tbody>{rows}</tbody></table>")
    method = (
        "<section><h2>How to read this</h2><ul>"
        "<li><b>Raw share</b>: the share of sentences the classifier labeled with a theme.</li>"
        "<li><b>Corrected share</b>: the raw counts adjusted for the classifier's known confusion between themes "
        "(its cross-validated error rates per language), clipped to 0-100% and renormalized. This estimates how "
        "much of what was said is about each theme, rather than how often the classifier said so.</li>"
        f"<li><b>Intervals</b>: {info['level']:.0%} bootstrap intervals from {info['n_boot']} replicates: statements "
        "resampled within each period, sentences within each statement, and the error rates redrawn from their "
        "counts. A change is called significant only when its interval excludes zero.</li>"
        f"<li>Periods with fewer than {info['min_sentences']} sentences or a single statement are drawn hollow and "
        "never called significant.</li>"
        f"<li>{esc(cautions_[-1])}</li></ul>"
        f"<h3>What went in</h3><ul>{''.join(f'<li>{esc(a)}</li>' for a in accounting(run))}</ul>"
        f"{notes}{unplaced}{failed}</section>"
    )
    payload = _json_for_script(keys.payload())  # after every chart has numbered its keys
    script = _JS
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    csp = f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{digest}'"
    n_groups = len(groups) - 1
    sub = (f"{info['n_statements']:,} statements, {info['n_sentences']:,} sentences, {esc(info['date_min'])} to "
           f"{esc(info['date_max'])}, by {esc(rep.period)}" + (f", {n_groups} {esc(rep.by)}s" if n_groups else "")
           + f" · model {esc(run.model_version)} · generated {dt.date.today().isoformat()}")
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Policy themes over time</title><style>{_CSS}</style></head><body>"
        f"<header><h1>How the emphasis of policy statements shifts over time</h1><p>{sub}</p></header>"
        '<div class="layout"><main>'
        f'<section class="headlines"><h2>Headline shifts</h2><ul>{head_items}</ul>{warn}'
        f"<details><summary>Where each theme peaked</summary><ul>{peak_items}</ul></details></section>"
        f"{selector}{''.join(views)}{group_section}{method}</main>"
        '<aside id="evidence"><h2>Sentences behind the figure</h2><p id="ev-title" class="muted">Click a point, a '
        'cell or a theme to see the most confident sentences behind it.</p><p id="ev-info" class="muted"></p>'
        '<div id="ev-list"></div></aside></div>'
        f'<script type="application/json" id="evidence-data">{payload}</script>'
        f"<script>{script}</script></body></html>\n"
    )
