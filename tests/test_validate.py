"""Tests for xlmv_workbook.read.validate: one validation path, run on files (openpyxl) and on a live book (xlwings).

The xlwings side runs against ``FakeBook``, a stand-in for ``xlwings.Book`` that holds cells the way
Excel's COM hands them over (numbers as floats, dates as datetimes, error cells as ``None`` unless
``err_to_str=True``, a leading apostrophe as Excel's text prefix) and records every write. Both sides
start from the same real file and must produce the same findings, result rows and highlights.
"""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from workbooks import INPUT_FILL, not_ours, sha256, valid_values, write_workbook

from xlmv.findings import Finding
from xlmv_workbook.read.books import MARKS_CELL, OpenpyxlBook, XlwingsBook
from xlmv_workbook.read.bookxml import read_defined_names
from xlmv_workbook.read.validate import ERROR_FILL, HEADER, WARNING_FILL, validate
from xlmv_workbook.template import layout
from xlmv_workbook.xlsx.safety import WorkbookError

REF = {f.path: f.ref for f in layout.fields()}
LAST_ROW = 1_048_576

# ---------------------------------------------------------------------------------------- fake xlwings


class FakeError(str):
    """An error cell (``#N/A``): xlwings returns None for it unless the range has ``err_to_str=True``."""


def _index(cell: str) -> tuple[int, int]:
    match = re.fullmatch(r"\$?([A-Z]+)\$?([0-9]+)", cell)
    assert match, cell
    column = 0
    for ch in match[1]:
        column = column * 26 + ord(ch) - 64
    return int(match[2]), column


def _letters(column: int) -> str:
    out = ""
    while column:
        column, rest = divmod(column - 1, 26)
        out = chr(65 + rest) + out
    return out


class FakeRange:
    def __init__(self, sheet: FakeSheet, ref: str, *, err_to_str: bool = False) -> None:
        self.sheet, self.ref, self.err_to_str = sheet, ref, err_to_str
        first, _, last = ref.partition(":")
        if re.fullmatch(r"[A-Z]+", first):  # whole columns: "Z:Z"
            self.top, self.bottom = (1, _index(first + "1")[1]), (LAST_ROW, _index((last or first) + "1")[1])
        else:
            self.top = _index(first)
            self.bottom = _index(last) if last else self.top

    @property
    def address(self) -> str:
        top = f"${_letters(self.top[1])}${self.top[0]}"
        return top if self.top == self.bottom else f"{top}:${_letters(self.bottom[1])}${self.bottom[0]}"

    def options(self, **options: object) -> FakeRange:
        self.sheet.book.log.append(("options", self.sheet.name, self.ref, options))
        return FakeRange(self.sheet, self.ref, err_to_str=bool(options.get("err_to_str")))

    @property
    def value(self) -> object:
        value = self.sheet.cells.get(self.top)
        if isinstance(value, FakeError):
            return str(value) if self.err_to_str else None
        return value

    @value.setter
    def value(self, value: object) -> None:
        self.sheet.book.log.append(("value", self.sheet.name, self.ref, value))
        rows = value if isinstance(value, list) else [[value]]
        for r, row in enumerate(rows):
            for c, item in enumerate(row):
                self.sheet.store((self.top[0] + r, self.top[1] + c), item)

    @property
    def formula(self) -> str:
        """Excel's Range.Formula: the formula, else the constant as text ("" when empty)."""
        if self.top in self.sheet.formulas:
            return self.sheet.formulas[self.top]
        value = self.sheet.cells.get(self.top)
        return "" if value is None else str(value)

    @property
    def color(self) -> tuple[int, int, int] | None:
        return self.sheet.colors.get(self.top)

    @color.setter
    def color(self, value: tuple[int, int, int] | None) -> None:
        self.sheet.book.log.append(("color", self.sheet.name, self.ref, value))
        assert value is None or (isinstance(value, tuple) and len(value) == 3)
        if value is None:
            self.sheet.colors.pop(self.top, None)
        else:
            self.sheet.colors[self.top] = value

    def clear_contents(self) -> None:
        self.sheet.book.log.append(("clear_contents", self.sheet.name, self.ref, None))
        for key in list(self.sheet.cells):
            if self.top[0] <= key[0] <= self.bottom[0] and self.top[1] <= key[1] <= self.bottom[1]:
                del self.sheet.cells[key]

    @property
    def column_width(self) -> float:
        return self.sheet.widths.get(self.top[1], 8.43)

    @column_width.setter
    def column_width(self, value: float) -> None:
        self.sheet.widths[self.top[1]] = value


