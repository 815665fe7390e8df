"""The worksheet pre-scan before calamine reads values: the used area (so a crafted sheet cannot make
calamine allocate a huge grid) and, at the input cells, Excel error values (calamine shows them as empty)
formulas whose result was never saved, and formulas with a saved result.

The scan streams the part through expat with start-tag callbacks only; no elements are built.
"""

from __future__ import annotations

import math
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from openpyxl.utils import get_column_letter

from xlmv_workbook.xlsx.cellrefs import MAX_COL, MAX_ROW, position
from xlmv_workbook.xlsx.safety import StopParsing, WorkbookError, stream_part

MAX_SHEET_CELLS = 2_000_000


class UncachedFormula(NamedTuple):
    """An input cell holding a formula whose result was never saved (e.g. a file written by a script)."""

    formula: str


class CachedFormula(NamedTuple):
    """An input cell holding a formula, with the result saved in the file (which a spreadsheet may show
    differently once it recalculates)."""

    formula: str
    value: object


@dataclass
class _SheetScan:
    max_row: int = 0
    max_col: int = 0
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    uncached: dict[tuple[int, int], str] = field(default_factory=dict)
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # formulas with a saved result


_SHEET_DATA_END = re.compile(rb"</(?:[^\s<>/:]+:)?sheetData\s*>")
_CELL_TAG = re.compile(rb"<(?:[^\s<>/:]+:)?c[\s/>]")


def _cells_end(data: bytes) -> int:
    """Where the scan of a worksheet part may stop: after the last ``</sheetData>``, provided no cell
    tag follows it anywhere (else -1: parse it all). What follows (merged cells, data validations …)
    holds no cells, and is often 40% of the part."""
    last = None
    for last in _SHEET_DATA_END.finditer(data):  # noqa: B007 - the last match is wanted
        pass
    if last is None or _CELL_TAG.search(data, last.end()):
        return -1
    return last.end()


def _row_number(text: str | None, previous: int) -> int | None:
    """A ``<row r=…>`` number (the next row when absent); None when it is not a row of Excel's grid."""
    if text is None:
        number = previous + 1
    elif text.isascii() and text.isdigit() and len(text) <= 7:
        number = int(text)
    else:
        return None
    return number if 1 <= number <= MAX_ROW else None


def scan_sheet(
    path: str | os.PathLike[str],
    zf: zipfile.ZipFile,
    part: str,
    sheet: str,
    wanted: set[tuple[int, int]],
    *,
    limit: int = MAX_SHEET_CELLS,
    every_cell: bool = False,
) -> _SheetScan:
    """One streaming pass over a worksheet's cells: its used area (so calamine is never asked to
    allocate a huge sparse sheet densely), and, at the wanted cells, error values (calamine shows them
    as empty) and formulas with no saved result.

    Expat start-tag callbacks only (a cell ends where the next cell or row starts): every cell with a
    ``<v>`` or ``<is>``, even an empty one, counts towards the used area; text is kept only for the
    wanted cells. Every cell and row reference must lie inside Excel's grid (a reference this scan
    could not place would escape the used-area bound), and a used area over ``MAX_SHEET_CELLS`` is
    refused with its real extent (the scan goes on to the end to find it). ``limit`` replaces that bound;
    ``every_cell`` counts cells without a value too (openpyxl allocates a styled empty cell as well)."""
    scan = _SheetScan()
    row_no = col_no = max_row = max_col = 0
    too_large = False
    cell: tuple[int, int] = (0, 0)
    cell_type: str | None = None
    watched = in_is = False
    value: list[str] | None = None  # a watched cell's <v> or <is> text
    formula: list[str] | None = None  # a watched cell's <f> text
    collecting: list[str] | None = None
    position_of = position

    def finish() -> None:  # a watched cell ended
        shown = "".join(value) if value is not None else ""
        if cell_type == "e" and shown.strip():
            scan.errors[cell] = shown
        elif formula is not None and not shown.strip():
            scan.uncached[cell] = "".join(formula)
        elif formula is not None:
            scan.formulas[cell] = "".join(formula)

    def has_value() -> None:
        nonlocal max_row, max_col, too_large
        if row_no > max_row or col_no > max_col:
            max_row, max_col = max(max_row, row_no), max(max_col, col_no)
            too_large = too_large or max_row * max_col > limit

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal row_no, col_no, cell, cell_type, watched, in_is, value, formula, collecting
        if ":" in name:
            name = name.rpartition(":")[2]
        if name == "c":
            if watched:
                finish()
            ref = attrs.get("r")
            if ref is None:
                col_no += 1
                if col_no > MAX_COL:
                    raise _bad_reference(path, sheet, f"第 {row_no} 行的第 {col_no} 个单元格")
            else:
                position = position_of(ref)
                if position is None:
                    raise _bad_reference(path, sheet, f"单元格引用“{ref}”")
                if position[0] != row_no and row_no:
                    raise _misplaced(path, sheet, ref, row_no)
                row_no, col_no = position
            if every_cell:
                has_value()
            in_is = False
            collecting = None
            watched = (row_no, col_no) in wanted
            if watched:
                cell, cell_type, value, formula = (row_no, col_no), attrs.get("t"), None, None
        elif name == "v":
            has_value()
            if watched:
                value = collecting = []
        elif name == "is":
            has_value()
            in_is = True
            if watched:
                value = collecting = []
        elif name == "t":
            collecting = value if in_is else None
        elif name == "f":
            if watched:
                formula = collecting = []
        elif name == "row":
            if watched:
                finish()
            watched = False
            collecting = None
            number = _row_number(attrs.get("r"), row_no)
            if number is None:
                raise _bad_reference(path, sheet, f"行号“{attrs.get('r', '')}”")
            row_no, col_no = number, 0
        else:
            collecting = None

    def text(data: str) -> None:
        if collecting is not None:
            collecting.append(data)

    stream_part(path, zf, part, start, None, text, cut=_cells_end)
    if watched:
        finish()
    if too_large:
        raise _too_large(path, sheet, max_row, max_col, limit)
    scan.max_row, scan.max_col = max_row, max_col
    return scan


