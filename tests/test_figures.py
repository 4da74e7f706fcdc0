"""PNG figures draw Chinese on a fresh clone: a CJK font is found at run time even when
matplotlib's font cache was built before the font was installed (scripts/ensure_browser.sh
installs one for `make test` and CI)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from pipeline import figures

CHINESE = "稳增长、重点产业：促进消费，区域协调发展"


def _missing_glyphs(plt, path: Path) -> list[str]:  # type: ignore[no-untyped-def]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig, ax = plt.subplots(figsize=(4, 2))
        ax.set_title(CHINESE)
        ax.set_xticks([0, 1], ["扩大投资", "其他"])
        fig.savefig(path)
        plt.close(fig)
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_a_stale_font_cache_still_finds_a_chinese_font(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from matplotlib import font_manager

    fm = font_manager.fontManager
    # The cache as a fresh clone has it: built before any font with Chinese glyphs was installed.
    monkeypatch.setattr(fm, "ttflist", [f for f in fm.ttflist if f.name not in figures.CJK_FONTS])
    plt, cjk = figures.setup()
    plt.rcParams["font.family"] = ["DejaVu Sans"]
    assert _missing_glyphs(plt, tmp_path / "before.png")  # the check can fail: DejaVu has no Chinese
    plt, cjk = figures.setup()
    assert cjk in figures.CJK_FONTS, "no font with Chinese glyphs found: run scripts/ensure_browser.sh"
    assert any(f.name == cjk for f in fm.ttflist)  # registered from its file
    assert _missing_glyphs(plt, tmp_path / "after.png") == []


def test_no_font_folder_means_no_font_and_a_note(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from matplotlib import font_manager

    fm = font_manager.fontManager
    monkeypatch.setattr(fm, "ttflist", [f for f in fm.ttflist if f.name not in figures.CJK_FONTS])
    assert figures.find_cjk_font((str(tmp_path),)) is None
