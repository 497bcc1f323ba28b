"""Catalogue of bad inputs to the command line and the report: each is caught, nothing lost.

One group per kind: output paths that would destroy a file, interruptions, spreadsheet- and
JSON-unsafe output, small counts outside table cells, and inputs that used to end in a
traceback. Every case checks the message or exit code *and* that no file was changed or left
behind.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bmecohort import Cohort
from bmecohort.cli import main
from bmecohort.cli._common import json_safe, spreadsheet_safe
from bmecohort.exceptions import AnalysisInputError, OutputPathError
from bmecohort.io import write_cohort
from bmecohort.report import build_report
from bmecohort.report._context import Context, attempt
from bmecohort.report.build import BUILD_MARKER
from bmecohort.report.document import ReportTable, Section, render_section, render_table
from bmecohort.report.provenance import Provenance, provenance_section
from bmecohort.report.smallcells import active, redact
from bmecohort.report.table_one import table_one

VALID = Path(__file__).parent / "fixtures" / "valid_cohort"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes (to prove nothing changed)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _bare() -> Cohort:
    participants = pd.DataFrame({"participant_id": ["a", "b"], "sex": ["F", "M"],
                                 "age": [50.0, 60.0]})
    visits = pd.DataFrame({"participant_id": ["a", "b"], "visit": [0, 0]})
    return Cohort(participants, visits, name="bare")


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A valid two-person cohort folder (no lesion reads: the report skips fast)."""
    folder = tmp_path / "data"
    write_cohort(_bare(), folder)
    return folder


# --- 1. output paths: the report never deletes or overwrites what it did not make ---------


def test_build_dir_pointed_at_the_data_folder_is_refused_and_nothing_deleted(
        capsys, tmp_path, data):
    before = snapshot(data)
    code, out, err = run(capsys, "report", "--data", str(data), "--out",
                         str(tmp_path / "r.pdf"), "--build-dir", str(data))
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "input" in err and "Traceback" not in err
    assert snapshot(data) == before
    assert not (tmp_path / "r.pdf").exists()


