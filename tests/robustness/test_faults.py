"""Faults: `report` (and `segment`) killed at random points, and runs racing for one output;
`classify --jobs` losing a worker, stopped by SIGTERM/SIGHUP/Ctrl-C, or killed outright.

`classify` has the same kill checks in tests/test_classify.py. Here the report folder must be,
after any kill, exactly the previous complete report or exactly a new complete one.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
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


# ---------------------------------------------------------------- classify --jobs: workers and stop signals


def _many_statements(tmp: Path, n: int = 3000) -> Path:
    """Enough statements (all different) for a `--jobs 2` run to last several seconds."""
    src = tmp / "many.jsonl"
    texts = [p.read_text("utf-8").split("---", 2)[-1] for p in sorted((STATEMENTS / "en").glob("*.md"))]
    with open(src, "w") as f:
        for i in range(n):
            f.write(json.dumps({"id": f"s{i}", "date": "2020-01-01",
                                "text": texts[i % len(texts)] + f"\nThis is statement {i}."}) + "\n")
    return src


def _classify_jobs(src: Path, out: Path, model: Path) -> subprocess.Popen[str]:
    """`classify --jobs 2` in a process group of its own, as a shell would start it."""
    return subprocess.Popen([sys.executable, "-m", "pipeline", "classify", str(src), "--model", str(model), "-o",
                             str(out), "-q", "--jobs", "2", "--chunk-size", "50"], cwd=ROOT, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def _workers(proc: subprocess.Popen[str], n: int = 2) -> list[psutil.Process]:
    """The run's worker processes, once they are all started and working."""
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        kids = parent.children()
        if len(kids) >= n:
            time.sleep(0.5)  # into their first chunks
            return kids
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"the run never had {n} workers: {proc.communicate()[1]}")


def _finish(proc: subprocess.Popen[str], timeout: float) -> str:
    """The run's stderr once it ended; a run still going after `timeout` seconds fails the test
    (and is killed, with its workers)."""
    try:
        return proc.communicate(timeout=timeout)[1]
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssertionError(f"the run did not end within {timeout} s") from None


def _ended(procs: list[psutil.Process], timeout: float = 10.0) -> bool:
    def running(p: psutil.Process) -> bool:
        try:
            return p.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    deadline = time.monotonic() + timeout
    while any(map(running, procs)):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_killed_worker_ends_the_run_naming_its_chunk(trained: Path, tmp_path: Path) -> None:
    """The out-of-memory killer or `kill -9` on one worker: within seconds, one line naming the
    chunk the worker had, exit 1, no output and no temporary file (the run used to wait forever)."""
    src = _many_statements(tmp_path)
    proc = _classify_jobs(src, tmp_path / "out.parquet", trained)
    workers = _workers(proc)
    workers[0].kill()
    err = _finish(proc, 20)
    assert proc.returncode == 1, err
    m = re.fullmatch(r"error: worker died \(killed by signal 9, SIGKILL\) while classifying chunk (\d+) "
                     r"\(statements (\d+)-(\d+): \S+many.jsonl line (\d+) to \S+many.jsonl line (\d+)\); "
                     r"nothing written; if nobody killed it, the system ran out of memory: [^\n]*\n", err)
    assert m, err
    number, first, last = int(m[1]), int(m[2]), int(m[3])
    assert (first, last) == (50 * number - 49, 50 * number) and (m[4], m[5]) == (m[2], m[3])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["many.jsonl"]
    assert _ended(workers), "the other worker outlived the run"


@pytest.mark.parametrize(("sig", "group", "code", "said"), [
    (signal.SIGTERM, False, 143, "terminated (SIGTERM)"),  # kill PID
    (signal.SIGTERM, True, 143, "terminated (SIGTERM)"),  # a job scheduler stopping the process group
    (signal.SIGHUP, True, 129, "terminated (SIGHUP)"),  # the terminal closed
    (signal.SIGHUP, False, 129, "terminated (SIGHUP)"),
    (signal.SIGINT, True, 130, "interrupted"),  # Ctrl-C: the terminal signals the whole group
])
def test_stop_signals_end_a_jobs_run_like_ctrl_c(trained: Path, tmp_path: Path, sig: int, group: bool, code: int,
                                                 said: str) -> None:
    """One line (no worker traceback), 128 + the signal, no output, temporary file removed,
    workers ended."""
    src = _many_statements(tmp_path)
    proc = _classify_jobs(src, tmp_path / "out.parquet", trained)
    workers = _workers(proc)
    if group:
        os.killpg(proc.pid, sig)
    else:
        proc.send_signal(sig)
    err = _finish(proc, 30)
    assert (proc.returncode, err) == (code, said + "\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["many.jsonl"]
    assert _ended(workers)


def test_a_run_killed_outright_is_cleaned_up_by_the_next(trained: Path, tmp_path: Path) -> None:
    """`kill -9` of `classify --jobs 2`: its workers die with it, and the temporary file it left
    is removed by the next run on the same output; one whose writer still runs, or whose name
    does not say who wrote it, is left alone."""
    src = _many_statements(tmp_path)
    out = tmp_path / "out.parquet"
    proc = _classify_jobs(src, out, trained)
    workers = _workers(proc)
    proc.kill()
    _finish(proc, 10)
    assert _ended(workers), "workers outlived their parent"
    left = [p.name for p in tmp_path.iterdir() if p.name != "many.jsonl"]
    assert len(left) == 1 and left[0].startswith(f".out.parquet.{proc.pid}.") and left[0].endswith(".tmp"), left
    live = tmp_path / f".out.parquet.{os.getpid()}.abcd1234.tmp"  # this test process is alive
    unknown = tmp_path / ".out.parquet.abcd1234.tmp"  # the old naming, without a pid
    live.write_text("being written")
    unknown.write_text("?")
    done = subprocess.run([sys.executable, "-m", "pipeline", "classify", str(STATEMENTS / "en"), "--model",
                           str(trained), "-o", str(out), "-q"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["many.jsonl", "out.parquet", live.name, unknown.name])


def test_stale_temporary_folders_are_removed(tmp_path: Path) -> None:
    """The report's (and `--engine dask`'s) temporary folder, left by a run killed outright."""
    from pipeline.writers import atomic_dir

    gone = subprocess.Popen(["true"])
    gone.wait()
    stale = tmp_path / f".rep.{gone.pid}.abcd1234.tmp"
    (stale / "figures").mkdir(parents=True)
    other = tmp_path / f".report.{gone.pid}.abcd1234.tmp"  # another output's: not this run's to judge
    other.mkdir()
    with atomic_dir(tmp_path / "rep") as tmp:
        (tmp / "index.html").write_text("new")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["rep", other.name])
    assert (tmp_path / "rep" / "index.html").read_text() == "new"
