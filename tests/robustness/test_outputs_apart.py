"""No output may overwrite, hold or lie inside an input (the model folder included) or another output.

A red team found `report DIR -o DIR` deleting the input statements and `classify in.parquet -o
in.parquet` overwriting its input; each case here must be refused in one line, exit 2, with every
input byte for byte as it was and nothing written."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from ..conftest import ROOT

STATEMENTS = ROOT / "data" / "statements" / "en"


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        h.update(str(p.relative_to(folder)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture
def work(tmp_path: Path, trained: Path) -> Path:
    shutil.copytree(STATEMENTS, tmp_path / "in")
    shutil.copytree(trained, tmp_path / "model")
    (tmp_path / "in.csv").write_text("text,date\nWe will expand investment.,2020\n")
    return tmp_path


def _cases(t: Path) -> dict[str, tuple[list[object], str]]:
    m = ["--model", t / "model"]
    return {
        "report -o the input folder": (["report", t / "in", "-o", t / "in", *m], "is the input"),
        "report -o a folder holding the input": (["report", t / "in", "-o", t, *m], "holds the input"),
        "report -o inside the input folder": (["report", t / "in", "-o", t / "in" / "rep", *m], "inside the input"),
        "report -o the model's parent": (["report", t / "in.csv", "-o", t, *m], "holds the input"),
        "classify -o the input file": (["classify", t / "in.csv", "-o", t / "in.csv", *m], "is the input"),
        "classify -o a link to the input": (["classify", t / "in.csv", "-o", t / "link.csv", *m], "is the input"),
        "classify -o inside the input folder": (["classify", t / "in", "-o", t / "in" / "o.csv", *m],
                                                "inside the input"),
        "classify --errors is -o": (["classify", t / "in.csv", "-o", t / "o.csv", "--errors", t / "o.csv", *m],
                                    "overlap"),
        "segment one path for three outputs": (["segment", t / "in.csv", "-o", t / "o.csv", "--removed",
                                                t / "o.csv", "--statements", t / "o.csv"], "overlap"),
        "evaluate --json into the model": (["evaluate", t / "in.csv", *m, "--json", t / "model" / "e.json"],
                                           "inside the input"),
        "train --out the labeled folder": (["train", t / "in", "--out", t / "in"], "is the input"),
    }


@pytest.mark.parametrize("case", list(_cases(Path("x"))))
def test_output_over_input_refused(cli, work: Path, case: str) -> None:  # type: ignore[no-untyped-def]
    (work / "link.csv").symlink_to(work / "in.csv")
    args, want = _cases(work)[case]
    before = {p: _digest(work / p) for p in ("in", "model")}
    before_csv = (work / "in.csv").read_bytes()
    listing = sorted(p.name for p in work.iterdir())
    r = cli(*args)
    assert r.code == 2 and want in r.err and len(r.err.strip().splitlines()) == 1, r.err
    assert {p: _digest(work / p) for p in ("in", "model")} == before
    assert (work / "in.csv").read_bytes() == before_csv
    assert sorted(p.name for p in work.iterdir()) == listing  # nothing written


def test_outputs_beside_inputs_are_fine(cli, work: Path) -> None:  # type: ignore[no-untyped-def]
    """Siblings are not overlaps: the usual layout keeps working."""
    r = cli("classify", work / "in.csv", "-o", work / "o.csv", "--errors", work / "e.csv", "--model", work / "model")
    assert r.code == 0, r.err
    assert (work / "o.csv").is_file()


def test_python_api_refuses_too(work: Path) -> None:
    from pipeline.errors import InputError
    from pipeline.publish import run_report

    before = _digest(work / "in")
    with pytest.raises(InputError, match="holds the input"):
        run_report([str(work / "in")], work, model_path=str(work / "model"))
    assert _digest(work / "in") == before
