"""Generate a large statement corpus from the team's own data, for `make bench`.

Statements are assembled from the team's labeled sentences and sample statements
(shuffled with a fixed seed), about 20 sentences each, as JSON lines with `id`,
`date`, `source`, `lang` and `text`. Nothing from ../shared is used.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import config  # noqa: E402
from pipeline.themes import load_taxonomy  # noqa: E402
from pipeline.train import labeled_files, read_labeled  # noqa: E402
from pipeline.workflow import segment_inputs  # noqa: E402


def sentence_pool() -> dict[str, list[str]]:
    df = read_labeled(labeled_files(config.LABELED_DIR), load_taxonomy())
    pool = {lang: df[df["lang"] == lang]["text"].tolist() for lang in ("en", "zh")}
    run = segment_inputs([str(config.STATEMENTS_DIR)])
    for s in run.sentences:
        pool[s.lang].append(s.sentence)
    return pool


def generate(path: Path, n_sentences: int, seed: int = 7) -> tuple[int, int]:
    """Write about `n_sentences` sentences as statements; returns (statements, bytes)."""
    rng = random.Random(seed)
    pool = sentence_pool()
    written = 0
    n_stmt = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        while written < n_sentences:
            lang = "en" if rng.random() < 0.6 else "zh"
            k = rng.randint(12, 28)
            sents = rng.choices(pool[lang], k=k)
            # Paragraphs of 2-5 sentences, as in real statements.
            paras, i = [], 0
            while i < k:
                j = i + rng.randint(2, 5)
                paras.append((" " if lang == "en" else "").join(sents[i:j]))
                i = j
            year = rng.randint(2000, 2025)
            rec = {"id": f"bench-{n_stmt:07d}", "date": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                   "source": rng.choice(["State Council", "NDRC", "MIIT", "MOFCOM", "News"]), "lang": lang,
                   "text": "\n\n".join(paras)}
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            written += k
            n_stmt += 1
    return n_stmt, path.stat().st_size


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("output")
    ap.add_argument("--sentences", type=int, default=1_000_000)
    a = ap.parse_args()
    n, size = generate(Path(a.output), a.sentences)
    print(f"{a.output}: {n} statements, {size / 1e6:.1f} MB")
