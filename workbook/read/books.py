"""One small interface over an open workbook, so validation runs the same code in Excel and on files.

``BookAdapter`` is what ``xlmv_workbook.read.validate`` needs: read a defined name's cell, say where it is,
write the 校验结果 sheet and colour input cells. ``OpenpyxlBook`` implements it over a file (saved
atomically to another path), ``XlwingsBook`` over a live xlwings ``Book`` using only the classic object
model (``book.names[n].refers_to_range``, ``book.sheets[s].range(a)``, ``.value``, ``.color``).

Highlights and how they are cleared: before colouring a cell, the adapter records the cell's own fill
in a JSON object (defined name → ``RRGGBB``, ``""`` for no fill) kept in the hidden cell
``校验结果!Z1``. ``clear_highlights`` restores each recorded fill at the cell the defined name points at
*now*, so it still finds the right cells after the user inserted rows, and it never touches a cell the
validation did not colour. A fill that cannot be expressed as RGB (a theme colour) is restored as the
template's input fill.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import PatternFill
from openpyxl.workbook.workbook import Workbook

from xlmv_workbook.template import layout
from xlmv_workbook.xlsx import styles
from xlmv_workbook.xlsx.atomic import save_atomically
from xlmv_workbook.xlsx.cellrefs import parse_ref
from xlmv_workbook.xlsx.safety import WorkbookError, open_checks
from xlmv_workbook.xlsx.sheetscan import CachedFormula, UncachedFormula

__all__ = [
    "INPUT_FILL",
    "MARKS_CELL",
    "MARKS_COLUMN",
    "RESULTS_FIRST_ROW",
    "BookAdapter",
    "OpenpyxlBook",
    "XlwingsBook",
    "save_atomically",
    "xlwings_source",
]

INPUT_FILL = styles.INPUT_FILL[-6:]
"""The template's input-cell fill as ``RRGGBB`` (the builder's ``FFFFF2CC``)."""
RESULTS_FIRST_ROW = 2
"""校验结果 keeps its title (A1:D1, merged); the summary line, the header and the findings start here."""
RESULT_COLUMNS = 4  # A–D
RESULTS_RANGE = f"A{RESULTS_FIRST_ROW}:D1048576"
MARKS_COLUMN = "Z"
MARKS_CELL = f"{MARKS_COLUMN}1"


class BookAdapter(Protocol):
    """What validation needs from a workbook. Addresses are ``sheet!cell``; colours ``RRGGBB``."""

    @property
    def source(self) -> str:
        """The book's file name or path, for messages."""
        ...

    def read(self, name: str) -> object:
        """The value of the cell a workbook-level defined name points at; ``KeyError`` if there is none.

        Numbers as ``int``/``float``, dates as ``date``/``datetime``, error cells as their text
        (``#N/A``), empty cells as ``None``.
        """
        ...

    def address(self, name: str) -> str:
        """``申报表!B4``: where the defined name points now; ``KeyError`` if there is no such name."""
        ...

    def write_results(self, rows: Sequence[Sequence[str]]) -> None:
        """Replace columns A–D of the 校验结果 sheet from row 2 (below its title) with ``rows``, as text."""
        ...

    def highlight(self, marks: Mapping[str, str]) -> None:
        """Fill the cell of each defined name with its colour, remembering the cell's own fill."""
        ...

    def write_cells(self, values: Mapping[str, str]) -> None:
        """Write each text into the cell its defined name points at (names the book lacks are skipped)."""
        ...

    def clear_highlights(self) -> None:
        """Restore the fill of every cell an earlier ``highlight`` coloured, and forget them."""
        ...


def _load_marks(text: object) -> dict[str, str]:
    """The recorded fills; anything unreadable (edited by hand) counts as nothing recorded."""
    if not isinstance(text, str) or not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


