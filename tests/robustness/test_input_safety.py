"""Inputs that used to hang, crash or pass unnoticed (issue 15): special files, symlinks out of
the folder, unreadable sub-folders, odd file names, absurdly deep trees and JSON values.

Each is run through the command line: a listed failure (exit 0) when other statements were
read, else exit 2 with one line naming the input; never a traceback, a hang or exit 1.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from ..conftest import ROOT

GOOD = "We will expand investment in new infrastructure.\n"


@contextlib.contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail instead of hanging: reading a FIFO used to wait forever for a writer."""

    def expired(*_: object) -> None:
        raise TimeoutError(f"still running after {seconds} s: the run waits on a special file")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _segment(cli, *args: object):  # type: ignore[no-untyped-def]
    with deadline(60):
        return cli("segment", *args)


def _one_error_line(r, *pieces: str) -> None:  # type: ignore[no-untyped-def]
    lines = r.err.strip().splitlines()
    assert r.code == 2, (r.code, r.err)
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in r.err, r.err
    for p in pieces:
        assert p in lines[0], (p, r.err)


def _failed(errors: Path) -> dict[str, str]:
    df = pd.read_csv(errors, keep_default_na=False)
    return dict(zip(df["origin"], df["reason"], strict=True))


# ---------------------------------------------------------------- special files


def test_fifo_socket_and_device_in_a_folder_are_listed_not_read(cli, tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    (d / "2020_good.txt").write_text(GOOD)
    os.mkfifo(d / "2020_pipe.txt")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(d / "2020_sock.txt"))
    os.symlink("/dev/zero", d / "2020_zero.txt")  # a link to a device that never ends
    try:
        r = _segment(cli, d, "-o", tmp_path / "out.csv", "--errors", tmp_path / "errors.csv")
    finally:
        sock.close()
    assert r.code == 0, r.err
    failed = _failed(tmp_path / "errors.csv")
    assert failed[str(d / "2020_pipe.txt")].startswith("a named pipe (FIFO), not a regular file: not read")
    assert failed[str(d / "2020_sock.txt")].startswith("a socket, not a regular file")
    assert failed[str(d / "2020_zero.txt")].startswith("symbolic link to a character device, not a regular file")
    assert len(pd.read_csv(tmp_path / "out.csv")) == 1


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_special_file_given_as_input_is_an_error(cli, tmp_path: Path, kind: str) -> None:
    if kind == "fifo":
        target = tmp_path / "pipe.txt"
        os.mkfifo(target)
        want = "a named pipe (FIFO), not a regular file"
    else:
        target = Path("/dev/zero")
        want = "a character device, not a regular file"
    r = _segment(cli, target, "-o", tmp_path / "out.csv")
    _one_error_line(r, str(target), want)
    assert not (tmp_path / "out.csv").exists()


# ---------------------------------------------------------------- symlinks


