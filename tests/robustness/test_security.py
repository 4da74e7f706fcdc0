"""Security: a model folder never runs code (scoring reads plain data, checked), spreadsheets get no formulas when
asked, and nothing reaches for the network."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from ..conftest import ROOT

STATEMENTS = ROOT / "data" / "statements"


def _model_copy(trained: Path, tmp: Path) -> Path:
    copy = tmp / "model"
    shutil.copytree(trained, copy)
    return copy


class _Marker:
    """A pickle that creates a file when it is loaded: proof that code ran."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.touch, (self.path,))


def _resum(model: Path, name: str) -> None:
    """Recompute a file's sha256 in meta.json, as an attacker who edits the folder would."""
    from pipeline.model import sha256_file

    meta = json.loads((model / "meta.json").read_text())
    meta["sha256"][name] = sha256_file(model / name)
    (model / "meta.json").write_text(json.dumps(meta))


def _hide_in_real_model(model: Path, marker: Path) -> None:
    """A payload inside the real Pipeline pickle (a real model still loads around it)."""
    import joblib

    pipe = joblib.load(model / "model.joblib")
    pipe.payload = _Marker(marker)
    joblib.dump(pipe, model / "model.joblib")


@pytest.mark.parametrize("command", ["classify", "report", "evaluate"])
@pytest.mark.parametrize("tamper", ["code-running pickle, checksum recomputed", "payload inside the real model",
                                    "no checksums in meta.json", "weights changed, checksum recomputed",
                                    "scorer.json changed"])
def test_doctored_model_never_runs_code(cli, trained: Path, tmp_path: Path, command: str, tamper: str) -> None:
    """Scoring reads only scorer.json and scorer.npz: a doctored model.joblib is never opened
    (the command runs, nothing executes), and doctored scorer files are refused in one line."""
    model = _model_copy(trained, tmp_path)
    marker = tmp_path / "code-ran"
    want = None
    if tamper == "code-running pickle, checksum recomputed":
        (model / "model.joblib").write_bytes(pickle.dumps(_Marker(marker)))
        _resum(model, "model.joblib")
    elif tamper == "payload inside the real model":
        _hide_in_real_model(model, marker)
        marker.unlink(missing_ok=True)  # dumping does not run it; make sure the test starts clean
        _resum(model, "model.joblib")
    elif tamper == "no checksums in meta.json":
        (model / "model.joblib").write_bytes(pickle.dumps(_Marker(marker)))
        meta = json.loads((model / "meta.json").read_text())
        meta.pop("sha256")
        (model / "meta.json").write_text(json.dumps(meta))
        want = "refusing to load an unverified model"
    elif tamper == "weights changed, checksum recomputed":
        import numpy as np

        with np.load(model / "scorer.npz") as npz:
            arrays = {k: npz[k] for k in npz.files}
        arrays["coef_0"] = arrays["coef_0"][::-1].copy()
        np.savez(model / "scorer.npz", **arrays)
        _resum(model, "scorer.npz")
        want = "does not reproduce its probe sentences"
    else:
        spec = json.loads((model / "scorer.json").read_text())
        spec["temperature"] = 0.5
        (model / "scorer.json").write_text(json.dumps(spec))
        want = "sha256 does not match"
    gold = tmp_path / "gold.csv"
    gold.write_text("text,label\nWe will expand investment.,investment\n")
    target = {"classify": [STATEMENTS / "en", "-o", tmp_path / "o.csv"],
              "report": [STATEMENTS / "en", "-o", tmp_path / "rep"], "evaluate": [gold]}[command]
    r = cli(command, *target, "--model", model)
    assert not marker.exists()  # no code from the model folder ran
    if want is None:
        assert r.code == 0, r.err
    else:
        assert r.code == 2 and want in r.err and len(r.err.strip().splitlines()) == 1, r.err
        assert not (tmp_path / "o.csv").exists() and not (tmp_path / "rep").exists()


def test_the_marker_pickle_really_runs_code(tmp_path: Path) -> None:
    """The tampering test means something only if its pickle does run code when loaded."""
    marker = tmp_path / "ran"
    pickle.loads(pickle.dumps(_Marker(marker)))
    assert marker.exists()


