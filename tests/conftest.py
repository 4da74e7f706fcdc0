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

    For the edit loop only, POLICY_THEMES_TEST_MODEL=DIR copies an already trained model folder
    instead (`make test-fast` sets it to the `make train` output); CI never sets it."""
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
