"""Nothing lost (issue 11): ``batch -o``, ``template -o`` and ``recalc -o`` never replace a file they do not
own, an input is never an output (not even with ``--force``), the ``-重算`` fallback gets a new numbered name
each time, recalc stops when someone else saved the file meanwhile, every office lock file is honoured, and
the lossless proof sees rich-text runs, file-sharing settings and extLst content."""

# ruff: noqa: F811 - pytest fixtures imported from test_batch and test_recalc

from __future__ import annotations

import datetime as dt
import io
import shutil
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from test_batch import A, api, application, batch, table, three_applications, write  # noqa: F401 - a fixture
from test_recalc import recalc, reviewed  # noqa: F401 - a fixture
from workbooks import sha256

from xlmv.cli import main
from xlmv_workbook.review import sheets as review
from xlmv_workbook.review.sheets import H
from xlmv_workbook.xlsx.roundtrip import differences


def _edit_ratio(path: Path, value: float) -> None:
    """A reviewer's work: an approved ratio typed into 复核明细."""
    wb = load_workbook(path)
    ws = wb[review.DETAIL]
    header = [c.value for c in ws[review.HEADER_ROW]]
    ws.cell(row=review.FIRST_ROW, column=header.index(H.RATIO) + 1, value=value)
    wb.save(path)


# ------------------------------------------------------------------------------------------- batch -o


def test_batch_does_not_overwrite_an_existing_review(
    capsys: pytest.CaptureFixture[str],
    three_applications: Path,
    reviewed: Path,
) -> None:
    """Before: rc 0 and the reviewers' approved ratios were wiped."""
    _edit_ratio(reviewed, 0.5)
    before = sha256(reviewed)
    code, _, err = batch(capsys, three_applications, "-o", reviewed, "--jobs", "1")
    assert code == 2 and "文件已存在" in err and "--force" in err and str(reviewed) in err
    assert sha256(reviewed) == before
    code, _, _ = batch(capsys, three_applications, "-o", reviewed, "--jobs", "1", "--force")
    assert code == 0 and sha256(reviewed) != before


def test_batch_never_writes_over_one_of_its_inputs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Before: a declaration named as the output was dropped from the inputs and overwritten."""
    folder = tmp_path / "申报"
    a = write(folder, "a.xlsx", application(A, "甲公司", dt.date(2025, 3, 31), api("项目一", "3000000")))
    b = write(folder, "b.xlsx", application(A, "甲公司", dt.date(2025, 3, 31), api("项目二", "3000000")))
    before = sha256(b)
    for extra in ([], ["--force"]):
        code, _, err = batch(capsys, folder, "-o", b, "--jobs", "1", *extra)
        assert code == 2 and "输入文件" in err, err
        assert sha256(b) == before
    code, _, err = batch(capsys, a, "-o", a, "--jobs", "1", "--force")
    assert code == 2 and "输入文件" in err


def test_a_previous_review_in_the_input_folder_is_not_an_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "申报"
    write(folder, "a.xlsx", application(A, "甲公司", dt.date(2025, 3, 31), api("项目一", "3000000")))
    assert batch(capsys, folder, "-o", folder / "复核汇总.xlsx", "--jobs", "1")[0] == 0
    code, out, _ = batch(capsys, folder, "-o", folder / "复核汇总.xlsx", "--jobs", "1", "--force")
    assert code == 0 and "已复核 1 个文件（无法读取 0 个）" in out


# ----------------------------------------------------------------------------------------- template -o


def test_template_does_not_overwrite_a_filled_declaration(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    filled = write(
        tmp_path, "已填.xlsx", application(A, "甲公司", dt.date(2025, 3, 31), api("项目一", "3000000"))
    )
    before = sha256(filled)
    assert main(["template", "-o", str(filled)]) == 2
    err = capsys.readouterr().err
    assert "文件已存在" in err and str(filled) in err
    assert sha256(filled) == before
    assert main(["template", "-o", str(filled), "--force"]) == 0
    assert sha256(filled) != before


# ------------------------------------------------------------------------------------------- recalc -o


def test_recalc_output_never_replaces_an_existing_file(
    capsys: pytest.CaptureFixture[str], reviewed: Path, tmp_path: Path
) -> None:
    other = write(
        tmp_path, "申报.xlsx", application(A, "甲公司", dt.date(2025, 3, 31), api("项目一", "3000000"))
    )
    before = sha256(other)
    code, _, err = recalc(capsys, reviewed, "-o", other)
    assert code == 2 and "文件已存在" in err and sha256(other) == before
    code, _, _ = recalc(capsys, reviewed, "-o", other, "--force")
    assert code == 0 and sha256(other) != before
    code, _, _ = recalc(capsys, reviewed, "-o", tmp_path / "新.xlsx")
    assert code == 0 and (tmp_path / "新.xlsx").exists()


def _with_chart(path: Path) -> None:
    """Something openpyxl would lose, so recalc falls back to ``<name>-重算.xlsx``."""
    from openpyxl.chart import BarChart, Reference

    wb = load_workbook(path)
    ws = wb[review.SUMMARY]
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=1, min_row=1, max_row=2))
    ws.add_chart(chart, "M2")
    wb.save(path)


def test_each_fallback_copy_gets_a_new_name(capsys: pytest.CaptureFixture[str], reviewed: Path) -> None:
    """Before: the second run replaced the first ``-重算.xlsx``, which held the reviewers' edits."""
    _with_chart(reviewed)
    first = reviewed.with_name("复核汇总-重算.xlsx")
    assert recalc(capsys, reviewed)[0] == 0 and first.exists()
    _edit_ratio(first, 0.25)  # reviewers go on in the copy
    kept = sha256(first)
    code, out, _ = recalc(capsys, reviewed)
    second = reviewed.with_name("复核汇总-重算 (2).xlsx")
    assert code == 0 and second.exists() and str(second) in out
    assert sha256(first) == kept


