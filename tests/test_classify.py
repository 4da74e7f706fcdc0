"""The `classify` command: every sentence out, nothing lost, atomic output, engines agree."""

from __future__ import annotations

import codecs
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from pipeline.config import SENTENCE_COLUMNS
from pipeline.workflow import segment_inputs

from .conftest import ROOT

STATEMENTS = ROOT / "data" / "statements"


@pytest.fixture(scope="module")
def local_out(trained: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipeline.cli import main

    out = tmp_path_factory.mktemp("cl") / "sample.parquet"
    assert main(["classify", str(STATEMENTS), "-o", str(out), "--model", str(trained), "-q"]) == 0
    return out


def test_rows_equal_segmented_sentences(local_out: Path, trained: Path) -> None:
    df = pd.read_parquet(local_out)
    seg = segment_inputs([str(STATEMENTS)]).sentence_frame()
    assert len(df) == len(seg)
    assert df[list(SENTENCE_COLUMNS)].astype(str).equals(seg[list(SENTENCE_COLUMNS)].astype(str))
    meta = json.loads((trained / "meta.json").read_text())
    labels = meta["labels"]
    assert list(df.columns[len(SENTENCE_COLUMNS):]) == ["theme", "confidence", *[f"p_{t}" for t in labels],
                                                       "script", "model_version"]
    assert set(df["script"]) <= {"", "simplified", "traditional"}
    assert ((df["lang"] == "zh") == (df["script"] == "simplified")).mean() > 0.95
    assert set(df["theme"]) <= set(labels)
    assert (df[[f"p_{t}" for t in labels]].sum(axis=1) - 1).abs().max() < 1e-9
    assert (df["model_version"] == meta["version"]).all()


def _run(*args: object, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, **kw)  # type: ignore[call-overload]


def test_options_top_k_confidence_and_sentences(trained: Path, tmp_path: Path) -> None:
    gold = tmp_path / "gold.csv"
    gold.write_text("text,label,date\nWe will expand effective investment.,investment,2020\n"
                    "促进汽车消费。,consumption,2021\nThe weather was mild and the talks went on.,other,2022\n")
    first = _run("classify", gold, "--sentences", "--model", trained, "-o", tmp_path / "plain.csv")
    assert first.returncode == 0, first.stderr
    plain = pd.read_csv(tmp_path / "plain.csv")
    # A threshold between the sentences' confidences, whatever the model's calibration: the least
    # confident sentence falls below it, the most confident does not.
    threshold = float(sorted(plain["confidence"])[1])
    assert plain["confidence"].min() < threshold <= plain["confidence"].max()
    p = _run("classify", gold, "--sentences", "--top-k", "3", "--min-confidence", repr(threshold), "--model", trained,
             "-o", tmp_path / "o.csv")
    assert p.returncode == 0, p.stderr
    df = pd.read_csv(tmp_path / "o.csv")
    assert len(df) == 3 and df["sentence"].tolist()[1] == "促进汽车消费。"
    assert {"theme_2", "confidence_2", "theme_3", "confidence_3"} <= set(df.columns)
    assert (df["confidence"] >= df["confidence_2"]).all() and (df["confidence_2"] >= df["confidence_3"]).all()
    low = df["confidence"] < threshold
    assert (df.loc[low, "theme"] == "uncertain").all() and low.any()
    assert (df.loc[~low, "theme"] == plain.loc[~low, "theme"]).all() and (~low).any()
    assert "sentences classified: 3" in p.stderr


def test_one_bad_statement_does_not_stop_the_run(trained: Path, tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    (d / "2020-01-01_ok.txt").write_text("We will expand investment. Consumption recovered.")
    (d / "nodate.txt").write_text("No date anywhere.")  # classified all the same, with an empty date
    (d / "baddate.txt").write_text("---\ndate: 2020-13-45\n---\nWe will grow.")
    (d / "2020-01-02_empty.txt").write_text("Return to list\n")
    (d / "bad.bin.txt").write_bytes(b"\x00\x01\x02binary")
    p = _run("classify", d, "--model", trained, "-o", tmp_path / "o.jsonl", "--errors", tmp_path / "e.csv")
    assert p.returncode == 0, p.stderr
    rows = [json.loads(line) for line in (tmp_path / "o.jsonl").read_text().splitlines()]
    assert sorted((r["statement_id"], r["date"]) for r in rows) == [("2020-01-01_ok", "2020-01-01")] * 2 + [
        ("nodate", "")]
    errors = pd.read_csv(tmp_path / "e.csv")
    assert sorted(Path(o).name for o in errors["origin"]) == ["2020-01-02_empty.txt", "bad.bin.txt", "baddate.txt"]
    assert "failed: 2" in p.stderr and "1 with no content" in p.stderr
    p = _run("classify", d, "--model", trained, "-o", tmp_path / "strict.jsonl", "--strict")
    assert p.returncode == 2 and not (tmp_path / "strict.jsonl").exists()


def _bad_cases(tmp: Path, trained: Path) -> dict[str, tuple[list[object], str]]:
    good = tmp / "2020-01-01_s.txt"
    good.write_text("We will expand investment.")
    tampered = tmp / "tampered"
    shutil.copytree(trained, tampered)
    with open(tampered / "scorer.npz", "ab") as f:
        f.write(b"\0")
    (tmp / "notext.csv").write_text("date,body\n2020,Hello.\n")
    (tmp / "fake.parquet").write_text("not parquet at all")
    return {
        "missing model": ([good, "--model", tmp / "nomodel", "-o", tmp / "out" / "o.csv"], "no model there"),
        "checksum": ([good, "--model", tampered, "-o", tmp / "out" / "o.csv"], "sha256 does not match"),
        "output folder missing": ([good, "--model", trained, "-o", tmp / "out" / "nope" / "o.csv"], "does not exist"),
        "unknown extension": ([good, "--model", trained, "-o", tmp / "out" / "o.xlsx"], "unknown output type"),
        "csv without text": ([tmp / "notext.csv", "--model", trained, "-o", tmp / "out" / "o.csv"],
                             "missing required column 'text'"),
        "not parquet": ([tmp / "fake.parquet", "--model", trained, "-o", tmp / "out" / "o.csv"],
                        "not a readable Parquet file"),
    }


@pytest.mark.parametrize("case", ["missing model", "checksum", "output folder missing", "unknown extension",
                                  "csv without text", "not parquet"])
def test_bad_input(trained: Path, tmp_path: Path, case: str) -> None:
    (tmp_path / "out").mkdir()
    args, message = _bad_cases(tmp_path, trained)[case]
    p = _run("classify", *args)
    assert p.returncode == 2, p.stderr
    assert p.stderr.count("\n") == 1 and message in p.stderr and "Traceback" not in p.stderr
    assert list((tmp_path / "out").iterdir()) == []


def test_jobs_and_dask_engine_match_local(local_out: Path, trained: Path, tmp_path: Path) -> None:
    expected = pd.read_parquet(local_out)
    p = _run("classify", STATEMENTS, "--model", trained, "--jobs", "2", "--chunk-size", "7",
             "-o", tmp_path / "jobs.parquet")
    assert p.returncode == 0, p.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "jobs.parquet"), expected)
    p = _run("classify", STATEMENTS, "--model", trained, "--engine", "dask", "--jobs", "2", "--chunk-size", "9",
             "-o", tmp_path / "dask_out")
    assert p.returncode == 0, p.stderr
    parts = sorted((tmp_path / "dask_out").glob("part-*.parquet"))
    assert len(parts) > 1
    got = pd.concat([pd.read_parquet(x) for x in parts], ignore_index=True)
    pd.testing.assert_frame_equal(got, expected)


