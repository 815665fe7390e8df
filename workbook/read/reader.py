"""Reading a filled declaration template file: book structure and calamine values, handed to ``read_values``.

``read_workbook`` reads a file (python-calamine for the values, defusedxml for the defined names and for
what calamine does not show: error cells and formulas without a saved result); ``xlmv_workbook.read.validate``
reads an open book through a ``BookAdapter``. Both hand the raw cell values to ``read.result.read_values``,
which checks that the book is our template, converts every ``layout.Field`` with ``read.convert.convert``
and assembles the declaration.

Cells are found through the template's defined names, not through ``layout`` positions, so a user may
insert rows. Empty product slots and empty API-service rows are skipped; ``ReadResult`` remembers which
slot and row each declared product and service came from, so ``cell_for`` maps a finding's path back to
the cell the user typed in.

Only input cells are read. The template's computed cells (奖励测算) are never read: rewards are always
recomputed from the inputs by the engine.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping

from xlmv_workbook.read.bookxml import read_book_xml
from xlmv_workbook.read.result import ReadResult, not_our_template, read_values
from xlmv_workbook.template import layout
from xlmv_workbook.xlsx.calamine import calamine_book
from xlmv_workbook.xlsx.cellrefs import cell_index
from xlmv_workbook.xlsx.safety import WorkbookError, archive_errors, open_checks
from xlmv_workbook.xlsx.sheetscan import CachedFormula, UncachedFormula, bad_shared_string, scan_sheet

__all__ = ["read_workbook"]


def read_workbook(path: str | os.PathLike[str]) -> ReadResult:
    """Read a filled template file. Bad values become findings; a file that cannot be read, or that is
    not our template, is a ``WorkbookError``. The file is only read."""
    open_checks(path)
    with archive_errors(path), zipfile.ZipFile(path) as zf:
        book = read_book_xml(path, zf)
        wanted_names = [layout.TEMPLATE_ID_NAME, layout.TEMPLATE_VERSION_NAME, layout.POLICY_VERSION_NAME] + [
            n for f in (*layout.fields(), *layout.material_file_fields()) for n in f.names
        ]
        if layout.TEMPLATE_ID_NAME not in book.names:
            raise not_our_template(path)
        wanted: dict[str, set[tuple[int, int]]] = {}
        for name in wanted_names:
            if name in book.names:
                sheet, cell = book.names[name]
                wanted.setdefault(sheet, set()).add(cell_index(cell))
        missing_sheets = [s for s in wanted if s not in book.sheets]
        if missing_sheets:
            raise WorkbookError(
                path,
                f"缺少工作表：{'、'.join(missing_sheets)}（定义名称仍指向它们）；模板可能被改动，请使用原始模板重新填写",
            )
        scans = {s: scan_sheet(path, zf, book.sheets[s], s, cells) for s, cells in wanted.items()}
    try:
        grids = _calamine_grids(path, {s: max(r for r, _ in cells) for s, cells in wanted.items()})
    except WorkbookError as exc:
        if "shared strings" not in exc.problem:
            raise
        with archive_errors(path), zipfile.ZipFile(path) as zf:
            bad = bad_shared_string(path, zf, {s: book.sheets[s] for s in wanted})
        if bad is None:
            raise
        sheet, cell, index, size = bad
        raise WorkbookError(
            path,
            f"工作表“{sheet}”的单元格 {cell} 引用共享字符串第 “{index}” 项，但共享字符串表只有 {size} 项"
            "（从 0 起编号），文件可能已损坏，请在 Excel 中重新保存",
        ) from None

    def read(name: str) -> object:
        if name not in book.names:
            raise KeyError(name)
        sheet, cell = book.names[name]
        row, col = cell_index(cell)
        scan = scans[sheet]
        if (row, col) in scan.errors:
            return scan.errors[(row, col)]
        if (row, col) in scan.uncached:
            return UncachedFormula(scan.uncached[(row, col)])
        grid = grids[sheet]
        if row > len(grid) or col > len(grid[row - 1]):
            value = None
        else:
            value = grid[row - 1][col - 1]
            value = None if value == "" else value
        if (row, col) in scan.formulas:
            return CachedFormula(scan.formulas[(row, col)], value)
        return value

    def address(name: str) -> str:
        if name not in book.names:
            raise KeyError(name)
        sheet, cell = book.names[name]
        return f"{sheet}!{cell}"

    return read_values(os.fspath(path), read, address, unusable=book.unusable)


def _calamine_grids(path: str | os.PathLike[str], rows: Mapping[str, int]) -> dict[str, list[list[object]]]:
    with calamine_book(path, lambda problem: WorkbookError(path, problem), "工作簿内容") as workbook:
        return {
            sheet: workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=nrows)
            for sheet, nrows in rows.items()
        }
