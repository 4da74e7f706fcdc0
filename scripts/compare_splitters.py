"""Where the fast English splitter and NLTK's own Punkt disagree, measured on the same text.

Both splitters get the same cleaned blocks (`pipeline.clean` as `segment` runs it, English
blocks only) with the same Punkt parameters; a boundary is where a sentence starts inside a
block (the first sentence of a block is no decision). Prints, per statement and in all, the
boundaries each finds, those only one finds, and the differences by kind (`boundary_kind`).

    .venv/bin/python scripts/compare_splitters.py [FOLDER ...] [--show N]

Default: China's UN statements in `../shared/corpora/ungd_china_en`. `--show` prints a few
differences with their context, for reading on this machine only: never copy real text into
the project.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.config import SHARED_CORPORA  # noqa: E402
from pipeline.segment import boundary_kind, splitter_differences  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="*", default=[str(SHARED_CORPORA / "ungd_china_en")])
    ap.add_argument("--show", type=int, default=0, help="print up to N differences of each kind, with context")
    args = ap.parse_args()
    from pipeline.readers import ReadOptions, read_statements
    from pipeline.records import Statement

    total = Counter[str]()
    kinds = Counter[str]()
    shown = Counter[str]()
    n_stmt = n_diff_stmt = 0
    for st in read_statements(args.folders, ReadOptions()):
        if not isinstance(st, Statement):
            print(f"failed: {st.origin}: {st.reason}", file=sys.stderr)
            continue
        d = splitter_differences(st)
        n_stmt += 1
        n_diff_stmt += bool(d.only_fast or d.only_nltk)
        total.update(fast=d.n_fast, nltk=d.n_nltk, common=d.n_common, only_fast=len(d.only_fast),
                     only_nltk=len(d.only_nltk), blocks=d.n_blocks)
        for who, diffs in (("fast only", d.only_fast), ("nltk only", d.only_nltk)):
            for text, pos in diffs:
                kind = f"{who}: {boundary_kind(text, pos)}"
                kinds[kind] += 1
                if shown[kind] < args.show:
                    shown[kind] += 1
                    print(f"[{kind}] {st.id}: ...{text[max(0, pos - 60):pos]!r} | {text[pos:pos + 40]!r}")
        if d.only_fast or d.only_nltk:
            print(f"{st.id}: fast {d.n_fast}, nltk {d.n_nltk}, only fast {len(d.only_fast)}, "
                  f"only nltk {len(d.only_nltk)}")
    union = total["common"] + total["only_fast"] + total["only_nltk"]
    differ = total["only_fast"] + total["only_nltk"]
    print(f"\nstatements: {n_stmt}, split differently: {n_diff_stmt}; English blocks: {total['blocks']}")
    print(f"boundaries: fast {total['fast']}, nltk {total['nltk']}, both {total['common']}, "
          f"fast only {total['only_fast']}, nltk only {total['only_nltk']}")
    print(f"differing: {differ} of {union} ({100 * differ / max(union, 1):.2f}%)")
    for kind, n in kinds.most_common():
        print(f"  {n:5d}  {kind}")


if __name__ == "__main__":
    main()
