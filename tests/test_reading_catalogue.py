"""A catalogue of bad cohort *files*: each is read with load_cohort and must fail as described.

Every case copies the valid fixture folder (``tests/fixtures/valid_cohort``), spoils one file
(or the folder) the way real exports go wrong, and checks the failures: the set of
(table, column, rule) groups with the file lines each names. Cases without an expected
failure check that something that must be accepted (a byte-order mark, Windows line ends,
quoted commas, a reader coded ``NA``) is read correctly. Groups follow issue 11.5: file
dialect, headers, truncation, missing-value markers, dates, the folder's entries, empty and
visit-less cohorts, overflowing visit months, missing columns, and failed writes.
"""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from bmecohort.cohort import Cohort
from bmecohort.exceptions import CohortValidationError, DataQualityWarning
from bmecohort.io import load_cohort, read_oai_moaks, read_tables, write_cohort
from bmecohort.schemas import TABLES

VALID = Path(__file__).parent / "fixtures" / "valid_cohort"
OAI = Path(__file__).parent / "fixtures" / "oai" / "moaks_wide_V00_V01.txt"


@dataclass(frozen=True)
class Expect:
    table: str
    column: str | None
    rule: str  # the rule's name: the text before the first ':'
    lines: tuple[int, ...] = ()  # file lines named (the ``line`` column); () when none


@dataclass(frozen=True)
class Case:
    id: str
    spoil: Callable[[Path], None]
    expected: tuple[Expect, ...]
    check: Callable[[Cohort], None] | None = None  # for accepted cases


def text(folder: Path, table: str) -> str:
    return (folder / f"{table}.csv").read_text()


def write(folder: Path, table: str, content: str) -> None:
    (folder / f"{table}.csv").write_text(content)


def replace(table: str, old: str, new: str, count: int = 1) -> Callable[[Path], None]:
    def spoil(folder: Path) -> None:
        content = text(folder, table)
        assert old in content
        write(folder, table, content.replace(old, new, count))
    return spoil


def edit(table: str, func: Callable[[str], str]) -> Callable[[Path], None]:
    return lambda folder: write(folder, table, func(text(folder, table)))


def c(id: str, spoil: Callable[[Path], None], *expected: Expect,
      check: Callable[[Cohort], None] | None = None) -> Case:
    return Case(id, spoil, expected, check)


E = Expect
P = "participants"


def _symlink(name: str, target: str) -> Callable[[Path], None]:
    def spoil(folder: Path) -> None:
        (folder / name).unlink()
        os.symlink(target, folder / name)
    return spoil


def _folder_named(name: str) -> Callable[[Path], None]:
    def spoil(folder: Path) -> None:
        (folder / name).unlink()
        (folder / name).mkdir()
    return spoil


def _header_only(*tables: str) -> Callable[[Path], None]:
    def spoil(folder: Path) -> None:
        for table in tables:
            write(folder, table, text(folder, table).splitlines()[0] + "\n")
    return spoil


def _drop_column(table: str, column: str) -> Callable[[Path], None]:
    def spoil(folder: Path) -> None:
        frame = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
        frame.drop(columns=column).to_csv(folder / f"{table}.csv", index=False)
    return spoil


def _latin1(folder: Path) -> None:
    content = text(folder, P).replace("synthetic", "étude", 1)
    (folder / f"{P}.csv").write_bytes(content.encode("latin-1"))


def _reader_na(cohort: Cohort) -> None:
    assert set(cohort.spine_corners["reader"].astype(str)) == {"NA"}


def _participant_na(cohort: Cohort) -> None:
    assert "NA" in set(cohort.participants["participant_id"])
    assert "NA" in set(cohort.visits["participant_id"])


def _fail() -> None:
    raise AssertionError("the value was not read as written")


def _quoted(cohort: Cohort) -> None:
    assert cohort.participants["study"].iloc[0] == "synthetic, phase 1\nsite A"


def _dates_iso(cohort: Cohort) -> None:
    assert cohort.visits["visit_date"].iloc[0] == pd.Timestamp("2020-01-15 08:30")


