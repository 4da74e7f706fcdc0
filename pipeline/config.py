"""Paths, defaults and tunables in one place, so stages never hard-code them."""

from __future__ import annotations

import os
from pathlib import Path


def _project_root() -> Path:
    """The checkout when run from one (editable install), else the working folder."""
    env = os.environ.get("POLICY_THEMES_HOME")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent.parent
    return here if (here / "pyproject.toml").exists() else Path.cwd()


ROOT = _project_root()
DATA_DIR = ROOT / "data"
LABELED_DIR = DATA_DIR / "labeled"
STATEMENTS_DIR = DATA_DIR / "statements"
SEGMENTATION_DIR = DATA_DIR / "segmentation"
MODELS_DIR = ROOT / "models"
REPORTS_DIR = ROOT / "reports"
BUILD_DIR = ROOT / "build"

#: Input file kinds the readers understand, by suffix.
TEXT_SUFFIXES = (".txt", ".md")
TABLE_SUFFIXES = (".csv", ".jsonl", ".parquet")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + TABLE_SUFFIXES
#: Output table kinds, by suffix.
OUTPUT_SUFFIXES = (".csv", ".jsonl", ".parquet")

#: Columns of the sentence table; later stages add columns, never rename these.
SENTENCE_COLUMNS = (
    "statement_id",
    "date",
    "source",
    "lang",
    "speaker",
    "sentence_index",
    "start",
    "end",
    "sentence",
)
#: Columns a statement table may carry besides `text`.
STATEMENT_FIELDS = ("id", "date", "source", "title", "speaker", "lang")

#: How many leading non-empty lines are searched for a stated date.
DATE_SEARCH_LINES = 6
#: A text is Chinese when at least this share of its letters are Han characters.
ZH_HAN_SHARE = 0.3