def _big_input(tmp: Path) -> Path:
    """A few thousand statements, so a run lasts long enough to be interrupted."""
    src = tmp / "big.jsonl"
    texts = [p.read_text("utf-8") for p in sorted((STATEMENTS / "en").glob("*.md"))]
    with open(src, "w") as f:
        for i in range(3000):
            body = texts[i % len(texts)].split("---", 2)[-1] + f"\nThis is statement {i}.\n"  # no two alike
            f.write(json.dumps({"id": f"s{i}", "date": "2020-01-01", "text": body}) + "\n")
    return src


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_interrupted_run_leaves_old_output_or_none(trained: Path, tmp_path: Path, sig: int) -> None:
    src = _big_input(tmp_path)
    rng = random.Random(sig)
    killed = 0
    for ext in ("parquet", "csv"):
        out = tmp_path / f"out.{ext}"
        out.write_text("previous complete output\n")
        for _ in range(3):
            proc = subprocess.Popen([sys.executable, "-m", "pipeline", "classify", str(src), "--model", str(trained),
                                     "-o", str(out), "-q", "--chunk-size", "50"], cwd=ROOT,
                                    stderr=subprocess.PIPE, text=True)
            time.sleep(rng.uniform(0.5, 3.0))
            proc.send_signal(sig)
            err = proc.communicate(timeout=60)[1]
            if out.read_bytes() != b"previous complete output\n":
                # finished (or killed just after the rename): a complete new output
                df = pd.read_parquet(out) if ext == "parquet" else pd.read_csv(out)
                assert df["statement_id"].nunique() == 3000
                out.write_text("previous complete output\n")
                continue
            killed += 1
            if sig == signal.SIGINT:
                assert proc.returncode == 130 and err.strip() == "interrupted"
        leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.") and sig == signal.SIGINT]
        assert leftovers == []  # an orderly stop removes its temporary file
    assert killed > 0  # the signals did land inside runs