@pytest.mark.parametrize("lock", ["~${name}", ".~lock.{name}#"])
def test_every_office_lock_is_honoured(capsys: pytest.CaptureFixture[str], reviewed: Path, lock: str) -> None:
    """Before: LibreOffice's ``.~lock.<name>#`` was ignored. WPS writes the same ``~$`` owner file as Excel."""
    (reviewed.parent / lock.format(name=reviewed.name)).write_bytes(b"owner")
    before = sha256(reviewed)
    code, _, err = recalc(capsys, reviewed)
    assert code == 2 and "正在" in err and "中打开" in err and str(reviewed) in err
    assert sha256(reviewed) == before
    assert [p.name for p in reviewed.parent.iterdir() if "重算" in p.name] == []


def test_a_file_saved_by_someone_else_during_recalc_is_not_overwritten(
    capsys: pytest.CaptureFixture[str],
    reviewed: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A colleague saves the workbook while recalc runs (after recalc read it, before it writes). Before:
    rc 0 and the colleague's edit silently lost (or rc 2/3). Now: a clear message and nothing written."""
    colleague = tmp_path / "同事保存的.xlsx"
    shutil.copy(reviewed, colleague)
    _edit_ratio(colleague, 0.1)
    scratch = tmp_path / "临时"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where recalc keeps its saved copy for the proof
    done = threading.Event()

    def save_meanwhile() -> None:  # once recalc has saved its copy, the colleague saves the original
        while not done.is_set():
            if any(scratch.rglob("*.xlsx")):
                shutil.copy(colleague, reviewed)
                return
            time.sleep(0.001)

    thread = threading.Thread(target=save_meanwhile, daemon=True)
    thread.start()
    try:
        code, _, err = recalc(capsys, reviewed)
    finally:
        done.set()
        thread.join()
    assert code == 2 and "重算期间该文件被修改" in err and "未写入任何文件" in err
    assert sha256(reviewed) == sha256(colleague)
    assert [p.name for p in reviewed.parent.iterdir() if p.name != reviewed.name] == []


# ---------------------------------------------------------------------------------- the lossless proof


def _rezip(path: Path, change: dict[str, bytes]) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, change.get(info.filename, source.read(info.filename)))
    path.write_bytes(out.getvalue())


def test_the_proof_sees_lost_rich_text_runs(reviewed: Path, tmp_path: Path) -> None:
    rich = tmp_path / "rich.xlsx"
    wb = load_workbook(reviewed)
    wb[review.SUMMARY]["AZ3"] = CellRichText(["已", TextBlock(InlineFont(b=True, color="FF0000"), "核对")])
    wb.save(rich)
    plain = tmp_path / "plain.xlsx"
    wb = load_workbook(rich)  # openpyxl's default load keeps the text, drops the runs
    wb.save(plain)
    assert any("AZ3" in d for d in differences(rich, plain))


def test_recalc_keeps_rich_text_runs_in_place(capsys: pytest.CaptureFixture[str], reviewed: Path) -> None:
    wb = load_workbook(reviewed)
    wb[review.SUMMARY]["AZ3"] = CellRichText(["已", TextBlock(InlineFont(b=True), "核对")])
    wb.save(reviewed)
    code, out, _ = recalc(capsys, reviewed)
    assert code == 0 and "已写回原文件" in out
    assert isinstance(load_workbook(reviewed, rich_text=True)[review.SUMMARY]["AZ3"].value, CellRichText)


def test_file_sharing_and_extensions_force_a_new_file(
    capsys: pytest.CaptureFixture[str], reviewed: Path
) -> None:
    """Before: the in-place write dropped "read-only recommended" and the workbook's extLst silently."""
    with zipfile.ZipFile(reviewed) as zf:
        book = zf.read("xl/workbook.xml")
    sharing = book.replace(b"<workbookPr", b'<fileSharing readOnlyRecommended="1"/><workbookPr', 1)
    assert sharing != book
    extended = sharing.replace(
        b"</workbook>",
        b'<extLst><ext uri="{140A7094-0E35-4892-8432-C4D2E57EDEB5}" '
        b'xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main">'
        b'<x15:workbookPr chartTrackingRefBase="1"/></ext></extLst></workbook>',
    )
    _rezip(reviewed, {"xl/workbook.xml": extended})
    before = sha256(reviewed)
    code, out, _ = recalc(capsys, reviewed)
    assert code == 0 and sha256(reviewed) == before
    assert "文件共享设置" in out and "extLst" in out
    assert reviewed.with_name("复核汇总-重算.xlsx").exists()


def test_an_earlier_review_workbook_in_the_input_folder_is_not_read(
    capsys: pytest.CaptureFixture[str], three_applications: Path
) -> None:
    """Before: a second batch into the same folder listed the first 复核汇总 as an unreadable declaration."""
    first = three_applications / "复核汇总.xlsx"
    code, _, _ = batch(capsys, three_applications, "-o", first, "--jobs", "1")
    assert code == 0
    code, out, _ = batch(
        capsys, three_applications, "-o", three_applications / "复核汇总2.xlsx", "--jobs", "1"
    )
    assert code == 0 and "无法读取 0 个" in out
