"""How well hard-wrapped lines are rejoined before splitting, measured on real text.

Two measures, run before and after a change to `pipeline.clean`:

* **Fragments** in texts that really are hard-wrapped (China's UN statements of 1982 and
  1992-1999 in `../shared/corpora/ungd_china_en`, broken at a fixed width by the PDF they came
  from): sentences that start with a lower-case letter or end without end punctuation. UN
  speeches have almost no headings, so nearly every one is a piece of a broken sentence.
* **Sentences kept** when text that is *not* wrapped (the other UN statements, one paragraph
  per line; the real Chinese corpora) is wrapped here at a fixed width, as PDF text is: the
  share of the unwrapped text's sentences that come out identical from the wrapped text.

    .venv/bin/python scripts/fragments.py [--show N]
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.config import SHARED_CORPORA  # noqa: E402
from pipeline.readers import ReadOptions, read_statements  # noqa: E402
from pipeline.records import Statement  # noqa: E402
from pipeline.segment import segment_statement  # noqa: E402

_CLOSERS = "\"'”’」』）)》】〕]"
_END = ".!?…。！？；;"
WRAPPED_EN = ("1982", "1992", "1993", "1994", "1995", "1996", "1997", "1998", "1999")
ZH_DIRS = ("local_gwr_zh", "xi_speeches_zh", "npc_resolutions_zh", "cpc_congress_zh")


def is_fragment(sentence: str) -> bool:
    """A lower-case start, or no end punctuation."""
    s = sentence.rstrip(_CLOSERS)
    return not s or s[-1] not in _END or sentence[:1].islower()


def statements(paths: list[Path]) -> list[Statement]:
    return [s for s in read_statements([str(p) for p in paths], ReadOptions()) if isinstance(s, Statement)]


def sentences(stmt: Statement) -> list[str]:
    return [s.sentence for s in segment_statement(stmt).sentences]


def wrap(stmt: Statement, width: int) -> Statement:
    """The statement with every line broken at `width` characters (at spaces in English)."""
    out = []
    for line in stmt.text[stmt.body_start:].splitlines():
        if stmt.lang == "zh":
            out.extend(_wrap_zh(line, width))
        else:
            out.extend(textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False) or [""])
    return Statement(id=stmt.id, text="\n".join(out), origin=stmt.origin, date=stmt.date, lang=stmt.lang)


def _wrap_zh(line: str, width: int) -> list[str]:
    """Chinese broken every `width` characters, but not inside a run of ASCII letters and digits
    (as a browser or PDF writer lays it out)."""
    pieces, start = [], 0
    while len(line) - start > width:
        cut = start + width
        while cut > start + 1 and line[cut - 1].isascii() and line[cut].isascii() and not line[cut].isspace():
            cut -= 1
        pieces.append(line[start:cut])
        start = cut
    return [*pieces, line[start:]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--show", type=int, default=0, help="print up to N fragments or lost sentences per statement")
    args = ap.parse_args()
    ungd = sorted((SHARED_CORPORA / "ungd_china_en").glob("*.txt"))
    total = frags = 0
    for st in statements([p for p in ungd if p.name.startswith(WRAPPED_EN)]):
        shown = 0
        for s in sentences(st):
            total += 1
            if is_fragment(s):
                frags += 1
                if shown < args.show:
                    shown += 1
                    print(f"    {st.id}: {s[:110]!r}")
    print(f"hard-wrapped UN statements (en, {len(WRAPPED_EN)} files): {total} sentences, "
          f"{frags} fragments ({frags / max(total, 1):.1%})")
    samples = {
        "UN statements, one paragraph per line (en), wrapped at 60 and 80": (
            [p for p in ungd if not p.name.startswith(WRAPPED_EN)], (60, 80)),
        "real Chinese corpora (zh), wrapped at 30 and 40": ([SHARED_CORPORA / d for d in ZH_DIRS], (30, 40)),
    }
    for name, (paths, widths) in samples.items():
        want = kept = 0
        for st in statements(paths):
            original = Counter(sentences(st))
            for width in widths:
                got = Counter(sentences(wrap(st, width)))
                want += sum(original.values())
                kept += sum((original & got).values())
                if args.show:
                    for s in list((original - got).elements())[: args.show]:
                        print(f"    {st.id} @{width} lost: {s[:110]!r}")
        print(f"{name}: {want} sentences, {kept} identical after wrapping ({kept / max(want, 1):.1%}), "
              f"{want - kept} broken")


if __name__ == "__main__":
    main()
