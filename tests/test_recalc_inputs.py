"""Recalc input (issue 11): what a review workbook's cells may hold before recalc trusts them.

- the hidden columns (申报金额明细, the group key) and the numeric inputs holding ``NaN``, ``Infinity``,
  ``1e30`` or negatives ended in rc 3 (an internal error): now a Chinese error naming the cell, nothing
  written;
- a blanked 统一社会信用代码 silently made the row an enterprise of its own, dropping the enterprise's prior
  award (3,495,000 became 3,845,000): now an error naming the cell.
"""

# ruff: noqa: F811 - pytest fixtures imported from test_batch and test_recalc

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from test_batch import three_applications  # noqa: F401 - a fixture
from test_recalc import recalc, reviewed  # noqa: F401 - a fixture
from workbooks import sha256

from xlmv_workbook.review import sheets as review
from xlmv_workbook.review.sheets import H


def _column(path: Path, sheet: str, header: str) -> int:
    ws = load_workbook(path)[sheet]
    return [c.value for c in ws[review.HEADER_ROW]].index(header) + 1


def _set(path: Path, sheet: str, header: str, value: object, row: int = review.FIRST_ROW) -> str:
    wb = load_workbook(path)
    ws = wb[sheet]
    column = [c.value for c in ws[review.HEADER_ROW]].index(header) + 1
    ws.cell(row=row, column=column).value = value  # value=None in cell() would leave the cell as it is
    wb.save(path)
    return f"{sheet}!{ws.cell(row=row, column=column).coordinate}"


def _set_raw_number(path: Path, sheet_part: str, cell: str, text: str) -> None:
    """Put ``<v>text</v>`` as a number into ``cell`` (openpyxl cannot write NaN or Infinity)."""
    out = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == sheet_part:
                xml = data.decode()
                xml, n = re.subn(
                    rf'<c r="{cell}"[^>]*?(?:/>|>.*?</c>)', f'<c r="{cell}"><v>{text}</v></c>', xml, count=1
                )
                assert n == 1, cell
                data = xml.encode()
            target.writestr(info.filename, data)
    path.write_bytes(out.getvalue())


def _refused(capsys: pytest.CaptureFixture[str], path: Path, *fragments: str) -> str:
    before = sha256(path)
    code, _, err = recalc(capsys, path)
    assert code == 2, err
    for fragment in fragments:
        assert fragment in err, err
    assert sha256(path) == before
    assert [p.name for p in path.parent.iterdir() if "重算" in p.name] == []
    return err


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e30", "-5", "3000000;NaN", "sNaN"])
def test_bad_amounts_in_the_hidden_column_name_the_cell(
    capsys: pytest.CaptureFixture[str], reviewed: Path, value: str
) -> None:
    cell = _set(reviewed, review.DETAIL, H.AMOUNTS, value)
    _refused(capsys, reviewed, cell, "无法重算")


@pytest.mark.parametrize(
    ("header", "value"),
    [
        (H.PRIOR, "NaN"),
        (H.PRIOR, "Infinity"),
        (H.PRIOR, "-5"),
        (H.RATIO, "NaN"),
        (H.YEAR, "NaN"),
        (H.YEAR, "Infinity"),
        (H.SLOT, "1e30"),
    ],
)
def test_non_finite_text_in_input_columns_names_the_cell(
    capsys: pytest.CaptureFixture[str], reviewed: Path, header: str, value: str
) -> None:
    cell = _set(reviewed, review.DETAIL, header, value)
    _refused(capsys, reviewed, cell, "无法重算")


@pytest.mark.parametrize(
    ("header", "text"),
    [
        (H.PRIOR, "1e30"),
        (H.SLOT, "1e30"),
        (H.YEAR, "1e30"),
        (H.PRIOR, "-1"),
        (H.PRIOR, "NaN"),  # before: openpyxl refused the file, "无法打开工作簿（ValueError）", no cell named
        (H.RATIO, "INF"),
        (H.YEAR, "1e400"),
    ],
)
def test_huge_numbers_in_input_columns_name_the_cell(
    capsys: pytest.CaptureFixture[str], reviewed: Path, header: str, text: str
) -> None:
    from openpyxl.utils import get_column_letter

    cell = f"{get_column_letter(_column(reviewed, review.DETAIL, header))}{review.FIRST_ROW}"
    _set_raw_number(reviewed, "xl/worksheets/sheet1.xml", cell, text)
    _refused(capsys, reviewed, f"{review.DETAIL}!{cell}", "无法重算")


@pytest.mark.parametrize("text", ["-1", "1e30", "NaN"])
def test_bad_year_prior_in_the_summary_names_the_cell(
    capsys: pytest.CaptureFixture[str], reviewed: Path, text: str
) -> None:
    from openpyxl.utils import get_column_letter

    cell = f"{get_column_letter(_column(reviewed, review.SUMMARY, H.YEAR_PRIOR))}{review.FIRST_ROW}"
    _set_raw_number(reviewed, "xl/worksheets/sheet2.xml", cell, text)
    _refused(capsys, reviewed, f"{review.SUMMARY}!{cell}", "无法重算")


def test_a_blanked_uscc_is_an_error_not_a_new_enterprise(
    capsys: pytest.CaptureFixture[str], reviewed: Path
) -> None:
    cell = _set(reviewed, review.DETAIL, H.USCC, None)
    _refused(capsys, reviewed, cell, "统一社会信用代码")


def test_a_code_missing_from_the_start_is_not_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A declaration filed without a code is an enterprise of its own file in the batch already: recalc
    accepts it as the batch wrote it."""
    import datetime as dt

    from test_batch import api, application, write

    from xlmv_workbook.review.batch import run_batch

    folder = tmp_path / "申报"
    write(folder, "无代码.xlsx", application("", "丙公司", dt.date(2025, 3, 31), api("项目一", "3000000")))
    out = run_batch([folder], tmp_path / "复核汇总.xlsx", jobs=1).output
    code, _, err = recalc(capsys, out)
    assert code == 0, err


@pytest.mark.parametrize(
    ("cell_xml", "fragment"),
    [
        ('<c r="B99999999"><v>1</v></c>', "99999999”超出 Excel 的范围"),
        ('<c r="XFD1048576" s="1"/>', "A1:XFD1048576"),  # empty but styled: openpyxl would still walk to it
    ],
)
def test_a_crafted_far_cell_in_the_review_is_refused(reviewed: Path, cell_xml: str, fragment: str) -> None:
    """Before: openpyxl loaded the cell and recalc walked every row up to it (minutes, gigabytes)."""
    import subprocess
    import sys

    out = io.BytesIO()
    with zipfile.ZipFile(reviewed) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b"</sheetData>",
                    f'<row r="{re.sub(r"[A-Z]", "", cell_xml.split(chr(34))[1])}">{cell_xml}</row></sheetData>'.encode(),
                )
            target.writestr(info.filename, data)
    reviewed.write_bytes(out.getvalue())
    before = sha256(reviewed)
    done = subprocess.run(
        [sys.executable, "-m", "xlmv.cli", "recalc", str(reviewed)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and fragment in done.stderr and "复核明细" in done.stderr, done.stderr
    assert sha256(reviewed) == before