class _Highlighting:
    """``highlight`` and ``clear_highlights`` over four primitives each adapter provides."""

    def address(self, name: str) -> str:
        raise NotImplementedError

    def _get_fill(self, address: str) -> str:
        """The cell's solid fill as ``RRGGBB``, ``""`` for none."""
        raise NotImplementedError

    def _set_fill(self, address: str, colour: str) -> None:
        """Fill the cell with ``RRGGBB``, or remove the fill for ``""``."""
        raise NotImplementedError

    def _marks_text(self) -> object:
        raise NotImplementedError

    def _store_marks_text(self, text: str | None) -> None:
        raise NotImplementedError

    def highlight(self, marks: Mapping[str, str]) -> None:
        recorded = _load_marks(self._marks_text())
        for name, colour in marks.items():
            try:
                address = self.address(name)
            except KeyError:
                continue
            if name not in recorded:
                recorded[name] = self._get_fill(address)
            self._set_fill(address, colour)
        self._store_marks_text(json.dumps(recorded, ensure_ascii=False, sort_keys=True) if recorded else None)

    def clear_highlights(self) -> None:
        for name, original in _load_marks(self._marks_text()).items():
            try:
                address = self.address(name)
            except KeyError:
                continue  # the name is gone (cells deleted): nothing left to restore
            self._set_fill(address, original)
        self._store_marks_text(None)


def _split(address: str) -> tuple[str, str]:
    sheet, _, cell = address.rpartition("!")
    return sheet, cell


# ------------------------------------------------------------------------------------------ openpyxl


class OpenpyxlBook(_Highlighting):
    """A workbook file opened with openpyxl; ``save(output)`` writes the result to another file."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        open_checks(path)
        self.path = Path(path)
        self._keep_vba = self.path.suffix.lower() == ".xlsm"
        try:
            self.workbook = load_workbook(self.path, keep_vba=self._keep_vba)
        except Exception as exc:  # openpyxl raises many kinds on malformed parts
            raise WorkbookError(
                path, f"无法打开工作簿（{exc}），文件可能已损坏，请在 Excel 中重新保存"
            ) from None
        self._cached: Workbook | None = None

    @property
    def source(self) -> str:
        return os.fspath(self.path)

    def _cell(self, name: str) -> Cell:
        defined = self.workbook.defined_names.get(name)
        ref = parse_ref(defined.attr_text or "") if defined is not None else None
        if ref is None or ref[0] not in self.workbook.sheetnames:
            raise KeyError(name)
        return self.workbook[ref[0]][ref[1]]

    def read(self, name: str) -> object:
        cell = self._cell(name)
        if cell.data_type != "f":
            return cell.value
        if self._cached is None:  # formulas: the result Excel saved, from a second, values-only load
            self._cached = load_workbook(self.path, data_only=True, keep_vba=False)
        value = self._cached[cell.parent.title][cell.coordinate].value
        formula = getattr(cell.value, "text", None) or str(cell.value)  # an ArrayFormula has .text
        if value is None:
            return UncachedFormula(formula.removeprefix("="))
        return CachedFormula(formula.removeprefix("="), value)

    def address(self, name: str) -> str:
        cell = self._cell(name)
        return f"{cell.parent.title}!{cell.coordinate}"

    def _results(self) -> Any:
        if layout.RESULTS not in self.workbook.sheetnames:
            raise WorkbookError(self.path, f"缺少工作表“{layout.RESULTS}”，无法写入校验结果；请使用原始模板")
        return self.workbook[layout.RESULTS]

    def write_results(self, rows: Sequence[Sequence[str]]) -> None:
        sheet = self._results()
        for row in sheet.iter_rows(
            min_row=RESULTS_FIRST_ROW, max_row=max(sheet.max_row, RESULTS_FIRST_ROW), max_col=RESULT_COLUMNS
        ):
            for cell in row:
                cell.value = None
        for r, values in enumerate(rows, start=RESULTS_FIRST_ROW):
            for c, text in enumerate(values, start=1):
                cell = sheet.cell(row=r, column=c)
                cell.value = text
                cell.data_type = "s"  # text, even when it starts with "=" (no formula injection)

    def write_cells(self, values: Mapping[str, str]) -> None:
        for name, text in values.items():
            try:
                cell = self._cell(name)
            except KeyError:
                continue
            cell.value = text or None
            if text:
                cell.data_type = "s"  # text, even when it starts with "=" (no formula injection)

    def _get_fill(self, address: str) -> str:
        sheet, cell = _split(address)
        fill = self.workbook[sheet][cell].fill
        if fill is None or fill.fill_type is None:
            return ""
        if fill.fill_type == "solid" and fill.fgColor is not None and fill.fgColor.type == "rgb":
            return str(fill.fgColor.rgb)[-6:].upper()
        return INPUT_FILL

    def _set_fill(self, address: str, colour: str) -> None:
        sheet, cell = _split(address)
        self.workbook[sheet][cell].fill = (
            PatternFill(fill_type="solid", fgColor=f"FF{colour}") if colour else PatternFill(fill_type=None)
        )

    def _marks_text(self) -> object:
        return self._results()[MARKS_CELL].value

    def _store_marks_text(self, text: str | None) -> None:
        sheet = self._results()
        sheet[MARKS_CELL].value = text
        if text is not None:
            sheet[MARKS_CELL].data_type = "s"
        sheet.column_dimensions[MARKS_COLUMN].hidden = True

    def save(self, output: str | os.PathLike[str]) -> None:
        """Write the book to ``output`` (never over the file it was read from)."""
        target = Path(output)
        if target.exists() and os.path.samefile(target, self.path):
            raise WorkbookError(
                output, "输出文件不能与输入文件相同（输入文件不会被修改），请指定另一个文件名"
            )
        if target.suffix.lower() != self.path.suffix.lower():
            raise WorkbookError(output, f"输出文件的扩展名应与输入文件相同（{self.path.suffix}）")
        save_atomically(self.workbook, target)


# ------------------------------------------------------------------------------------------- xlwings


def _rgb_hex(colour: object) -> str:
    if isinstance(colour, (tuple, list)) and len(colour) == 3:
        return "".join(f"{int(c):02X}" for c in colour)
    if isinstance(colour, str):
        return colour.lstrip("#").upper()[-6:]
    return ""


def _rgb_tuple(colour: str) -> tuple[int, int, int] | None:
    if not colour:
        return None
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def _first(value: object) -> object:
    while isinstance(value, (list, tuple)):
        if not value:
            return None
        value = value[0]
    return value


def _excel_text(text: str) -> str:
    """Excel's quote prefix keeps text that looks like a formula from becoming one."""
    return "'" + text if text.startswith(("=", "+", "-", "@")) else text