FORMULAS = ["=HYPERLINK(\"http://x.example\",\"click\")", "+SUM(A1:A9)", "-2+3", "@cmd"]


@pytest.mark.parametrize("excel_safe", [False, True])
def test_csv_formulas_neutralized_only_when_asked(cli, trained: Path, tmp_path: Path, excel_safe: bool) -> None:
    src = tmp_path / "f.csv"
    pd.DataFrame({"text": [f"{f} We will expand investment." for f in FORMULAS], "date": "2020",
                  "source": FORMULAS}).to_csv(src, index=False)
    flag = ["--excel-safe"] if excel_safe else []
    assert cli("classify", src, "--model", trained, "-o", tmp_path / "c.csv", *flag).code == 0
    assert cli("report", src, "--model", trained, "-o", tmp_path / "rep", *flag).code == 0
    cells = pd.read_csv(tmp_path / "c.csv", keep_default_na=False)
    ev = pd.read_csv(tmp_path / "rep" / "evidence.csv", keep_default_na=False)
    for col in (cells["sentence"], cells["source"], ev["sentence"], ev["source"]):
        for v in col:
            if excel_safe:
                assert not v.startswith(("=", "+", "-", "@")), v
            else:
                assert v.lstrip("'") == v  # the default keeps the text exactly as given
    if excel_safe:
        assert any(v.startswith("'=HYPERLINK") for v in cells["sentence"])
    # Parquet and JSONL are never altered: only CSV goes to spreadsheets.
    assert any(v.startswith("=HYPERLINK") for v in pd.read_parquet(tmp_path / "rep" / "sentences.parquet")["sentence"])


_BLOCK_NETWORK = textwrap.dedent('''
    import os, socket
    _log = os.environ["NET_ATTEMPTS"]
    def _refuse(*args, **kwargs):
        with open(_log, "a") as f:
            f.write(repr(args[:2]) + "\\n")
        raise OSError("network disabled by the test")
    socket.socket.connect = _refuse
    socket.socket.connect_ex = _refuse
    socket.create_connection = _refuse
    socket.getaddrinfo = _refuse
''')


def test_main_commands_need_no_network(trained: Path, tmp_path: Path) -> None:
    """Every command runs with the network cut: no connection is even tried (sockets patched),
    and, where network namespaces are available, inside one with no network at all."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_BLOCK_NETWORK)
    attempts = tmp_path / "attempts.log"
    env = {**os.environ, "PYTHONPATH": f"{site}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "NET_ATTEMPTS": str(attempts), "POLICY_THEMES_HOME": os.environ.get("POLICY_THEMES_HOME", str(ROOT))}
    labeled = tmp_path / "lab.csv"
    rows = [(f"{w} number {i}.", t) for t, w in [("growth", "Industrial output grew"),
                                               ("investment", "Fixed-asset investment rose"),
                                               ("consumption", "Retail sales recovered"),
                                               ("regional", "The western region developed"),
                                               ("other", "Pensions were raised")] for i in range(12)]
    pd.DataFrame(rows, columns=["text", "label"]).to_csv(labeled, index=False)
    out = tmp_path / "out"
    out.mkdir()
    commands = [
        ["segment", str(STATEMENTS), "-o", str(out / "s.parquet")],
        ["classify", str(STATEMENTS), "--model", str(trained), "-o", str(out / "c.parquet"), "--jobs", "2"],
        ["report", str(STATEMENTS), "--model", str(trained), "-o", str(out / "rep")],
        ["evaluate", str(labeled), "--model", str(trained), "--json", str(out / "e.json")],
        ["train", str(labeled), "--out", str(out / "m")],
    ]
    unshare = shutil.which("unshare")
    isolated = bool(unshare) and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0
    for cmd in commands:
        prefix = [unshare, "-n"] if isolated and unshare else []
        p = subprocess.run([*prefix, sys.executable, "-m", "pipeline", *cmd, "-q"], capture_output=True, text=True,
                           env=env, cwd=tmp_path, timeout=600)
        assert p.returncode == 0, (cmd[0], p.stderr)
    assert not attempts.exists(), attempts.read_text()
    assert (out / "rep" / "index.html").is_file() and (out / "m" / "model.joblib").is_file()
