"""The shape of a model's `meta.json`, checked when it is read (`model.read_meta`).

Every command that reads a model (classify, report, evaluate, adapt, sample --strategy
uncertain) reads some of these keys. A file that is valid JSON but has the wrong shapes (a
`sha256` that is a string, `labels` that are a number, no cross-validated scores) is refused
here in one line naming the key, instead of failing later inside the command as our bug.
Keys the commands do not read are not checked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

from .errors import InputError

_MISSING = object()


def _kind(x: object) -> str:
    if x is _MISSING:
        return "missing"
    if x is None:
        return "null"
    return {bool: "true/false", int: "a number", float: "a number", str: "a string", list: "a list",
            dict: "an object"}.get(type(x), type(x).__name__)


def _number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


class _Check:
    def __init__(self, where: Path) -> None:
        self.where = where

    def fail(self, key: str, value: object, want: str) -> NoReturn:
        raise InputError(f"{self.where}: {key} is {_kind(value)}, expected {want}; the file is damaged or not "
                         "written by `policy-themes train`: retrain the model (make train)")

    def obj(self, key: str, value: object) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(key, value, "an object")
        return value

    def strings(self, key: str, value: object, non_empty: bool = False) -> None:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or (non_empty and not value):
            self.fail(key, value, "a list of names" + (" (at least one)" if non_empty else ""))

    def optional(self, d: dict[str, Any], key: str, prefix: str, test: Any, want: str) -> None:
        if key in d and d[key] is not None and not test(d[key]):
            self.fail(f"{prefix}{key}", d[key], want)


def _matrix(value: object, size: int) -> bool:
    return (isinstance(value, list) and len(value) == size
            and all(isinstance(r, list) and len(r) == size and all(_number(v) for v in r) for r in value))


def _scores(c: _Check, key: str, s: object, require_all: bool) -> None:
    """`cv.scores` or `baseline.scores`: an object of languages (and `all`) to their scores."""
    scores = c.obj(key, s)
    if require_all and "all" not in scores:
        c.fail(f"{key}.all", _MISSING, "an object (the scores over all languages)")
    for lang, v in scores.items():
        one = c.obj(f"{key}.{lang}", v)
        for name in ("macro_f1", "accuracy", "ece", "mean_confidence", "no_feature_share", "n"):
            c.optional(one, name, f"{key}.{lang}.", _number, "a number")
        if "confusion_matrix" in one:
            cm = c.obj(f"{key}.{lang}.confusion_matrix", one["confusion_matrix"])
            c.strings(f"{key}.{lang}.confusion_matrix.labels", cm.get("labels", _MISSING), non_empty=True)
            rows = cm.get("rows_true_cols_pred", _MISSING)
            if not _matrix(rows, len(cm["labels"])):
                c.fail(f"{key}.{lang}.confusion_matrix.rows_true_cols_pred", rows,
                       "a square list of lists of counts, one row per label")


def check_meta(meta: dict[str, Any], where: Path) -> None:
    """Raise InputError naming `where` and the key when `meta` has a shape no command can use."""
    c = _Check(where)
    for key in ("name", "version"):
        c.optional(meta, key, "", lambda v: isinstance(v, str), "a string")
    c.strings("labels", meta.get("labels", _MISSING), non_empty=True)
    for key in ("sha256", "versions"):
        if key in meta:
            d = c.obj(key, meta[key])
            for name, v in d.items():
                if not isinstance(v, str):
                    c.fail(f"{key}.{name}", v, "a string")
    c.optional(meta, "temperature", "", _number, "a number")
    if "languages" in meta:
        c.strings("languages", meta["languages"])
    if "class_counts" in meta:
        for lang, counts in c.obj("class_counts", meta["class_counts"]).items():
            for theme, n in c.obj(f"class_counts.{lang}", counts).items():
                if not _number(n):
                    c.fail(f"class_counts.{lang}.{theme}", n, "a number")
    if "fit_params" in meta:
        fp = c.obj("fit_params", meta["fit_params"])
        if not _number(fp.get("C")):
            c.fail("fit_params.C", fp.get("C"), "a number")
        ng = fp.get("char_ngrams")
        if not (isinstance(ng, list) and len(ng) == 2 and all(isinstance(v, int) and not isinstance(v, bool)
                                                                for v in ng)):
            c.fail("fit_params.char_ngrams", ng, "a list of two whole numbers")
    cv = c.obj("cv", meta.get("cv", _MISSING))
    _scores(c, "cv.scores", cv.get("scores", _MISSING), require_all=True)
    if "baseline" in meta:
        _scores(c, "baseline.scores", c.obj("baseline", meta["baseline"]).get("scores", {}), require_all=False)
    if meta.get("real_text_check") is not None:
        for name, v in c.obj("real_text_check", meta["real_text_check"]).items():
            one = c.obj(f"real_text_check.{name}", v)
            for key in ("n", "macro_f1", "macro_f1_present", "accuracy", "other_to_theme"):
                c.optional(one, key, f"real_text_check.{name}.", _number, "a number")