def test_concurrent_runs_do_not_interleave(trained: Path, tmp_path: Path) -> None:
    src = _big_input(tmp_path)
    out = tmp_path / "o.jsonl"
    procs = [subprocess.Popen([sys.executable, "-m", "pipeline", "classify", str(src), "--model", str(trained),
                               "-o", str(out), "-q"], cwd=ROOT, env={**os.environ}) for _ in range(2)]
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    df = pd.read_json(out, lines=True)
    assert len(df) == len(df.drop_duplicates(["statement_id", "sentence_index"]))
    assert df["statement_id"].nunique() == 3000


def test_undated_rows_are_classified_and_reported_as_unplaced(trained: Path, tmp_path: Path) -> None:
    """Labels need no date: an undated row gets an empty `date`. `report` needs dates: from such
    a table it lists the undated statement as unplaced; from the statements, as failed, saying how
    to give it a date."""
    src = tmp_path / "mixed.csv"
    src.write_text("id,date,text\na,2020-03-01,We will expand effective investment.\nb,,促进汽车消费。\n"
                   "c,2021-05-01,Consumption recovered strongly.\n")
    for args in (["--sentences"], []):
        p = _run("classify", src, *args, "--model", trained, "-o", tmp_path / "o.parquet")
        assert p.returncode == 0, p.stderr
        df = pd.read_parquet(tmp_path / "o.parquet")
        assert df[["statement_id", "date"]].values.tolist() == [["a", "2020-03-01"], ["b", ""], ["c", "2021-05-01"]]
    p = _run("report", tmp_path / "o.parquet", "--model", trained, "-o", tmp_path / "rep", "--bootstrap", "50")
    assert p.returncode == 0, p.stderr
    unplaced = pd.read_csv(tmp_path / "rep" / "unplaced.csv", dtype=str, keep_default_na=False)
    assert unplaced[["statement_id", "reason"]].values.tolist() == [["b", "no date"]]
    assert "not placed in a" in p.stderr and "1 statements" in p.stderr
    p = _run("report", src, "--model", trained, "-o", tmp_path / "rep2", "--bootstrap", "50")
    assert p.returncode == 0, p.stderr
    failed = pd.read_csv(tmp_path / "rep2" / "failed.csv")
    assert len(failed) == 1 and failed["origin"][0].endswith("mixed.csv row 2")
    assert "no date found" in failed["reason"][0] and "--date" in failed["reason"][0]


