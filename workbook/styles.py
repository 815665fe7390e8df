"""Cell styles, number formats, print setup and data validation shared by every template sheet."""

from __future__ import annotations

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from xlmv_workbook.layout import Field

FONT_NAME = "宋体"
INPUT_FILL = "FFFFF2CC"  # light yellow: type here
COMPUTED_FILL = "FFE2EFDA"  # light green: computed, locked
LABEL_FILL = "FFDDEBF7"  # light blue: labels
HEADER_FILL = "FF1F4E78"  # dark blue: section headers
ERROR_FILL = "FFFFC7CE"
WARNING_FILL = "FFFFEB9C"

MONEY_FORMAT = "#,##0.00"
WAN_FORMAT = "0.00"
DATE_FORMAT = "yyyy-mm-dd"
RATE_FORMAT = "0%"

_thin = Side(style="thin", color="FF8EA9C1")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def font(bold: bool = False, size: float = 10.5, color: str = "FF000000") -> Font:
    return Font(name=FONT_NAME, bold=bold, size=size, color=color)


def fill(color: str) -> PatternFill:
    return PatternFill(fill_type="solid", start_color=color, end_color=color)


def title(ws: Worksheet, ref: str, text: str, span: str) -> None:
    ws.merge_cells(span)
    cell = ws[ref]
    cell.value = text
    cell.font = font(bold=True, size=16)
    cell.alignment = CENTER


def header(ws: Worksheet, ref: str, text: str, span: str | None = None) -> Cell:
    """A dark section header."""
    if span:
        ws.merge_cells(span)
    cell = ws[ref]
    cell.value = text
    cell.font = font(bold=True, color="FFFFFFFF")
    cell.fill = fill(HEADER_FILL)
    cell.alignment = Alignment(vertical="center")
    return cell


def label(ws: Worksheet, ref: str, text: str, span: str | None = None) -> Cell:
    if span:
        ws.merge_cells(span)
    cell = ws[ref]
    cell.value = text
    cell.font = font(bold=True)
    cell.fill = fill(LABEL_FILL)
    cell.alignment = CENTER
    cell.border = BORDER
    return cell


def text(ws: Worksheet, ref: str, value: str, *, bold: bool = False, span: str | None = None) -> Cell:
    if span:
        ws.merge_cells(span)
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
        ws.merge_cells(span)
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


_FORMATS = {"amount": MONEY_FORMAT, "date": DATE_FORMAT, "int": "0", "code": "@"}


def input_cell(ws: Worksheet, field: Field, span: str | None = None) -> Cell:
    """An unlocked, yellow input cell, formatted for its type."""
    if span:
        ws.merge_cells(span)
    cell = ws[field.cell]
    cell.font = font()
    cell.fill = fill(INPUT_FILL)
    cell.border = BORDER
    cell.alignment = Alignment(wrap_text=True, vertical="top" if field.type == "long_text" else "center")
    cell.protection = Protection(locked=False)
    if field.type in _FORMATS:
        cell.number_format = _FORMATS[field.type]
    return cell


def border_span(ws: Worksheet, span: str) -> None:
    """Borders on every cell of a merged span (Excel draws a merged cell's border from its parts)."""
    for row in ws[span]:
        for cell in row:
            cell.border = BORDER


# --- data validation ---------------------------------------------------------------------------------

LIST_NAMES = {
    "unit_types": "MV_LIST_UNIT_TYPES",
    "kinds": "MV_LIST_KINDS",
    "product_types": "MV_LIST_PRODUCT_TYPES",
    "scenarios": "MV_LIST_SCENARIOS",
    "statuses": "MV_LIST_STATUSES",
    "yes_no": "MV_LIST_YES_NO",
}
DATE_MIN, DATE_MAX = 36526, 73050  # 2000-01-01 … 2099-12-31 as Excel serials


# The input message of a typed field whose layout entry has no prompt of its own (the table columns).
DEFAULT_PROMPTS = {
    "amount": "单位：元，填写不小于 0 的金额，如 1200000",
    "int": "填写不小于 0 的整数",
    "date": "填写日期，如 2024-09-01",
    "choice": "从下拉列表选择",
    "status": "从下拉列表选择",
    "yes_no": "选择 是 / 否",
}


def validation_for(field: Field, description_limit: int) -> DataValidation | None:
    """The data validation (with a Chinese input message) for one input field."""
    prompt = field.prompt or DEFAULT_PROMPTS.get(field.type)
    common = {
        "allow_blank": True,
        "showInputMessage": True,
        "showErrorMessage": True,
        "promptTitle": field.label[:32],
        "prompt": prompt,
        "errorTitle": "输入无效",
    }
    if field.type == "amount":
        return DataValidation(
            type="decimal",
            operator="greaterThanOrEqual",
            formula1="0",
            error="请输入不小于 0 的金额（元）",
            **common,
        )
    if field.type == "int":
        return DataValidation(
            type="whole", operator="greaterThanOrEqual", formula1="0", error="请输入不小于 0 的整数", **common
        )
    if field.type == "date":
        return DataValidation(
            type="date",
            operator="between",
            formula1=str(DATE_MIN),
            formula2=str(DATE_MAX),
            error="请输入日期，如 2024-09-01",
            **common,
        )
    if field.choices is not None:
        return DataValidation(
            type="list", formula1=f"={LIST_NAMES[field.choices]}", error="请从下拉列表中选择", **common
        )
    if field.max_length is not None:
        return DataValidation(
            type="textLength",
            operator="lessThanOrEqual",
            formula1=str(description_limit),
            error=f"不超过 {description_limit} 字",
            **common,
        )
    if prompt:
        return DataValidation(**{**common, "showErrorMessage": False})
    return None


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
