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
THEMES_FILE = DATA_DIR / "themes.toml"
#: Labels (by file and offsets, no text) for real public statements kept outside the project.
REALCHECK_DIR = DATA_DIR / "realcheck"
SHARED_CORPORA = Path(os.environ.get("POLICY_THEMES_CORPORA", ROOT.parent / "shared" / "corpora"))
MODEL_NAME = "theme-classifier"
MODEL_DIR = MODELS_DIR / MODEL_NAME

#: Input file kinds the readers understand, by suffix.
TEXT_SUFFIXES = (".txt", ".md")
TABLE_SUFFIXES = (".csv", ".jsonl", ".parquet")
#: Documents whose text is extracted: web pages (main text by trafilatura) and PDFs (text layer).
DOCUMENT_SUFFIXES = (".html", ".htm", ".pdf")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + TABLE_SUFFIXES + DOCUMENT_SUFFIXES
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
#: A text is Chinese when at least this share of its words are Han characters, a Han character
#: counted as a word and four Latin letters as one (`script.lang_of`, the one detector for
#: statements, blocks and sentences). 0.5 is the rule blocks had; statements had 0.3, which made
#: an English sentence naming 粤港澳大湾区 Chinese (no statement of data/ or the corpora lies between).
ZH_HAN_SHARE = 0.5

# ---------------------------------------------------------------- training
#: Seed for every random choice (folds, solver), so the same data gives the same model.
SEED = 20240305
CV_FOLDS = 5
#: The model-selection grid: small on purpose (training must stay under two minutes).
PARAM_GRID: dict[str, list[object]] = {
    "clf__estimator__C": [8.0, 32.0, 100.0],
}
#: Chinese character n-gram ranges tried (English always uses word 1-2-grams).
CHAR_NGRAM_GRID = [(1, 2), (1, 3)]
#: Fixed hyperparameters of the pipeline steps.
TFIDF_PARAMS: dict[str, object] = {"sublinear_tf": True}
#: Character n-grams inside English words, and the documents they must occur in.
LATIN_CHAR_NGRAMS = (3, 5)
LATIN_CHAR_MIN_DF = 2
CLASSIFIER_PARAMS: dict[str, object] = {"max_iter": 2000, "class_weight": "balanced"}
#: Each theme needs at least this many labeled sentences to be learned at all.
MIN_EXAMPLES_PER_THEME = 10
#: A labeled or gold "sentence" longer than this is a broken file (a missing quote, a whole
#: document in one cell), not a sentence: refused with its line number.
MAX_LABELED_CHARS = 20_000