def xlwings_source(book: Any) -> str:
    """How a live xlwings book is named in messages: its full path, else its name (a book never saved)."""
    return str(getattr(book, "fullname", None) or book.name)


class XlwingsBook(_Highlighting):
    """A live workbook through xlwings (``xlwings.Book``), e.g. ``XlwingsBook(xlwings.Book.caller())``."""

    def __init__(self, book: Any) -> None:
        self.book = book

    @property
    def source(self) -> str:
        return xlwings_source(self.book)

    def _range(self, name: str) -> Any:
        try:
            return self.book.names[name].refers_to_range
        except Exception:  # KeyError, or a COM error for a missing or #REF! name
            raise KeyError(name) from None

    def read(self, name: str) -> object:
        rng = self._range(name)
        value = _first(rng.options(err_to_str=True).value)
        formula = _first(rng.formula)
        # Range.Formula is the constant itself for a cell without a formula, also for the text "=1+1"
        # typed with Excel's quote prefix: a formula is a "=…" that differs from the value it shows.
        if isinstance(formula, str) and formula.startswith("=") and formula != value:
            return CachedFormula(formula[1:], value)
        return value

    def address(self, name: str) -> str:
        rng = self._range(name)
        return f"{rng.sheet.name}!{rng.address.replace('$', '').split(':')[0]}"

    def _sheet(self, name: str) -> Any:
        try:
            return self.book.sheets[name]
        except Exception:
            raise WorkbookError(self.source, f"缺少工作表“{name}”；请使用原始模板") from None

    def write_results(self, rows: Sequence[Sequence[str]]) -> None:
        sheet = self._sheet(layout.RESULTS)
        sheet.range(RESULTS_RANGE).clear_contents()
        if rows:
            sheet.range(f"A{RESULTS_FIRST_ROW}").value = [[_excel_text(t) for t in row] for row in rows]

    def write_cells(self, values: Mapping[str, str]) -> None:
        for name, text in values.items():
            try:
                rng = self._range(name)
            except KeyError:
                continue
            rng.value = _excel_text(text) if text else None

    def _cells(self, address: str) -> Any:
        sheet, cell = _split(address)
        return self._sheet(sheet).range(cell)

    def _get_fill(self, address: str) -> str:
        return _rgb_hex(self._cells(address).color)

    def _set_fill(self, address: str, colour: str) -> None:
        self._cells(address).color = _rgb_tuple(colour)

    def _marks_text(self) -> object:
        return self._sheet(layout.RESULTS).range(MARKS_CELL).value

    def _store_marks_text(self, text: str | None) -> None:
        sheet = self._sheet(layout.RESULTS)
        sheet.range(MARKS_CELL).value = None if text is None else "'" + text
        sheet.range(f"{MARKS_COLUMN}:{MARKS_COLUMN}").column_width = 0  # hidden
