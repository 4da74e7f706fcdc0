"""`policy-themes sample`: a reproducible probability sample of a corpus's own sentences.

The sample feeds the measured error rates of `report --validation`, so what is tested is what
that needs: the same draw from the same inputs and seed, weights that add up to the population
(per stratum), no model output in a random sample, non-random samples marked on every row and
in the record, Label Studio files of the documented shape, and bad input refused in one line
with nothing written.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline import config
from pipeline.sample import SAMPLE_COLUMNS, equal_allocation
from pipeline.themes import load_taxonomy

from .conftest import ROOT

STATEMENTS = ROOT / "data" / "statements"


def _population(cli, tmp_path: Path, *inputs: Path | str) -> pd.DataFrame:
    """The sentences `segment` gives for the inputs: the population a sample is drawn from."""
    out = tmp_path / "population.parquet"
    r = cli("segment", *inputs, "-o", out, "-q")
    assert r.code == 0, r.err
    return pd.read_parquet(out)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _draw(cli, out: Path, *args: str | Path, inputs: tuple[str | Path, ...] = (STATEMENTS,)) -> pd.DataFrame:
    r = cli("sample", *inputs, "-o", out, "-q", *args)
    assert r.code == 0, r.err
    return _read(out)


def _write_corpus(folder: Path, years: range, per_year: int = 2) -> None:
    """Small statements, English and Chinese, dated across `years`."""
    folder.mkdir(parents=True, exist_ok=True)
    for y in years:
        for k in range(per_year):
            (folder / f"{y}-0{k + 3}-05_en{k}.md").write_text(
                f"---\ndate: {y}-0{k + 3}-05\nsource: Ministry {k}\n---\n"
                f"We will expand effective investment in {y}. Consumption of cars will be promoted in year {y}.\n"
                f"The western region will get more support, statement {k}. Growth will stay stable in {y}.\n",
                "utf-8")
            (folder / f"{y}-0{k + 3}-06_zh{k}.md").write_text(
                f"---\ndate: {y}-0{k + 3}-06\nlang: zh\n---\n"
                f"{y}年要扩大有效投资。促进汽车消费第{k}项。支持西部地区发展。保持经济运行在合理区间。\n", "utf-8")


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def test_same_seed_same_sample_other_seed_another(cli, tmp_path: Path) -> None:
    a = _draw(cli, tmp_path / "a.csv", "-n", "40", "--seed", "7")
    b = _draw(cli, tmp_path / "b.csv", "-n", "40", "--seed", "7")
    c = _draw(cli, tmp_path / "c.csv", "-n", "40", "--seed", "8")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    key = lambda df: set(zip(df["statement_id"], df["sentence_index"], strict=True))  # noqa: E731
    assert key(a) == key(b)
    assert len(key(c) & key(a)) < 20  # another seed, another sample (40 of 1,800: overlap ~1 expected)
    # The default seed is fixed, so a rerun without --seed draws the same sample too.
    d1 = _draw(cli, tmp_path / "d1.csv", "-n", "15")
    d2 = _draw(cli, tmp_path / "d2.csv", "-n", "15")
    assert d1.equals(d2)
    assert json.loads((tmp_path / "d1.csv.json").read_text())["seed"] == config.SEED


def test_draw_does_not_depend_on_input_order_and_prefixes_are_samples(cli, tmp_path: Path) -> None:
    en, zh = STATEMENTS / "en", STATEMENTS / "zh"
    a = _draw(cli, tmp_path / "a.csv", "-n", "30", "--seed", "3", inputs=(en, zh))
    b = _draw(cli, tmp_path / "b.csv", "-n", "30", "--seed", "3", inputs=(zh, en))
    assert a.equals(b)
    # Rows are in the order of the sentences' random numbers: the first 10 of a 30-row sample are
    # the 10-row sample of the same seed.
    small = _draw(cli, tmp_path / "s.csv", "-n", "10", "--seed", "3", inputs=(en, zh))
    cols = ["statement_id", "sentence_index", "sentence"]
    assert small[cols].equals(a[cols].head(10))


def test_columns_link_context_and_no_predictions(cli, tmp_path: Path) -> None:
    pop = _population(cli, tmp_path, STATEMENTS)
    df = _draw(cli, tmp_path / "s.csv", "-n", "50", "--seed", "11")
    assert list(df.columns) == list(SAMPLE_COLUMNS)
    assert not [c for c in df.columns if c.startswith(("p_", "theme", "confidence", "model", "strategy"))]
    assert df["sample_id"].tolist() == [f"s{i:04d}" for i in range(1, 51)]
    assert (df["label"] == "").all() and (df["unsure"] == "").all()
    assert np.allclose(df["weight"].astype(float), len(pop) / 50)
    # statement_id + sentence_index is the link to the sentence; the context is its neighbours.
    by_key = {(r.statement_id, int(r.sentence_index)): r for r in pop.itertuples()}
    for r in df.itertuples():
        src = by_key[(r.statement_id, int(r.sentence_index))]
        assert r.sentence == src.sentence and r.date == src.date and r.lang == src.lang
        prev = by_key.get((r.statement_id, int(r.sentence_index) - 1))
        nxt = by_key.get((r.statement_id, int(r.sentence_index) + 1))
        assert r.context_before == (prev.sentence if prev else "")
        assert r.context_after == (nxt.sentence if nxt else "")
    meta = json.loads((tmp_path / "s.csv.json").read_text())
    assert meta["strategy"] == "random" and meta["seed"] == 11 and meta["n"] == 50
    assert meta["population"]["N"] == len(pop)
    assert meta["population"]["by_lang"] == pop["lang"].value_counts().sort_index().to_dict()
    by_year = pop["date"].str[:4].value_counts().sort_index().to_dict()
    assert meta["period"] == "year" and meta["population"]["by_period"] == by_year
    assert meta["inputs"] == [str(STATEMENTS)]
    assert meta["policy_themes_version"] and meta["created"].startswith("20")
    assert meta["columns"] == list(SAMPLE_COLUMNS)


def test_stratified_weights_add_up_to_each_stratum(cli, tmp_path: Path) -> None:
    pop = _population(cli, tmp_path, STATEMENTS)
    df = _draw(cli, tmp_path / "s.csv", "-n", "100", "--stratify-by", "period", "--period", "year")
    assert len(df) == 100 and list(df.columns) == list(SAMPLE_COLUMNS)
    df["year"] = df["date"].str[:4]
    sizes = pop["date"].str[:4].value_counts()
    sums = df.groupby("year")["weight"].apply(lambda w: w.astype(float).sum())
    assert set(sums.index) == set(sizes.index)  # every year is in the sample
    for year, total in sums.items():
        assert total == pytest.approx(sizes[year])
    counts = df["year"].value_counts()
    assert counts.max() - counts.min() <= 1  # equal allocation: 100 rows over 26 years, 3 or 4 each
    meta = json.loads((tmp_path / "s.csv.json").read_text())
    assert meta["allocation"] == "equal" and meta["stratify_by"] == "period"
    assert {s["stratum"]["period"]: s["N"] for s in meta["strata"]} == sizes.to_dict()
    assert sum(s["n"] for s in meta["strata"]) == 100
    # By period and language: weights add up to each (period, language) stratum.
    both = _draw(cli, tmp_path / "b.csv", "-n", "120", "--stratify-by", "period,lang", "--period", "year")
    both["year"] = both["date"].str[:4]
    pop_sizes = pop.assign(year=pop["date"].str[:4]).groupby(["year", "lang"]).size()
    sums2 = both.groupby(["year", "lang"])["weight"].apply(lambda w: w.astype(float).sum())
    sampled = sums2.index
    assert np.allclose(sums2.to_numpy(), pop_sizes.loc[sampled].to_numpy())


def test_stratified_by_quarter_leaves_out_undatable_sentences_and_says_so(cli, tmp_path: Path) -> None:
    r = cli("sample", STATEMENTS, "-o", tmp_path / "s.csv", "-n", "40", "--stratify-by", "period",
            "--period", "quarter")
    assert r.code == 0, r.err
    assert "no date that places them in a quarter" in r.err
    df = _read(tmp_path / "s.csv")
    assert df["date"].str.len().min() >= 7  # year-only dates have no quarter: never drawn
    meta = json.loads((tmp_path / "s.csv.json").read_text())
    assert meta["population"]["by_period"]["unplaced"] > 0
    assert "unplaced" not in meta["sampled_population"]["by_period"]
    assert sum(s["N"] for s in meta["strata"]) == meta["sampled_population"]["N"]


def test_equal_allocation_shares_what_small_strata_cannot_take() -> None:
    assert equal_allocation({("a",): 2, ("b",): 50, ("c",): 50}, 30) == {("a",): 2, ("b",): 14, ("c",): 14}
    alloc = equal_allocation({("a",): 5, ("b",): 9, ("c",): 40, ("d",): 41}, 50)
    assert sum(alloc.values()) == 50 and alloc[("a",)] == 5 and alloc[("b",)] == 9
    assert abs(alloc[("c",)] - alloc[("d",)]) <= 1
    assert equal_allocation({("a",): 3, ("b",): 4}, 100) == {("a",): 3, ("b",): 4}


def test_more_than_the_population_takes_all_and_says_so(cli, tmp_path: Path) -> None:
    corpus = tmp_path / "in"
    _write_corpus(corpus, range(2020, 2022), per_year=1)
    pop = _population(cli, tmp_path, corpus)
    r = cli("sample", corpus, "-o", tmp_path / "s.csv", "-n", "300")
    assert r.code == 0, r.err
    assert f"not smaller than the population ({len(pop)} sentences): the sample takes all" in r.err
    df = _read(tmp_path / "s.csv")
    assert len(df) == len(pop) and (df["weight"].astype(float) == 1.0).all()
    assert json.loads((tmp_path / "s.csv.json").read_text())["took_all"] is True


def test_uncertain_sample_is_marked_and_takes_the_smallest_margins(cli, trained: Path, tmp_path: Path) -> None:
    from pipeline.model import load_model

    pop = _population(cli, tmp_path, STATEMENTS)
    r = cli("sample", STATEMENTS, "-o", tmp_path / "u.csv", "-n", "25", "--strategy", "uncertain", "--model", trained,
            "-q")
    assert r.code == 0, r.err
    df = _read(tmp_path / "u.csv")
    assert list(df.columns) == [*SAMPLE_COLUMNS, "strategy"]
    assert (df["strategy"] == "uncertain").all() and len(df) == 25
    assert (df["weight"] == "").all()  # no inclusion probability: not for measuring error rates
    assert not [c for c in df.columns if c.startswith(("p_", "theme", "confidence"))]
    meta = json.loads((tmp_path / "u.csv.json").read_text())
    assert meta["strategy"] == "uncertain" and meta["model"]["version"]
    # Label Studio's export keeps the tasks' data only: each task says it too.
    r = cli("sample", STATEMENTS, "-o", tmp_path / "u2.csv", "-n", "5", "--strategy", "uncertain", "--model", trained,
            "--label-studio", tmp_path / "u2.json", "-q")
    assert r.code == 0, r.err
    assert {t["data"]["strategy"] for t in json.loads((tmp_path / "u2.json").read_text())} == {"uncertain"}
    proba = load_model(trained).predict_proba(pop["sentence"].tolist())
    top = -np.sort(-proba, axis=1)
    margin = pd.Series(top[:, 0] - top[:, 1], index=list(zip(pop["statement_id"], pop["sentence_index"], strict=True)))
    chosen = list(zip(df["statement_id"], df["sentence_index"].astype(int), strict=True))
    rest = margin.drop(chosen)
    assert margin.loc[chosen].max() <= rest.min() + 1e-12


def test_label_studio_tasks_and_config(cli, tmp_path: Path) -> None:
    r = cli("sample", STATEMENTS, "-o", tmp_path / "s.csv", "-n", "12", "--label-studio", tmp_path / "ls.json")
    assert r.code == 0, r.err
    df = _read(tmp_path / "s.csv")
    tasks = json.loads((tmp_path / "ls.json").read_text("utf-8"))
    assert isinstance(tasks, list) and len(tasks) == 12
    for task, row in zip(tasks, df.itertuples(), strict=True):
        assert set(task) == {"data"}
        assert task["data"] == {"sample_id": row.sample_id, "text": row.sentence, "context_before": row.context_before,
                                "context_after": row.context_after, "lang": row.lang, "date": row.date}
    xml = (tmp_path / "ls.xml").read_text("utf-8")
    assert xml in r.out  # printed too, for pasting into Label Studio's labeling interface
    view = ET.fromstring(xml)
    assert view.tag == "View"
    text = view.find("Text")
    assert text is not None and text.attrib == {"name": "text", "value": "$text"}
    choices = view.find("Choices")
    assert choices is not None
    assert choices.attrib == {"name": "theme", "toName": "text", "choice": "single"}
    assert [c.attrib["value"] for c in choices.findall("Choice")] == load_taxonomy().ids


def _one_line_error(r) -> None:
    assert r.code == 2
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.err
    assert "Traceback" not in r.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-n", "0"], "at least one sentence"),
        (["-o", "OUT/s.txt"], "unknown output type '.txt'"),
        (["-o", "OUT/missing/s.csv"], "does not exist"),
        (["--label-studio", "OUT/ls.csv"], "unknown output type '.csv'"),
        (["--context", "-1"], "--context -1"),
        (["--seed", "-5"], "--seed -5"),
        (["--strategy", "uncertain", "--stratify-by", "period"], "--stratify-by goes with --strategy random"),
        (["--model", "MODEL"], "--model goes with --strategy uncertain"),
        (["--strategy", "uncertain", "--model", "OUT/no-model"], "no-model"),
        (["--removed", "OUT/removed.csv"], "belong to `segment`"),
    ],
)
def test_bad_options_one_line_nothing_written(cli, tmp_path: Path, trained: Path, args: list[str],
                                              message: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    corpus = tmp_path / "in"
    _write_corpus(corpus, range(2020, 2022), per_year=1)
    args = [a.replace("OUT", str(out)).replace("MODEL", str(trained)) for a in args]
    full = ["-o", str(out / "s.csv"), *args] if "-o" not in args else args
    r = cli("sample", corpus, *full)
    _one_line_error(r)
    assert message in r.err
    assert _files(out) == set()


def test_bad_inputs_one_line_nothing_written(cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    # Missing input.
    r = cli("sample", tmp_path / "nope", "-o", out / "s.csv")
    _one_line_error(r)
    assert "nope" in r.err
    # Only furniture: no sentence to draw.
    (tmp_path / "empty.txt").write_text("Return to list\nShare to:\n", "utf-8")
    r = cli("sample", tmp_path / "empty.txt", "-o", out / "s.csv", "--date", "2020")
    _one_line_error(r)
    # Stratified by quarter, but every date is a year only.
    (tmp_path / "years").mkdir()
    (tmp_path / "years" / "2019_a.txt").write_text("We will expand investment. Consumption will grow.\n", "utf-8")
    r = cli("sample", tmp_path / "years", "-o", out / "s.csv", "--stratify-by", "period", "--period", "quarter")
    _one_line_error(r)
    assert "quarter" in r.err
    assert _files(out) == set()


def test_no_output_overwrites_an_input_or_labels(cli, tmp_path: Path) -> None:
    table = tmp_path / "statements.csv"
    table.write_text("id,date,text\na,2020-01-02,We will expand investment. Consumption will grow.\n", "utf-8")
    before = table.read_bytes()
    r = cli("sample", table, "-o", table)
    _one_line_error(r)
    assert "is the input" in r.err and table.read_bytes() == before
    r = cli("sample", tmp_path, "-o", tmp_path / "s.csv")
    _one_line_error(r)
    assert "inside the input folder" in r.err
    r = cli("sample", table, "-o", tmp_path / "out.csv", "--label-studio", tmp_path / "out.csv.json")
    _one_line_error(r)
    assert "overlap" in r.err
    # A sample that already holds labels is not overwritten by a new draw.
    out = tmp_path / "o"
    out.mkdir()
    assert cli("sample", table, "-o", out / "s.csv", "-q").code == 0
    df = _read(out / "s.csv")
    df.loc[0, "label"] = "investment"
    df.to_csv(out / "s.csv", index=False)
    labeled = (out / "s.csv").read_bytes()
    r = cli("sample", table, "-o", out / "s.csv", "--seed", "9")
    _one_line_error(r)
    assert "already holds 1 labels" in r.err and (out / "s.csv").read_bytes() == labeled


def test_help_explains(cli, capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline.cli import main

    with pytest.raises(SystemExit) as e:
        main(["sample", "--help"])
    assert e.value.code == 0
    text = capsys.readouterr().out
    for word in ("--stratify-by", "--strategy", "uncertain", "--label-studio", "weight", "--seed", "no", "-n N"):
        assert word in text
