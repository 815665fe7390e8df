"""The review workbook as ``recalc_book`` sees it: a ``ReviewBook`` protocol with two implementations,
``OpenpyxlReview`` over a file (``xlmv recalc``) and ``XlwingsReview`` over a live ``xlwings.Book``
(the ``MV_RECALC`` macro)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Protocol

from openpyxl.cell.rich_text import CellRichText

from xlmv_workbook.read.books import xlwings_source
from xlmv_workbook.review import sheets as review


class ReviewBook(Protocol):
    """What ``recalc_book`` needs from an open review workbook."""

    @property
    def source(self) -> str: ...

    def sheet_names(self) -> list[str]: ...

    def read_sheet(self, sheet: str) -> list[list[object]]:
        """The sheet's cell values from A1 to the last used cell, row by row (empty cells ``None``)."""
        ...

    def read_formulas(self, sheet: str) -> list[list[object]]:
        """Like ``read_sheet``, but a formula cell as its formula text (``=ROUND(…)``)."""
        ...

    def write_column(
        self, sheet: str, column: int, first_row: int, values: Sequence[object], number_format: str | None
    ) -> None:
        """Write ``values`` down one column (1-based ``column`` and ``first_row``); ``Decimal`` money,
        ``str`` text (always as text), ``Formula`` a formula, ``None`` to clear."""
        ...


class OpenpyxlReview:
    """A review workbook loaded with openpyxl (``openpyxl.Workbook``); the caller saves it."""

    def __init__(self, workbook: Any, source: str | os.PathLike[str]) -> None:
        self.workbook = workbook
        self._source = os.fspath(source)

    @property
    def source(self) -> str:
        return self._source

    def sheet_names(self) -> list[str]:
        return list(self.workbook.sheetnames)

    def read_sheet(self, sheet: str) -> list[list[object]]:
        ws = self.workbook[sheet]
        return [
            [str(v) if isinstance(v, CellRichText) else v for v in row]
            for row in ws.iter_rows(values_only=True)
        ]

    def read_formulas(self, sheet: str) -> list[list[object]]:
        return self.read_sheet(sheet)  # loaded with formulas, not cached values

    def write_column(
        self, sheet: str, column: int, first_row: int, values: Sequence[object], number_format: str | None
    ) -> None:
        ws = self.workbook[sheet]
        for k, value in enumerate(values):
            cell = ws.cell(row=first_row + k, column=column)
            if isinstance(value, review.Formula):
                cell.value = "=" + value.text
                continue
            cell.value = review.cell_text(value) if isinstance(value, str) else value
            if isinstance(value, str):
                cell.data_type = "s"
            if number_format and value is not None and cell.number_format == "General":
                cell.number_format = number_format


def _com_value(value: object) -> object:
    if isinstance(value, review.Formula):
        return "=" + value.text
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        return "'" + value if value.startswith(("=", "+", "-", "@")) else value
    return value


class XlwingsReview:
    """A live review workbook through xlwings (``XlwingsReview(xlwings.Book.caller())``), classic object
    model only: ``book.sheets``, ``sheet.used_range``, ``sheet.range((row, column), (row, column))``."""

    def __init__(self, book: Any) -> None:
        self.book = book

    @property
    def source(self) -> str:
        return xlwings_source(self.book)

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def read_sheet(self, sheet: str) -> list[list[object]]:
        used = self.book.sheets[sheet].used_range
        values = used.options(ndim=2).value or []
        top, left = used.row, used.column
        pad = [None] * (left - 1)
        rows: list[list[object]] = [[] for _ in range(top - 1)]
        rows += [pad + list(r) for r in values]
        return rows

    def read_formulas(self, sheet: str) -> list[list[object]]:
        used = self.book.sheets[sheet].used_range
        formulas = used.formula
        if not isinstance(formulas, (list, tuple)):
            formulas = ((formulas,),)
        elif formulas and not isinstance(formulas[0], (list, tuple)):
            formulas = (formulas,)
        top, left = used.row, used.column
        pad = [None] * (left - 1)
        rows: list[list[object]] = [[] for _ in range(top - 1)]
        rows += [pad + [None if v == "" else v for v in r] for r in formulas]
        return rows

    def write_column(
        self, sheet: str, column: int, first_row: int, values: Sequence[object], number_format: str | None
    ) -> None:
        if not values:
            return
        target = self.book.sheets[sheet].range((first_row, column), (first_row + len(values) - 1, column))
        if number_format:
            target.number_format = number_format
        target.value = [[_com_value(v)] for v in values]
