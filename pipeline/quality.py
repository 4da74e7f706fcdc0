"""What the report knows about the classifier's errors on this corpus, in words (page and summary).

Why a section of its own: the corrected shares are only as good as the error rates behind them.
Without labels of this corpus those come from the team's training text, and the reader must be
told so at the top, with how far real text is known to differ, the signs of drift this corpus
shows, and the two commands that measure the errors on it. With labels (`--validation`) the
page shows the classifier's measured accuracy instead. Strings in English and Chinese, as in
`i18n.py` (a test checks both have the same keys).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .report import ReportRun

EN: dict[str, str] = {
    "m_emq": ("<b>Corrected share</b>: the classifier's calibrated probabilities re-weighted for this {unit}'s mix "
              "of themes by EM (Saerens et al.; the mix the probabilities were calibrated on is the training "
              "data's), per language, then pooled. On the team's real-text check set this erred less than "
              "adjusting the counts by cross-validated error rates. It assumes the classifier reads each theme "
              "as it did in training; only labels of your own sentences test that."),
    "m_acc": ("<b>Corrected share</b>: the predicted counts adjusted for the classifier's cross-validated error "
              "rates per language (adjusted classify-and-count), clipped to 0-100% and renormalized."),
    "m_val": ("<b>Corrected share</b>: the predicted counts adjusted for the error rates measured on your {n} labeled "
              "sentences (per language with {min} labels or more, else pooled; rare themes borrow from the "
              "pooled or training rates), and the intervals redraw the labeled sample too. The whole corpus "
              "(`all` rows) is estimated by prediction-powered inference: the mean of every sentence's "
              "probabilities plus the labeled sentences' mean correction (label minus prediction), weighted for "
              "the best precision; its interval comes from the labeled sample and is never wider than the "
              "labels alone would give."),
    "top_train": ("The corrected shares rest on error rates measured on the team's own training sentences, not on "
                  "your text. Real text is misread differently: {real}. Measure the errors on your corpus: "
                  "draw a random sample and label it, then report with it:"),
    "top_real": ("on {n} real sentences labeled by the team the classifier's macro-F1 was {real} against {cv} in "
                 "cross-validation"),
    "top_other": ("; it sent {real} of real `other` sentences to a theme against {cv} in cross-validation"),
    "top_real_none": "the model records no check on real text",
    "cmd_note": "(then `policy-themes label sample.csv` opens a labeling page; about 300 labels are enough)",
    "drift": ("Signs of drift from the training text ({lang}): {nofeat} of sentences have no word or character "
              "pattern the model knows; mean confidence {conf} against {train} in training{train_what}."),
    "drift_acc": " (its cross-validated accuracy, which a calibrated model's mean confidence matches)",
    "top_val": ("Error rates measured on {n} labeled sentences of this corpus ({file}); the whole corpus is "
                "estimated from them by prediction-powered inference. See the classifier's measured accuracy "
                "below."),
    "caution_train": ("Corrected shares use error rates from the team's training text (cross-validated macro-F1 "
                      "{cv}); {real}. Label a random sample of your sentences (`policy-themes sample`) and pass it "
                      "with `--validation` to measure them on your text."),
    "caution_val": ("Error rates measured on {n} labeled sentences of this corpus: {desc}. Error rates per "
                    "language: {rates}."),
    "h_acc": "The classifier measured on your labeled sentences",
    "acc_intro": ("{n} labeled sentences{weighted}: accuracy {acc} (95% interval {lo}-{hi}). Precision: of the "
                  "sentences predicted as a theme, the share you labeled so; recall: of the sentences you labeled "
                  "with a theme, the share predicted so."),
    "acc_weighted": " (weighted by the sample's design)",
    "th_theme": "theme", "th_prec": "precision", "th_rec": "recall", "th_support": "labeled", "th_pred": "predicted",
    "h_confusion": "Confusion matrix (rows: your label, columns: predicted)",
    "ppi_line": ("Whole corpus (all periods): {name} {share} (95% interval {lo}-{hi}; labels alone: {llo}-{lhi})"),
    "your_label": "your label",
}

ZH: dict[str, str] = {
    "m_emq": ("<b>校正后占比</b>：用 EM 算法（Saerens 等）按本{unit}的主题构成重新加权分类器的校准概率"
              "（概率是按训练数据的主题构成校准的），分语言计算后合并。在团队的真实文本检验集上，"
              "它的误差小于用交叉验证误差率调整计数。它假定分类器对各主题的判读与训练时相同；"
              "只有你自己文本的标注才能检验这一点。"),
    "m_acc": ("<b>校正后占比</b>：按分类器各语言交叉验证误差率调整预测计数（调整后的分类计数），"
              "截断到 0-100% 并重新归一。"),
    "m_val": ("<b>校正后占比</b>：按你标注的 {n} 句测得的误差率调整预测计数（标注达 {min} 句的语言单独计算，"
              "否则合并；少见主题借用合并或训练误差率），区间同时重抽标注样本。全部语料（`all` 行）"
              "用预测增强推断（PPI）估计：所有句子概率的均值加上标注句子的平均修正（标注减预测），"
              "按精度最优加权；其区间来自标注样本，且不会比只用标注得到的区间更宽。"),
    "top_train": ("校正后占比依据的是团队训练句子上测得的误差率，而不是你的文本。真实文本的误判方式不同：{real}。"
                  "请在你的语料上测量误差：抽取随机样本并标注，然后用它生成报告："),
    "top_real": "在团队标注的 {n} 句真实文本上，分类器的宏平均 F1 为 {real}，交叉验证为 {cv}",
    "top_other": "；真实文本中 {real} 的 `other` 句被判为某一主题，交叉验证为 {cv}",
    "top_real_none": "模型没有记录真实文本检验",
    "cmd_note": "（`policy-themes label sample.csv` 会打开标注页面；约 300 句标注即可）",
    "drift": ("与训练文本的偏离迹象（{lang}）：{nofeat} 的句子没有模型认识的词或字串；平均置信度 {conf}，"
              "训练时为 {train}{train_what}。"),
    "drift_acc": "（交叉验证准确率；校准良好的模型平均置信度与之相当）",
    "top_val": ("误差率由本语料的 {n} 句标注测得（{file}）；全部语料的占比由此用预测增强推断估计。"
                "分类器的实测准确率见下文。"),
    "caution_train": ("校正使用团队训练文本上的误差率（交叉验证宏平均 F1：{cv}）；{real}。"
                      "抽取并标注你的句子的随机样本（`policy-themes sample`），用 `--validation` 传入，"
                      "即可在你的文本上测量误差率。"),
    "caution_val": "误差率由本语料的 {n} 句标注测得：{desc}。各语言误差率：{rates}。",
    "h_acc": "分类器在你标注的句子上的表现",
    "acc_intro": ("共 {n} 句标注{weighted}：准确率 {acc}（95% 区间 {lo}-{hi}）。"
                  "精确率：预测为某主题的句子中你也标为该主题的比例；召回率：你标为某主题的句子中被预测为该主题的比例。"),
    "acc_weighted": "（按抽样设计加权）",
    "th_theme": "主题", "th_prec": "精确率", "th_rec": "召回率", "th_support": "标注数", "th_pred": "预测数",
    "h_confusion": "混淆矩阵（行：你的标注，列：预测）",
    "ppi_line": "全部语料（所有时期）：{name} {share}（95% 区间 {lo}-{hi}；仅用标注：{llo}-{lhi}）",
    "your_label": "你的标注",
}

STRINGS = {"en": EN, "zh": ZH}
SAMPLE_CMD = "policy-themes sample INPUT... -o sample.csv"
REPORT_CMD = "policy-themes report INPUT... -o DIR --validation sample.csv"


def t(ui: str, key: str, **kw: object) -> str:
    return STRINGS.get(ui, EN)[key].format(**kw)


def _ui(run: ReportRun) -> str:
    return getattr(getattr(run, "view", None), "ui", "en")


def _pct(x: float | None) -> str:
    if x is None:
        return "?"
    v = x * 100
    return f"{v:.1f}%" if v < 9.95 else f"{v:.0f}%"


def _esc(x: object) -> str:
    return html.escape(str(x), quote=True)


def _validation(run: ReportRun) -> dict[str, Any] | None:
    v = run.report.info.get("validation")
    return v if isinstance(v, dict) else None


# ---------------------------------------------------------------- the method and the caution


def method_html(run: ReportRun) -> str:
    """The "corrected share" bullet of "How to read this", for the estimator that was used (HTML)."""
    ui = _ui(run)
    from .summary import unit_of

    est = run.report.info.get("estimator")
    v = _validation(run)
    if v is not None:
        return t(ui, "m_val", n=v["n_labeled"], min=v["min_labels_per_language"])
    if est == "emq":
        return t(ui, "m_emq", unit=_esc(unit_of(run)))
    return t(ui, "m_acc")


def _real_text(run: ReportRun) -> str:
    """How far real text is known to differ, from the model's record of its real-text check."""
    ui = _ui(run)
    meta = run.model_meta
    real = meta.get("real_text_check") or {}
    cv = (meta.get("cv") or {}).get("scores") or {}
    # The natural mix is recorded under each language's name (cue-picked sentences as `<lang>_cue`).
    langs = [x for x in real if isinstance(real[x], dict) and "macro_f1" in real[x] and not x.endswith("_cue")]
    if not langs:
        return t(ui, "top_real_none")
    n = sum(int(real[x].get("n", 0)) for x in langs)
    text = t(ui, "top_real", n=f"{n:,}", real=", ".join(f"{x} {real[x]['macro_f1']:.2f}" for x in langs),
             cv=", ".join(f"{x} {cv[x]['macro_f1']:.2f}" for x in langs if "macro_f1" in (cv.get(x) or {})))
    other = [(x, real[x]["other_to_theme"], _other_to_theme(cv.get(x) or {})) for x in langs
             if real[x].get("other_to_theme") is not None]
    if other:
        text += t(ui, "top_other", real=", ".join(f"{x} {_pct(r)}" for x, r, _ in other),
                  cv=", ".join(f"{x} {_pct(c)}" for x, _, c in other))
    return text