CASES: tuple[Case, ...] = (
    # --- dialect: delimiter, decimal mark, encoding ------------------------------------------
    c("semicolon-delimited file", edit(P, lambda s: s.replace(",", ";")),
      E(P, None, "delimiter")),
    c("semicolon file with decimal commas",
      edit(P, lambda s: s.replace(",", ";").replace("58.5", "58,5")),
      E(P, None, "delimiter")),
    c("tab-delimited file", edit(P, lambda s: s.replace(",", "\t")),
      E(P, None, "delimiter")),
    c("decimal comma in a comma file, unquoted", replace(P, "58.5", "58,5"),
      E(P, None, "field count", (3,))),
    c("decimal comma in a comma file, quoted", replace(P, "58.5", '"58,5"'),
      E(P, "age", "must be numeric", (3,))),
    c("Latin-1 file", _latin1, E(P, None, "encoding", (2,))),
    c("UTF-8 byte-order mark is accepted",
      lambda f: (f / f"{P}.csv").write_bytes(b"\xef\xbb\xbf" + text(f, P).encode())),
    c("Windows line ends are accepted", edit(P, lambda s: s.replace("\n", "\r\n"))),
    c("quoted comma and line break are accepted",
      replace(P, "knee_oa,synthetic", 'knee_oa,"synthetic, phase 1\nsite A"'), check=_quoted),
    c("quote inside an unquoted value is text",
      replace(P, "knee_oa,synthetic", 'knee_oa,5\'11" tall'),
      check=lambda cohort: cohort.participants["study"].iloc[0] == "5'11\" tall" or _fail()),
    c("quote inside an unquoted value, and a short row",
      lambda f: (replace(P, "knee_oa,synthetic", 'knee_oa,5\'11" tall')(f),
                 replace(P, "R01,F,52,,ra,synthetic", "R01,F,52,,ra")(f)),
      E(P, None, "field count", (5,))),
    c("line numbers count blank and quoted lines",
      lambda f: (replace(P, "knee_oa,synthetic", 'knee_oa,"a\nb"')(f),
                 replace(P, "S01,M,34", "\nS01,M,-34")(f)),
      E(P, "age", "out of range", (6,))),
    # --- headers -----------------------------------------------------------------------------
    c("header with a stray space", replace(P, "sex,age", "sex, age"),
      E(P, "age", "column name")),
    c("header with capitals", replace(P, "sex,age", "sex,Age"),
      E(P, "age", "column name")),
    c("duplicated header", replace(P, "bmi,condition", "bmi,bmi"),
      E(P, "bmi", "duplicated column")),
    c("duplicated key header", replace("visits", "participant_id,visit,",
                                       "participant_id,participant_id,"),
      E("visits", "participant_id", "duplicated column")),
    # --- rows cut or ragged ----------------------------------------------------------------
    c("file cut mid-row", edit("visits", lambda s: s[:-12]),
      E("visits", None, "truncated last row", (11,))),
    c("file cut mid-row of a large table", edit("lesion_reads", lambda s: s[:-30]),
      E("lesion_reads", None, "truncated last row", (27,))),
    c("short row in the middle", replace("visits", "K02,0,0,2020-03-02", "K02,0,0"),
      E("visits", None, "field count", (4,))),
    c("long row", replace("visits", "K02,0,0,2020-03-02", "K02,0,0,2020-03-02,x"),
      E("visits", None, "field count", (4,))),
    c("empty file", lambda f: write(f, "hip_cases", ""),
      E("hip_cases", None, "empty file")),
    # --- missing-value markers in key columns ----------------------------------------------
    c("reader coded NA stays a reader", replace("spine_corners", "reader1", "NA", 100),
      check=_reader_na),
    c("participant id NA stays an id",
      lambda f: (replace(P, "H02,", "NA,")(f), replace("visits", "H02,", "NA,")(f),
                 replace("hip_cases", "H02,", "NA,")(f)), check=_participant_na),
    c("NA in a numeric column is missing", replace(P, "58.5", "NA"),
      E(P, "age", "missing value", (3,))),
    c("empty key field is a missing key", replace("lesion_reads", ",TMC,", ",,"),
      E("lesion_reads", "site", "missing key value", (2,))),
    # --- dates -----------------------------------------------------------------------------
    c("Excel serial dates", edit("visits", lambda s: s.replace("2020-01-15", "43845")),
      E("visits", "visit_date", "numeric date", (2,))),
    c("every date an integer",
      edit("visits", lambda s: "\n".join(
          ",".join(f.replace("-", "") if i == 3 and n else f
                   for i, f in enumerate(line.split(",")))
          for n, line in enumerate(s.splitlines())) + "\n"),
      E("visits", "visit_date", "numeric date", tuple(range(2, 12)))),
    c("day/month dates", replace("visits", "2020-01-15", "15/01/2020"),
      E("visits", "visit_date", "date format", (2,))),
    c("ambiguous day/month dates", replace("visits", "2020-03-02", "03/02/2020"),
      E("visits", "visit_date", "date format", (4,))),
    c("dotted dates", replace("visits", "2020-01-15", "15.01.2020"),
      E("visits", "visit_date", "date format", (2,))),
    c("ISO date that is not a day", replace("visits", "2020-01-15", "2020-02-30"),
      E("visits", "visit_date", "must be a date", (2,))),
    c("ISO date with a time is accepted", replace("visits", "2020-01-15", "2020-01-15T08:30"),
      check=_dates_iso),
    # --- the folder's entries --------------------------------------------------------------
    c("folder named like a table", _folder_named("hip_cases.csv"),
      E("hip_cases", None, "readable file")),
    c("dangling link", _symlink("visits.csv", "nowhere.csv"),
      E("visits", None, "readable file")),
    c("symbolic link loop", _symlink("ra_bones.csv", "ra_bones.csv"),
      E("ra_bones", None, "readable file")),
    # --- cohorts without content -----------------------------------------------------------
    c("empty cohort", _header_only(*TABLES),
      *(E(t, None, "empty table") for t in TABLES)),
    c("header-only optional table", _header_only("ra_bones"),
      E("ra_bones", None, "empty table")),
    c("participant without any visit", edit(P, lambda s: s + "Z01,F,50,,,\n"),
      E(P, "participant_id", "one baseline", (8,))),
    c("participant whose only visit row is gone",
      replace("visits", "H02,0,0,2022-02-14\n", ""),
      E(P, "participant_id", "one baseline", (7,))),
    # --- visit months too large for int64 keys ----------------------------------------------
    c("visit month beyond 2**53",
      lambda f: (replace("visits", "K01,24,24.5", "K01,100000000000000000,24.5")(f),
                 replace("knee_outcomes", "K01,24,", "K01,100000000000000000,")(f)),
      E("visits", "visit", "out of range", (3,)),
      E("knee_outcomes", "visit", "out of range", (3,)),
      E("lesion_reads", "visit", "visit exists", (6, 7, 8, 9))),
    c("visit month beyond int64",
      lambda f: replace("visits", "K01,24,24.5", "K01,99999999999999999999,24.5")(f)
      or replace("knee_outcomes", "K01,24,", "K01,99999999999999999999,")(f),
      E("visits", "visit", "out of range", (3,)),
      E("knee_outcomes", "visit", "out of range", (3,)),
      E("lesion_reads", "visit", "visit exists", (6, 7, 8, 9))),
    # --- missing columns -------------------------------------------------------------------
    c("lesion_reads without score", _drop_column("lesion_reads", "score"),
      E("lesion_reads", "score", "required column")),
    c("spine_corners without level", _drop_column("spine_corners", "level"),
      E("spine_corners", "level", "required column")),
    c("hip_cases without diagnosis", _drop_column("hip_cases", "diagnosis"),
      E("hip_cases", "diagnosis", "required column")),
    c("ra_bones without bone", _drop_column("ra_bones", "bone"),
      E("ra_bones", "bone", "required column")),
)


