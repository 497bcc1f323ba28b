"""The ``bmecohort`` command line."""

from __future__ import annotations

import argparse
import importlib
import io
import json
import shutil
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pandas as pd
import pytest

import bmecohort
from bmecohort.cli import COMMANDS, build_parser, main
from bmecohort.datadict import data_dictionary

VALID = Path(__file__).parent / "fixtures" / "valid_cohort"


@pytest.fixture
def invalid(tmp_path: Path) -> Path:
    """The valid fixture with three problems: negative age, BML size 4, coded score."""
    folder = tmp_path / "invalid"
    shutil.copytree(VALID, folder)
    participants = folder / "participants.csv"
    participants.write_text(participants.read_text().replace("K01,F,61,", "K01,F,-61,"))
    reads = (folder / "lesion_reads.csv").read_text().splitlines()
    reads[1] = reads[1].replace("consensus,1,", "consensus,4,")      # line 2: size 4
    reads[12] = reads[12].replace("consensus,1,", "consensus,2: 2,")  # line 13: coded
    (folder / "lesion_reads.csv").write_text("\n".join(reads) + "\n")
    return folder


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out


@pytest.mark.parametrize("command", COMMANDS)
def test_help_on_every_command(capsys: pytest.CaptureFixture[str], command: str) -> None:
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    assert f"usage: bmecohort {command}" in capsys.readouterr().out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"bmecohort {bmecohort.__version__}"


def test_every_command_module_registers_itself() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert list(sub.choices) == list(COMMANDS)
    for name in COMMANDS:
        module = importlib.import_module(f"bmecohort.cli.{name}")
        assert callable(module.register)
        assert sub.choices[name].get_default("run") is not None


def test_console_entry_point_is_declared() -> None:
    scripts = {e.name: e.value for e in entry_points(group="console_scripts")}
    assert scripts.get("bmecohort") == "bmecohort.cli:main"


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys)
    assert code == 2 and out == "" and "usage: bmecohort" in err


def test_validate_a_valid_folder(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "validate", str(VALID))
    assert code == 0 and err == ""
    assert out.startswith(f"valid: {VALID} (6 participants, 7 tables)")
    summary = pd.read_fwf(io.StringIO(out.split("\n", 1)[1]))
    assert dict(zip(summary["table"], summary["rows"], strict=True)) == {
        "participants": 6, "visits": 10, "lesion_reads": 26, "knee_outcomes": 4,
        "spine_corners": 9, "ra_bones": 8, "hip_cases": 2}


def test_validate_reports_every_failure_grouped(capsys: pytest.CaptureFixture[str],
                                                invalid: Path) -> None:
    code, out, err = run(capsys, "validate", str(invalid))
    assert code == 1 and err == ""
    assert out.startswith(f"invalid: {invalid}\n3 validation failures in 2 tables")
    assert "participants.age: out of range: must be >= 0 -- row 0 (line 2): values -61.0" in out
    assert ("lesion_reads.score: score in range: MOAKS.bml_size allows 0 to 3 -- "
            "row 0 (line 2): values 4.0") in out
    assert "lesion_reads.score: must be numeric" in out and "row 11 (line 13)" in out
    assert "fix:" in out and "--format csv" in out


