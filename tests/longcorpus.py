"""A corpus like the government work reports: one long statement a year, with known shifts.

Built from the team's sample statements (data/statements/en): their sentences are grouped by
the theme the model gives them, and each year's report is written as paragraphs of six
sentences on one theme, as many paragraphs per theme as that year's chosen shares ask for.
The years 1995-1999 are missing, so charts must show a gap there.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .conftest import ROOT

#: Chosen shares (growth, investment, consumption, regional, other) per year.
EARLY = [0.10, 0.25, 0.05, 0.10, 0.50]  # 1990-1992
CONSUMER = [0.10, 0.10, 0.25, 0.05, 0.50]  # 1993-1994: consumption jumps
LATE = [0.25, 0.10, 0.10, 0.15, 0.40]  # 2000-2004
YEARS = {**{y: EARLY for y in (1990, 1991, 1992)}, **{y: CONSUMER for y in (1993, 1994)},
         **{y: LATE for y in range(2000, 2005)}}
THEMES = ["growth", "investment", "consumption", "regional", "other"]
PARAGRAPHS = 70  # of 6 sentences: 420 sentences a year
PER_PARAGRAPH = 6


def write_long_corpus(trained: Path, folder: Path, cli) -> Path:  # type: ignore[no-untyped-def]
    """Write one report a year into `folder`; returns it."""
    cls = folder.parent / f"{folder.name}-pool.csv"
    r = cli("classify", ROOT / "data" / "statements" / "en", "-o", cls, "--model", trained, "-q")
    assert r.code == 0, r.err
    pool = pd.read_csv(cls, keep_default_na=False)
    pool = pool[pool["sentence"].str.len().between(40, 300) & pool["sentence"].str.endswith(".")]
    by_theme = {t: pool[pool["theme"] == t]["sentence"].tolist() for t in THEMES}
    assert all(len(v) >= 20 for v in by_theme.values()), {t: len(v) for t, v in by_theme.items()}
    rng = np.random.default_rng(14)
    folder.mkdir(parents=True, exist_ok=True)
    for year, shares in YEARS.items():
        counts = np.round(np.asarray(shares) * PARAGRAPHS).astype(int)
        themes = np.repeat(np.arange(len(THEMES)), counts)
        rng.shuffle(themes)
        paragraphs = [" ".join(rng.choice(by_theme[THEMES[t]], size=PER_PARAGRAPH)) for t in themes]
        text = f"---\ndate: {year}-03-05\nsource: State Council\n---\n" + "\n\n".join(paragraphs) + "\n"
        (folder / f"{year}-03-05_work-report.md").write_text(text, "utf-8")
    return folder
