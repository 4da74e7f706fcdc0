"""The words of the report page and summary in English and Chinese (`report --ui zh`).

Every string a reader sees is here, so a translation is one dict and a missing key fails a
test rather than leaving a mixed-language page. Theme names come from the taxonomy
(`name_en` / `name_zh` in data/themes.toml, or the file given with `--themes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

UIS = ("en", "zh")

#: Names (sources, themes, period labels) longer than this are cut with an ellipsis wherever
#: they are drawn or shown: the figures, the page and the summary. The tables keep them whole.
LABEL_CHARS = 80


def short(text: object, limit: int = LABEL_CHARS) -> str:
    """`text` cut to `limit` characters, the last an ellipsis when anything was cut."""
    s = str(text)
    return s if len(s) <= limit else s[: limit - 1] + "…"

#: Period words per scheme: (singular, plural) in English, one word in Chinese.
UNITS = {
    "en": {"year": ("year", "years"), "quarter": ("quarter", "quarters"), "month": ("month", "months"),
           "5y": ("5-year period", "5-year periods"), "decade": ("decade", "decades"),
           "fyp": ("Five-Year-Plan period", "Five-Year-Plan periods"), "custom": ("period", "periods")},
    "zh": {"year": ("年份", "年份"), "quarter": ("季度", "季度"), "month": ("月份", "月份"),
           "5y": ("五年期", "五年期"), "decade": ("年代", "年代"), "fyp": ("五年计划时期", "五年计划时期"),
           "custom": ("时期", "时期")},
}

EN: dict[str, str] = {
    # summary.md
    "summary_title": "Policy themes over time: summary",
    "intro": ("{n_statements} statements ({n_sentences} sentences) dated {date_min} to {date_max}, by {unit}. "
              "Shares are corrected for the classifier's known errors; intervals are {level} bootstrap intervals. "
              "Model {model}."),
    "single": ("{count} of the {total} {units} have a single statement (such as one work report a year). There, a "
               "share is that statement's emphasis, not a sample of many statements: its interval comes from "
               "resampling blocks of {block} consecutive sentences, and says how steady that emphasis is across "
               "the text."),
    "h_shifts": "Biggest shifts",
    "rose": "{name} rose from {a} in {pa} to {b} in {pb} ({pp}, 95% interval {lo} to {hi} pp)",
    "fell": "{name} fell from {a} in {pa} to {b} in {pb} ({pp}, 95% interval {lo} to {hi} pp)",
    "flat": ("{name}: no change from one {unit} to the next, nor from the first to the last, is significant (it "
             "ranged from {lo} to {hi})"),
    "flat_level": "{name}: about {level} in every {unit}, with no significant change",
    "h_peaks": "Where each theme peaked",
    "peak": "{name}: highest in {pa} ({a}), lowest in {pb} ({b})",
    "h_other": "Everything else",
    "other_line": "{name} (sentences on none of the themes above): {all} of all sentences, from {lo} in {pa} to {hi} "
                  "in {pb}",
    "other_flat": "{name} (sentences on none of the themes above): {all} of all sentences",
    "h_overall": "Overall shares",
    "col_theme": "theme", "col_corrected": "corrected", "col_interval": "95% interval", "col_raw": "raw",
    "h_by": "By {by}",
    "by_line": "{name}: most emphasized by {a} ({x}), least by {b} ({y})",
    "h_cautions": "Cautions",
    "too_little": ("Too little text for firm shares in {list}: they are drawn hollow and not joined, and changes "
                   "involving them are never called significant (threshold: {min} sentences)."),
    "too_little_item": "{period} ({n} sentences)",
    "unplaced": ("{n} statements ({s} sentences) could not be placed in a {unit} and are left out of the time "
                 "series (unplaced.csv says why)."),
    "model_cv": ("Corrected shares use the error rates the classifier showed in cross-validation on the team's "
                 "labeled sentences (macro-F1 {cv})."),
    "model_real": (" On real statements it errs more (macro-F1 {real}), so the correction removes only part of the "
                   "bias and the intervals may be too narrow for text unlike the training data."),
    "h_inputs": "What went in",
    "acc_sentences": "Sentences in the report: {n} from {s} statements.",
    "acc_read": ("Statements read: {read}; failed: {failed}; no content after cleaning: {none}; lines removed by "
                 "cleaning: {removed} ({which})."),
    "acc_none": "none",
    "acc_classified": "Input: an existing classification output (cleaning counts are in its own run).",
    "files": ("Files: `index.html` (interactive), `figures/*.png`, `theme_shares.csv`/`.parquet`, `changes.csv`, "
              "`statement_shares.csv`, `evidence.csv` (the sentences behind each figure), `unplaced.csv`, "
              "`sentences.parquet` (every classified sentence), `report.json`."),
    # index.html
    "page_title": "Policy themes over time",
    "h1": "How the emphasis of policy statements shifts over time",
    "sub": "{n_statements} statements, {n_sentences} sentences, {date_min} to {date_max}, by {unit}",
    "sub_groups": ", {by}s: {n}",
    "sub_model": " · model {model} · generated {date}",
    "no_shift": "No change between {units} is significant.",
    "all_sources": "all sources", "All_sources": "All sources", "all_periods": "all periods",
    "All_periods": "All periods",
    "h_series": "Share of each theme over time — {name}",
    "legend": ("<i class=\"l1\"></i>corrected share<i class=\"l3\"></i>95% interval<i class=\"l2\"></i>raw share "
               "(predicted labels)<i class=\"l4\"></i>hollow: too few sentences, not joined<i class=\"l5\"></i>no "
               "statements · click a point for the sentences behind it"),
    "scale_own": "Each theme has its own vertical scale (--common-scale for one scale).",
    "scale_common": "All themes share one vertical scale.",
    "h_other_panel": "Everything else, shown apart",
    "apart": "{name} (shown apart)",
    "composition": "All themes, stacked (corrected)",
    "h_table": "Shares by {unit} — {name}",
    "table_note": ("Corrected share, with its 95% interval below. Click a cell for its sentences, a {unit} for all "
                   "its themes, a theme for its strongest sentences overall."),
    "th_sentences": "sentences", "th_statements": "statements",
    "h_changes": "Change from one {unit} to the next — {name}",
    "changes_note": ("Percentage points, with the 95% interval below. Green and red: the interval excludes zero (a "
                     "rise or fall that is not just noise). Grey italics: a {unit} with too few sentences, never "
                     "called significant."),
    "only_one": "Only one {unit}: there are no changes to show.",
    "th_from_to": "From → to", "first_to_last": " (first to last)", "range_pp": "{lo} to {hi}",
    "show": "Show:", "one_at_a_time": "one {by} at a time, or all together",
    "h_groups": "Comparison by {by} (all {units})",
    "groups_note": "Corrected share with its 95% interval; sentences in brackets; hollow: too few sentences.",
    "h_peaks_page": "Where each theme peaked",
    "h_read": "How to read this",
    "m_raw": "<b>Raw share</b>: the share of sentences the classifier labeled with a theme.",
    "m_corr": ("<b>Corrected share</b>: the raw counts adjusted for the classifier's known confusion between themes "
               "(its cross-validated error rates per language), clipped to 0-100% and renormalized. This estimates "
               "how much of what was said is about each theme, rather than how often the classifier said so."),
    "m_int": ("<b>Intervals</b>: {level} bootstrap intervals from {n_boot} replicates: statements resampled within "
              "each {unit}, sentences within each statement, and the error rates redrawn from their counts. A "
              "{unit} with a single statement resamples blocks of {block} consecutive sentences of it: its share "
              "is that statement's emphasis, not a sample of a population of statements. A change is called "
              "significant only when its interval excludes zero."),
    "m_thin": "{units} with fewer than {min} sentences are drawn hollow and never called significant.",
    "m_axis": ("The charts put each {unit} at its midpoint on a time axis: a gap in the line is a stretch of time "
               "with no statements."),
    "h_inputs_page": "What went in",
    "h_unplaced": "Statements not placed in a period",
    "th_statement": "statement", "th_date": "date", "th_source": "source", "th_reason": "reason",
    "h_failed": "Inputs not in the report ({n})", "th_input": "input",
    "h_evidence": "Sentences behind the figure",
    "ev_hint": "Click a point, a cell or a theme to see the most confident sentences behind it.",
    "js_every": "every theme", "js_sentences": "sentences", "js_none": "No sentence was predicted as this theme here.",
    "js_conf": "confidence",
    "tip_point": ("{period} · {name}: {share} (95% interval {lo}-{hi}), raw {raw}; {n} sentences in {s} "
                  "statements"),
    "tip_group": "{group} · {name}: {share} ({lo}-{hi}), raw {raw}; {n} sentences",
    "tip_gap": "no statements from {a} to {b}",
    "ev_share": "{share} ({lo}-{hi}), raw {raw}",
    # figures
    "fig_shares": "Share of each theme by {unit} (corrected for classifier errors, 95% intervals)",
    "fig_comp": "Theme composition by {unit} (corrected shares)",
    "fig_changes": "Change in corrected share from the previous {unit} (pp); * = 95% interval excludes zero",
    "fig_groups": "Corrected share by {by}, all {units} (sentences in brackets; hollow: too few)",
    "fig_one": "Only one {unit}: no changes to show",
    "lg_corr": "corrected share", "lg_band": "95% interval", "lg_raw": "raw share", "lg_few": "too few sentences",
}

ZH: dict[str, str] = {
    "summary_title": "政策主题随时间的变化：摘要",
    "intro": ("共 {n_statements} 篇文本（{n_sentences} 句），日期 {date_min} 至 {date_max}，按{unit}统计。"
              "占比已按分类器的已知误差校正；区间为 {level} 自助法区间。模型 {model}。"),
    "single": ("{total} 个{units}中有 {count} 个只有一篇文本（如每年一篇政府工作报告）。"
               "此时占比就是这篇文本的侧重，而非多篇文本的样本：其区间由重抽每 {block} 句一组的连续句子得到，"
               "反映这种侧重在全文中是否稳定。"),
    "h_shifts": "最大的变化",
    "rose": "{name}从{pa}的 {a} 升至{pb}的 {b}（{pp}，95% 区间 {lo} 至 {hi} 个百分点）",
    "fell": "{name}从{pa}的 {a} 降至{pb}的 {b}（{pp}，95% 区间 {lo} 至 {hi} 个百分点）",
    "flat": "{name}：相邻{units}之间及首尾之间均无显著变化（介于 {lo} 与 {hi} 之间）",
    "flat_level": "{name}：每个{unit}都约为 {level}，没有显著变化",
    "h_peaks": "各主题的最高与最低",
    "peak": "{name}：{pa}最高（{a}），{pb}最低（{b}）",
    "h_other": "其他内容",
    "other_line": "{name}（不属于上述主题的句子）：占全部句子的 {all}，从{pa}的 {lo} 到{pb}的 {hi}",
    "other_flat": "{name}（不属于上述主题的句子）：占全部句子的 {all}",
    "h_overall": "总体占比",
    "col_theme": "主题", "col_corrected": "校正后", "col_interval": "95% 区间", "col_raw": "原始",
    "h_by": "按{by}比较",
    "by_line": "{name}：{a}最为强调（{x}），{b}最少（{y}）",
    "h_cautions": "注意事项",
    "too_little": ("以下时期文本太少，占比不可靠：{list}。"
                   "图中以空心点表示且不连线，涉及它们的变化不判为显著（门槛：{min} 句）。"),
    "too_little_item": "{period}（{n} 句）",
    "unplaced": "{n} 篇文本（{s} 句）无法归入某个{unit}，未计入时间序列（原因见 unplaced.csv）。",
    "model_cv": "校正使用分类器在团队标注句子上交叉验证得到的误差率（宏平均 F1：{cv}）。",
    "model_real": ("在真实文本上误差更大（宏平均 F1：{real}），因此校正只能消除部分偏差，"
                   "对不同于训练数据的文本，区间可能偏窄。"),
    "h_inputs": "输入情况",
    "acc_sentences": "报告包含 {n} 句，来自 {s} 篇文本。",
    "acc_read": "读取文本 {read} 篇；失败 {failed} 篇；清洗后无内容 {none} 篇；清洗删除 {removed} 行（{which}）。",
    "acc_none": "无",
    "acc_classified": "输入为已有的分类结果（清洗统计见其自身的运行记录）。",
    "files": ("文件：`index.html`（交互页面）、`figures/*.png`、`theme_shares.csv`/`.parquet`、`changes.csv`、"
              "`statement_shares.csv`、`evidence.csv`（每个数字背后的句子）、`unplaced.csv`、"
              "`sentences.parquet`（全部已分类句子）、`report.json`。"),
    "page_title": "政策主题随时间的变化",
    "h1": "政策文本的侧重如何随时间变化",
    "sub": "{n_statements} 篇文本，{n_sentences} 句，{date_min} 至 {date_max}，按{unit}",
    "sub_groups": "，{n} 个{by}",
    "sub_model": " · 模型 {model} · 生成于 {date}",
    "no_shift": "各{units}之间没有显著变化。",
    "all_sources": "全部来源", "All_sources": "全部来源", "all_periods": "全部时期", "All_periods": "全部时期",
    "h_series": "各主题占比随时间的变化 — {name}",
    "legend": ("<i class=\"l1\"></i>校正后占比<i class=\"l3\"></i>95% 区间<i class=\"l2\"></i>原始占比（预测标签）"
               "<i class=\"l4\"></i>空心：句子太少，不连线<i class=\"l5\"></i>无文本 · 点击数据点查看其背后的句子"),
    "scale_own": "每个主题使用各自的纵轴刻度（--common-scale 使用统一刻度）。",
    "scale_common": "所有主题使用统一的纵轴刻度。",
    "h_other_panel": "其他内容（单独显示）",
    "apart": "{name}（单独显示）",
    "composition": "全部主题堆叠（校正后）",
    "h_table": "按{unit}的占比 — {name}",
    "table_note": ("校正后占比，下方为 95% 区间。点击单元格查看句子，点击{unit}查看其全部主题，"
                   "点击主题查看其总体最典型的句子。"),
    "th_sentences": "句数", "th_statements": "文本数",
    "h_changes": "相邻{unit}之间的变化 — {name}",
    "changes_note": ("单位为百分点，下方为 95% 区间。绿色和红色：区间不含零（并非噪声的升降）。"
                     "灰色斜体：句子太少的{unit}，不判为显著。"),
    "only_one": "只有一个{unit}：没有可显示的变化。",
    "th_from_to": "从 → 到", "first_to_last": "（首尾比较）", "range_pp": "{lo} 至 {hi}",
    "show": "显示：", "one_at_a_time": "逐个{by}查看，或全部合并",
    "h_groups": "按{by}比较（全部{units}）",
    "groups_note": "校正后占比及其 95% 区间；括号内为句数；空心：句子太少。",
    "h_peaks_page": "各主题的最高与最低",
    "h_read": "如何阅读",
    "m_raw": "<b>原始占比</b>：分类器标为某主题的句子所占比例。",
    "m_corr": ("<b>校正后占比</b>：按分类器已知的主题混淆（各语言交叉验证误差率）调整原始计数，"
               "截断到 0-100% 并重新归一。它估计的是所说内容中各主题的比例，而不是分类器给出该标签的频率。"),
    "m_int": ("<b>区间</b>：{n_boot} 次重抽的 {level} 自助法区间：在每个{unit}内重抽文本，"
              "在每篇文本内重抽句子，并按计数重抽误差率。只有一篇文本的{unit}重抽其中每 {block} 句一组的连续句子："
              "其占比就是这篇文本的侧重，而非文本总体的样本。只有区间不含零的变化才判为显著。"),
    "m_thin": "少于 {min} 句的{units}以空心点表示，不判为显著。",
    "m_axis": "图中每个{unit}位于时间轴上其中点处：线条的断开表示这段时间没有文本。",
    "h_inputs_page": "输入情况",
    "h_unplaced": "未能归入时期的文本",
    "th_statement": "文本", "th_date": "日期", "th_source": "来源", "th_reason": "原因",
    "h_failed": "未计入报告的输入（{n}）", "th_input": "输入",
    "h_evidence": "数字背后的句子",
    "ev_hint": "点击数据点、单元格或主题，查看其背后置信度最高的句子。",
    "js_every": "全部主题", "js_sentences": "句", "js_none": "此处没有句子被预测为该主题。",
    "js_conf": "置信度",
    "tip_point": "{period} · {name}：{share}（95% 区间 {lo}-{hi}），原始 {raw}；{s} 篇文本 {n} 句",
    "tip_group": "{group} · {name}：{share}（{lo}-{hi}），原始 {raw}；{n} 句",
    "tip_gap": "{a} 至 {b} 没有文本",
    "ev_share": "{share}（{lo}-{hi}），原始 {raw}",
    "fig_shares": "各主题按{unit}的占比（已按分类器误差校正，95% 区间）",
    "fig_comp": "按{unit}的主题构成（校正后占比）",
    "fig_changes": "校正后占比相对上一{unit}的变化（百分点）；* = 95% 区间不含零",
    "fig_groups": "按{by}的校正后占比，全部{units}（括号内为句数；空心：句子太少）",
    "fig_one": "只有一个{unit}：没有可显示的变化",
    "lg_corr": "校正后占比", "lg_band": "95% 区间", "lg_raw": "原始占比", "lg_few": "句子太少",
}

#: `--by` values in words.
BY = {"en": {"source": "source", "lang": "language", "none": "none"},
      "zh": {"source": "来源", "lang": "语言", "none": "无"}}

STRINGS = {"en": EN, "zh": ZH}


def tr(ui: str, key: str, **kw: object) -> str:
    """The string `key` in the page's language, filled in."""
    return STRINGS[ui if ui in STRINGS else "en"][key].format(**kw)


