"""The 申报表 sheet: the 附件3-3 form — company block, product blocks with API services and private
procurement, the form's 产品申报费用 in 万元 with compute fees on their own line, and 补充说明."""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from xlmv.policy import Policy
from xlmv_workbook.template import inputs
from xlmv_workbook.template import layout as L
from xlmv_workbook.template.cellformulas import by_kind, unless_numbers
from xlmv_workbook.xlsx import styles as S

WIDTHS = {"A": 18, "B": 16, "C": 15, "D": 18, "E": 13, "F": 13, "G": 16, "H": 16, "I": 16}


def _span(field: L.Field) -> str | None:
    """Merged extent of a value cell: B:D / G:I in label-value rows, B:I for long texts."""
    row = field.cell[1:]
    column = field.cell[0]
    if field.type == "long_text":
        return f"B{row}:I{row}"
    if field.sheet == L.FORM and column == "B" and not _in_table(int(row)):
        return f"B{row}:D{row}"
    if field.sheet == L.FORM and column == "G" and not _in_table(int(row)):
        return f"G{row}:I{row}"
    return None


def _in_table(row: int) -> bool:
    for index in range(L.PRODUCTS):
        b = L.product_block(index)
        if b.first_service_row <= row <= b.procurement_row:
            return True
    return False


def build_form(ws: Worksheet, policy: Policy) -> None:
    for column, width in WIDTHS.items():
        ws.column_dimensions[column].width = width
    S.title(ws, "A1", "模型券奖励申报表", "A1:I1")
    S.text(
        ws,
        "A2",
        "附件3-3　黄色格填写，绿色格自动计算；金额单位：元，“产品申报费用”按表格要求以万元列示",
        span="A2:F2",
    )
    S.computed(ws, "G2", f"={L.ENGINE_NAME}", span="G2:I2")
    S.header(ws, "A3", "第一部分 申请基本情况——申请企业情况（加盖公章）", "A3:I3")

    fields = L.by_path()
    for field in L.fields():
        if field.sheet != L.FORM:
            continue
        span = _span(field)
        inputs.input_cell(ws, field, span)
        if span:
            S.border_span(ws, span)
        row = int(field.cell[1:])
        if field.type == "long_text":
            S.label(ws, f"A{row}", field.label)
            ws.row_dimensions[row].height = 90 if field.path.endswith("description") else 60
        elif field.cell[0] == "B" and not _in_table(row):
            S.label(ws, f"A{row}", field.label)
            ws.row_dimensions[row].height = 30
        elif field.cell[0] == "G" and not _in_table(row):
            S.label(ws, f"E{row}", field.label, span=f"E{row}:F{row}")
    for index in range(L.PRODUCTS):
        _product(ws, policy, L.product_block(index), fields)
    ws.freeze_panes = "A4"
    S.page_setup(ws, f"A1:I{L.SUPPLEMENT_ROW}", landscape=True, title_rows="1:2")


def _product(ws: Worksheet, policy: Policy, b: L.ProductBlock, fields: dict[str, L.Field]) -> None:
    n = b.index + 1
    S.header(
        ws,
        f"A{b.header_row}",
        f"第二部分 大模型应用产品基本情况——产品{n}",
        f"A{b.header_row}:I{b.header_row}",
    )
    S.label(
        ws,
        f"A{b.fees_title_row}",
        "产品申报费用明细（元）：API调用逐项填写所用大模型API服务；私有化部署填写采购行，算力、数据费用单独列出、不计入采购金额",
        span=f"A{b.fees_title_row}:I{b.fees_title_row}",
    )
    S.label(ws, f"A{b.service_header_row}", "序号")
    for column, (_, _, title, _) in zip(L.FORM_COLUMNS[1:], L.SERVICE_COLUMNS, strict=True):
        S.label(ws, f"{column}{b.service_header_row}", title)
    for s in range(L.SERVICES):
        S.label(ws, f"A{b.first_service_row + s}", f"API服务{s + 1}")
    for column, (_, _, title, _) in zip(L.FORM_COLUMNS, L.PROCUREMENT_COLUMNS, strict=True):
        S.label(ws, f"{column}{b.procurement_header_row}", title)
    # Wrapped text needs the height: filing numbers (Beijing-…-2024…) take two lines, the procurement
    # header “大模型采购金额（元，不含算力、数据）” three.
    for row in range(b.first_service_row, b.procurement_row + 1):
        ws.row_dimensions[row].height = 30
    ws.row_dimensions[b.service_header_row].height = 30
    ws.row_dimensions[b.procurement_header_row].height = 45
    ws.row_dimensions[b.fees_header_row].height = 30

    # 附件3-3 产品申报费用（万元）: itemised, compute fees on their own line.
    at = f"products[{b.index}]."
    kind_cell = fields[f"{at}kind"].cell
    claimed = [fields[f"{at}services[{s}].claimed_amount"].cell for s in range(L.SERVICES)]
    proc = {
        k: fields[f"{at}procurement.{k}"].cell for k in ("procurement_amount", "compute_fees", "data_fees")
    }
    titles = (
        "产品申报费用（万元）",
        "API调用费用",
        "大模型采购费用",
        "算力费用（单独列出）",
        "数据费用",
        "合计",
    )
    for column, title in zip("ABCDEF", titles, strict=True):
        S.label(ws, f"{column}{b.fees_header_row}", title)
    S.label(ws, f"A{b.fees_row}", "金额（万元）")
    # A text amount shows the marker, never a figure computed from text (SUM would skip it silently).
    claimed_range = f"{claimed[0]}:{claimed[-1]}"
    api_sum = unless_numbers([claimed_range], f"ROUND(SUM({claimed_range})/10000,2)")

    def wan(cell: str) -> str:
        return unless_numbers([cell], f"ROUND({cell}/10000,2)")

    values = {
        "B": by_kind(policy, kind_cell, {"api": api_sum}, "0"),
        "C": by_kind(policy, kind_cell, {"private": wan(proc["procurement_amount"])}, "0"),
        "D": by_kind(policy, kind_cell, {"private": wan(proc["compute_fees"])}, "0"),
        "E": by_kind(policy, kind_cell, {"private": wan(proc["data_fees"])}, "0"),
    }
    for column, formula in values.items():
        S.computed(ws, f"{column}{b.fees_row}", f"={formula}", S.WAN_FORMAT)
    fees = f"B{b.fees_row}:E{b.fees_row}"
    S.computed(ws, f"F{b.fees_row}", "=" + unless_numbers([fees], f"SUM({fees})"), S.WAN_FORMAT)
    S.text(
        ws,
        f"G{b.fees_header_row}",
        "按申报方式汇总；奖励测算见“奖励测算”表",
        span=f"G{b.fees_header_row}:I{b.fees_row}",
    )