class FakeSheet:
    def __init__(self, book: FakeBook, name: str) -> None:
        self.book, self.name = book, name
        self.cells: dict[tuple[int, int], object] = {}
        self.colors: dict[tuple[int, int], tuple[int, int, int]] = {}
        self.widths: dict[int, float] = {}
        self.formulas: dict[tuple[int, int], str] = {}

    def range(self, ref: str) -> FakeRange:
        return FakeRange(self, ref)

    def store(self, key: tuple[int, int], value: object) -> None:
        if value is None or value == "":
            self.cells.pop(key, None)
            return
        if isinstance(value, str):
            assert not value.startswith("="), f"a formula was written: {value!r}"
            value = value.removeprefix("'")  # Excel's text prefix: the cell holds the rest as text
        self.cells[key] = value


class FakeName:
    def __init__(self, book: FakeBook, sheet: str, cell: str) -> None:
        self.book, self.sheet, self.cell = book, sheet, cell

    @property
    def refers_to_range(self) -> FakeRange:
        return self.book.sheets[self.sheet].range(self.cell)


class FakeBook:
    """Just what ``XlwingsBook`` uses of ``xlwings.Book``: ``name``, ``names[...]`` and ``sheets[...]``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.fullname = name
        self.log: list[tuple[str, str, str, object]] = []
        self.sheets: dict[str, FakeSheet] = {}
        self.names: dict[str, FakeName] = {}

    @classmethod
    def from_file(cls, path: Path) -> FakeBook:
        """The book Excel would show for ``path``: values as COM hands them over, solid fills as RGB."""
        book = cls(path.name)
        wb = load_workbook(path)
        cached = load_workbook(path, data_only=True)
        for ws in wb.worksheets:
            sheet = book.sheets[ws.title] = FakeSheet(book, ws.title)
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is not None and cell.data_type != "f":
                        sheet.cells[(cell.row, cell.column)] = _as_com(cell.value, cell.data_type)
                    elif cell.data_type == "f" and isinstance(cell.value, str):
                        sheet.formulas[(cell.row, cell.column)] = cell.value
                        saved = cached[ws.title].cell(cell.row, cell.column)
                        if saved.value is not None:
                            sheet.cells[(cell.row, cell.column)] = _as_com(saved.value, saved.data_type)
                    fill = cell.fill
                    if fill.fill_type == "solid" and fill.fgColor.type == "rgb":
                        rgb = fill.fgColor.rgb[-6:]
                        sheet.colors[(cell.row, cell.column)] = tuple(
                            int(rgb[i : i + 2], 16) for i in (0, 2, 4)
                        )  # type: ignore[assignment]
        for name, (sheet_name, cell) in read_defined_names(path).items():
            book.names[name] = FakeName(book, sheet_name, cell)
        return book

    def rows(self, first: int = 2) -> list[tuple[str, ...]]:
        """Columns A–D of 校验结果 from ``first`` down to the last non-empty row."""
        cells = self.sheets[layout.RESULTS].cells
        last = max((r for r, c in cells if c <= 4 and r >= first), default=first - 1)
        return [tuple(str(cells.get((r, c), "")) for c in range(1, 5)) for r in range(first, last + 1)]

    def fill_of(self, ref: str) -> str:
        sheet, cell = ref.split("!")
        colour = self.sheets[sheet].colors.get(_index(cell))
        return "" if colour is None else "".join(f"{c:02X}" for c in colour)


def _as_com(value: object, data_type: str) -> object:
    if data_type == "e":
        return FakeError(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return datetime.datetime.combine(value, datetime.time())
    return value


# ------------------------------------------------------------------------------------ openpyxl side


def file_rows(path: Path, first: int = 2) -> list[tuple[str, ...]]:
    ws = load_workbook(path)[layout.RESULTS]
    rows = []
    for r in range(first, ws.max_row + 1):
        rows.append(
            tuple("" if ws.cell(r, c).value is None else str(ws.cell(r, c).value) for c in range(1, 5))
        )
    while rows and not any(rows[-1]):
        rows.pop()
    return rows


def file_fill(path: Path, ref: str) -> str:
    sheet, cell = ref.split("!")
    fill = load_workbook(path)[sheet][cell].fill
    return fill.fgColor.rgb[-6:] if fill.fill_type == "solid" else ""


def run_both(
    tmp_path: Path, source: Path, fake: FakeBook | None = None
) -> tuple[list[Finding], list[Finding], Path, FakeBook]:
    before = sha256(source)
    output = tmp_path / f"{source.stem}-已校验{source.suffix}"
    book = OpenpyxlBook(source)
    by_file = validate(book)
    book.save(output)
    assert sha256(source) == before
    fake = fake or FakeBook.from_file(source)
    by_excel = validate(XlwingsBook(fake))
    return by_file, by_excel, output, fake


def values_with(changes: dict[str, object]) -> dict[str, object]:
    values = valid_values()
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


BAD = {
    "products[0].services[0].claimed_amount": "12o万",  # input: not an amount
    "company.revenue_last_year": "#N/A",  # input: an error cell
    "products[0].services[1].settled_amount": -5,  # input: negative
    "company.employees": "很多",  # input: text in a number cell
    "application_date": "2024年9月1日",  # accepted; makes the usage periods end after it (rule errors)
    "products[1].procurement.paid_amount": 2_000_000,  # a warning: procurement above what was paid
    "company.uscc": "91110108MA01ABCDX2",  # a rule error: wrong check character
}


# ------------------------------------------------------------------------------------------- tests


def test_valid_workbook(tmp_path: Path) -> None:
    source = write_workbook(tmp_path / "申报表.xlsx")
    by_file, by_excel, output, fake = run_both(tmp_path, source)
    assert by_file == by_excel == []
    expected = [("未发现问题", "", "", ""), HEADER]
    assert file_rows(output) == fake.rows() == expected
    assert load_workbook(output)[layout.RESULTS]["A1"].value == "校验结果"  # the title stays
    assert load_workbook(output)[layout.RESULTS][MARKS_CELL].value is None


def test_same_findings_rows_and_highlights_both_ways(tmp_path: Path) -> None:
    source = write_workbook(tmp_path / "有问题.xlsx", values_with(BAD))
    by_file, by_excel, output, fake = run_both(tmp_path, source)
    assert by_file == by_excel
    codes = {f.code for f in by_file}
    assert {"input.invalid", "company.uscc.invalid", "api.usage.after_application"} <= codes
    assert "private.procurement.over_paid" in codes
    rows = file_rows(output)
    assert rows == fake.rows()
    errors = sum(1 for f in by_file if f.is_error)
    assert rows[0] == (f"共 {len(by_file)} 项：错误 {errors}，警告 {len(by_file) - errors}", "", "", "")
    assert rows[1] == HEADER
    first = rows[2]
    assert first[0] == "错误" and first[3] == "附件3-3"
    assert ("错误", REF["products[0].services[0].claimed_amount"]) in [(r[0], r[1]) for r in rows]
    for path, colour in [
        ("products[0].services[0].claimed_amount", ERROR_FILL),
        ("company.revenue_last_year", ERROR_FILL),
        ("company.uscc", ERROR_FILL),
        ("products[1].procurement.paid_amount", WARNING_FILL),
        ("company.name", INPUT_FILL[-6:]),  # untouched
    ]:
        assert file_fill(output, REF[path]) == colour, path
        assert fake.fill_of(REF[path]) == colour, path


def test_bad_value_is_not_also_reported_missing(tmp_path: Path) -> None:
    source = write_workbook(tmp_path / "有问题.xlsx", values_with(BAD))
    findings, _, _, _ = run_both(tmp_path, source)
    at_claimed = [f.code for f in findings if f.field == "products[0].services[0].claimed_amount"]
    assert at_claimed == ["input.invalid"]


def test_error_cells_are_read_as_errors_in_excel(tmp_path: Path) -> None:
    source = write_workbook(tmp_path / "错误值.xlsx", values_with({"company.revenue_last_year": "#N/A"}))
    fake = FakeBook.from_file(source)
    [finding] = validate(XlwingsBook(fake))
    assert "单元格错误值：'#N/A'" in finding.message
    assert any(entry[0] == "options" and entry[3] == {"err_to_str": True} for entry in fake.log)


def test_revalidating_clears_the_old_highlights(tmp_path: Path) -> None:
    source = write_workbook(tmp_path / "有问题.xlsx", values_with(BAD))
    _, _, first_output, fake = run_both(tmp_path, source)
    assert load_workbook(first_output)[layout.RESULTS][MARKS_CELL].value  # the highlights are recorded
    assert load_workbook(first_output)[layout.RESULTS].column_dimensions["Z"].hidden

    # The user fixes every value in the validated copy, then validates again.
    fixed = tmp_path / "改好了.xlsx"
    wb = load_workbook(first_output)
    for path in BAD:
        sheet, cell = REF[path].split("!")
        wb[sheet][cell] = valid_values().get(path)
    wb.save(fixed)
    for path, value in valid_values().items():
        if path in BAD:
            FakeName(fake, *REF[path].split("!")).refers_to_range.value = value
    second_file, second_excel, second_output, _ = run_both(tmp_path, fixed, fake)
    assert second_file == second_excel == []
    assert file_rows(second_output) == fake.rows() == [("未发现问题", "", "", ""), HEADER]
    for path in BAD:
        assert file_fill(second_output, REF[path]) == INPUT_FILL[-6:], path
        assert fake.fill_of(REF[path]) == INPUT_FILL[-6:], path
    assert load_workbook(second_output)[layout.RESULTS][MARKS_CELL].value is None


def test_clearing_finds_cells_after_rows_were_inserted(tmp_path: Path) -> None:
    source = write_workbook(tmp_path / "缺名称.xlsx", values_with({"company.name": None}))
    fake = FakeBook.from_file(source)
    validate(XlwingsBook(fake))
    assert fake.fill_of("申报表!B4") == ERROR_FILL
    # Excel inserts rows above: the name, the cell and its fill move to B95 (emulated), B4 gets another cell.
    form = fake.sheets[layout.FORM]
    form.colors[_index("B95")] = form.colors.pop(_index("B4"))
    fake.names["_MV_COMPANY_NAME"] = FakeName(fake, layout.FORM, "B95")
    form.colors[_index("B4")] = (1, 2, 3)
    form.cells[_index("B95")] = "北京智算示例科技有限公司"
    assert validate(XlwingsBook(fake)) == []
    assert fake.fill_of("申报表!B95") == INPUT_FILL[-6:]
    assert fake.fill_of("申报表!B4") == "010203"  # not ours to touch


def test_formula_like_text_is_written_as_text(tmp_path: Path) -> None:
    changes = {
        "products[0].services[1].model_name": "=1+1",
        "products[0].services[1].claimed_amount": None,
    }
    source = write_workbook(tmp_path / "公式.xlsx", values_with(changes))
    by_file, by_excel, output, fake = run_both(tmp_path, source)  # the fake fails on any formula written
    assert by_file == by_excel
    rows = file_rows(output)
    assert rows == fake.rows()
    message = next(r for r in rows if r[2].startswith("=1+1"))
    assert message[2] == "=1+1未填写申报金额"
    ws = load_workbook(output)[layout.RESULTS]
    assert all(cell.data_type != "f" for row in ws.iter_rows(max_col=4) for cell in row)


def test_not_our_workbook_is_refused_before_writing(tmp_path: Path) -> None:
    source = not_ours(tmp_path / "别人的.xlsx")
    with pytest.raises(WorkbookError, match="不是模型券申报表模板"):
        validate(OpenpyxlBook(source))
    fake = FakeBook.from_file(source)
    with pytest.raises(WorkbookError, match="不是模型券申报表模板"):
        validate(XlwingsBook(fake))
    assert [entry for entry in fake.log if entry[0] != "options"] == []


def test_save_never_overwrites_the_input(tmp_path: Path) -> None:
    source = write_workbook(tmp_path / "申报表.xlsx")
    before = sha256(source)
    book = OpenpyxlBook(source)
    validate(book)
    with pytest.raises(WorkbookError, match="输出文件不能与输入文件相同"):
        book.save(source)
    assert sha256(source) == before
    book.save(tmp_path / "结果.xlsx")
    assert sorted(os.listdir(tmp_path)) == ["申报表.xlsx", "结果.xlsx"]  # no temporary file left behind


def test_the_macro_validates_the_calling_book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """MV_VALIDATE (the xlwings sub) runs the same validation on ``xlwings.Book.caller()``."""
    import xlwings

    import xlmv_udfs

    source = write_workbook(
        tmp_path / "申报表.xlsx", values_with({"products[0].services[0].claimed_amount": "12o万"})
    )
    fake = FakeBook.from_file(source)
    monkeypatch.setattr(xlwings.Book, "caller", staticmethod(lambda: fake), raising=False)
    xlmv_udfs.MV_VALIDATE()
    rows = fake.rows()
    assert rows[0][0].startswith("共 ")
    assert any("12o万" in row[2] for row in rows)
    assert fake.fill_of(layout.by_path()["products[0].services[0].claimed_amount"].ref) == ERROR_FILL[-6:]