def test_symlinked_file_outside_the_folder_needs_follow_links(cli, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "2021-05-01_secret.txt"
    outside.parent.mkdir()
    outside.write_text("Consumption recovered strongly in the second quarter.\n")
    d = tmp_path / "in"
    d.mkdir()
    (d / "2020_good.txt").write_text(GOOD)
    (d / "sub").mkdir()
    (d / "sub" / "2019_inner.txt").write_text("Growth held up.\n")
    os.symlink(outside, d / "2021-05-01_link.txt")
    os.symlink(d / "sub" / "2019_inner.txt", d / "2019_inside_link.txt")  # inside the folder: read
    r = _segment(cli, d, "-o", tmp_path / "out.csv", "--errors", tmp_path / "errors.csv")
    assert r.code == 0, r.err
    failed = _failed(tmp_path / "errors.csv")
    reason = failed[str(d / "2021-05-01_link.txt")]
    assert reason.startswith("symbolic link to a file outside the folder") and "--follow-links" in reason
    assert str(outside) in reason
    assert "duplicate of" in failed[str(d / "sub" / "2019_inner.txt")]  # the link inside was read first
    got = pd.read_csv(tmp_path / "out.csv")
    assert "Consumption recovered strongly in the second quarter." not in set(got["sentence"])
    r = _segment(cli, d, "--follow-links", "-o", tmp_path / "out2.csv", "--errors", tmp_path / "errors2.csv")
    assert r.code == 0, r.err
    assert str(d / "2021-05-01_link.txt") not in _failed(tmp_path / "errors2.csv")
    got = pd.read_csv(tmp_path / "out2.csv")
    assert "Consumption recovered strongly in the second quarter." in set(got["sentence"])


# ---------------------------------------------------------------- folders


def _without_root_override() -> list[str]:
    """As root, a command prefix that drops the capabilities that bypass file permissions,
    so a folder of mode 000 is unreadable as it is for everyone else."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    assert setpriv, "as root, this test needs setpriv (util-linux) to drop CAP_DAC_OVERRIDE"
    caps = "-dac_override,-dac_read_search"
    return [setpriv, "--bounding-set", caps, "--inh-caps", caps]


def test_unreadable_sub_folder_is_listed(tmp_path: Path) -> None:
    d = tmp_path / "in"
    (d / "locked").mkdir(parents=True)
    (d / "2020_good.txt").write_text(GOOD)
    (d / "locked" / "2021_hidden.txt").write_text("Growth held up.\n")
    os.chmod(d / "locked", 0)
    try:
        p = subprocess.run([*_without_root_override(), sys.executable, "-m", "pipeline", "segment", str(d),
                            "-o", str(tmp_path / "out.csv"), "--errors", str(tmp_path / "errors.csv")],
                           capture_output=True, text=True, cwd=ROOT, timeout=120)
    finally:
        os.chmod(d / "locked", 0o755)
    assert p.returncode == 0, p.stderr
    assert _failed(tmp_path / "errors.csv") == {
        str(d / "locked"): "cannot read this folder (Permission denied): nothing in it was read"}
    assert f"failed: {d / 'locked'}: cannot read this folder" in p.stderr


@contextlib.contextmanager
def deep_tree(root: Path, depth: int) -> Iterator[None]:
    """`root/d/d/.../d/2020_bottom.txt`, built and removed through folder handles: the whole
    path is longer than PATH_MAX, and `shutil.rmtree` recurses once per level."""
    os.makedirs(root)
    fds = [os.open(root, os.O_RDONLY)]
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fds[-1])
            fds.append(os.open("d", os.O_RDONLY, dir_fd=fds[-1]))
        with open(os.open("2020_bottom.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fds[-1]), "w") as f:
            f.write(GOOD)
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink("2020_bottom.txt", dir_fd=fds[-1])
        for parent, child in zip(reversed(fds[:-1]), reversed(fds[1:]), strict=True):
            os.close(child)
            os.rmdir("d", dir_fd=parent)
        os.close(fds[0])


def test_a_1500_level_folder_tree_is_a_one_line_error(cli, tmp_path: Path) -> None:
    # Outside pytest's own temporary folders: were it left behind, its clean-up (recursive)
    # would fail on it in later sessions.
    with tempfile.TemporaryDirectory() as top:
        root = Path(top) / "deep"
        with deep_tree(root, 1500):
            r = _segment(cli, root, "-o", tmp_path / "out.csv")
    _one_error_line(r, str(root), "no input files", "folders nested more than 64 deep: not read")
    assert not (tmp_path / "out.csv").exists()


# ---------------------------------------------------------------- file names


def test_non_utf8_file_name_is_read_and_shown_with_escapes(cli, tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    (d / "2020_good.txt").write_text(GOOD)
    odd = os.path.join(os.fsencode(d), b"2021_caf\xe9.txt")  # Latin-1 bytes: not UTF-8
    with open(odd, "wb") as f:
        f.write(b"Consumption recovered.\n")
    r = _segment(cli, d, "-o", tmp_path / "out.parquet", "--statements", tmp_path / "st.csv")
    assert r.code == 0, r.err
    ids = set(pd.read_parquet(tmp_path / "out.parquet")["statement_id"])
    assert ids == {"2020_good", "2021_caf\\xe9"}
    assert set(pd.read_csv(tmp_path / "st.csv")["origin"]) >= {f"{d}/2021_caf\\xe9.txt"}


def test_newline_in_a_file_name_does_not_split_the_error_line(cli, tmp_path: Path) -> None:
    bad = tmp_path / "2020_two\nlines.txt"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    r = _segment(cli, bad, "-o", tmp_path / "out.csv")
    _one_error_line(r, f"{tmp_path}/2020_two\\nlines.txt", "binary")
    d = tmp_path / "in"
    d.mkdir()
    (d / "2020_good.txt").write_text(GOOD)
    (d / "bad\nname.txt").write_text("No date anywhere here.\n")
    r = _segment(cli, d, "-o", tmp_path / "out.csv")
    assert r.code == 0, r.err
    failed = [line for line in r.err.splitlines() if line.startswith("  failed:")]
    assert failed == [f"  failed: {d}/bad\\nname.txt: no date found in metadata, file name or first lines; "
                      "add 'date: YYYY-MM-DD' front matter, a date column, or pass --date"]


# ---------------------------------------------------------------- JSON values


@pytest.mark.parametrize(("value", "message"), [
    ("9" * 5000, "line 1: JSON value out of range"),
    ("[" * 100_000 + "]" * 100_000, "line 1: JSON nested too deeply"),
])
def test_absurd_json_values_are_one_line_errors(cli, tmp_path: Path, value: str, message: str) -> None:
    src = tmp_path / "odd.jsonl"
    src.write_text('{"text": "Growth held up.", "date": "2020", "x": ' + value + "}\n")
    r = _segment(cli, src, "-o", tmp_path / "out.csv")
    _one_error_line(r, f"{src} {message}")
    assert not (tmp_path / "out.csv").exists()
