"""Tests for ``xlmv recalc`` and ``recalc_book``: the review workbook recomputed from the reviewer's inputs,
written back in place only when the round trip provably loses nothing, else beside it; refused while open
in Excel or when an input cell is unusable. ``recalc_book`` runs the same through openpyxl and through a
fake ``xlwings.Book`` that records every write."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from test_batch import A, B, D, column, money, table, three_applications  # noqa: F401 - a fixture
from workbooks import sha256, write_workbook

from xlmv.cli import main
from xlmv_workbook.review import formulas
from xlmv_workbook.review import sheets as review
from xlmv_workbook.review.batch import run_batch
from xlmv_workbook.review.recalc import recalc_book
from xlmv_workbook.review.reviewbooks import OpenpyxlReview, XlwingsReview
from xlmv_workbook.review.sheets import H
from xlmv_workbook.xlsx.roundtrip import differences, unsupported_parts
from xlmv_workbook.xlsx.safety import WorkbookError


@pytest.fixture
def reviewed(three_applications: Path, tmp_path: Path) -> Path:  # noqa: F811 - the imported fixture
    return run_batch([three_applications], tmp_path / "复核" / "复核汇总.xlsx", jobs=1).output


def recalc(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main(["recalc", *(str(a) for a in args)])
    out, err = capsys.readouterr()
    return code, out, err


def detail_row(ws: object, product: str) -> int:
    for (cell,) in ws.iter_rows(min_col=column(H.PRODUCT), max_col=column(H.PRODUCT)):  # type: ignore[attr-defined]
        if cell.value == product:
            return int(cell.row)
    raise AssertionError(product)


def granted(path: Path) -> dict[str, Decimal]:
    return {str(r[H.PRODUCT]): money(r[H.GRANTED]) for r in table(path, review.DETAIL)}


def review_edits(path: Path) -> None:
    """What a reviewer does: halve 项目二, record 100万 already granted to A this year, and add a comment,
    a column with a formula, a sheet with merged cells, a defined name and a number format."""
    wb = load_workbook(path)
    ws = wb[review.DETAIL]
    row = detail_row(ws, "项目二")
    ws.cell(row=row, column=column(H.RATIO)).value = 0.5
    ws.cell(row=row, column=column(H.PRODUCT)).comment = Comment("材料待补", "评审甲")
    extra = len(review.DETAIL_COLUMNS) + 2
    ws.cell(row=review.HEADER_ROW, column=extra).value = "评审意见"
    ws.cell(row=row, column=extra).value = "=K3*2"
    ws.cell(row=row + 1, column=extra).value = "同意"
    ws.cell(row=row, column=column(H.COMPANY)).number_format = "@"
    summary = wb[review.SUMMARY]
    for cells in summary.iter_rows(min_row=2):
        if cells[1].value == A:
            cells[5].value = 1_000_000
    notes = wb.create_sheet("备忘")
    notes["A1"] = "复核会议纪要"
    notes.merge_cells("A1:D1")
    wb.defined_names["评审结论"] = DefinedName("评审结论", attr_text="'备忘'!$A$1")
    wb.save(path)


# -------------------------------------------------------------------------------------- in place


def test_recalc_of_an_untouched_workbook_changes_nothing(
    capsys: pytest.CaptureFixture[str], reviewed: Path
) -> None:
    before = {s: table(reviewed, s) for s in (review.DETAIL, review.SUMMARY, review.ISSUES)}
    code, out, err = recalc(capsys, reviewed)
    assert code == 0, err
    assert f"已写回原文件：{reviewed}" in out and "可获奖励合计 5,500,000.00 元" in out
    assert {s: table(reviewed, s) for s in before} == before
    assert [p.name for p in reviewed.parent.iterdir()] == [reviewed.name]  # no copy, no temporary file


def test_reviewer_inputs_are_recomputed_and_nothing_is_lost(
    capsys: pytest.CaptureFixture[str], reviewed: Path
) -> None:
    review_edits(reviewed)
    code, out, err = recalc(capsys, reviewed)
    assert code == 0, err
    assert "已写回原文件" in out
    # 项目三 200万 (20 Feb), 项目二 200万 × 50% = 100万 (5 Mar), 项目一 the rest of 500万 − 100万: 100万
    assert granted(reviewed) == {
        "项目一": D("1000000.00"),
        "项目二": D("1000000.00"),
        "项目三": D("2000000.00"),
        "乙项目": D("500000.00"),
    }
    summary = {r[H.USCC]: r for r in table(reviewed, review.SUMMARY)}
    assert money(summary[A][H.TOTAL]) == D("4000000.00") and money(summary[A][H.REQUESTED]) == D("5000000.00")
    assert summary[A][H.BINDING] == "是" and money(summary[A][H.YEAR_PRIOR]) == D("1000000.00")
    wb = load_workbook(reviewed)
    ws = wb[review.DETAIL]
    row = detail_row(ws, "项目二")
    assert ws.cell(row=row, column=column(H.PRODUCT)).comment.text == "材料待补"
    extra = len(review.DETAIL_COLUMNS) + 2
    assert ws.cell(row=row, column=extra).value == "=K3*2"
    assert ws.cell(row=row + 1, column=extra).value == "同意"
    assert ws.cell(row=row, column=column(H.COMPANY)).number_format == "@"
    assert wb["备忘"]["A1"].value == "复核会议纪要" and "A1:D1" in {
        str(r) for r in wb["备忘"].merged_cells.ranges
    }
    assert wb.defined_names["评审结论"].attr_text == "'备忘'!$A$1"


def test_rows_in_any_order_give_the_same_result(capsys: pytest.CaptureFixture[str], reviewed: Path) -> None:
    """The allocation follows the application dates in the rows, not where the rows are."""
    wb = load_workbook(reviewed)
    ws = wb[review.DETAIL]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=review.FIRST_ROW)]
    for r, values in enumerate(reversed(rows), start=review.FIRST_ROW):
        for c, value in enumerate(values, start=1):
            ws.cell(row=r, column=c).value = value
    wb.save(reviewed)
    assert recalc(capsys, reviewed)[0] == 0
    assert granted(reviewed)["项目一"] == D("1000000.00")


def test_allocation_setting_in_the_workbook(capsys: pytest.CaptureFixture[str], reviewed: Path) -> None:
    wb = load_workbook(reviewed)
    for cells in wb[review.SETTINGS].iter_rows():
        if cells[0].value == review.SETTING_ALLOCATION:
            cells[1].value = "pro_rata"
    wb.save(reviewed)
    assert recalc(capsys, reviewed)[0] == 0
    assert {n: g for n, g in granted(reviewed).items() if n.startswith("项目")} == {
        "项目一": D("1666666.67"),  # cumulative rounding in order of application: the second gets .66
        "项目二": D("1666666.66"),
        "项目三": D("1666666.67"),
    }


def test_a_deleted_summary_row_comes_back(capsys: pytest.CaptureFixture[str], reviewed: Path) -> None:
    wb = load_workbook(reviewed)
    summary = wb[review.SUMMARY]
    for cells in summary.iter_rows(min_row=2):
        if cells[1].value == B:
            for cell in cells:
                cell.value = None
    wb.save(reviewed)
    assert recalc(capsys, reviewed)[0] == 0
    rows = {r[H.USCC]: r for r in table(reviewed, review.SUMMARY)}
    assert money(rows[B][H.TOTAL]) == D("500000.00") and rows[B][H.YEAR_PRIOR_SOURCE] == "无"
    assert rows[B][H.GROUP_YEAR] == 2025 and rows[B][H.ENTERPRISE] == "乙公司"


# --------------------------------------------------------------------------------- not in place


def test_a_chart_sends_the_result_to_a_copy(capsys: pytest.CaptureFixture[str], reviewed: Path) -> None:
    wb = load_workbook(reviewed)
    ws = wb[review.SUMMARY]
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=8, min_row=1, max_row=3), titles_from_data=True)
    ws.add_chart(chart, "L2")
    wb.save(reviewed)
    before = sha256(reviewed)
    code, out, _ = recalc(capsys, reviewed)
    assert code == 0
    copy = reviewed.with_name("复核汇总-重算.xlsx")
    assert sha256(reviewed) == before and copy.exists()
    assert "图表" in out and str(copy) in out and "未覆盖原文件" in out
    assert granted(copy)["项目一"] == D("1000000.00")


def _with_sheet_extension(path: Path) -> None:
    data = io.BytesIO(path.read_bytes())
    out = io.BytesIO()
    with zipfile.ZipFile(data) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(
                    b"</worksheet>",
                    b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
                    b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
                    b'<x14:dataValidations count="0"/></ext></extLst></worksheet>',
                )
            target.writestr(info, body)
    path.write_bytes(out.getvalue())


def test_a_worksheet_extension_sends_the_result_to_a_copy(
    capsys: pytest.CaptureFixture[str], reviewed: Path
) -> None:
    _with_sheet_extension(reviewed)
    assert unsupported_parts(reviewed) == ["工作表扩展内容（跨表数据验证、数据条、迷你图等）"]
    before = sha256(reviewed)
    code, out, _ = recalc(capsys, reviewed)
    assert code == 0 and sha256(reviewed) == before
    assert reviewed.with_name("复核汇总-重算.xlsx").exists() and "跨表数据验证" in out


@pytest.mark.parametrize(
    ("part", "what"),
    [
        ("xl/vbaProject.bin", "VBA 宏"),
        ("xl/media/image1.png", "图片"),
        ("xl/pivotTables/pivotTable1.xml", "数据透视表"),
        ("xl/drawings/drawing1.xml", "图片、形状或图表"),
        ("xl/threadedComments/threadedComment1.xml", "批注（新式线程批注）"),
    ],
)
def test_parts_openpyxl_would_drop(tmp_path: Path, part: str, what: str) -> None:
    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr(part, b"<x/>")
        zf.writestr("xl/drawings/vmlDrawing1.vml", '<xml><x:ClientData ObjectType="Note"/></xml>')
    assert unsupported_parts(path) == [what]


def test_legacy_form_controls_in_vml(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("xl/drawings/vmlDrawing1.vml", '<xml><x:ClientData ObjectType="Button"/></xml>')
    assert unsupported_parts(path) == ["旧式表单控件"]


def test_output_option_leaves_the_original_alone(
    capsys: pytest.CaptureFixture[str], reviewed: Path, tmp_path: Path
) -> None:
    review_edits(reviewed)
    before = sha256(reviewed)
    target = tmp_path / "另存.xlsx"
    code, out, _ = recalc(capsys, reviewed, "-o", target)
    assert code == 0 and sha256(reviewed) == before
    assert f"已写入：{target}" in out
    assert granted(target)["项目二"] == D("1000000.00")


# ------------------------------------------------------------------------------------ refusals


def test_refused_while_open_in_excel(capsys: pytest.CaptureFixture[str], reviewed: Path) -> None:
    (reviewed.parent / f"~${reviewed.name}").write_bytes(b"owner")
    before = sha256(reviewed)
    code, _, err = recalc(capsys, reviewed)
    assert code == 2 and "正在 Excel 中打开" in err and str(reviewed) in err
    assert sha256(reviewed) == before


@pytest.mark.parametrize(("value", "fragment"), [("abc", "审定比例"), (1.5, "审定比例"), (-1, "审定比例")])
def test_an_unusable_input_names_its_cell(
    capsys: pytest.CaptureFixture[str], reviewed: Path, value: object, fragment: str
) -> None:
    wb = load_workbook(reviewed)
    ws = wb[review.DETAIL]
    row = review.FIRST_ROW + 1
    ws.cell(row=row, column=column(H.RATIO)).value = value
    wb.save(reviewed)
    before = sha256(reviewed)
    code, _, err = recalc(capsys, reviewed)
    assert (
        code == 2
        and f"{review.DETAIL}!{get_column_letter(column(H.RATIO))}{row}" in err
        and fragment in err
        and str(reviewed) in err
    )
    assert sha256(reviewed) == before


def test_a_bad_prior_in_the_summary(capsys: pytest.CaptureFixture[str], reviewed: Path) -> None:
    wb = load_workbook(reviewed)
    wb[review.SUMMARY]["F3"] = "很多"
    wb.save(reviewed)
    code, _, err = recalc(capsys, reviewed)
    assert code == 2 and f"{review.SUMMARY}!F3" in err and "金额无效" in err


def test_not_a_review_workbook(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    declaration = write_workbook(tmp_path / "申报表.xlsx")
    code, _, err = recalc(capsys, declaration)
    assert code == 2 and "不是 xlmv batch 生成的复核汇总表" in err
    code, _, err = recalc(capsys, tmp_path / "没有.xlsx")
    assert code == 2 and "文件不存在" in err


def test_a_renamed_header_is_named(capsys: pytest.CaptureFixture[str], reviewed: Path) -> None:
    wb = load_workbook(reviewed)
    wb[review.DETAIL].cell(row=review.HEADER_ROW, column=column(H.RATIO)).value = "比例"
    wb.save(reviewed)
    code, _, err = recalc(capsys, reviewed)
    assert code == 2 and "缺少列标题：审定比例" in err


# ------------------------------------------------------------------------------- the lossless rule


def test_differences_outside_the_changed_cells(reviewed: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.xlsx"
    wb = load_workbook(reviewed)
    wb[review.DETAIL]["B2"] = "改过"
    wb[review.DETAIL]["C2"].comment = Comment("新批注", "甲")
    wb[review.SUMMARY].merge_cells("A5:B5")
    wb[review.DETAIL]["D2"].font = Font(bold=True)
    wb.save(other)
    found = differences(reviewed, other)
    assert f"单元格 {review.DETAIL}!B2 的内容或公式不同" in found
    assert (
        f"单元格 {review.DETAIL}!C2 的内容不同" in found or f"单元格 {review.DETAIL}!C2 的批注不同" in found
    )
    assert f"工作表“{review.SUMMARY}”的合并单元格不同" in found
    assert f"单元格 {review.DETAIL}!D2 的格式不同" in found
    assert differences(
        reviewed, other, {(review.DETAIL, 2, 2), (review.DETAIL, 2, 3), (review.DETAIL, 2, 4)}
    ) == [f"工作表“{review.SUMMARY}”的合并单元格不同"]
    assert differences(reviewed, reviewed) == []


# ----------------------------------------------------------------------------- inside Excel (fake)


class FakeRange:
    """Just what ``XlwingsReview`` uses of an xlwings ``Range``."""

    def __init__(self, sheet: FakeSheet, top: tuple[int, int], bottom: tuple[int, int]) -> None:
        self.sheet, self.top, self.bottom = sheet, top, bottom

    @property
    def row(self) -> int:
        return self.top[0]

    @property
    def column(self) -> int:
        return self.top[1]

    def options(self, **options: object) -> FakeRange:
        assert options == {"ndim": 2}
        return self

    @property
    def value(self) -> list[list[object]]:
        return [
            [self.sheet.cells.get((r, c)) for c in range(self.top[1], self.bottom[1] + 1)]
            for r in range(self.top[0], self.bottom[0] + 1)
        ]

    @value.setter
    def value(self, rows: list[list[object]]) -> None:
        self.sheet.book.log.append(("value", self.sheet.name, self.top, self.bottom, rows))
        for r, row in enumerate(rows):
            for c, item in enumerate(row):
                assert not isinstance(item, Decimal), "COM takes floats, not Decimal"
                formula_column = (self.sheet.name, self.top[1]) in self.sheet.book.formula_columns
                assert formula_column or not (isinstance(item, str) and item.startswith("=")), "a formula"
                key = (self.top[0] + r, self.top[1] + c)
                if item is None:
                    self.sheet.cells.pop(key, None)
                else:
                    self.sheet.cells[key] = item.removeprefix("'") if isinstance(item, str) else item

    @property
    def formula(self) -> tuple[tuple[object, ...], ...]:
        """Excel's Range.Formula: a formula cell's formula, a constant as its text, "" when empty."""
        return tuple(tuple("" if v is None else v for v in row) for row in self.value)

    @property
    def number_format(self) -> str:
        return "General"

    @number_format.setter
    def number_format(self, value: str) -> None:
        self.sheet.book.log.append(("number_format", self.sheet.name, self.top, self.bottom, value))


class FakeSheet:
    def __init__(self, book: FakeBook, name: str) -> None:
        self.book, self.name = book, name
        self.cells: dict[tuple[int, int], object] = {}

    @property
    def used_range(self) -> FakeRange:
        rows = [r for r, _ in self.cells] or [1]
        cols = [c for _, c in self.cells] or [1]
        return FakeRange(self, (min(rows), min(cols)), (max(rows), max(cols)))

    def range(self, top: tuple[int, int], bottom: tuple[int, int]) -> FakeRange:
        return FakeRange(self, top, bottom)


class FakeSheets:
    def __init__(self, sheets: list[FakeSheet]) -> None:
        self._sheets = sheets

    def __iter__(self) -> Iterator[FakeSheet]:
        return iter(self._sheets)

    def __getitem__(self, name: str) -> FakeSheet:
        return next(s for s in self._sheets if s.name == name)


class FakeBook:
    """A review workbook as Excel's COM hands it over: numbers as floats, dates as datetimes."""

    def __init__(self, path: Path) -> None:
        self.name = path.name
        self.fullname = str(path)
        self.log: list[tuple[object, ...]] = []
        self.formula_columns = {
            (sheet, [c.header for c in columns].index(h) + 1)
            for sheet, columns, headers in (
                (review.DETAIL, review.DETAIL_COLUMNS, formulas.DETAIL_FORMULAS),
                (review.SUMMARY, review.SUMMARY_COLUMNS, formulas.SUMMARY_FORMULAS),
            )
            for h in headers
        }
        sheets = []
        for ws in load_workbook(path).worksheets:
            sheet = FakeSheet(self, ws.title)
            for row in ws.iter_rows():
                for cell in row:
                    value = cell.value
                    if value is None:
                        continue
                    if isinstance(value, int) and not isinstance(value, bool):
                        value = float(value)
                    elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                        value = dt.datetime.combine(value, dt.time())
                    sheet.cells[(cell.row, cell.column)] = value
            sheets.append(sheet)
        self.sheets = FakeSheets(sheets)