def test_validate_csv_and_json_formats(capsys: pytest.CaptureFixture[str],
                                       invalid: Path) -> None:
    code, out, _ = run(capsys, "validate", str(invalid), "--format", "csv")
    assert code == 1
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns) == ["table", "column", "row", "line", "file", "value", "rule"]
    assert sorted(zip(table["table"], table["column"], table["line"], strict=True)) == [
        ("lesion_reads", "score", 2), ("lesion_reads", "score", 13),
        ("participants", "age", 2)]
    code, out, _ = run(capsys, "validate", str(invalid), "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["valid"] is False and len(report["failures"]) == 3
    assert {f["value"] for f in report["failures"]} == {-61.0, 4.0, "2: 2"}
    code, out, _ = run(capsys, "validate", str(VALID), "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["valid"] is True and report["failures"] == []
    assert {t["table"]: t["rows"] for t in report["tables"]}["lesion_reads"] == 26
    code, out, _ = run(capsys, "validate", str(VALID), "--format", "csv")
    assert code == 0 and out.strip() == "table,column,row,line,file,value,rule"


def test_validate_max_rows(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "many"
    shutil.copytree(VALID, folder)
    reads = pd.read_csv(folder / "lesion_reads.csv", dtype=str)
    reads["reader"] = "nobody"
    reads["score"] = "x"
    reads.to_csv(folder / "lesion_reads.csv", index=False)
    _, out, _ = run(capsys, "validate", str(folder), "--max-rows", "3")
    assert "and 23 more" in out
    _, out, _ = run(capsys, "validate", str(folder), "--max-rows", "0")
    assert " more" not in out.split("\n")[2] and ", 25 (line 27): values" in out
    code, _, err = run(capsys, "validate", str(folder), "--max-rows", "-1")
    assert code == 2 and "--max-rows" in err


def test_allow_within_grade_flag(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "halves"
    shutil.copytree(VALID, folder)
    path = folder / "lesion_reads.csv"
    path.write_text(path.read_text().replace("K01,24,knee,R,MOAKS,bml_size,TMC,consensus,2,",
                                             "K01,24,knee,R,MOAKS,bml_size,TMC,consensus,1.5,"))
    code, out, _ = run(capsys, "validate", str(folder))
    assert code == 1 and "half grades need allow_within_grade=True" in out
    code, out, _ = run(capsys, "validate", str(folder), "--allow-within-grade")
    assert code == 0 and out.startswith("valid:")


def test_usage_errors_exit_2_on_stderr(capsys: pytest.CaptureFixture[str],
                                       tmp_path: Path) -> None:
    code, out, err = run(capsys, "validate", str(tmp_path / "nowhere"))
    assert (code, out) == (2, "") and "no such folder" in err
    code, out, err = run(capsys, "validate", str(VALID / "participants.csv"))
    assert (code, out) == (2, "") and "not a folder" in err
    for argv in (["validate"], ["validate", str(VALID), "--format", "xml"], ["frobnicate"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
        assert "error:" in capsys.readouterr().err


def test_warnings_go_to_stderr(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "extra"
    shutil.copytree(VALID, folder)
    (folder / "notes.txt").write_text("x")
    code, out, err = run(capsys, "validate", str(folder))
    assert code == 0 and out.startswith("valid:")
    assert err.startswith("warning: ") and "notes.txt" in err


def test_unreadable_file_is_reported_not_a_traceback(capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    shutil.copytree(VALID, folder)
    (folder / "hip_cases.csv").unlink()
    (folder / "hip_cases.parquet").write_bytes(b"garbage")
    code, out, err = run(capsys, "validate", str(folder))
    assert code == 1 and "readable file: hip_cases.parquet could not be read" in out


def test_as_a_process_without_traceback(invalid: Path, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "bmecohort.cli"]
    done = subprocess.run([*command, "validate", str(invalid)], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "3 validation failures" in done.stdout
    done = subprocess.run([*command, "validate", str(tmp_path / "nowhere")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "no such folder" in done.stderr


def test_schemas_writes_and_checks(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_dir = tmp_path / "dd"
    code, out, _ = run(capsys, "schemas", "--out", str(out_dir))
    assert code == 0 and f"wrote {len(data_dictionary())} files" in out
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(data_dictionary())
    code, out, _ = run(capsys, "schemas", "--out", str(out_dir), "--check")
    assert code == 0 and "up to date" in out
    (out_dir / "visits.md").write_text("edited by hand\n")
    code, _, err = run(capsys, "schemas", "--out", str(out_dir), "--check")
    assert code == 1 and "visits.md" in err and "python -m bmecohort.datadict" in err