def test_build_dir_dot_is_refused_and_the_working_folder_kept(capsys, tmp_path, data,
                                                              monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.txt").write_text("mine")
    monkeypatch.chdir(work)
    code, _, err = run(capsys, "report", "--data", str(data), "--out", "r.pdf",
                       "--build-dir", ".")
    assert code == 1 and "did not make" in err and "notes.txt" in err
    assert snapshot(work) == {"notes.txt": b"mine"}


@pytest.mark.parametrize("foreign", ["notes.txt", "figure.svg", "main.typ", "sub/"])
def test_build_dir_with_a_file_not_made_by_bmecohort_is_refused(tmp_path, foreign):
    build = tmp_path / "build"
    build.mkdir()
    if foreign.endswith("/"):
        (build / foreign).mkdir()
    else:
        (build / foreign).write_text("keep me")
    before = snapshot(build)
    with pytest.raises(OutputPathError, match="did not make"):
        build_report(_bare(), out=tmp_path / "r.pdf", build_dir=build, progress=False,
                     reproductions=None)
    assert snapshot(build) == before and (build / foreign.rstrip("/")).exists()


def test_build_dir_that_is_a_file_is_refused(tmp_path):
    build = tmp_path / "build"
    build.write_text("a file")
    with pytest.raises(OutputPathError, match="is a file"):
        build_report(_bare(), out=tmp_path / "r.pdf", build_dir=build, progress=False,
                     reproductions=None)
    assert build.read_text() == "a file"


def test_build_dir_holding_the_data_folder_is_refused(tmp_path, data):
    before = snapshot(tmp_path)
    with pytest.raises(OutputPathError):
        build_report(data=data, out=tmp_path / "out" / "r.pdf", build_dir=tmp_path,
                     progress=False, reproductions=None)
    assert snapshot(tmp_path) == before


def test_an_earlier_build_folder_is_reused_and_only_its_own_files_replaced(tmp_path):
    build = tmp_path / "build"
    build_report(_bare(), out=tmp_path / "a.pdf", build_dir=build, progress=False,
                 reproductions=None)
    listed = (build / BUILD_MARKER).read_text().split()
    assert "main.typ" in listed and sorted(listed) == sorted(
        p.name for p in build.iterdir() if p.name != BUILD_MARKER)
    (build / "old.svg").write_text("<svg/>")  # as if an earlier report had one more figure
    (build / BUILD_MARKER).write_text("\n".join([*listed, "old.svg"]) + "\n")
    build_report(_bare(), out=tmp_path / "b.pdf", build_dir=build, progress=False,
                 reproductions=None)
    assert not (build / "old.svg").exists()
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_an_empty_named_build_folder_is_used(tmp_path):
    build = tmp_path / "empty"
    build.mkdir()
    build_report(_bare(), out=tmp_path / "r.pdf", build_dir=build, progress=False,
                 reproductions=None)
    assert (build / "main.typ").is_file() and (build / BUILD_MARKER).is_file()


def test_default_build_folder_is_private_and_removed(tmp_path, monkeypatch):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    build_report(_bare(), out=tmp_path / "r.pdf", progress=False, reproductions=None)
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize("target", ["visits.csv", "participants.csv", "new.pdf"])
def test_out_in_the_data_folder_is_refused(capsys, tmp_path, data, target):
    before = snapshot(data)
    code, _, err = run(capsys, "report", "--data", str(data), "--out", str(data / target))
    assert code == 1 and "input" in err
    assert snapshot(data) == before


def test_out_that_is_the_reproduction_table_is_refused(capsys, tmp_path, data):
    table = tmp_path / "reproductions.csv"
    table.write_text("id\nx\n")
    code, _, err = run(capsys, "report", "--data", str(data), "--out", str(table),
                       "--reproductions", str(table))
    assert code == 1 and "is the input" in err and table.read_text() == "id\nx\n"


def test_out_through_a_link_to_an_input_is_refused(capsys, tmp_path, data):
    link = tmp_path / "report.pdf"
    link.symlink_to(data / "visits.csv")
    before = snapshot(data)
    code, _, err = run(capsys, "report", "--data", str(data), "--out", str(link))
    assert code == 1 and "input" in err and snapshot(data) == before


def test_out_that_is_a_folder_is_refused(capsys, tmp_path, data):
    folder = tmp_path / "reports"
    folder.mkdir()
    code, _, err = run(capsys, "report", "--data", str(data), "--out", str(folder))
    assert code == 1 and "is a folder" in err and list(folder.iterdir()) == []


def test_out_inside_the_build_folder_is_refused(tmp_path):
    with pytest.raises(OutputPathError, match="inside the build folder"):
        build_report(_bare(), out=tmp_path / "b" / "r.pdf", build_dir=tmp_path / "b",
                     progress=False, reproductions=None)


# --- 2. interruptions: exit 130/143, one line, nothing half-written -------------------------


@pytest.mark.parametrize(("signum", "code", "word"), [
    (signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")])
def test_signals_end_with_their_exit_code_and_one_line(capsys, monkeypatch, tmp_path, data,
                                                       signum, code, word):
    import typst

    def killed(*args, **kwargs):
        os.kill(os.getpid(), signum)
        raise AssertionError("the signal should have stopped the build")

    monkeypatch.setattr(typst, "compile", killed)
    out = tmp_path / "reports" / "r.pdf"
    # a suite started as a background job without job control inherits SIGINT ignored (as
    # POSIX asks); the command rightly honours that, so give this test Python's default
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        got, stdout, err = run(capsys, "report", "--data", str(data), "--out", str(out))
    finally:
        signal.signal(signal.SIGINT, previous)
    assert got == code and stdout == ""
    assert err == f"bmecohort report: {word}\n"
    assert not out.exists() and not (tmp_path / "reports").exists()
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handler restored


def test_interrupt_while_writing_the_pdf_leaves_the_old_one(capsys, monkeypatch, tmp_path,
                                                            data):
    from bmecohort import _files

    out = tmp_path / "r.pdf"
    out.write_bytes(b"%PDF-old")

    def interrupted(handle_fsync):
        raise KeyboardInterrupt

    monkeypatch.setattr(_files.os, "fsync", interrupted)
    code, _, err = run(capsys, "report", "--data", str(data), "--out", str(out))
    assert code == 130 and err == "bmecohort report: interrupted\n"
    assert out.read_bytes() == b"%PDF-old" and [p.name for p in tmp_path.iterdir()
                                                if p.name != "data"] == ["r.pdf"]


def test_interrupt_while_simulating_writes_nothing(capsys, monkeypatch, tmp_path):
    from bmecohort import simulate

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(simulate, "knee_cohort", interrupted)
    code, _, err = run(capsys, "simulate", "knee", str(tmp_path / "out"), "--truth",
                       str(tmp_path / "truth.csv"))
    assert code == 130 and err == "bmecohort simulate: interrupted\n"
    assert list(tmp_path.iterdir()) == []


def test_interrupt_while_writing_the_truth_leaves_no_partial_file(capsys, monkeypatch,
                                                                  tmp_path):
    def half_then_interrupt(self, handle, *args, **kwargs):
        handle.write("kind,effect\n")
        raise KeyboardInterrupt

    out = tmp_path / "hand"
    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_interrupt)
    code, _, _ = run(capsys, "simulate", "hand", str(out), "--n", "5", "--truth",
                     str(tmp_path / "truth.csv"))
    assert code == 130
    assert [p.name for p in tmp_path.iterdir()] == ["hand"] and list(out.iterdir()) == []


# --- 3. simulate: clear messages, nothing overwritten --------------------------------------


def test_simulate_into_a_folder_with_tables_names_the_cli_option(capsys, tmp_path):
    out = tmp_path / "out"
    assert run(capsys, "simulate", "knee", str(out), "--n", "5")[0] == 0
    before = snapshot(out)
    code, _, err = run(capsys, "simulate", "knee", str(out), "--n", "6")
    assert code == 1 and "--overwrite" in err and "overwrite=True" not in err
    assert snapshot(out) == before


def test_simulate_truth_inside_out_is_refused(capsys, tmp_path):
    code, _, err = run(capsys, "simulate", "knee", str(tmp_path / "out"), "--truth",
                       str(tmp_path / "out" / "truth.csv"))
    assert code == 2 and "outside" in err and not (tmp_path / "out").exists()


def test_simulate_out_that_is_a_file_is_refused(capsys, tmp_path):
    target = tmp_path / "file.csv"
    target.write_text("x")
    code, _, err = run(capsys, "simulate", "knee", str(target))
    assert code == 2 and "is a file" in err and target.read_text() == "x"


def test_simulate_existing_truth_is_kept_without_overwrite(capsys, tmp_path):
    truth = tmp_path / "truth.csv"
    truth.write_text("mine")
    code, _, err = run(capsys, "simulate", "hand", str(tmp_path / "o"), "--n", "5",
                       "--truth", str(truth))
    assert code == 1 and "--overwrite" in err and truth.read_text() == "mine"
    assert not (tmp_path / "o").exists()  # checked before anything was written


# --- 4. spreadsheet- and JSON-safe output ---------------------------------------------------


def _invalid_with(tmp_path: Path, sex: str, age: str = "61") -> Path:
    folder = tmp_path / "cohort"
    shutil.copytree(VALID, folder)
    participants = folder / "participants.csv"
    participants.write_text(participants.read_text().replace(
        "K01,F,61,", f"K01,{sex},{age},", 1))
    return folder


@pytest.mark.parametrize("payload", ["=1+2", "+SUM(A1)", "@SUM(A1)", "-2+3+cmd",
                                     "=HYPERLINK(\"\"http://x\"\")"])
def test_validate_csv_neutralises_formulas(capsys, tmp_path, payload):
    folder = _invalid_with(tmp_path, f'"{payload}"' if "," in payload or '"' in payload
                           else payload)
    code, out, _ = run(capsys, "validate", str(folder), "--format", "csv")
    assert code == 1
    import io

    cells = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
    values = cells.loc[cells["column"] == "sex", "value"].tolist()
    assert values and all(v.startswith("'") for v in values)
    assert all(not str(v).startswith(("=", "+", "@")) for c in cells.columns
               for v in cells[c])


def test_validate_csv_keeps_negative_numbers(capsys, tmp_path):
    code, out, _ = run(capsys, "validate", str(_invalid_with(tmp_path, "F", "-61")),
                       "--format", "csv")
    assert code == 1 and ",-61," in out or ",-61.0," in out


@pytest.mark.parametrize("age", ["inf", "-inf", "1e999"])
def test_validate_json_is_strict_json(capsys, tmp_path, age):
    code, out, _ = run(capsys, "validate", str(_invalid_with(tmp_path, "F", age)),
                       "--format", "json")

    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    report = json.loads(out, parse_constant=refuse)
    assert code == 1 and report["valid"] is False
    values = [f["value"] for f in report["failures"] if f["column"] == "age"]
    assert values and values[0] in ("inf", "-inf", "1e999")


@pytest.mark.parametrize(("value", "expected"), [
    (float("nan"), None), (float("inf"), "inf"), (-np.inf, "-inf"), (np.int64(3), 3),
    (np.float32(0.5), 0.5), (pd.NA, None), ({"a": [np.nan, 1]}, {"a": [None, 1]}),
    (pd.Timestamp("2020-01-02"), "2020-01-02 00:00:00")])
def test_json_safe(value, expected):
    assert json_safe(value) == expected
    json.dumps(json_safe(value), allow_nan=False)


@pytest.mark.parametrize(("cell", "expected"), [
    ("=cmd", "'=cmd"), ("\tx", "'\tx"), ("-1", "-1"), ("-inf", "-inf"), ("K01", "K01"),
    (5, 5), ("", "")])
def test_spreadsheet_safe(cell, expected):
    assert spreadsheet_safe(cell) == expected


# --- 5. small counts stay hidden outside table cells ---------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("2 events among 3 knees", "<5 events among <5 knees"),
    ("{'exposed_cases': 0, 'unexposed_cases': 4}", "{'exposed_cases': 0, 'unexposed_cases': <5}"),
    ("got events=3, n=4", "got events=<5, n=<5"),
    ("n == 1 or n != 2", "n == 1 or n != 2"),
    ("excluded 12 of 40", "excluded 12 of 40"),
    ("score >= 1 at month 3", "score >= 1 at month 3"),
    ("bml_change[4] diverges", "bml_change[4] diverges"),
    ("alpha 0.05, 2x2, 7%", "alpha 0.05, 2x2, 7%"),
    ("rows 1, 2 and 3 of P004", "rows <5, <5 and <5 of P004"),
])
def test_redact(text, expected):
    assert redact(text, 5) == expected
    assert redact(text, None) == text


def test_attempt_redacts_reasons_and_caveats():
    def fails():
        raise AnalysisInputError("only 3 persons with the outcome")

    def warns():
        from bmecohort.exceptions import SmallCellWarning

        warnings.warn("2 events among 4 knees", SmallCellWarning, stacklevel=2)
        return 1

    caveats: list[str] = []
    with active(5):
        _, reason = attempt(fails, caveats=caveats)
        value, _ = attempt(warns, caveats=caveats)
    assert reason == "only <5 persons with the outcome"
    assert value == 1 and caveats == ["<5 events among <5 knees"]


def test_skipped_reasons_and_caveats_are_redacted_when_rendered():
    section = Section("s", "S", skipped="the 2x2 table {'a': 1, 'b': 3} has no cases",
                      caveats=("4 knees at risk",))
    source, _ = render_section(section, 5)
    assert "'a': <5, 'b': <5" in source and "<5 knees at risk" in source
    assert "2x2" in source


def test_free_text_columns_are_redacted():
    table = ReportTable(pd.DataFrame({"Why": ["3 missing follow-up"], "n": [3]}), "t",
                        counts=("n",), text=("Why",))
    source, suppressed = render_table(table, 5)
    assert '"<5 missing follow-up"' in source and suppressed == 1


def _two_knees(ages: list[float]) -> Cohort:
    ids = [f"p{i}" for i in range(len(ages))]
    reads = pd.DataFrame([
        {"participant_id": p, "visit": 0, "joint": "knee", "side": s, "system": "MOAKS",
         "item": "bml_size", "site": "TMC", "reader": "R1", "score": 1.0 if i % 2 else 0.0}
        for i, p in enumerate(ids) for s in ("L", "R")])
    return Cohort(pd.DataFrame({"participant_id": ids, "sex": "F", "age": ages}),
                  pd.DataFrame({"participant_id": ids, "visit": 0}), lesion_reads=reads)


def test_table_one_withholds_means_of_fewer_than_k_persons():
    cohort = _two_knees([40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 30.0])
    table, _ = table_one(cohort, suppress_below=5)
    frame = table.frame.set_index("Characteristic")
    assert frame.loc["Age, years, mean (SD)", "BML in any knee"] == "n<5, not shown"
    assert frame.loc["Age, years, mean (SD)", "All"].startswith("60.0")
    shown, _ = table_one(cohort, suppress_below=None)
    assert shown.frame.set_index("Characteristic").loc[
        "Age, years, mean (SD)", "BML in any knee"].startswith("70.0")


def test_provenance_hides_a_small_number_of_participants():
    section = provenance_section(_bare(), Provenance("folder x", None, 5))
    settings = section.blocks[1].frame.set_index("Item")["Value"]
    assert settings["Participants"] == "<5"


# --- 6. inputs that used to end in a traceback -----------------------------------------------


def _all_lesions(tmp_path: Path) -> Path:
    """Every knee has a BML at both visits: prevalence 100%, Wilson bound at 1."""
    ids = [f"p{i}" for i in range(6)]
    reads = pd.DataFrame([
        {"participant_id": p, "visit": v, "joint": "knee", "side": s, "system": "MOAKS",
         "item": "bml_size", "site": "TMC", "reader": "R1", "score": 2.0}
        for p in ids for v in (0, 24) for s in ("L", "R")])
    cohort = Cohort(pd.DataFrame({"participant_id": ids, "sex": "F", "age": 60.0}),
                    pd.DataFrame({"participant_id": np.repeat(ids, 2),
                                  "visit": [0, 24] * len(ids)}), lesion_reads=reads)
    write_cohort(cohort, tmp_path / "all")
    return tmp_path / "all"


def test_report_with_every_knee_lesioned_builds(capsys, tmp_path):
    out = tmp_path / "r.pdf"
    code, stdout, err = run(capsys, "report", "--data", str(_all_lesions(tmp_path)), "--out",
                            str(out), "--reproductions", str(tmp_path / "none.csv"))
    assert code == 0 and out.read_bytes()[:5] == b"%PDF-" and "Traceback" not in err


@pytest.mark.parametrize("seed", [2, 3])
def test_report_of_a_valid_two_person_cohort_builds(capsys, tmp_path, seed):
    data = tmp_path / "two"
    assert run(capsys, "simulate", "knee", str(data), "--n", "2", "--seed", str(seed))[0] == 0
    out = tmp_path / "r.pdf"
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no analysis fails unexpectedly
        code, _, err = run(capsys, "report", "--data", str(data), "--out", str(out),
                           "--reproductions", str(tmp_path / "none.csv"))
    assert code == 0 and out.read_bytes()[:5] == b"%PDF-" and "Traceback" not in err


@pytest.mark.parametrize("option", ["dropout=abc", "dropout=2", "dropout=[1, 2]",
                                    "dropout=nan"])
def test_bad_power_option_value_is_a_usage_error(capsys, option):
    code, out, err = run(capsys, "power", "--design", "knee_pain", "--effect", "2", "--n",
                         "40", "--replicates", "2", "--seed", "1", "--set", option)
    assert code == 2 and out == ""
    assert err.startswith("bmecohort power: error: a design option was refused")
    assert err.count("\n") == 1


@pytest.mark.parametrize("option", ["=3", "no_equals", "1x=2"])
def test_malformed_power_option_is_refused_by_the_parser(capsys, option):
    with pytest.raises(SystemExit) as info:
        main(["power", "--design", "knee_pain", "--effect", "2", "--n", "40", "--seed", "1",
              "--set", option])
    assert info.value.code == 2 and "KEY=VALUE" in capsys.readouterr().err


def test_unknown_power_option_names_the_valid_ones(capsys):
    code, _, err = run(capsys, "power", "--design", "knee_pain", "--effect", "2", "--n", "40",
                       "--replicates", "2", "--seed", "1", "--set", "foo=1")
    assert code == 1 and "unknown option" in err and "dropout" in err


@pytest.mark.parametrize("argv", [
    ["report", "--data", "missing-folder"],
    ["report", "--suppress-below", "1"],
    ["report", "--suppress-below", "0"],
    ["validate", "missing-folder"],
    ["validate", str(VALID / "visits.csv")],
    ["validate", str(VALID), "--max-rows", "-1"],
    ["simulate", "knee"],
    ["simulate", "knee", "x", "--seed", "-1"],
    ["simulate", "knee", "x", "--n", "0"],
    ["simulate", "demo", "x", "--n", "5"],
    ["power", "--design", "knee_pain", "--effect", "2", "--n", "40", "--seed", "1",
     "--replicates", "0"],
    ["reproduce", "--jobs", "0"],
])
def test_usage_errors_are_one_line_and_exit_2(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err


def test_report_of_a_seed_on_user_data_is_a_usage_error(capsys, data):
    code, _, err = run(capsys, "report", "--data", str(data), "--seed", "3")
    assert code == 2 and "--seed" in err


def test_context_redact_helper():
    ctx = Context(cohort=_bare(), suppress_below=5)
    assert ctx.redact("3 knees") == "<5 knees"
    assert Context(cohort=_bare(), suppress_below=None).redact("3 knees") == "3 knees"


# --- 7. schemas: a project's own files of the same names are never replaced ---------------


@pytest.mark.parametrize("name", ["README.md", "visits.md", "schemas.json",
                                  "visits.pandera.json"])
def test_schemas_refuses_to_replace_a_file_it_did_not_generate(capsys, tmp_path, name):
    (tmp_path / name).write_text("my own file\n")
    (tmp_path / "other.txt").write_text("x")
    before = snapshot(tmp_path)
    code, out, err = run(capsys, "schemas", "--out", str(tmp_path))
    assert code == 1 and name in err and "did not generate" in err
    assert snapshot(tmp_path) == before


def test_schemas_replaces_its_own_files_and_leaves_no_temporary(capsys, tmp_path):
    assert run(capsys, "schemas", "--out", str(tmp_path))[0] == 0
    (tmp_path / "visits.md").write_text((tmp_path / "visits.md").read_text() + "stale\n")
    assert run(capsys, "schemas", "--out", str(tmp_path))[0] == 0
    assert run(capsys, "schemas", "--out", str(tmp_path), "--check")[0] == 0
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code", "word"), [
    (signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")])
def test_a_real_signal_to_a_running_command(tmp_path, signum, code, word):
    """The console command itself, signalled while it computes (as Ctrl-C or `kill` do)."""
    import subprocess
    import sys

    # `python -m bmecohort.cli`, with SIGINT at Python's default even when the suite runs as
    # a background job that inherited it ignored (see the test above)
    main = ("import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
            "runpy.run_module('bmecohort.cli', run_name='__main__', alter_sys=True)")
    process = subprocess.Popen(
        [sys.executable, "-c", main, "power", "--design", "knee_pain", "--effect",
         "2", "--n", "400", "--replicates", "100000", "--seed", "1", "--progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
    try:
        # the progress bar's first byte is the readiness marker: it is written inside the
        # block that handles the signals, as the replicates start (no need to wait longer)
        first = process.stderr.read(1)
        assert first, "the command ended before it was signalled"
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == code and stdout == b""
    assert stderr.decode().rstrip("\n").splitlines()[-1].endswith(f"bmecohort power: {word}")
    assert list(tmp_path.iterdir()) == []


# --- 8. the report's other inputs --------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"\x00\xff\xfe binary", b'a,b\n"unterminated\n',
                                     b"%PDF-1.7\n\x80\x81"])
def test_unreadable_reproduction_table_is_a_skipped_section(tmp_path, content):
    table = tmp_path / "reproductions.csv"
    table.write_bytes(content)
    build_report(_bare(), out=tmp_path / "r.pdf", progress=False, reproductions=table,
                 build_dir=tmp_path / "b")
    assert "could not be read as CSV" in (tmp_path / "b" / "main.typ").read_text()
    assert table.read_bytes() == content


# --- 9. analyses of tiny cohorts raise AnalysisInputError (the report skips them) ---------


@pytest.mark.parametrize(("design", "n", "seed", "match"), [
    ("pain_fluctuation", 2, 4, "only its reference level"),
    ("cartilage_progression", 3, 4, "only one level occurs"),
    ("cartilage_progression", 2, 2, "."),
    ("pain_fluctuation", 2, 3, "."),
])
def test_designs_on_tiny_cohorts_raise_analysis_input_errors(design, n, seed, match):
    from bmecohort import designs
    from bmecohort.simulate import knee_cohort

    cohort = knee_cohort(n, seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            getattr(designs, design)(cohort)
        except AnalysisInputError as err:
            assert re.search(match, str(err))


def test_an_unexpected_analysis_error_is_reported_not_raised():
    def broken():
        raise IndexError("tuple index out of range")

    caveats: list[str] = []
    with active(5), pytest.warns(RuntimeWarning, match="broken failed unexpectedly"):
        value, reason = attempt(broken, caveats=caveats)
    assert value is None and "IndexError" in reason and "please report" in reason