def test_recalc_book_inside_excel_matches_the_file_path(reviewed: Path, tmp_path: Path) -> None:
    review_edits(reviewed)
    fake = FakeBook(reviewed)
    summary = recalc_book(XlwingsReview(fake))
    assert summary.rows == 4 and summary.total == D("4500000")
    wb = load_workbook(reviewed)
    expected = recalc_book(OpenpyxlReview(wb, reviewed))
    assert expected.written == summary.written
    computed = {(review.DETAIL, column(c.header)) for c in review.DETAIL_COLUMNS if c.computed}
    summary_columns = [c.header for c in review.SUMMARY_COLUMNS]
    computed |= {
        (review.SUMMARY, summary_columns.index(c.header) + 1) for c in review.SUMMARY_COLUMNS if c.computed
    }
    writes = [entry for entry in fake.log if entry[0] == "value"]
    assert writes
    for _, sheet, top, bottom, _rows in writes:
        assert top[1] == bottom[1] and (sheet, top[1]) in computed  # one computed column at a time
    for sheet, row, col in summary.written:
        ours = fake.sheets[sheet].cells.get((row, col))
        theirs = wb[sheet].cell(row=row, column=col).value
        if isinstance(theirs, Decimal):
            assert ours == float(theirs)
        else:
            assert ours == theirs