def unit(ui: str, scheme_name: str, plural: bool = False) -> str:
    """The word for one period of a scheme (`year`, `Five-Year-Plan period`, `年份`)."""
    words = UNITS[ui if ui in UNITS else "en"]
    return words.get(scheme_name, words["custom"])[1 if plural else 0]


def theme_names(labels: Sequence[str], ui: str = "en", themes_path: str | Path | None = None
                ) -> tuple[dict[str, str], str]:
    """Names of the model's themes in `ui` from the taxonomy, and a note ('' when none) naming
    the themes it does not list (they keep their ids): a model trained on another taxonomy
    needs that file with --themes."""
    from .errors import InputError
    from .themes import load_taxonomy

    try:
        tax = load_taxonomy(themes_path)
        known = {t.id: (t.name_zh if ui == "zh" else t.name_en) for t in tax.themes}
    except InputError:
        known = {}
    missing = [t for t in labels if t not in known]
    note = ""
    if missing:
        where = themes_path or "data/themes.toml"
        note = (f"Themes not named in {where}: {', '.join(missing)} (shown by their ids); pass the taxonomy the "
                "model was trained with as --themes FILE.")
    return {t: known.get(t, t) for t in labels}, note


def fallback_theme(labels: Sequence[str], themes_path: str | Path | None = None) -> str | None:
    """The catch-all theme (`fallback = true`), shown apart from the others; None if unknown."""
    from .errors import InputError
    from .themes import load_taxonomy

    try:
        fb = load_taxonomy(themes_path).fallback
    except InputError:
        fb = "other"
    return fb if fb in labels else None