def _bad_reference(path: str | os.PathLike[str], sheet: str, what: str) -> WorkbookError:
    return WorkbookError(
        path,
        f"工作表“{sheet}”中的{what}超出 Excel 的范围（最多 {MAX_ROW} 行、{MAX_COL} 列）或不是有效的引用，"
        "文件可能是恶意构造或已损坏，已拒绝读取",
    )


def _too_large(
    path: str | os.PathLike[str], sheet: str, rows: int, columns: int, limit: int
) -> WorkbookError:
    extent = f"A1:{get_column_letter(columns)}{rows}"
    return WorkbookError(
        path,
        f"工作表“{sheet}”的已用区域过大：有内容的单元格占 {extent}（{rows} 行 × {columns} 列），"
        f"超过可处理的 {limit} 个单元格；请删除远处单元格中的多余内容后重新保存",
    )


def shared_string_count(path: str | os.PathLike[str], zf: zipfile.ZipFile) -> int:
    """How many entries the shared-string table holds (0 when there is none)."""
    part = "xl/sharedStrings.xml"
    if part not in zf.namelist():
        return 0
    count = 0

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal count
        if name.rpartition(":")[2] == "si":
            count += 1

    stream_part(path, zf, part, start, None, lambda data: None)
    return count


def _first_bad_value(
    path: str | os.PathLike[str],
    zf: zipfile.ZipFile,
    part: str,
    watched: Callable[[dict[str, str]], bool],
    bad: Callable[[str], bool],
) -> tuple[str, str] | None:
    """The first cell of ``part`` (cell, text as written) that ``watched`` selects by its attributes and
    whose ``<v>`` text is ``bad``; None when there is none."""
    found: list[tuple[str, str]] = []
    ref, selected = "", False
    collected: list[str] | None = None

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal ref, selected, collected
        local = name.rpartition(":")[2]
        if local == "c":
            ref, selected, collected = attrs.get("r", ""), watched(attrs), None
        elif local == "v" and selected:
            collected = []

    def end(name: str) -> None:
        nonlocal collected
        if collected is not None and name.rpartition(":")[2] == "v":
            written = "".join(collected).strip()
            if bad(written):
                found.append((ref, written))
                raise StopParsing
            collected = None

    def text(data: str) -> None:
        if collected is not None:
            collected.append(data)

    stream_part(path, zf, part, start, end, text)
    return found[0] if found else None


def _not_finite(written: str) -> bool:
    try:
        return bool(written) and not math.isfinite(float(written))
    except ValueError:
        return True


def bad_shared_string(
    path: str | os.PathLike[str], zf: zipfile.ZipFile, parts: dict[str, str]
) -> tuple[str, str, str, int] | None:
    """The first cell (sheet, cell, index as written, table size) of the worksheets ``parts`` (sheet name →
    part) whose shared-string index is not in the table: calamine names no cell when it meets one."""
    size = shared_string_count(path, zf)
    for sheet, part in parts.items():
        bad = _first_bad_value(
            path,
            zf,
            part,
            lambda attrs: attrs.get("t") == "s",
            lambda written: not (written.isascii() and written.isdigit() and int(written) < size),
        )
        if bad is not None:
            return sheet, bad[0], bad[1], size
    return None


def bad_number(path: str | os.PathLike[str], zf: zipfile.ZipFile, part: str) -> tuple[str, str] | None:
    """The first number cell (no ``t`` or ``t="n"``) whose ``<v>`` is not a finite number, as (cell, text):
    openpyxl refuses the whole workbook on ``NaN`` or ``INF`` without naming the cell."""
    return _first_bad_value(path, zf, part, lambda attrs: attrs.get("t", "n") == "n", _not_finite)


def _misplaced(path: str | os.PathLike[str], sheet: str, ref: str, row: int) -> WorkbookError:
    # Such a cell (Z1 inside row 21) made python-calamine try to allocate 83 GB and abort the process.
    return WorkbookError(
        path,
        f"工作表“{sheet}”的单元格 {ref} 位于第 {row} 行的记录中，位置不一致，文件可能已损坏；请在 Excel 中打开并重新保存",
    )