def _other_to_theme(scores: dict[str, Any]) -> float | None:
    """Share of the catch-all theme's sentences predicted as a theme, from a confusion matrix."""
    cm = scores.get("confusion_matrix") or {}
    labels, rows = cm.get("labels") or [], cm.get("rows_true_cols_pred")
    if not rows or "other" not in labels:
        return None
    i = labels.index("other")
    row = rows[i]
    return 1 - row[i] / max(sum(row), 1)


def error_rates_caution(run: ReportRun) -> str:
    """The last caution of the summary and the page: where the error rates come from (plain text)."""
    ui = _ui(run)
    v = _validation(run)
    if v is not None:
        rates = ", ".join(f"{k} {w}" for k, w in v["rates"].items())
        return t(ui, "caution_val", n=v["n_labeled"], desc=v["description"], rates=rates)
    cv = (run.model_meta.get("cv") or {}).get("scores") or {}
    cv_f1 = ", ".join(f"{k} {s['macro_f1']:.2f}" for k, s in cv.items() if k != "all" and "macro_f1" in s)
    return t(ui, "caution_train", cv=cv_f1, real=_real_text(run))


def drift_lines(run: ReportRun) -> list[str]:
    """One line per language: sentences with no known feature, and confidence against training's."""
    ui = _ui(run)
    out = []
    for lang, d in ((run.report.info.get("drift") or {}).get("by_language") or {}).items():
        if d.get("mean_confidence") is None:
            continue
        out.append(t(ui, "drift", lang=lang, nofeat=_pct(d["no_feature"]), conf=f"{d['mean_confidence']:.2f}",
                     train="?" if d.get("train_mean_confidence") is None else f"{d['train_mean_confidence']:.2f}",
                     train_what=t(ui, "drift_acc") if d.get("train_figure") == "accuracy" else ""))
    return out


