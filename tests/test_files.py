"""The shared atomic writer and the output-is-not-an-input check (bmecohort._files)."""

from __future__ import annotations

import os

import pytest

from bmecohort._files import atomic_write, check_not_input, write_bytes, write_text


def test_write_replaces_a_file_and_leaves_nothing_else(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    write_text(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_failure_keeps_the_old_file_and_removes_the_temporary(tmp_path, error):
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")
    with pytest.raises(error), atomic_write(target) as handle:
        handle.write(b"half")
        raise error()
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


def test_failure_on_a_new_file_leaves_no_file(tmp_path):
    with pytest.raises(ValueError), atomic_write(tmp_path / "new.txt", "w") as handle:
        handle.write("x")
        raise ValueError("boom")
    assert list(tmp_path.iterdir()) == []


def test_overwrite_false_refuses_an_existing_file(tmp_path):
    target = tmp_path / "a.txt"
    write_text(target, "one", overwrite=False)
    with pytest.raises(FileExistsError):
        write_text(target, "two", overwrite=False)
    assert target.read_text() == "one"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_a_folder_is_not_a_file(tmp_path):
    with pytest.raises(IsADirectoryError):
        write_bytes(tmp_path, b"x")


def test_new_files_get_the_usual_permissions(tmp_path):
    path = write_bytes(tmp_path / "p.bin", b"x")
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_replaced_files_keep_their_permissions(tmp_path):
    target = tmp_path / "p.txt"
    target.write_text("x")
    target.chmod(0o640)
    write_text(target, "y")
    assert target.stat().st_mode & 0o777 == 0o640


def test_output_may_not_be_an_input(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "visits.csv").write_text("x")
    table = tmp_path / "t.csv"
    table.write_text("x")
    with pytest.raises(ValueError, match="inside the input folder"):
        check_not_input(data / "visits.csv", [data])
    with pytest.raises(ValueError, match="is the input"):
        check_not_input(tmp_path / "." / "t.csv", [table])
    with pytest.raises(ValueError, match="is the input"):
        check_not_input(data, [data], what="--build-dir")
    link = tmp_path / "link.pdf"
    link.symlink_to(table)
    with pytest.raises(ValueError, match="is the input"):
        check_not_input(link, [table])
    check_not_input(tmp_path / "report.pdf", [data, table, None, tmp_path / "missing"])
