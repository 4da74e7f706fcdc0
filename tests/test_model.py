"""Training and the model artifact: targets, determinism, integrity checks, behaviour."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

from pipeline import config
from pipeline.errors import InputError
from pipeline.model import load_model, load_pipeline, sha256_file
from pipeline.themes import load_taxonomy
from pipeline.train import build_pipeline, labeled_files, read_labeled

ROOT_STATEMENTS = config.STATEMENTS_DIR


def test_artifact_files_and_meta(trained: Path) -> None:
    assert {p.name for p in trained.iterdir()} == {"model.joblib", "scorer.json", "scorer.npz", "meta.json",
                                                   "MODEL_CARD.md"}
    meta = json.loads((trained / "meta.json").read_text())
    for key in ("name", "version", "created", "versions", "data_sha256", "params", "labels", "languages",
                "cv", "baseline"):
        assert key in meta
    for name in ("model.joblib", "scorer.json", "scorer.npz"):
        assert meta["sha256"][name] == sha256_file(trained / name)
    assert meta["labels"] == load_taxonomy().ids
    for lang in ("en", "zh"):  # what the report's drift check compares a corpus with
        sc = meta["cv"]["scores"][lang]
        assert 0.5 < sc["mean_confidence"] <= 1 and 0 <= sc["no_feature_share"] < 0.05
        rows = np.array(sc["mean_proba_by_true"]["rows_true_cols_proba"])
        assert rows.shape == (5, 5) and np.allclose(rows.sum(axis=1), 1, atol=1e-3)
        assert (rows.argmax(axis=1) == np.arange(5)).all()  # each theme's sentences most likely get it
    assert set(meta["versions"]) >= {"scikit-learn", "numpy", "joblib", "python"}
    card = (trained / "MODEL_CARD.md").read_text()
    for heading in ("## Intended use", "## Data", "## Metrics", "## Limits"):
        assert heading in card


def test_cross_validated_targets(trained: Path) -> None:
    """Issue target: macro-F1 >= 0.90 in each language and >= 0.10 above the keyword baseline."""
    meta = json.loads((trained / "meta.json").read_text())
    for lang in ("en", "zh"):
        cv = meta["cv"]["scores"][lang]["macro_f1"]
        base = meta["baseline"]["scores"][lang]["macro_f1"]
        assert cv >= 0.90, (lang, cv)
        assert cv - base >= 0.10, (lang, cv, base)
        cm = np.array(meta["cv"]["scores"][lang]["confusion_matrix"]["rows_true_cols_pred"])
        assert cm.sum() == meta["cv"]["scores"][lang]["n"]


def test_same_data_same_model() -> None:
    """Fixed seeds: two fits on the same data give identical predictions and weights."""
    df = read_labeled(labeled_files(config.LABELED_DIR), load_taxonomy())
    a = build_pipeline().fit(df["text"], df["label"])
    b = build_pipeline().fit(df["text"], df["label"])
    probe = df["text"].iloc[::25].tolist()
    assert np.array_equal(a.predict_proba(probe), b.predict_proba(probe))
    assert pickle.dumps(a.named_steps["clf"].estimator_.coef_) == pickle.dumps(b.named_steps["clf"].estimator_.coef_)


@pytest.mark.parametrize(
    ("sentence", "theme"),
    [
        ("We will expand effective investment and speed up the construction of major projects.", "investment"),
        ("Local governments will issue more special bonds to fund infrastructure projects.", "investment"),
        ("We will boost household consumption and stabilize sales of cars and home appliances.", "consumption"),
        ("Support the central and western regions in undertaking industrial transfer.", "regional"),
        ("We will advance the coordinated development of Beijing, Tianjin and Hebei.", "regional"),
        ("Keep economic growth within a reasonable range and support the steel industry.", "growth"),
        ("We will upgrade traditional industries and foster strategic emerging industries.", "growth"),
        ("We will ensure stable grain output and raise rural pension benefits.", "other"),
        ("Thank you for your question.", "other"),
        ("The consumer price index rose 2 percent.", "other"),
        ("扩大有效投资，加快重大项目建设。", "investment"),
        ("促进家电、汽车等大宗消费。", "consumption"),
        ("深入实施区域协调发展战略，推进西部大开发形成新格局。", "regional"),
        ("保持经济运行在合理区间，推动制造业高质量发展。", "growth"),
        ("稳定粮食生产，做好就业和社会保障工作。", "other"),
        ("居民消费价格上涨2%。", "other"),
    ],
)
def test_behaviour_on_clear_sentences(trained: Path, sentence: str, theme: str) -> None:
    model = load_model(trained)
    assert model.predict_sentences([sentence])["theme"].iloc[0] == theme


def test_predictions_shape(trained: Path) -> None:
    model = load_model(trained)
    out = model.predict_sentences(["We will expand investment.", "扩大消费。", ""])
    probs = out[[f"p_{t}" for t in model.labels]].to_numpy()
    assert list(out.columns[:2]) == ["theme", "confidence"]
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert (out["confidence"] == probs.max(axis=1)).all()
    assert model.predict_sentences([]).shape[0] == 0


LOADERS = pytest.mark.parametrize("loader", [load_model, load_pipeline], ids=["scoring", "pipeline"])


@pytest.mark.parametrize("name", ["scorer.json", "scorer.npz"])
def test_changed_scorer_file_refused(trained: Path, tmp_path: Path, name: str) -> None:
    copy = tmp_path / "m"
    shutil.copytree(trained, copy)
    data = bytearray((copy / name).read_bytes())
    data[len(data) // 2] ^= 0x01
    (copy / name).write_bytes(bytes(data))
    with pytest.raises(InputError, match="sha256 does not match"):
        load_model(copy)


def _doctored(trained: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the model folder to tamper with, and the file whose existence proves code ran."""
    copy = tmp_path / "m"
    shutil.copytree(trained, copy)
    return copy, tmp_path / "ran"