def top_box_html(run: ReportRun) -> str:
    """The box at the top of the page: where the error rates come from, and how to do better."""
    ui = _ui(run)
    v = _validation(run)
    if v is not None:
        return f'<div class="warnbox errorrates">{_esc(t(ui, "top_val", n=v["n_labeled"], file=v["path"]))}</div>'
    drift = "".join(f"<p>{_esc(x)}</p>" for x in drift_lines(run))
    return (f'<div class="warnbox errorrates"><p>{_esc(t(ui, "top_train", real=_real_text(run)))}</p>'
            f"<pre><code>{_esc(SAMPLE_CMD)}\n{_esc(REPORT_CMD)}</code></pre>"
            f'<p class="note">{_esc(t(ui, "cmd_note"))}</p>{drift}</div>')


def top_lines_md(run: ReportRun) -> list[str]:
    """The same for summary.md."""
    ui = _ui(run)
    v = _validation(run)
    if v is not None:
        return [t(ui, "top_val", n=v["n_labeled"], file=v["path"])]
    return [t(ui, "top_train", real=_real_text(run)), "", "```sh", SAMPLE_CMD, REPORT_CMD, "```", "",
            t(ui, "cmd_note"), *(["", *drift_lines(run)] if drift_lines(run) else [])]


# ---------------------------------------------------------------- measured accuracy (with --validation)


def _ci(lo: float | None, hi: float | None) -> str:
    return "" if lo is None or hi is None else f"{_pct(lo)}-{_pct(hi)}"


def accuracy_rows(run: ReportRun) -> list[tuple[str, str, str, int, int]]:
    """(theme name, precision with interval, recall with interval, labeled, predicted) per theme."""
    v = _validation(run)
    if v is None:
        return []
    out = []
    for theme, s in v["accuracy"]["themes"].items():
        prec = "—" if s["precision"] is None else f"{_pct(s['precision'])} ({_ci(*s['precision_ci'])})"
        rec = "—" if s["recall"] is None else f"{_pct(s['recall'])} ({_ci(*s['recall_ci'])})"
        out.append((run.names.get(theme, theme), prec, rec, int(s["support"]), int(s["predicted"])))
    return out


