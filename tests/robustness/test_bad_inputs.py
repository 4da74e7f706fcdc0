"""Every command against every bad input: correct output, or one line naming the input and the
problem, exit 2, no traceback, no partial output, and nothing already written damaged."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from .cases import EVALUATE_OK, LABELED, STATEMENTS, Case

SENTINEL = b"the previous output, which a failed run must leave alone\n"


def _output(command: str, tmp: Path) -> tuple[list[str], Path]:
    """The output option of each command, at a path that already holds an earlier output."""
    if command in ("segment", "classify"):
        out = tmp / "out" / "result.csv"
        out.parent.mkdir()
        out.write_bytes(SENTINEL)
        return ["-o", str(out)], out
    if command == "report":
        out = tmp / "out" / "report"
        out.mkdir(parents=True)
        (out / "index.html").write_bytes(SENTINEL)
        return ["-o", str(out)], out
    if command == "train":
        out = tmp / "out" / "model"
        out.mkdir(parents=True)
        (out / "meta.json").write_bytes(SENTINEL)
        return ["--out", str(out)], out
    out = tmp / "out" / "eval.json"
    out.parent.mkdir()
    out.write_bytes(SENTINEL)
    return ["--json", str(out)], out


def _snapshot(path: Path) -> dict[str, bytes]:
    if path.is_file():
        return {path.name: path.read_bytes()}
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def _check(cli, command: str, case: Case, name: str, tmp: Path, model: Path) -> None:
    inputs = case.build(tmp / "in")
    opts, out = _output(command, tmp)
    before = _snapshot(out)
    extra = ["--model", str(model)] if command in ("classify", "report", "evaluate") else []
    errors = tmp / "out" / "errors.csv"
    if command in ("segment", "classify", "report"):
        extra += ["--errors", str(errors)]
    r = cli(command, *inputs, *opts, *extra)
    assert "Traceback" not in r.err, r.err
    expect = "ok" if command == "evaluate" and name in EVALUATE_OK else case.expect
    if expect == "error":
        lines = r.err.strip().splitlines()
        assert r.code == 2, (r.code, r.err)
        assert len(lines) == 1 and lines[0].startswith("error: "), r.err
        assert case.message in lines[0], r.err
        named = case.names or inputs[0].name
        assert named in lines[0], r.err
        assert _snapshot(out) == before  # the earlier output is untouched
        assert not errors.exists()
    else:
        assert r.code == 0, r.err
        assert _snapshot(out) != before  # replaced by a complete new output
        if command in ("segment", "classify"):
            df = pd.read_csv(out, keep_default_na=False)
            assert len(df) > 0 and (df["sentence"].str.len() > 0).all()
        elif command == "report":
            assert (out / "index.html").stat().st_size > 1000 and (out / "theme_shares.csv").is_file()
        elif command == "train":
            assert (out / "model.joblib").is_file() and json.loads((out / "meta.json").read_text())["labels"]
        else:
            assert json.loads(out.read_text())["n"] > 0
        if expect == "partial":
            listed = pd.read_csv(errors, keep_default_na=False)
            hit = listed[listed["origin"].str.contains(case.names, regex=False)]
            assert len(hit) == 1 and case.message in hit["reason"].iloc[0], listed
    # no temporary files left beside the output
    assert [p.name for p in (tmp / "out").iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("name", list(STATEMENTS))
@pytest.mark.parametrize("command", ["segment", "classify", "report"])
def test_statement_commands(cli, trained: Path, tmp_path: Path, command: str, name: str) -> None:
    _check(cli, command, STATEMENTS[name], name, tmp_path, trained)


@pytest.mark.parametrize("name", list(LABELED))
@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_labeled_commands(cli, trained: Path, tmp_path: Path, command: str, name: str) -> None:
    _check(cli, command, LABELED[name], name, tmp_path, trained)


# ---------------------------------------------------------------- output paths


def _all_commands(tmp: Path, model: Path) -> dict[str, list[str]]:
    good = tmp / "2021-03-05_good.md"
    good.write_text("---\nsource: State Council\n---\nWe will expand investment in new infrastructure.\n")
    gold = tmp / "gold.csv"
    gold.write_text("text,label\nWe will expand investment.,investment\n")
    return {
        "segment": ["segment", str(good), "-o"],
        "classify": ["classify", str(good), "--model", str(model), "-o"],
        "report": ["report", str(good), "--model", str(model), "-o"],
        "train": ["train", str(gold), "--out"],
        "evaluate": ["evaluate", str(gold), "--model", str(model), "--json"],
    }


@pytest.mark.parametrize("command", ["segment", "classify", "report", "train", "evaluate"])
def test_output_path_that_is_a_folder_or_a_file(cli, trained: Path, tmp_path: Path, command: str) -> None:
    args = _all_commands(tmp_path, trained)[command]
    target = tmp_path / "taken"
    if command in ("report", "train"):  # these write folders: a file in the way is the problem
        target.write_text("keep me")
        want = "not a folder"
    else:
        (target / "inside").mkdir(parents=True)
        (target / "inside" / "keep.txt").write_text("keep me")
        want = "folder"
    r = cli(*args, target)
    assert r.code == 2 and want in r.err and len(r.err.strip().splitlines()) == 1, r.err
    assert (target.read_text() if target.is_file() else (target / "inside" / "keep.txt").read_text()) == "keep me"


@contextlib.contextmanager
def _unwritable_folder(path: Path) -> Iterator[Path]:
    """A folder this process cannot write into: mode 0555, or (root ignores modes) immutable."""
    path.mkdir()
    if os.geteuid() != 0:
        os.chmod(path, 0o555)
        try:
            yield path
        finally:
            os.chmod(path, 0o755)
        return
    p = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    assert p.returncode == 0, f"cannot make a read-only folder as root (chattr +i): {p.stderr}"
    try:
        yield path
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@pytest.mark.parametrize("command", ["segment", "classify", "report", "train", "evaluate"])
def test_output_folder_without_write_permission(cli, trained: Path, tmp_path: Path, command: str) -> None:
    """A one-line error before any work, and nothing written."""
    args = _all_commands(tmp_path, trained)[command]
    name = {"report": "report", "train": "model", "evaluate": "out.json"}.get(command, "out.csv")
    with _unwritable_folder(tmp_path / "readonly") as ro:
        r = cli(*args, ro / name)
        assert r.code == 2, r.err
        assert "not writable" in r.err and len(r.err.strip().splitlines()) == 1, r.err
        assert list(ro.iterdir()) == []
