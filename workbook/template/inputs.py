"""The template's input cells: their look (yellow, unlocked, formatted for their type) and their data validation
with a Chinese input message, both from the layout's ``Field``."""

from __future__ import annotations

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Protection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from xlmv_workbook.template.layout import Field
from xlmv_workbook.xlsx.styles import BORDER, DATE_FORMAT, INPUT_FILL, MONEY_FORMAT, fill, font

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
            # Written without "=" as Excel and XlsxWriter do; "=MV_LIST_…" is "Invalid expression" in Gnumeric.
            type="list",
            formula1=LIST_NAMES[field.choices],
            error="请从下拉列表中选择",
            **common,
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