def _acc_intro(run: ReportRun, v: dict[str, Any]) -> str:
    ui = _ui(run)
    a = v["accuracy"]
    lo, hi = a["accuracy_ci"]
    return t(ui, "acc_intro", n=a["n"], weighted=t(ui, "acc_weighted") if v.get("weighted") else "",
             acc=_pct(a["accuracy"]), lo=_pct(lo), hi=_pct(hi))


def accuracy_html(run: ReportRun) -> str:
    """The page's section on the classifier measured on the user's labels ('' without labels)."""
    v = _validation(run)
    if v is None:
        return ""
    ui = _ui(run)
    head = "".join(f"<th>{_esc(t(ui, k))}</th>" for k in ("th_theme", "th_prec", "th_rec", "th_support", "th_pred"))
    rows = "".join(f"<tr><th>{_esc(n)}</th><td>{_esc(p)}</td><td>{_esc(r)}</td><td>{s}</td><td>{q}</td></tr>"
                   for n, p, r, s, q in accuracy_rows(run))
    cm = v["accuracy"]["confusion"]
    names = [run.names.get(x, x) for x in cm["labels"]]
    cm_head = "<th></th>" + "".join(f"<th>{_esc(n)}</th>" for n in names)
    cm_rows = "".join(f"<tr><th>{_esc(n)}</th>" + "".join(
        f'<td class="{"diag" if i == j else ""}">{c}</td>' for j, c in enumerate(row)) + "</tr>"
        for i, (n, row) in enumerate(zip(names, cm["rows_true_cols_pred"], strict=True)))
    ppi = "".join(f"<li>{_esc(x)}</li>" for x in ppi_lines(run))
    return (f'<section class="accuracy" id="accuracy"><h2>{_esc(t(ui, "h_acc"))}</h2>'
            f'<p class="note">{_esc(_acc_intro(run, v))}</p>'
            f'<table class="acc"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
            f'<h3>{_esc(t(ui, "h_confusion"))}</h3><table class="confusion"><thead><tr>{cm_head}</tr></thead>'
            f"<tbody>{cm_rows}</tbody></table>"
            f'{f"<ul>{ppi}</ul>" if ppi else ""}'
            f'<p class="note">{_esc(v["description"])}</p></section>')


def ppi_lines(run: ReportRun) -> list[str]:
    """The whole corpus's PPI shares beside the labels-only intervals."""
    rep = run.report
    if "labels_only_low" not in rep.shares.columns:
        return []
    ui = _ui(run)
    sh = rep.shares
    s = sh[(sh["period"] == "all") & (sh["source"] == "all") & (sh["estimator"] == "ppi")]
    cols = ["theme", "share_corrected", "ci_low", "ci_high", "labels_only_low", "labels_only_high"]
    return [t(ui, "ppi_line", name=run.names.get(str(th), str(th)), share=_pct(float(v)), lo=_pct(float(lo)),
              hi=_pct(float(hi)), llo=_pct(float(llo)), lhi=_pct(float(lhi)))
            for th, v, lo, hi, llo, lhi in s[cols].itertuples(index=False, name=None)]


def accuracy_md(run: ReportRun) -> list[str]:
    """The same section for summary.md (empty without labels)."""
    v = _validation(run)
    if v is None:
        return []
    ui = _ui(run)
    lines = ["", f"## {t(ui, 'h_acc')}", "", _acc_intro(run, v), "",
             "| " + " | ".join(t(ui, k) for k in ("th_theme", "th_prec", "th_rec", "th_support", "th_pred")) + " |",
             "|---|---|---|---:|---:|"]
    lines += [f"| {n} | {p} | {r} | {s} | {q} |" for n, p, r, s, q in accuracy_rows(run)]
    cm = v["accuracy"]["confusion"]
    names = [run.names.get(x, x) for x in cm["labels"]]
    lines += ["", f"{t(ui, 'h_confusion')}:", "", "| | " + " | ".join(names) + " |",
              "|---|" + "---:|" * len(names)]
    lines += [f"| {n} | " + " | ".join(str(c) for c in row) + " |"
              for n, row in zip(names, cm["rows_true_cols_pred"], strict=True)]
    lines += [*([""] + [f"- {x}" for x in ppi_lines(run)] if ppi_lines(run) else []), "", v["description"]]
    return lines


def your_label(run: ReportRun, theme: str | None) -> str | None:
    """'your label: X' for an evidence sentence the user labeled (None otherwise)."""
    if not theme:
        return None
    return f"{t(_ui(run), 'your_label')}: {run.names.get(theme, theme)}"


__all__ = ["accuracy_html", "accuracy_md", "drift_lines", "error_rates_caution", "method_html", "top_box_html",
           "top_lines_md", "your_label"]
