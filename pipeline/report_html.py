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
from typing import Any

import numpy as np

from .charts import cell_colors, nice_max, svg_panels, theme_colors
from .i18n import BY, short, tr
from .quality import accuracy_html, method_html, top_box_html, your_label
from .report import ALL, ReportRun
from .summary import accounting, cautions, headlines, other_line, pct, peaks, single_statement_note, unit_of


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
        # One pass over the evidence (not a sub-frame per figure): linear in the number of figures.
        by_key: dict[tuple[str, str, str], list[list[Any]]] = {}
        user = ev["user_label"] if "user_label" in ev.columns else [""] * len(ev)
        for period, group, theme, sentence, sid, date, source, confidence, mark in zip(
                ev["period"], ev["group_value"], ev["theme"], ev["sentence"], ev["statement_id"], ev["date"],
                ev["source"], ev["confidence"], user, strict=True):
            conf = float(str(confidence))
            by_key.setdefault((period, group, theme), []).append(
                [str(sentence), short(sid), str(date), short(source), None if np.isnan(conf) else round(conf, 3),
                 your_label(self.run, str(mark or ""))])
        out = []
        for (period, group, theme), _ in sorted(self.ids.items(), key=lambda kv: kv[1]):
            row = rep.cell(period, group, theme)
            items = by_key.get((period, group, theme), [])
            ui = self.run.view.ui
            out.append({
                "period": tr(ui, "all_periods") if period == ALL else period,
                "group": tr(ui, "all_sources") if group == ALL else short(group),
                "theme": self.run.names[theme],
                "share": tr(ui, "ev_share", share=pct(row.share_corrected), lo=pct(row.ci_low), hi=pct(row.ci_high),
                            raw=pct(row.share_raw)),
                "n": row.n_sentences,
                "items": items,
            })
        return out


# ---------------------------------------------------------------- charts


