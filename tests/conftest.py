"""Shared helpers: run the CLI in-process and capture what a user would see."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline.cli import main

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    """Call the CLI like a user; returns exit code, stdout and stderr."""

    def run(*args: str) -> Result:
        code = main([str(a) for a in args])
        cap = capsys.readouterr()
        return Result(code, cap.out, cap.err)

    return run


def corpora_dir() -> Path:
    """The shared real-text corpora; the suite needs them (CI clones beside shared/)."""
    assert CORPORA.is_dir(), f"missing {CORPORA}: clone the project beside the shared/ folder"
    return CORPORA


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The production training run (the same as `make train`), into a temporary folder.

    Every test that uses it is marked `model` and `slow` (below), so `make test-fast` never
    trains. POLICY_THEMES_TEST_MODEL=DIR copies an already trained model folder instead, to run
    such tests by hand (`POLICY_THEMES_TEST_MODEL=models/theme-classifier pytest -m model`);
    CI never sets it."""
    import os
    import shutil

    from pipeline.train import run_training

    out = tmp_path_factory.mktemp("model") / "theme-classifier"
    reuse = os.environ.get("POLICY_THEMES_TEST_MODEL")
    if reuse:
        shutil.copytree(reuse, out)
    else:
        run_training(out_dir=out)
    return out


# --- The two tiers: `make test-fast` runs `pytest -m "not slow"`, `make test` everything. ---

#: Modules whose tests are all slow: they train classifiers of their own, start, kill and race
#: real runs of the command line, or drive Chromium.
SLOW_MODULES = frozenset({
    "test_adapt.py", "test_report_validation.py", "test_emq_report.py", "test_ppi_simulation.py",
    "test_faults.py", "test_labeler.py", "test_report_browser.py",
})
#: Slow tests in otherwise fast modules (seconds each: `pytest --durations=20`).
SLOW_TESTS = frozenset({
    "test_model.py::test_same_data_same_model",  # trains twice
    "test_speed_scoring.py::test_saved_scorer_equals_its_pipeline",  # fits a pipeline
    "test_speed_scoring.py::test_other_pipeline_shapes_are_refused_at_export",  # fits a pipeline
    "test_data.py::test_no_duplicates_or_near_duplicates_across_groups",  # all pairs of 7,000 sentences
    "test_extract.py::test_html_and_pdf_give_the_sentences_of_the_text",  # Chromium prints PDFs
    "test_extract.py::test_pdf_reads_chinese_back",
    "test_extract.py::test_format_option_reads_pages_and_pdfs_whatever_their_suffix",
    "test_cli_segment.py::test_real_process_no_traceback",  # python -m pipeline in a subprocess
    "test_cli_segment.py::test_stdin",
    "test_input_safety.py::test_unreadable_sub_folder_is_listed",
    "test_input_safety.py::test_a_1500_level_folder_tree_is_a_one_line_error",
    "test_red_team_2.py::test_every_module_imports_on_its_own",  # a subprocess per module
    # the longer hypothesis properties (3-7 s each on a busy machine)
    "test_speed_scoring.py::test_pair_table_bulk_insert_is_a_dictionary",
    "test_fast_paths.py::test_marker_filter_keeps_every_marker",
    "test_fast_paths.py::test_fast_patterns_on_generated_text",
    "test_fast_paths.py::test_notice_gate_never_misses",
    "test_fast_paths.py::test_nav_gate_property",
    "test_fast_paths.py::test_mixed_gate_on_generated_text",
    "test_fast_paths.py::test_turn_starts_property",
    "test_fuzz.py::test_random_table_shapes",
})
#: A test not marked slow that takes longer than this is named at the end of the run.
FAST_LIMIT_S = 5.0
_too_slow: dict[str, float] = {}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "model: uses the trained model (the `trained` fixture); always also slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark `model` and `slow` every test that uses `trained` (directly or through another
    fixture), and `slow` those of SLOW_MODULES and SLOW_TESTS."""
    for item in items:
        if "trained" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.model)
            item.add_marker(pytest.mark.slow)
        elif (item.path.name in SLOW_MODULES
              or f"{item.path.name}::{getattr(item, 'originalname', item.name)}" in SLOW_TESTS):
            item.add_marker(pytest.mark.slow)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "slow" not in report.keywords:
        _too_slow[report.nodeid] = _too_slow.get(report.nodeid, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    """Keep the fast tier fast: name unmarked tests over FAST_LIMIT_S (add them to SLOW_TESTS)."""
    slow = sorted(((t, n) for n, t in _too_slow.items() if t > FAST_LIMIT_S), reverse=True)
    if slow:
        terminalreporter.write_sep("-", f"not marked slow but over {FAST_LIMIT_S:.0f} s (see tests/conftest.py)")
        for t, n in slow:
            terminalreporter.write_line(f"{t:6.1f} s  {n}")
