"""Cell styles, number formats, print setup and sheet protection shared by every sheet the workbook layer writes
(template, review workbook, export)."""

from __future__ import annotations

import math
import re

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet

from xlmv.linebreak import display_width

FONT_NAME = "宋体"
INPUT_FILL = "FFFFF2CC"  # light yellow: type here
COMPUTED_FILL = "FFE2EFDA"  # light green: computed, locked
LABEL_FILL = "FFDDEBF7"  # light blue: labels
HEADER_FILL = "FF1F4E78"  # dark blue: section headers
ERROR_FILL = "FFFFC7CE"
WARNING_FILL = "FFFFEB9C"

MONEY_FORMAT = "#,##0.00"
WAN_FORMAT = (
    "#,##0.00;-#,##0.00"  # 万元: shown as "#,##0.00" (a string of its own, so 万元 cells stay findable)
)
DATE_FORMAT = "yyyy-mm-dd"
RATE_FORMAT = "0%"

_thin = Side(style="thin", color="FF8EA9C1")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def merge(ws: Worksheet, span: str) -> None:
    """``ws.merge_cells(span)`` without openpyxl's scan of every range merged so far (O(n) per merge, so
    O(n²) for a sheet): the writers never merge overlapping ranges."""
    merged = MergedCellRange(ws, span)
    ws.merged_cells.ranges.add(merged)
    ws._clean_merge_range(merged)  # the covered cells become MergedCells, as merge_cells does


def font(bold: bool = False, size: float = 10.5, color: str = "FF000000") -> Font:
    return Font(name=FONT_NAME, bold=bold, size=size, color=color)


def fill(color: str) -> PatternFill:
    return PatternFill(fill_type="solid", start_color=color, end_color=color)


def title(ws: Worksheet, ref: str, text: str, span: str) -> None:
    merge(ws, span)
    cell = ws[ref]
    cell.value = text
    cell.font = font(bold=True, size=16)
    cell.alignment = CENTER


def header(ws: Worksheet, ref: str, text: str, span: str | None = None) -> Cell:
    """A dark section header."""
    if span:
        merge(ws, span)
    cell = ws[ref]
    cell.value = text
    cell.font = font(bold=True, color="FFFFFFFF")
    cell.fill = fill(HEADER_FILL)
    cell.alignment = Alignment(vertical="center")
    return cell


def label(ws: Worksheet, ref: str, text: str, span: str | None = None) -> Cell:
    if span:
        merge(ws, span)
    cell = ws[ref]
    cell.value = text
    cell.font = font(bold=True)
    cell.fill = fill(LABEL_FILL)
    cell.alignment = CENTER
    cell.border = BORDER
    return cell


def text(ws: Worksheet, ref: str, value: str, *, bold: bool = False, span: str | None = None) -> Cell:
    if span:
        merge(ws, span)
    cell = ws[ref]
    cell.value = value
    cell.font = font(bold=bold)
    cell.alignment = WRAP
    return cell


def computed(
    ws: Worksheet, ref: str, formula: str, number_format: str | None = None, span: str | None = None
) -> Cell:
    """A locked, green, formula cell."""
    if span:
        merge(ws, span)
    cell = ws[ref]
    cell.value = formula
    cell.font = font()
    cell.fill = fill(COMPUTED_FILL)
    cell.border = BORDER
    cell.alignment = WRAP
    cell.protection = Protection(locked=True)
    if number_format:
        cell.number_format = number_format
    return cell


def border_span(ws: Worksheet, span: str) -> None:
    """Borders on every cell of a merged span (Excel draws a merged cell's border from its parts)."""
    for row in ws[span]:
        for cell in row:
            cell.border = BORDER


LINE_HEIGHT = 15.0  # points per line of 10.5 pt text
MAX_ROW_HEIGHT = 409.0


def fit_height(ws: Worksheet, ref: str, text: str, span: str | None = None, *, size: float = 10.5) -> None:
    """Grow the row of ``ref`` to hold ``text`` wrapped at the width of its column (or merged ``span``):
    openpyxl cannot autofit, and LibreOffice prints a wrapped cell in a default-height row over itself.
    A column of width w holds about w display columns (a CJK character is 2) of 10.5 pt text."""
    first, _, last = (span or ref).partition(":")
    start = column_index_from_string(re.sub(r"[0-9]+", "", first))
    end = column_index_from_string(re.sub(r"[0-9]+", "", last or first))
    available = sum(ws.column_dimensions[get_column_letter(n)].width or 8.43 for n in range(start, end + 1))
    per_line = max(available - 1, 1) * 10.5 / size
    lines = sum(max(1, math.ceil(display_width(part) / per_line)) for part in str(text).split("\n"))
    row = int(re.sub(r"[A-Z$]+", "", first))
    needed = min(lines * LINE_HEIGHT * size / 10.5 + 4, MAX_ROW_HEIGHT)
    ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or 0, needed)


def page_setup(ws: Worksheet, area: str, *, landscape: bool, title_rows: str | None = None) -> None:
    """A4, fit to one page wide, with a print area and repeated title rows."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_area = area
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    if title_rows:
        ws.print_title_rows = title_rows


def protect(ws: Worksheet, *, allow_format_cells: bool = False) -> None:
    """Protect without a password: computed cells are locked, input cells unlocked.

    ``allow_format_cells`` lets the validation macro highlight input cells on a protected sheet."""
    ws.protection.sheet = True
    ws.protection.formatCells = not allow_format_cells
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
