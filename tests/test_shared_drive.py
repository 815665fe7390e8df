"""Shared-drive behaviour (issue 11): permissions and folders as colleagues meet them. The permission tests
run the CLI as ``nobody`` (root ignores permissions; see ``asuser``).

- new files get the umask's mode (before: 0600, colleagues could not open the outputs);
- an in-place write keeps the file's mode (before: 0664 became 0600); a read-only file is refused (before:
  rewritten anyway);
- an unreadable sub-folder or file is an error row and counts in the exit code (before: skipped, rc 0,
  "无法读取 0 个");
- a symbolic link to a folder is followed; a link back into its own ancestors (a loop) is reported.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from asuser import nobody_python, world_dir, xlmv_as_nobody
from test_batch import A, B, api, application, table, write
from workbooks import sha256

from xlmv_workbook.review import sheets as review
from xlmv_workbook.review.batch import run_batch
from xlmv_workbook.review.sheets import H

NOBODY = 65534


@pytest.fixture(scope="module")
def nobody() -> Iterator[list[str]]:
    prefix, site = nobody_python()
    yield prefix
    shutil.rmtree(site, ignore_errors=True)


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder every user may write in, like a shared drive's folder."""
    folder = world_dir("xlmv-shared-")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def declarations(folder: Path) -> Path:
    write(folder, "a.xlsx", application(A, "甲公司", dt.date(2025, 3, 31), api("项目一", "3000000")))
    write(folder, "b.xlsx", application(B, "乙公司", dt.date(2025, 4, 1), api("项目二", "3000000")))
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return folder


@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o002, 0o664)])
def test_new_files_get_the_umask_mode(nobody: list[str], shared: Path, umask: int, expected: int) -> None:
    done = xlmv_as_nobody(nobody, "template", "-o", shared / "模板.xlsx", umask=umask)
    assert done.returncode == 0, done.stderr
    assert mode(shared / "模板.xlsx") == expected
    inputs = declarations(shared / "申报")
    done = xlmv_as_nobody(nobody, "batch", inputs, "-o", shared / "复核汇总.xlsx", "--jobs", "1", umask=umask)
    assert done.returncode == 0, done.stderr
    assert mode(shared / "复核汇总.xlsx") == expected
    assert (shared / "复核汇总.xlsx").stat().st_uid == NOBODY


def _review_owned_by_nobody(shared: Path, file_mode: int) -> Path:
    inputs = declarations(shared / "申报")
    reviewed = run_batch([inputs], shared / "复核汇总.xlsx", jobs=1).output
    os.chown(reviewed, NOBODY, NOBODY)
    reviewed.chmod(file_mode)
    return reviewed


def test_in_place_recalc_keeps_the_mode(nobody: list[str], shared: Path) -> None:
    reviewed = _review_owned_by_nobody(shared, 0o664)
    done = xlmv_as_nobody(nobody, "recalc", reviewed)
    assert done.returncode == 0, done.stderr
    assert "已写回原文件" in done.stdout
    assert mode(reviewed) == 0o664 and reviewed.stat().st_uid == NOBODY


def test_a_read_only_review_is_refused(nobody: list[str], shared: Path) -> None:
    reviewed = _review_owned_by_nobody(shared, 0o444)
    before = sha256(reviewed)
    done = xlmv_as_nobody(nobody, "recalc", reviewed)
    assert done.returncode == 2
    assert "只读" in done.stderr and str(reviewed) in done.stderr
    assert sha256(reviewed) == before and mode(reviewed) == 0o444
    assert sorted(p.name for p in shared.iterdir()) == ["复核汇总.xlsx", "申报"]


def test_read_only_is_refused_for_root_too(shared: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from xlmv.cli import main

    reviewed = _review_owned_by_nobody(shared, 0o444)
    before = sha256(reviewed)
    assert main(["recalc", str(reviewed)]) == 2
    assert "只读" in capsys.readouterr().err and sha256(reviewed) == before


def test_an_unreadable_sub_folder_is_an_error_row(nobody: list[str], shared: Path) -> None:
    inputs = declarations(shared / "申报")
    secret = inputs / "保密"
    write(secret, "c.xlsx", application(A, "甲公司", dt.date(2025, 5, 1), api("项目三", "3000000")))
    secret.chmod(0o700)  # root's: nobody cannot list it
    done = xlmv_as_nobody(nobody, "batch", inputs, "-o", shared / "复核汇总.xlsx", "--jobs", "1")
    assert done.returncode == 1, done.stderr
    assert "已复核 3 个文件（无法读取 1 个）" in done.stdout
    rows = table(shared / "复核汇总.xlsx", review.DETAIL)
    assert [r[H.NOTE] for r in rows if str(r[H.SOURCE]) == str(secret)] == [
        "无法读取文件夹（没有读写权限），其中的申报表未能复核"
    ]


def test_an_unreadable_file_is_an_error_row(nobody: list[str], shared: Path) -> None:
    inputs = declarations(shared / "申报")
    (inputs / "b.xlsx").chmod(0o600)
    done = xlmv_as_nobody(nobody, "batch", inputs, "-o", shared / "复核汇总.xlsx", "--jobs", "1")
    assert done.returncode == 1, done.stderr
    assert "已复核 2 个文件（无法读取 1 个）" in done.stdout


def test_a_symlinked_folder_is_followed_and_a_loop_reported(tmp_path: Path) -> None:
    inputs = declarations(tmp_path / "申报")
    elsewhere = tmp_path / "别处"
    write(elsewhere, "c.xlsx", application(A, "甲公司", dt.date(2025, 5, 1), api("项目三", "3000000")))
    (inputs / "链接").symlink_to(elsewhere, target_is_directory=True)
    (inputs / "链接2").symlink_to(elsewhere, target_is_directory=True)  # the same folder twice: read once
    (elsewhere / "回环").symlink_to(elsewhere, target_is_directory=True)  # a loop
    result = run_batch([inputs], tmp_path / "复核汇总.xlsx", jobs=1)
    rows = table(result.output, review.DETAIL)
    sources = [Path(str(r[H.SOURCE])) for r in rows]
    assert inputs / "链接" / "c.xlsx" in sources and inputs / "链接2" / "c.xlsx" not in sources
    loop = [r for r in rows if str(r[H.SOURCE]).endswith("回环")]
    assert len(loop) == 1 and "循环" in str(loop[0][H.NOTE])
    assert (result.files, result.unreadable) == (4, 1)