def _observed(err: CohortValidationError) -> set[tuple]:
    cases = err.failure_cases
    out = set()
    for (table, column, rule), group in cases.assign(
            rule=cases["rule"].str.split(":").str[0].str.strip(),
            column=cases["column"].astype(object).where(cases["column"].notna(), "-"),
    ).groupby(["table", "column", "rule"], sort=False):
        lines = tuple(sorted(int(x) for x in group["line"].dropna()))
        out.add((table, None if column == "-" else column, rule, lines))
    return out


def test_catalogue_is_large_and_distinct() -> None:
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_file_is_reported(tmp_path: Path, case: Case) -> None:
    folder = tmp_path / "cohort"
    shutil.copytree(VALID, folder)
    case.spoil(folder)
    if not case.expected:
        cohort = load_cohort(folder)
        if case.check is not None:
            case.check(cohort)
        return
    with pytest.raises(CohortValidationError) as info:
        load_cohort(folder)
    assert _observed(info.value) == {(e.table, e.column, e.rule, e.lines)
                                     for e in case.expected}
    message = str(info.value)
    for e in case.expected:
        assert e.table in message and e.rule in message


def test_dialect_messages_say_what_they_found(tmp_path: Path) -> None:
    folder = tmp_path / "cohort"
    shutil.copytree(VALID, folder)
    edit(P, lambda s: s.replace(",", ";").replace("58.5", "58,5"))(folder)
    _latin1_folder = tmp_path / "latin"
    shutil.copytree(VALID, _latin1_folder)
    _latin1(_latin1_folder)
    with pytest.raises(CohortValidationError) as info:
        load_cohort(folder)
    message = str(info.value)
    assert "semicolons (';')" in message and "decimal comma" in message
    assert "required column" not in message
    with pytest.raises(CohortValidationError, match=r"not UTF-8 \(byte 0xe9 at line 2"):
        load_cohort(_latin1_folder)


