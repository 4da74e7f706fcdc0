"""`make evaluate`: score the trained model on real statements from ../shared/corpora.

The labels live in data/realcheck/ as (file, start, end, label) rows; the sentences are
rebuilt from the shared corpora at run time, so no real text is kept in the project.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline import config
from pipeline.evaluate import evaluate, format_report
from pipeline.model import load_model
from pipeline.train import read_realcheck


def main() -> int:
    real = read_realcheck(config.REALCHECK_DIR, config.SHARED_CORPORA)
    if real is None:
        print(f"no real-text check: need {config.REALCHECK_DIR} and {config.SHARED_CORPORA}", file=sys.stderr)
        return 2
    model = load_model()
    for how in ("all", "random"):
        part = real if how == "all" else real[real["how"] == "random"]
        if len(part):
            print(f"== real statements, {how} picks ==")
            print(format_report(evaluate(model, part.reset_index(drop=True), n_errors=15 if how == "all" else 0)))
            print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
