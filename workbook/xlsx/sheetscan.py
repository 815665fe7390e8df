"""The worksheet pre-scan before calamine reads values: the used area (so a crafted sheet cannot make
calamine allocate a huge grid) and, at the input cells, Excel error values (calamine shows them as empty)
formulas whose result was never saved, and formulas with a saved result.

The scan streams the part through expat with start-tag callbacks only; no elements are built.
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass, field
from typing import NamedTuple

from xlmv_workbook.xlsx.cellrefs import position
from xlmv_workbook.xlsx.safety import WorkbookError, stream_part

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


def _row_number(text: str | None, previous: int) -> int:
    return (
        int(text)
        if text is not None and text.isascii() and text.isdigit() and len(text) <= 7
        else previous + 1
    )


def scan_sheet(
    path: str | os.PathLike[str], zf: zipfile.ZipFile, part: str, sheet: str, wanted: set[tuple[int, int]]
) -> _SheetScan:
    """One streaming pass over a worksheet's cells: its used area (so calamine is never asked to
    allocate a huge sparse sheet densely), and, at the wanted cells, error values (calamine shows them
    as empty) and formulas with no saved result.

    Expat start-tag callbacks only (a cell ends where the next cell or row starts): every cell with a
    ``<v>`` or ``<is>``, even an empty one, counts towards the used area; text is kept only for the
    wanted cells."""
    scan = _SheetScan()
    row_no = col_no = max_row = max_col = 0
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
        nonlocal max_row, max_col
        if row_no > max_row or col_no > max_col:
            max_row, max_col = max(max_row, row_no), max(max_col, col_no)
            if max_row * max_col > MAX_SHEET_CELLS:
                raise _too_large(path, sheet, row_no, col_no)

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal row_no, col_no, cell, cell_type, watched, in_is, value, formula, collecting
        if ":" in name:
            name = name.rpartition(":")[2]
        if name == "c":
            if watched:
                finish()
            position = position_of(attrs.get("r"))
            if position is not None:
                if position[0] != row_no and row_no:
                    raise _misplaced(path, sheet, attrs.get("r") or "", row_no)
                row_no, col_no = position
            else:
                col_no += 1
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
            row_no, col_no = _row_number(attrs.get("r"), row_no), 0
        else:
            collecting = None

    def text(data: str) -> None:
        if collecting is not None:
            collecting.append(data)

    stream_part(path, zf, part, start, None, text, cut=_cells_end)
    if watched:
        finish()
    scan.max_row, scan.max_col = max_row, max_col
    return scan


def _too_large(path: str | os.PathLike[str], sheet: str, row: int, col: int) -> WorkbookError:
    return WorkbookError(
        path,
        f"工作表“{sheet}”的已用区域过大（有内容的单元格远至第 {row} 行第 {col} 列），请删除远处单元格中的多余内容后重新保存",
    )


def _misplaced(path: str | os.PathLike[str], sheet: str, ref: str, row: int) -> WorkbookError:
    # Such a cell (Z1 inside row 21) made python-calamine try to allocate 83 GB and abort the process.
    return WorkbookError(
        path,
        f"工作表“{sheet}”的单元格 {ref} 位于第 {row} 行的记录中，位置不一致，文件可能已损坏；请在 Excel 中打开并重新保存",
    )