class _Boom:
    """A pickle that creates a file when it is loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.touch, (self.marker,))


def _edit_npz(copy: Path, name: str, value: np.ndarray, *, compressed: bool = True) -> None:
    """Replace one array of scorer.npz and recompute its sha256, as an attacker would."""
    with np.load(copy / "scorer.npz") as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays[name] = value
    (np.savez_compressed if compressed else np.savez)(copy / "scorer.npz", **arrays)
    _resum(copy, "scorer.npz")


def _resum(copy: Path, name: str) -> None:
    meta = json.loads((copy / "meta.json").read_text())
    meta["sha256"][name] = sha256_file(copy / name)
    (copy / "meta.json").write_text(json.dumps(meta))


def test_scorer_that_misses_its_probes_refused(trained: Path, tmp_path: Path) -> None:
    """Weights changed and the checksum recomputed (a doctored or mis-exported model): the
    probe sentences no longer get their recorded probabilities, so the model is refused."""
    copy, _ = _doctored(trained, tmp_path)
    with np.load(copy / "scorer.npz") as npz:
        intercept = npz["intercept"]
    _edit_npz(copy, "intercept", intercept + np.arange(len(intercept)))
    with pytest.raises(InputError, match="does not reproduce its probe sentences"):
        load_model(copy)


def test_pickled_arrays_refused(trained: Path, tmp_path: Path) -> None:
    """An object array in scorer.npz would be a pickle: refused (allow_pickle=False), nothing run."""
    copy, marker = _doctored(trained, tmp_path)
    _edit_npz(copy, "intercept", np.array([_Boom(marker)], dtype=object), compressed=False)
    with pytest.raises(InputError, match="not a valid model"):
        load_model(copy)
    assert not marker.exists()


def test_scoring_never_reads_the_pickle(trained: Path, tmp_path: Path) -> None:
    """A code-running model.joblib with its checksum recomputed: scoring does not open it."""
    copy, marker = _doctored(trained, tmp_path)
    (copy / "model.joblib").write_bytes(pickle.dumps(_Boom(marker)))
    _resum(copy, "model.joblib")
    model = load_model(copy)
    assert model.predict_sentences(["We will expand effective investment."])["theme"].iloc[0] == "investment"
    assert not marker.exists()


def test_pipeline_loader_checks_the_pickle(trained: Path, tmp_path: Path) -> None:
    copy = tmp_path / "m"
    shutil.copytree(trained, copy)
    data = bytearray((copy / "model.joblib").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (copy / "model.joblib").write_bytes(bytes(data))
    with pytest.raises(InputError, match="sha256 does not match"):
        load_pipeline(copy)


def test_old_model_folder_without_scorer_is_refused(trained: Path, tmp_path: Path) -> None:
    copy = tmp_path / "m"
    shutil.copytree(trained, copy)
    (copy / "scorer.json").unlink()
    with pytest.raises(InputError, match=r"scorer.json: missing.*retrain"):
        load_model(copy)


def test_pipeline_version_mismatch_warns(trained: Path, tmp_path: Path) -> None:
    copy = tmp_path / "m"
    shutil.copytree(trained, copy)
    meta = json.loads((copy / "meta.json").read_text())
    meta["versions"]["scikit-learn"] = "0.0.1"
    (copy / "meta.json").write_text(json.dumps(meta))
    with pytest.warns(UserWarning, match=r"scikit-learn 0\.0\.1"):
        load_pipeline(copy)


@LOADERS
def test_missing_model(tmp_path: Path, loader) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match="no model there"):
        loader(tmp_path / "nothing")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("group,label,text\ng1,growth,Growth held up.\ng1,prices,Prices rose.\n", "line 3: unknown label 'prices'"),
        ("", "empty file"),
        ("group,text\ng1,Growth held up.\n", "missing required column 'label'"),
        ("group,label,text\n" + "".join(f"g{i},growth,Growth sentence {i}.\n" for i in range(12))
         + "g20,investment,Investment rose.\n", "theme 'investment' has 1 labeled sentences; at least 10"),
        ("group,label,text\n" + "".join(f"g{i},growth,Growth sentence {i}.\n" for i in range(12)), "only one theme"),
    ],
)
def test_bad_training_data(cli, tmp_path: Path, content: str, message: str) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "en_bad.csv").write_text(content)
    out = tmp_path / "model"
    r = cli("train", tmp_path / "en_bad.csv", "--out", out)
    assert r.code == 2, r.err
    assert len(r.err.strip().splitlines()) == 1 and message in r.err and "en_bad.csv" in r.err
    assert not out.exists()


def test_evaluate_command(cli, trained: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    gold = tmp_path / "gold.csv"
    gold.write_text("text,label\nWe will expand effective investment in major projects.,investment\n"
                    "促进汽车、家电等大宗消费。,consumption\nThank you for your question.,growth\n")
    r = cli("evaluate", gold, "--model", trained, "--json", tmp_path / "e.json")
    assert r.code == 0, r.err
    assert "macro-F1" in r.out and "confusion matrix" in r.out and "most confident errors" in r.out
    res = json.loads((tmp_path / "e.json").read_text())
    assert res["n"] == 3 and res["all"]["per_class"]["investment"]["support"] == 1
    assert res["most_confident_errors"][0]["label"] == "growth"
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\nSomething.,unknown\n")
    r = cli("evaluate", bad, "--model", trained)
    assert r.code == 2 and "line 2: unknown label 'unknown'" in r.err


def test_fast_scoring_equals_pipeline(trained: Path) -> None:
    model = load_model(trained)
    pipe = load_pipeline(trained)
    texts = read_labeled(labeled_files(config.LABELED_DIR), load_taxonomy())["text"].iloc[::11].tolist()
    classes = [str(c) for c in pipe.classes_]
    expected = pipe.predict_proba(texts)[:, [classes.index(lab) for lab in model.labels]]
    assert np.allclose(model.predict_proba(texts), expected, atol=1e-10)


def test_traditional_copy_gets_the_same_labels(trained: Path) -> None:
    """Issue target: a Traditional copy of a statement gets the same labels as its Simplified
    original (features read Traditional folded to Simplified; the text itself is kept)."""
    import opencc

    from pipeline.readers import ReadOptions, read_statements
    from pipeline.segment import segment_statement

    s2t = opencc.OpenCC("s2t")
    sentences = []
    for stmt in read_statements([str(ROOT_STATEMENTS / "zh")], ReadOptions()):
        if hasattr(stmt, "text"):
            sentences += [s.sentence for s in segment_statement(stmt).sentences]
    assert len(sentences) > 300
    traditional = [s2t.convert(s) for s in sentences]
    assert sum(a != b for a, b in zip(sentences, traditional, strict=True)) > 0.8 * len(sentences)
    model = load_model(trained)
    assert (model.predict_sentences(sentences)["theme"] == model.predict_sentences(traditional)["theme"]).all()