def test_header_hint_names_the_column_found(tmp_path: Path) -> None:
    shutil.copytree(VALID, tmp_path / "c")
    replace(P, "sex,age", "sex, age")(tmp_path / "c")
    with pytest.raises(CohortValidationError, match=r"has ' age', with spaces around it; "
                                                    r"rename it 'age'"):
        load_cohort(tmp_path / "c")


def test_folder_entries_are_described_not_guessed(tmp_path: Path) -> None:
    folder = tmp_path / "cohort"
    shutil.copytree(VALID, folder)
    (folder / "extra").mkdir()
    os.symlink("gone.csv", folder / "link.csv")
    os.symlink("loop.txt", folder / "loop.txt")
    (folder / "Visits.csv").write_text("participant_id,visit\n")
    with open(os.fsencode(folder) + b"/caf\xe9.csv", "wb") as handle:
        handle.write(b"x\n")
    with pytest.warns(DataQualityWarning) as record:
        load_cohort(folder)
    message = str(record[0].message)
    assert "extra/" in message
    assert "link.csv (a broken link (it points to gone.csv" in message
    assert "loop.txt (a symbolic link loop" in message
    assert "Visits.csv (did you mean visits.csv?)" in message
    assert "caf\\xe9.csv" in message
    message.encode("utf-8")  # no surrogate escapes: printable anywhere
    assert "did you mean extra" not in message


def test_a_folder_name_that_is_not_utf8_is_printable(tmp_path: Path) -> None:
    folder = Path(os.fsdecode(os.fsencode(tmp_path) + b"/d\xe9j\xe0"))
    shutil.copytree(VALID, folder)
    cohort = load_cohort(folder)
    (cohort.name + cohort.source).encode("utf-8")
    replace(P, "58.5", "-58.5")(folder)
    with pytest.raises(CohortValidationError) as info:
        load_cohort(folder)
    str(info.value).encode("utf-8")


def test_a_failed_write_leaves_the_folder_as_it_was(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    cohort = load_cohort(VALID)
    write_cohort(cohort, tmp_path, format="parquet")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    calls = []
    original = pd.DataFrame.to_csv

    def failing(self: pd.DataFrame, *args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", failing)
    with pytest.raises(OSError, match="No space left"):
        write_cohort(cohort, tmp_path, format="csv", overwrite=True)
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert after == before  # no partial file, no table lost or replaced
    monkeypatch.undo()
    write_cohort(cohort, tmp_path, format="csv", overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{t}.csv" for t in TABLES)


def test_read_tables_reports_dialect_problems_with_lines(tmp_path: Path) -> None:
    shutil.copytree(VALID, tmp_path / "c")
    edit("visits", lambda s: s[:-12])(tmp_path / "c")
    with pytest.raises(CohortValidationError) as info:
        read_tables(tmp_path / "c")
    cases = info.value.failure_cases
    assert cases[["file", "line"]].to_numpy().tolist() == [["visits.csv", 11]]
    assert cases["value"].iloc[0] == "H02,0,0"


def test_oai_files_get_the_same_dialect_checks(tmp_path: Path) -> None:
    content = OAI.read_text()
    header = content.splitlines()[0]
    cut = tmp_path / "cut.txt"
    cut.write_text(content.rstrip("\n")[:-3])
    doubled = tmp_path / "doubled.txt"
    doubled.write_text(content.replace(header, header.replace("SIDE", "ID", 1), 1))
    commas = tmp_path / "commas.txt"
    commas.write_text(content.replace("|", ","))
    months = {"V00": 0, "V01": 12}
    with pytest.raises(CohortValidationError) as info:
        read_oai_moaks([cut, doubled, commas], visit_months=months)
    rules = info.value.failure_cases.groupby("table")["rule"].first().str.split(":").str[0]
    assert rules.to_dict() == {"cut.txt": "truncated last row",
                               "doubled.txt": "duplicated column", "commas.txt": "delimiter"}
    assert info.value.failure_cases.set_index("table").loc["cut.txt", "line"] == len(
        content.splitlines())


def test_no_warning_for_a_clean_folder() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cohort = load_cohort(VALID)
    assert [str(w.message) for w in caught] == []
    assert {"participants", "visits", "lesion_reads"} <= set(cohort.tables)