def _svg_series(run: ReportRun, group: str, keys: _Keys) -> str:
    """Small multiples on a time axis (pipeline/charts.py, the same data as the PNGs)."""
    return svg_panels(run, group, keys, pct)


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
    ui = run.view.ui
    tops = _group_scales(run, groups)
    parts = [f'<svg class="groups" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
             f'aria-label="{esc(tr(ui, "h_groups", by=_by(run), units=unit_of(run, True)))}">']
    for j, theme in enumerate(rep.labels):
        x0 = label_w + j * col_w
        lines = _wrap(run.names[theme], 24)
        spans = "".join(f'<tspan x="{x0 + 4}" dy="{0 if i == 0 else 13}">{esc(t)}</tspan>' for i, t in enumerate(lines))
        parts.append(f'<text class="ptitle small" x="{x0 + 4}" y="{26 - 13 * (len(lines) - 1)}" '
                     f'data-k="{keys(ALL, ALL, theme)}">{spans}</text>')
        for v in (0, 0.5, 1):
            x = x0 + 6 + v * (col_w - 16)
            label = (f'<text class="ytick mid" x="{x:.1f}" y="{top - 10}">{pct(v * tops[theme])}</text>'
                     if v < 1 else "")
            parts.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{top - 8}" y2="{h - 8}"/>{label}')
    for i, g in enumerate([ALL, *groups]):
        y = top + row_h * i + row_h / 2
        n = rep.cell(ALL, g, rep.labels[0]).n_sentences
        name = tr(ui, "All_sources") if g == ALL else short(g)
        parts.append(f'<text class="glabel{" allrow" if g == ALL else ""}" x="{label_w - 8}" y="{y + 4:.1f}">'
                     f'{esc(name)} ({n})</text>')
        for j, theme in enumerate(rep.labels):
            row = rep.cell(ALL, g, theme)
            x0 = label_w + j * col_w + 6
            span = (col_w - 16) / tops[theme]
            few = row.too_few
            c = colors[theme]
            tip = tr(ui, "tip_group", group=name, name=run.names[theme], share=pct(row.share_corrected),
                     lo=pct(row.ci_low), hi=pct(row.ci_high), raw=pct(row.share_raw), n=n) + (
                f" — {row.warning}" if few else "")
            parts.append(f'<line class="whisker" x1="{x0 + row.ci_low * span:.1f}" '
                         f'x2="{x0 + min(row.ci_high, tops[theme]) * span:.1f}" '
                         f'y1="{y:.1f}" y2="{y:.1f}" stroke="{c}"/>')
            parts.append(f'<circle class="pt{" few" if few else ""}" cx="{x0 + row.share_corrected * span:.1f}" '
                         f'cy="{y:.1f}" r="4" stroke="{c}" fill="{"#fff" if few else c}" '
                         f'data-k="{keys(ALL, g, theme)}" tabindex="0"><title>{esc(tip)}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


def _group_scales(run: ReportRun, groups: list[str]) -> dict[str, float]:
    """Each theme's column scaled to its data (or one scale with --common-scale), as the time charts."""
    rep = run.report
    tops = {t: nice_max(max(max(rep.cell(ALL, g, t).ci_high, rep.cell(ALL, g, t).share_raw) for g in [ALL, *groups]))
            for t in rep.labels}
    if run.view.common_scale:
        top = max(tops.values())
        tops = dict.fromkeys(tops, top)
    return tops


def _by(run: ReportRun) -> str:
    ui = run.view.ui
    return BY[ui].get(run.report.by, run.report.by)


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
            bg, fg = cell_colors(colors[t], r.share_corrected)
            cells.append(f'<td class="click shade" data-k="{keys(p, group, t)}" style="background:{bg};color:{fg}">'
                         f"{pct(r.share_corrected)}<small>{pct(r.ci_low)}-{pct(r.ci_high)}</small></td>")
        label = tr(run.view.ui, "All_periods") if p == ALL else p
        mark = f' <span class="warn" title="{esc(first.warning)}">†</span>' if few else ""
        rows.append(f'<tr class="{"few" if few else ""}{" total" if p == ALL else ""}"><th class="click" '
                    f'data-k="{allk}">{esc(label)}{mark}</th><td class="num">{first.n_sentences}</td>'
                    f'<td class="num">{first.n_statements}</td>{"".join(cells)}</tr>')
    ui = run.view.ui
    return (f'<table class="shares"><thead><tr><th>{esc(unit_of(run)[:1].upper() + unit_of(run)[1:])}</th>'
            f'<th>{esc(tr(ui, "th_sentences"))}</th><th>{esc(tr(ui, "th_statements"))}</th>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _changes_table(run: ReportRun, group: str) -> str:
    rep = run.report
    ch = rep.changes_of(group)
    if not ch:
        return f'<p class="note">{esc(tr(run.view.ui, "only_one", unit=unit_of(run)))}</p>'
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
            span = tr(run.view.ui, "range_pp", lo=f"{r.ci_low_pp:+.1f}", hi=f"{r.ci_high_pp:+.1f}")
            cells.append(f'<td class="chg {cls}">{r.change_pp:+.1f}<small>{esc(span)}</small></td>')
        label = f"{esc(a)} → {esc(b)}" + (esc(tr(run.view.ui, "first_to_last")) if kind == "first to last" else "")
        rows.append(f'<tr class="{"total" if kind != "consecutive" else ""}"><th>{label}</th>{"".join(cells)}</tr>')
    return (f'<table class="changes"><thead><tr><th>{esc(tr(run.view.ui, "th_from_to"))}</th>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}'
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
.legend .l5{height:10px;width:14px;background:repeating-linear-gradient(45deg,#e4e6ea 0 2px,#fff 2px 4px)}
.panels{display:flex;flex-wrap:wrap;gap:6px}.panels svg.panel{width:calc(50% - 3px);height:auto}
svg .gap{fill:#eef0f3;stroke:none}
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
tbody th{text-align:left}td small{display:block;color:#4a4f59;font-size:10.5px}td.shade small{color:inherit}
.click{cursor:pointer}.click:hover{outline:2px solid #1d2a44}td.sel,th.sel{outline:2px solid #000}
details summary{cursor:pointer;color:#334;margin-top:6px}
tr.few th,tr.few td{font-style:italic}tr.few th{color:#5c6270}tr.total th,tr.total td{border-top:2px solid #ccd}
td.chg.up{background:#d7efd9}td.chg.down{background:#f8d9d6}td.chg.ns{color:#595959}
td.chg.few{color:#636363;font-style:italic}
.warn{color:#d08a00;font-style:normal}.note{color:#555;font-size:12.5px}
.tablewrap{max-height:520px;overflow:auto}
#ev-list ol{padding-left:20px;margin:4px 0 12px}#ev-list li{margin:0 0 10px}
#ev-list .evhead{margin-top:8px}#ev-list .meta{display:block;color:#667;font-size:11.5px}
#ev-title{font-weight:600}.muted{color:#667}
#ev-list .ulabel{display:inline-block;margin-top:2px;padding:0 6px;border-radius:3px;background:#e3ecfb;
color:#1d2a44;font-size:11.5px}.errorrates pre{background:#fff;padding:6px 8px;margin:6px 0;white-space:pre-wrap}
table.confusion td.diag{font-weight:700;background:#eef5ee}table.acc td,table.confusion td{text-align:right}
@media (max-width:1100px){.layout{grid-template-columns:1fr}aside{position:static;max-height:none}}
"""

_JS = """
(function(){
var data=JSON.parse(document.getElementById('evidence-data').textContent);
var title=document.getElementById('ev-title'),list=document.getElementById('ev-list');
var info=document.getElementById('ev-info'),words=document.getElementById('evidence').dataset;
function add(parent,tag,text,cls){var e=document.createElement(tag);if(cls){e.className=cls;}
if(text!==undefined){e.textContent=text;}parent.appendChild(e);return e;}
function show(keys){
while(list.firstChild){list.removeChild(list.firstChild);}
info.textContent='';
keys.forEach(function(k,ix){var d=data[k];if(!d){return;}
if(ix===0){title.textContent=d.period+' \\u00b7 '+(keys.length>1?words.every:d.theme)+' \\u00b7 '+d.group;}
var h=add(list,'div',undefined,'evhead');add(h,'strong',d.theme+': '+d.share);
add(h,'span',' ('+d.n+' '+words.sentences+')','muted');
if(!d.items.length){add(list,'p',words.none,'muted');return;}
var ol=add(list,'ol');
d.items.forEach(function(it){var li=add(ol,'li');add(li,'span',it[0]);
var meta=it[1]+' \\u00b7 '+it[2]+' \\u00b7 '+it[3];
add(li,'span',meta+(it[4]===null?'':' \\u00b7 '+words.conf+' '+it[4]),'meta');
if(it[5]){add(li,'span',it[5],'ulabel');}});});
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


def _view_sections(run: ReportRun, g: str, gi: int, keys: _Keys) -> str:
    """One group's charts and tables (shown one group at a time)."""
    ui = run.view.ui
    name = tr(ui, "all_sources") if g == ALL else short(g)
    u = unit_of(run)
    return (
        f'<div class="view" data-view="{gi}"{"" if gi == 0 else " hidden"}>'
        f'<section><h2>{esc(tr(ui, "h_series", name=name))}</h2>'
        f'<p class="legend">{tr(ui, "legend")}</p>'
        f"{_color_keys(run)}"
        f"{_svg_series(run, g, keys)}</section>"
        f'<section><h2>{esc(tr(ui, "h_table", unit=u, name=name))}</h2><p class="note">'
        f'{esc(tr(ui, "table_note", unit=u))}</p><div class="tablewrap">{_shares_table(run, g, keys)}</div></section>'
        f'<section><h2>{esc(tr(ui, "h_changes", unit=u, name=name))}</h2>'
        f'<p class="note">{esc(tr(ui, "changes_note", unit=u))}</p>'
        f'<div class="tablewrap">{_changes_table(run, g)}</div></section></div>'
    )


def _headline_section(run: ReportRun) -> str:
    """What an analyst reads first: the biggest real shifts, peaks, the catch-all theme apart,
    what a single statement's share means, and the cautions; no heading without content."""
    ui = run.view.ui
    heads = headlines(run, limit=6)
    items = "".join(f"<li>{esc(t)}</li>" for _, t in heads)
    if not items and len(run.report.periods) > 1:
        items = f"<li>{esc(tr(ui, 'no_shift', units=unit_of(run, True)))}</li>"
    body = f'<h2>{esc(tr(ui, "h_shifts"))}</h2><ul class="shifts">{items}</ul>' if items else ""
    peak_items = "".join(f"<li>{esc(t)}</li>" for _, t in peaks(run))
    if peak_items:
        body += f'<h3>{esc(tr(ui, "h_peaks_page"))}</h3><ul class="peaks">{peak_items}</ul>'
    other = other_line(run)
    if other:
        body += f'<h3>{esc(tr(ui, "h_other"))}</h3><p class="other">{esc(other)}</p>'
    single = single_statement_note(run)
    if single:
        body += f'<p class="note single">{esc(single)}</p>'
    body += "".join(f'<div class="warnbox">{esc(c)}</div>' for c in cautions(run)[:-1])
    return f'<section class="headlines">{body}</section>'


def _method_section(run: ReportRun) -> str:
    ui = run.view.ui
    rep = run.report
    info = rep.info
    u, us = unit_of(run), unit_of(run, True)
    notes = "".join(f'<div class="warnbox">{esc(n)}</div>' for n in run.notes)
    unplaced = ""
    if len(rep.unplaced):
        rows = "".join(f"<tr><th>{esc(short(r.statement_id))}</th><td>{esc(r.date)}</td><td>{esc(short(r.source))}</td>"
                       f"<td>{esc(r.n_sentences)}</td><td>{esc(r.reason)}</td></tr>"
                       for r in rep.unplaced.head(200).itertuples())
        unplaced = (f"<h3>{esc(tr(ui, 'h_unplaced'))}</h3><table><thead><tr><th>{esc(tr(ui, 'th_statement'))}</th>"
                    f"<th>{esc(tr(ui, 'th_date'))}</th><th>{esc(tr(ui, 'th_source'))}</th>"
                    f"<th>{esc(tr(ui, 'th_sentences'))}</th><th>{esc(tr(ui, 'th_reason'))}</th></tr></thead>"
                    f"<tbody>{rows}</tbody></table>")
    failed = ""
    fl = (run.counts.get("failures") or []) + (run.counts.get("no_content_list") or [])
    if fl:
        rows = "".join(f"<tr><th>{esc(f['origin'])}</th><td>{esc(f['reason'])}</td></tr>" for f in fl[:200])
        failed = (f"<h3>{esc(tr(ui, 'h_failed', n=len(fl)))}</h3><table><thead><tr><th>{esc(tr(ui, 'th_input'))}</th>"
                  f"<th>{esc(tr(ui, 'th_reason'))}</th></tr></thead><tbody>{rows}</tbody></table>")
    thin = tr(ui, "m_thin", units=us, min=info["min_sentences"])
    interval = tr(ui, "m_int", level=f"{info['level']:.0%}", n_boot=info["n_boot"], unit=esc(u),
                  block=info.get("block_size", 8))
    return (
        f"<section><h2>{esc(tr(ui, 'h_read'))}</h2><ul>"
        f"<li>{tr(ui, 'm_raw')}</li><li>{method_html(run)}</li>"
        f"<li>{interval}</li>"
        f"<li>{esc(thin[:1].upper() + thin[1:])}</li><li>{esc(tr(ui, 'm_axis', unit=u))}</li>"
        f"<li>{esc(cautions(run)[-1])}</li></ul>"
        f"<h3>{esc(tr(ui, 'h_inputs_page'))}</h3><ul>{''.join(f'<li>{esc(a)}</li>' for a in accounting(run))}</ul>"
        f"{notes}{unplaced}{failed}</section>"
    )


def render_html(run: ReportRun) -> str:
    rep = run.report
    info = rep.info
    ui = run.view.ui
    keys = _Keys(run)
    groups = rep.groups if rep.by != "none" else [ALL]
    views = [_view_sections(run, g, gi, keys) for gi, g in enumerate(groups)]
    selector = ""
    if len(groups) > 1:
        opts = "".join(f'<option value="{i}">{esc(tr(ui, "All_sources") if g == ALL else short(g))}</option>'
                       for i, g in enumerate(groups))
        selector = (f'<section><label>{esc(tr(ui, "show"))} <select id="view">{opts}</select></label> '
                    f'<span class="note">{esc(tr(ui, "one_at_a_time", by=_by(run)))}</span></section>')
    group_section = ""
    if rep.by != "none" and len(groups) > 2:
        group_section = (f"<section><h2>{esc(tr(ui, 'h_groups', by=_by(run), units=unit_of(run, True)))}</h2>"
                         f'<p class="note">{esc(tr(ui, "groups_note"))}</p>'
                         f'<div class="tablewrap">{_svg_groups(run, keys)}</div></section>')
    headline = _headline_section(run)
    method = _method_section(run)
    payload = _json_for_script(keys.payload())  # after every chart has numbered its keys
    script = _JS
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    csp = f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{digest}'"
    n_groups = len(groups) - 1
    sub = (esc(tr(ui, "sub", n_statements=f"{info['n_statements']:,}", n_sentences=f"{info['n_sentences']:,}",
                  date_min=info["date_min"], date_max=info["date_max"], unit=unit_of(run)))
           + (esc(tr(ui, "sub_groups", n=n_groups, by=_by(run))) if n_groups else "")
           + esc(tr(ui, "sub_model", model=run.model_version, date=dt.date.today().isoformat())))
    words = {"every": tr(ui, "js_every"), "sentences": tr(ui, "js_sentences"), "none": tr(ui, "js_none"),
             "conf": tr(ui, "js_conf")}
    data_words = "".join(f' data-{k}="{esc(v)}"' for k, v in words.items())
    return (
        f"<!doctype html>\n<html lang=\"{'zh-CN' if ui == 'zh' else 'en'}\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(tr(ui, 'page_title'))}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>{esc(tr(ui, 'h1'))}</h1><p>{sub}</p></header>"
        '<div class="layout"><main>'
        f'<section class="errorrates">{top_box_html(run)}</section>{headline}'
        f"{selector}{''.join(views)}{group_section}{accuracy_html(run)}{method}</main>"
        f'<aside id="evidence"{data_words}><h2>{esc(tr(ui, "h_evidence"))}</h2><p id="ev-title" class="muted">'
        f'{esc(tr(ui, "ev_hint"))}</p><p id="ev-info" class="muted"></p>'
        '<div id="ev-list"></div></aside></div>'
        f'<script type="application/json" id="evidence-data">{payload}</script>'
        f"<script>{script}</script></body></html>\n"
    )
