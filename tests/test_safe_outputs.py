"""Nothing lost (issue 18): every output is written beside its target and renamed into place,
so an output that is the input, an interrupted run, two writers, a full disk or a read-only
folder never destroy or half-write a file; each failure is exit 2 with the path and reason.

The slow cases (signals, two processes, a file-size limit) run the CLI in subprocesses as a
user would; the rest call ``main`` in this process."""

from __future__ import annotations

import csv
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from model.cli import main
from model.errors import InputError
from model.workflows import safeio

HEADER = ["case_id", "age", "sex", "rest_days_per_week", "heaviness_onset", "cramps"]


def _csv(path: Path, n: int, *, distinct: bool = True) -> Path:
    """``n`` rows; with ``distinct`` every row is a different answer set (no cache hits)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i in range(n):
            age = 18 + (i % 80) if distinct else 34
            rest = (i // 80) % 8 if distinct else 1
            onset = ["from_start", "late_in_run", "all_day", ""][(i // 640) % 4] if distinct else ""
            w.writerow([f"c{i}", age, ["female", "male"][i % 2], rest, onset, "yes"])
    return path


def _cli(args: list[str], cwd: Path, **kw) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "model", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def _parts(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.part"))


def _bad_input(capsys, code: int, *words: str) -> str:
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and "Please report" not in err
    for w in words:
        assert w in err, (w, err)
    return err


# ----------------------------------------------------------------------------- output = input
@pytest.mark.parametrize("link", ["same", "symlink", "hardlink", "relative"])
def test_batch_output_that_is_the_input_is_refused(tmp_path: Path, capsys, link: str) -> None:
    src = _csv(tmp_path / "in.csv", 30)
    before = src.read_bytes()
    out = {"same": src, "relative": tmp_path / "." / "in.csv",
           "symlink": tmp_path / "link.csv", "hardlink": tmp_path / "hard.csv"}[link]
    if link == "symlink":
        out.symlink_to(src)
    elif link == "hardlink":
        os.link(src, out)
    code = main(["batch", str(src), "-o", str(out), "--quiet"])
    _bad_input(capsys, code, "is the input file", "choose another output name")
    assert src.read_bytes() == before and not _parts(tmp_path)


def test_dask_batch_output_that_is_the_input_is_refused(tmp_path: Path, capsys) -> None:
    src = _csv(tmp_path / "in.csv", 30)
    before = src.read_bytes()
    (tmp_path / "link.csv").symlink_to(src)
    code = main(["batch", str(src), "-o", str(tmp_path / "link.csv"), "--engine", "dask",
                 "--quiet"])
    _bad_input(capsys, code, "is the input file")
    assert src.read_bytes() == before


def test_case_edit_onto_itself_with_a_bad_byte_keeps_the_file(tmp_path: Path, capsys) -> None:
    case = tmp_path / "case.json"
    case.write_text('{"answers": {"age": 34}, "notes": "old"}', encoding="utf-8")
    before = case.read_bytes()
    latin1_notes = b"caf\xe9".decode("utf-8", "surrogateescape")  # as argv delivers it
    code = main(["case", "edit", str(case), "-o", str(case), "--notes", latin1_notes])
    _bad_input(capsys, code, "not UTF-8")
    assert case.read_bytes() == before
    # a good edit onto itself works (the file is read before it is replaced)
    assert main(["case", "edit", str(case), "-o", str(case), "--notes", "café ✓"]) == 0
    assert "café ✓" in case.read_text(encoding="utf-8")


def test_output_that_is_a_folder_is_exit_2(tmp_path: Path, capsys) -> None:
    src = _csv(tmp_path / "in.csv", 3)
    case = tmp_path / "case.json"
    case.write_text('{"answers": {"age": 34}}', encoding="utf-8")
    (tmp_path / "dir.pdf").mkdir()
    (tmp_path / "dir.json").mkdir()
    for args in (["batch", str(src), "-o", str(tmp_path), "--quiet"],
                 ["report", str(case), "-o", str(tmp_path / "dir.pdf")],
                 ["case", "check", str(case), "-o", str(tmp_path / "dir.json")],
                 ["export", "--format", "bif", "-o", str(tmp_path)]):
        _bad_input(capsys, main(args), "is a folder")


# ----------------------------------------------------------------------------- failures
def test_read_only_target_is_exit_2_with_the_reason(tmp_path: Path, capsys) -> None:
    src = _csv(tmp_path / "in.csv", 3)
    if os.geteuid() == 0:  # root writes through permissions; sysfs refuses new files
        folder = Path("/sys")
    else:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o555)
    case = tmp_path / "case.json"
    case.write_text('{"answers": {"age": 34}}', encoding="utf-8")
    for args in (["batch", str(src), "-o", str(folder / "out.csv"), "--quiet"],
                 ["report", str(case), "-o", str(folder / "r.md")],
                 ["export", "--format", "bif", "-o", str(folder / "n.bif")]):
        err = _bad_input(capsys, main(args), "cannot write", "permission denied")
        assert str(folder) in err


def test_full_target_leaves_the_old_output(tmp_path: Path) -> None:
    """A file-size limit (RLIMIT_FSIZE) makes writes fail as a full disk does: exit 2 with
    the path and the reason, the previous output intact, no temporary file left."""
    src = _csv(tmp_path / "in.csv", 400)
    out = tmp_path / "out.csv"
    out.write_text("previous output\n", encoding="utf-8")

    def limit() -> None:  # pragma: no cover - runs in the child
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    p = _cli(["batch", str(src), "-o", str(out), "--quiet"], tmp_path, preexec_fn=limit)
    _, err = p.communicate(timeout=180)
    assert p.returncode == 2, err
    assert b"cannot write" in err and b"out.csv" in err and b"Traceback" not in err
    assert out.read_text(encoding="utf-8") == "previous output\n"
    assert not _parts(tmp_path)


def test_failed_write_maps_oserror_and_removes_the_temporary(tmp_path: Path) -> None:
    target = tmp_path / "x.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(InputError, match=r"x\.json: cannot write \(the disk is full"):
        with safeio.atomic_open(target) as fh:
            fh.write("new, half")
            raise OSError(28, "No space left on device")
    assert target.read_text(encoding="utf-8") == "old" and not _parts(tmp_path)


def test_symlinked_output_is_followed_and_mode_kept(tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    real.write_text("old", encoding="utf-8")
    real.chmod(0o640)
    (tmp_path / "link.md").symlink_to(real)
    safeio.write_text(tmp_path / "link.md", "new")
    assert (tmp_path / "link.md").is_symlink() and real.read_text(encoding="utf-8") == "new"
    assert real.stat().st_mode & 0o777 == 0o640


# ----------------------------------------------------------------------------- signals, races
def test_sigterm_mid_batch_leaves_the_previous_output(tmp_path: Path) -> None:
    src = _csv(tmp_path / "in.csv", 20_000)
    out = tmp_path / "out.csv"
    out.write_text("previous output\n", encoding="utf-8")
    p = _cli(["batch", str(src), "-o", str(out), "--quiet"], tmp_path)
    for _ in range(1800):  # wait until the run is writing (its temporary file exists)
        if _parts(tmp_path) or p.poll() is not None:
            break
        subprocess.run(["sleep", "0.1"], check=True)
    assert p.poll() is None, "the batch finished before it could be interrupted"
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=120)
    assert p.returncode not in (0, 1, 2), err  # interrupted, not finished or failed
    assert b"Traceback" not in err
    assert out.read_text(encoding="utf-8") == "previous output\n"
    assert not _parts(tmp_path)


def test_two_batches_to_one_output_give_one_valid_file(tmp_path: Path) -> None:
    a = _csv(tmp_path / "a.csv", 800)
    b = _csv(tmp_path / "b.csv", 500, distinct=False)
    out = tmp_path / "out.csv"
    procs = [_cli(["batch", str(s), "-o", str(out), "--quiet"], tmp_path) for s in (a, b)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    assert len(body) in (800, 500)
    assert all(len(r) == len(header) for r in body)
    assert [r[0] for r in body] == [f"c{i}" for i in range(len(body))]
    assert all(r[header.index("error")] == "" and r[header.index("top_cause")] for r in body)
    assert not _parts(tmp_path)
