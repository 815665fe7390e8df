"""How a sheet prints, from its page setup alone: the width of its print area and the scale Excel and
LibreOffice print it at (fit to one page wide, or a fixed scale)."""

from __future__ import annotations

import re

from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

A4_MM = (210.0, 297.0)
PX_PER_INCH = 96


def area_columns(ws: Worksheet) -> list[str]:
    """The visible columns of the sheet's print area."""
    area = str(ws.print_area).split(",")[0].split("!")[-1].replace("$", "")
    first, _, last = area.partition(":")
    start = column_index_from_string(re.sub(r"[0-9]+", "", first))
    end = column_index_from_string(re.sub(r"[0-9]+", "", last or first))
    letters = [get_column_letter(n) for n in range(start, end + 1)]
    return [c for c in letters if not ws.column_dimensions[c].hidden]


def content_px(ws: Worksheet) -> float:
    """Print-area width in pixels at 100 %: Excel draws a column of width w as w·7+5 pixels (Calibri 11)."""
    return sum((ws.column_dimensions[c].width or 8.43) * 7 + 5 for c in area_columns(ws))


def printable_px(ws: Worksheet) -> float:
    short, long = A4_MM
    paper = long if ws.page_setup.orientation == "landscape" else short
    margins = (ws.page_margins.left or 0) + (ws.page_margins.right or 0)
    return (paper / 25.4 - margins) * PX_PER_INCH


def print_scale(ws: Worksheet) -> float:
    """The scale the sheet prints at (1.0 = 100 %)."""
    if ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage:
        if int(ws.page_setup.fitToWidth or 0) == 1:
            return min(1.0, printable_px(ws) / content_px(ws))
        return 1.0
    return (ws.page_setup.scale or 100) / 100


def pages_wide(ws: Worksheet) -> int:
    needed = content_px(ws) * print_scale(ws)
    return max(1, -int(-needed // printable_px(ws)))
