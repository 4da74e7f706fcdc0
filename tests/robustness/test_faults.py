"""Faults: `report` (and `segment`) killed at random points, and runs racing for one output.

`classify` has the same checks in tests/test_classify.py. Here the report folder must be,
after any kill, exactly the previous complete report or exactly a new complete one.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from ..conftest import ROOT

STATEMENTS = ROOT / "data" / "statements"


def _snapshot(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def _report(args: list[str], **kw: object) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "pipeline", "report", *args, "-q"], cwd=ROOT,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            **kw)  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def complete(trained: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, bytes]]:
    """Complete reports of the English and the Chinese sample statements, made once."""
    out = {}
    base = tmp_path_factory.mktemp("complete")
    for lang in ("en", "zh"):
        p = _report([str(STATEMENTS / lang), "--model", str(trained), "-o", str(base / lang)])
        assert p.wait(timeout=300) == 0, p.stderr.read() if p.stderr else ""
        out[lang] = _snapshot(base / lang)
    return out


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_killed_report_leaves_the_previous_report_whole(trained: Path, tmp_path: Path, complete, sig: int) -> None:
    out = tmp_path / "reports"
    rng = random.Random(int(sig))
    outcomes = []
    for i in range(5):
        # the previous report is the Chinese one; the run being killed writes the English one
        if not out.exists() or _snapshot(out) != complete["zh"]:
            p = _report([str(STATEMENTS / "zh"), "--model", str(trained), "-o", str(out)])
            assert p.wait(timeout=300) == 0
        proc = _report([str(STATEMENTS / "en"), "--model", str(trained), "-o", str(out)])
        time.sleep(rng.uniform(0.3, 5.0) if i else 0.3)  # from start-up to writing the figures
        proc.send_signal(sig)
        err = proc.communicate(timeout=120)[1]
        now = _snapshot(out)
        if proc.returncode == 0:
            assert now == complete["en"]
            outcomes.append("finished")
            continue
        # killed: the previous report, or (killed just after the swap) the whole new one
        assert now in (complete["zh"], complete["en"]), "a killed run left a mixed or partial report"
        if sig == signal.SIGINT:
            assert proc.returncode == 130 and err.strip() == "interrupted", err
            assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
        outcomes.append("killed" if now == complete["zh"] else "killed after the swap")
    assert "killed" in outcomes  # the kills did land inside runs


def test_two_reports_racing_for_one_folder(trained: Path, tmp_path: Path, complete) -> None:
    out = tmp_path / "reports"
    for _ in range(3):
        procs = [_report([str(STATEMENTS / lang), "--model", str(trained), "-o", str(out)]) for lang in ("en", "zh")]
        assert [p.wait(timeout=300) for p in procs] == [0, 0]
        assert _snapshot(out) in (complete["en"], complete["zh"])  # one whole report, never a mix
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_killed_segment_leaves_old_output(tmp_path: Path, sig: int) -> None:
    out = tmp_path / "s.parquet"
    out.write_text("previous\n")
    rng = random.Random(int(sig) + 1)
    for _ in range(4):
        proc = subprocess.Popen([sys.executable, "-m", "pipeline", "segment", str(STATEMENTS), "-o", str(out), "-q"],
                                cwd=ROOT, stderr=subprocess.PIPE, text=True)
        time.sleep(rng.uniform(0.2, 1.5))
        proc.send_signal(sig)
        proc.communicate(timeout=60)
        if out.read_bytes() != b"previous\n":  # finished (perhaps killed just after the rename): complete
            assert len(pd.read_parquet(out)) > 1000
            out.write_text("previous\n")


def test_interrupt_at_the_end_of_a_run_is_done_or_interrupted(tmp_path: Path) -> None:
    """SIGINT swept across the last part of a run, interpreter shutdown included: every run
    either finished (0) or says it was interrupted (130), never "killed by SIGINT" (-2)."""
    out = tmp_path / "s.parquet"
    cmd = [sys.executable, "-m", "pipeline", "segment", str(STATEMENTS / "en"), "-o", str(out), "-q"]
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True)
    full = time.perf_counter() - t0
    seen = set()
    for i in range(40):
        proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True)
        time.sleep(full * (0.6 + 0.6 * i / 40))
        proc.send_signal(signal.SIGINT)
        err = proc.communicate(timeout=60)[1]
        assert (proc.returncode, err.strip()) in ((0, ""), (130, "interrupted")), (proc.returncode, err)
        seen.add(proc.returncode)
    assert 0 in seen  # some signals did land after the work was done