def test_recalc_book_reports_a_bad_cell_before_writing(reviewed: Path) -> None:
    fake = FakeBook(reviewed)
    fake.sheets[review.DETAIL].cells[(review.FIRST_ROW, column(H.PRIOR))] = "-5"
    with pytest.raises(WorkbookError) as caught:
        recalc_book(XlwingsReview(fake))
    cell = f"{get_column_letter(column(H.PRIOR))}{review.FIRST_ROW}"
    assert re.search(rf"{review.DETAIL}!{cell}：.*金额不能为负数", str(caught.value))
    assert fake.log == []


def test_the_macro_recalculates_the_calling_book(reviewed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """MV_RECALC (the xlwings sub) runs recalc_book on ``xlwings.Book.caller()``."""
    import xlwings

    import xlmv_udfs

    review_edits(reviewed)
    fake = FakeBook(reviewed)
    monkeypatch.setattr(xlwings.Book, "caller", staticmethod(lambda: fake), raising=False)
    xlmv_udfs.MV_RECALC()
    detail = fake.sheets[review.DETAIL].cells
    # the macro writes formulas; the engine's own figures are in the hidden 引擎值 columns
    at = {v: c for (r, c), v in detail.items() if r == review.HEADER_ROW}
    product_at = at[H.PRODUCT]
    rows = {detail[(r, c)]: r for (r, c) in list(detail) if c == product_at and r >= review.FIRST_ROW}
    # A's year cap 500万 less the 100万 recorded leaves 400万, granted in order of application date:
    # 项目三 (20 Feb) 200万, 项目二 (5 Mar, halved) 100万, 项目一 (10 Mar) 200万 of which 100万 remain;
    # B's private 300万 → 200万 × 20% + 100万 × 10% = 50万.
    granted_at = at[review.engine_header(H.GRANTED)]
    assert {name: detail[(r, granted_at)] for name, r in rows.items()} == {
        "项目三": 2_000_000.0,
        "项目二": 1_000_000.0,
        "项目一": 1_000_000.0,
        "乙项目": 500_000.0,
    }
    assert detail[(rows["项目二"], at[review.engine_header(H.CAPPED)])] == 1_000_000.0  # 200万 × 50%
    summary = fake.sheets[review.SUMMARY].cells
    at_summary = {v: c for (r, c), v in summary.items() if r == review.HEADER_ROW}
    total_at = at_summary[review.engine_header(H.TOTAL)]
    totals = sorted(v for (r, c), v in summary.items() if c == total_at and r >= review.FIRST_ROW)
    assert totals == [500_000.0, 4_000_000.0]


def test_the_macro_restores_an_overwritten_formula(reviewed: Path) -> None:
    """MV_RECALC (XlwingsReview) finds a number typed over a formula through Range.Formula, reports
    the cell and writes the formula back."""
    fake = FakeBook(reviewed)
    cell = (review.FIRST_ROW + 1, column(H.GRANTED))
    fake.sheets[review.DETAIL].cells[cell] = 999.0
    summary = recalc_book(XlwingsReview(fake))
    ref = f"{review.DETAIL}!{get_column_letter(cell[1])}{cell[0]}"
    assert [r for r in summary.restored if r.startswith(ref)] == [
        f"{ref}（{H.GRANTED}：公式被改为数值 999.0）"
    ]
    restored = fake.sheets[review.DETAIL].cells[cell]
    assert isinstance(restored, str) and restored.startswith("=ROUND(")


def test_an_old_review_workbook_without_formula_columns(
    capsys: pytest.CaptureFixture[str], reviewed: Path
) -> None:
    wb = load_workbook(reviewed)
    ws = wb[review.DETAIL]
    for cell in ws[review.HEADER_ROW]:
        if cell.value == H.CHECK or str(cell.value).startswith(
            (review.ENGINE_PREFIX, review.SNAPSHOT_PREFIX)
        ):
            cell.value = None
    wb.save(reviewed)
    code, _, err = recalc(capsys, reviewed)
    assert code == 2 and "旧版 xlmv batch 生成" in err and "核对" in err