def test_sentences_keep_the_input_columns(trained: Path, tmp_path: Path) -> None:
    """`--sentences` carries each row's own columns into the output (as text, after `sentence`),
    across chunks and workers, so labels join back; a name the output uses becomes input_NAME.
    A column empty in the first rows is kept when the CSV header names it."""
    texts = ["We will expand effective investment.", "促进汽车消费。", "Consumption recovered.",
             "The weather was mild.", "Western regions grew fast.", "We cut taxes for firms."]
    src = tmp_path / "para.csv"
    src.write_text("doc,paragraph,text,note,theme\n" + "".join(
        f"d{i // 2},{i % 2},{t},{'late' if i == 5 else ''},gold{i}\n" for i, t in enumerate(texts)))
    n = len(SENTENCE_COLUMNS)
    for out in ("o.csv", "o.parquet"):
        p = _run("classify", src, "--sentences", "--chunk-size", "2", "--jobs", "2", "--model", trained,
                 "-o", tmp_path / out)
        assert p.returncode == 0 and "warning" not in p.stderr, p.stderr
        df = (pd.read_csv(tmp_path / out, dtype=str, keep_default_na=False) if out.endswith(".csv")
              else pd.read_parquet(tmp_path / out))
        assert list(df.columns[n : n + 4]) == ["doc", "paragraph", "note", "input_theme"]
        assert df["sentence"].tolist() == texts
        assert df["doc"].tolist() == ["d0", "d0", "d1", "d1", "d2", "d2"]
        assert df["paragraph"].tolist() == ["0", "1"] * 3
        assert df["note"].tolist() == [""] * 5 + ["late"]
        assert df["input_theme"].tolist() == [f"gold{i}" for i in range(6)]
        assert set(df["theme"]) <= set(json.loads((trained / "meta.json").read_text())["labels"])
    # JSON lines have no header: a field first seen after the first chunk cannot join the table
    # being written, and the run says so.
    lines = tmp_path / "para.jsonl"
    lines.write_text("".join(json.dumps({"text": t, "doc": f"d{i}", **({"late": "x"} if i == 4 else {})},
                                        ensure_ascii=False) + "\n" for i, t in enumerate(texts)))
    p = _run("classify", lines, "--sentences", "--chunk-size", "2", "--model", trained, "-o", tmp_path / "j.parquet")
    assert p.returncode == 0, p.stderr
    assert "warning: " in p.stderr and "para.jsonl line 5: column 'late' first has a value here" in p.stderr
    df = pd.read_parquet(tmp_path / "j.parquet")
    assert df["doc"].tolist() == [f"d{i}" for i in range(6)] and "late" not in df.columns


def test_excel_safe_csv_has_a_byte_order_mark(trained: Path, tmp_path: Path) -> None:
    """Excel reads a CSV without one in a legacy code page (Chinese comes out garbled); the
    --errors file gets it too. Without --excel-safe the CSV is plain UTF-8, the text untouched."""
    src = tmp_path / "zh.csv"
    src.write_text("id,text\na,促进汽车消费。\nb,=1+1扩大有效投资。\nc,\n")
    for safe in (True, False):
        out, errors = tmp_path / f"o{safe}.csv", tmp_path / f"e{safe}.csv"
        p = _run("classify", src, "--sentences", *(["--excel-safe"] if safe else []), "--model", trained,
                 "-o", out, "--errors", errors)
        assert p.returncode == 0, p.stderr
        for f in (out, errors):
            assert f.read_bytes().startswith(codecs.BOM_UTF8) == safe, f
        df = pd.read_csv(out, encoding="utf-8-sig")
        assert df.columns[0] == "statement_id"
        assert df["sentence"].tolist() == ["促进汽车消费。", ("'" if safe else "") + "=1+1扩大有效投资。"]
        assert pd.read_csv(errors, encoding="utf-8-sig")["reason"].tolist() == ["empty 'text'"]


def test_traditional_statement_keeps_its_text_and_says_its_script(cli, trained: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue #13: Traditional text is read like Simplified, but the output keeps it as written."""
    import opencc

    simplified = "深入实施区域协调发展战略，推进西部大开发形成新格局。促进家电、汽车等大宗消费。"
    traditional = opencc.OpenCC("s2t").convert(simplified)
    assert traditional != simplified
    for name, text in (("s", simplified), ("t", traditional)):
        (tmp_path / f"2020-01-01_{name}.txt").write_text(text, encoding="utf-8")
    r = cli("classify", tmp_path / "2020-01-01_s.txt", tmp_path / "2020-01-01_t.txt", "--model", trained,
            "-o", tmp_path / "o.parquet")
    assert r.code == 0, r.err
    df = pd.read_parquet(tmp_path / "o.parquet")
    s, t = df[df["statement_id"].str.endswith("_s")], df[df["statement_id"].str.endswith("_t")]
    assert list(s["script"]) == ["simplified"] * 2 and list(t["script"]) == ["traditional"] * 2
    assert "".join(t["sentence"]) == traditional and list(s["theme"]) == list(t["theme"])
    assert list(t["theme"]) == ["regional", "consumption"]
