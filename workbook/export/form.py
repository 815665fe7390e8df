"""The ``附件3-3 申报表`` sheet of the export: 第一部分 (company), 第二部分 once per product with its
产品申报费用 in 万元 (``Fees``, ``fees_of``), 补充说明, and the 奖励测算 summary after the form.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from openpyxl.worksheet.worksheet import Worksheet

from xlmv.assess import Assessment
from xlmv.declaration import ApiService, Declaration, PrivateProcurement, Product
from xlmv.linebreak import wrap
from xlmv.money import WAN, ZERO, split_fen, to_wan
from xlmv.policy import Policy
from xlmv_workbook.export.issue import Issue
from xlmv_workbook.export.writer import (
    LEFT,
    TOP_WRAP,
    Writer,
    kind_label,
    line_limit,
    path_label,
    print_page,
    product_kind,
    put_input,
    tier_text,
)
from xlmv_workbook.xlsx import styles as S

FORM = "附件3-3 申报表"

FORM_WIDTHS = {"A": 16, "B": 18, "C": 14, "D": 16, "E": 22, "F": 14}
COMPANY_PAIRS = (  # 附件3-3 第一部分, in the form's order
    ("company.name", "company.uscc"),
    ("company.registered_address", "company.unit_type"),
    ("company.contact_address", "company.email"),
    ("company.contact_person", "company.mobile"),
    ("company.revenue_last_year", "company.employees"),
    ("company.product_revenue_h1_2024", "company.industry_code"),
)
COMPANY_TEXTS = ("company.introduction", "company.ranking")
_FORM_WORDS = {  # where the official form words a label unlike the template (which adds the unit)
    "company.revenue_last_year": "企业上一年营收",
    "company.employees": "员工数量",
    "company.product_revenue_h1_2024": "大模型应用产品\n2024年上半年收入",
}
_VALUE_FORMATS = {
    "company.revenue_last_year": '#,##0.00" 元"',
    "company.product_revenue_h1_2024": '#,##0.00" 元"',
}
_INTEGER_FORMATS = {"company.employees": '0" 人"'}


@dataclass(frozen=True)
class Fees:
    """One product's 产品申报费用, in yuan; the form shows each line in 万元, converted once, and 合计 as the
    sum of the printed lines."""

    services: tuple[tuple[int, ApiService], ...]
    procurement_row: PrivateProcurement | None
    api: Decimal
    procurement: Decimal
    compute: Decimal
    data: Decimal

    @property
    def total(self) -> Decimal:
        return self.api + self.procurement + self.compute + self.data


def fees_of(policy: Policy, product: Product) -> Fees:
    """API services count for a per-service kind, the procurement row for a per-project kind (both when
    the kind is unknown), as in the template's 产品申报费用 row."""
    kind = product_kind(policy, product)
    services = tuple(enumerate(product.services)) if kind is None or kind.basis == "per_service" else ()
    p = product.procurement if kind is None or kind.basis == "per_project" else None
    return Fees(
        services=services,
        procurement_row=p,
        api=sum((s.claimed_amount or ZERO for _, s in services), ZERO),
        procurement=(p.procurement_amount or ZERO) if p else ZERO,
        compute=p.compute_fees if p else ZERO,
        data=p.data_fees if p else ZERO,
    )


def write_form(w: Writer, decl: Declaration, a: Assessment, policy: Policy, issues: Sequence[Issue]) -> str:
    """Build 附件3-3; returns the cell that will show the 校验码."""
    ws = w.sheet(FORM, FORM_WIDTHS)
    S.text(ws, "A1", "附件3-3", bold=True)
    S.label(ws, "D1", "校验码")
    S.title(ws, "A2", "模型券奖励申报表", "A2:F2")
    ws.row_dimensions[2].height = 30
    w.header(ws, 3, "第一部分 申请基本情况——申请企业情况（加盖公章）", "F")
    row = 4
    company = decl.company.model_dump()
    for left_path, right_path in COMPANY_PAIRS:
        for path, (label_col, value_span) in (
            (left_path, ("A", "B{r}:C{r}")),
            (right_path, ("D", "E{r}:F{r}")),
        ):
            w.label(ws, f"{label_col}{row}", _FORM_WORDS.get(path) or path_label(path))
            span = value_span.format(r=row)
            fmt = _VALUE_FORMATS.get(path) or _INTEGER_FORMATS.get(path)
            put_input(
                w, ws, span.split(":")[0], path, company[path.split(".")[1]], span=span, number_format=fmt
            )
        row += 1
    for path in COMPANY_TEXTS:
        w.label(ws, f"A{row}", path_label(path))
        put_input(w, ws, f"B{row}", path, company[path.split(".")[1]], span=f"B{row}:F{row}")
        ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or 0, 45)
        row += 1
    for index, product in enumerate(decl.products):
        row = _form_product(w, ws, row + 1, policy, product, index, len(decl.products))
    row += 1
    w.label(ws, f"A{row}", "补充说明")
    put_input(w, ws, f"B{row}", "supplementary", decl.supplementary, span=f"B{row}:F{row}")
    ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or 0, 45)
    row = _form_summary(w, ws, row + 2, decl, a, policy, issues)
    ws.freeze_panes = "A3"
    print_page(ws, f"A1:F{row}", "1:2")
    return "E1"


def _form_product(
    w: Writer, ws: Worksheet, row: int, policy: Policy, product: Product, index: int, count: int
) -> int:
    """One 第二部分 block from ``row``; returns its last row."""
    at = f"products[{index}]."
    suffix = f"（产品{index + 1}/{count}）" if count > 1 else ""
    w.header(ws, row, f"第二部分 大模型应用产品基本情况{suffix}", "F")
    row += 1
    for attr, value in (
        ("name", product.name),
        ("product_type", product.product_type),
        ("launch_date", product.launch_date),
    ):
        w.label(ws, f"A{row}", path_label(at + attr))
        put_input(w, ws, f"B{row}", at + attr, value, span=f"B{row}:F{row}", align=LEFT)
        row += 1
    w.label(ws, f"A{row}", "应用场景说明")
    put_input(w, ws, f"B{row}", at + "scenario", product.scenario)
    put_input(w, ws, f"C{row}", at + "scenario_note", product.scenario_note, span=f"C{row}:F{row}")
    row += 1
    row = _form_fees(w, ws, row, policy, product, index)
    for attr, value, minimum in (
        ("description", product.description, 90),
        ("outcomes", product.outcomes, 45),
    ):
        w.label(ws, f"A{row}", path_label(at + attr))
        put_input(w, ws, f"B{row}", at + attr, value, span=f"B{row}:F{row}", align=TOP_WRAP)
        ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or 0, minimum)
        row += 1
    return row - 1


def _form_fees(w: Writer, ws: Worksheet, row: int, policy: Policy, product: Product, index: int) -> int:
    """产品申报费用（万元）: one line per API service, the API subtotal, the procurement, compute fees on their
    own line, data fees and the total; returns the next free row."""
    at = f"products[{index}]."
    p = f"MV_P{index + 1}_"
    fees = fees_of(policy, product)
    first = row
    # Each service's 万元 line is its share of the API subtotal (converted once from the yuan sum, as the
    # template does) by largest remainder, so the printed lines add up to the printed subtotal.
    shares = split_fen([(sv.claimed_amount or ZERO) / WAN for _, sv in fees.services], to_wan(fees.api))
    for (s, service), share in zip(fees.services, shares, strict=True):
        S.text(ws, f"B{row}", "API调用费用").border = S.BORDER
        put_input(w, ws, f"C{row}", f"{at}services[{s}].provider", service.provider, span=f"C{row}:D{row}")
        put_input(w, ws, f"E{row}", f"{at}services[{s}].model_name", service.model_name)
        claimed = None if service.claimed_amount is None else share
        w.put(ws, f"F{row}", f"{p}S{s + 1}_CLAIMED_WAN", "wan", claimed)
        row += 1
    procurement = fees.procurement_row
    # Each line converted once from its yuan amount (as the template's 产品申报费用 row); 合计 is the sum
    # of the printed lines, so a reader adding them up gets the printed total.
    wan = [to_wan(fees.api), to_wan(fees.procurement), to_wan(fees.compute), to_wan(fees.data)]
    lines: list[tuple[str, str, Decimal, str | None]] = [
        ("API调用费用小计", "FEE_API", wan[0], None),
        ("大模型采购费用", "FEE_PROCUREMENT", wan[1], "procurement"),
        ("算力费用", "FEE_COMPUTE", wan[2], "单独列出，不计入大模型采购费用"),
        ("数据费用", "FEE_DATA", wan[3], "不计入大模型采购费用"),
        ("合计", "FEE_TOTAL", sum(wan, ZERO), None),
    ]
    for text, suffix, amount, detail in lines:
        S.text(ws, f"B{row}", text, bold=suffix == "FEE_TOTAL").border = S.BORDER
        if detail == "procurement":
            put_input(
                w,
                ws,
                f"C{row}",
                f"{at}procurement.provider",
                procurement.provider if procurement else "",
                span=f"C{row}:D{row}",
            )
            put_input(
                w, ws, f"E{row}", f"{at}procurement.model_name", procurement.model_name if procurement else ""
            )
        else:
            S.merge(ws, f"C{row}:E{row}")
            S.border_span(ws, f"C{row}:E{row}")
            if detail:
                S.text(ws, f"C{row}", detail).font = S.font(size=9)
        w.put(ws, f"F{row}", f"{p}{suffix}", "wan", amount, bold=suffix == "FEE_TOTAL")
        ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or 0, 20)
        row += 1
    S.merge(ws, f"A{first}:A{row - 1}")
    S.label(ws, f"A{first}", "产品申报费用\n（万元）")
    S.border_span(ws, f"A{first}:A{row - 1}")
    return row


def _form_summary(
    w: Writer,
    ws: Worksheet,
    row: int,
    decl: Declaration,
    a: Assessment,
    policy: Policy,
    issues: Sequence[Issue],
) -> int:
    """The 奖励测算 summary after the form (not part of 附件3-3); returns its last row."""
    w.header(ws, row, "奖励测算（xlmv 按申报内容自动计算，供审核参考，不属于附件3-3 原表内容）", "F")
    row += 1
    for column, text in zip(
        "ABCDEF", ("产品", "产品名称", "申报方式", "档位", "项目奖励（元）", "核定奖励（元）"), strict=True
    ):
        w.label(ws, f"{column}{row}", text)
    row += 1
    for pa, product in zip(a.products, decl.products, strict=True):
        n = pa.index + 1
        w.label(ws, f"A{row}", f"产品{n}")
        w.put(ws, f"B{row}", f"MV_F_P{n}_NAME", "text", product.name)
        w.put(ws, f"C{row}", f"MV_F_P{n}_KIND", "text", kind_label(policy, product))
        w.put(ws, f"D{row}", f"MV_F_P{n}_TIER", "text", tier_text(policy, product, pa), align=S.CENTER)
        reward = pa.result.reward if pa.result is not None else ZERO
        w.put(ws, f"E{row}", f"MV_F_P{n}_REWARD", "money", reward, fill=S.COMPUTED_FILL)
        w.put(ws, f"F{row}", f"MV_F_P{n}_GRANTED", "money", pa.granted, fill=S.COMPUTED_FILL)
        row += 1
    w.label(ws, f"A{row}", "企业合计奖励（单一企业自然年上限后，元）", span=f"A{row}:E{row}")
    w.put(ws, f"F{row}", "MV_F_TOTAL", "money", a.enterprise.total, bold=True, fill=S.COMPUTED_FILL)
    row += 1
    w.label(ws, f"A{row}", "申报日期")
    put_input(w, ws, f"B{row}", "application_date", decl.application_date, align=LEFT)
    w.label(ws, f"C{row}", "校验")
    check = f"有 {len(issues)} 项错误（强制导出，见“奖励测算”表末）" if issues else "未发现错误"
    w.put(ws, f"D{row}", "MV_F_CHECK", "text", check, span=f"D{row}:F{row}")
    row += 1
    w.label(ws, f"A{row}", "测算依据")
    basis = (
        f"{policy.title}（{policy.label}）；xlmv {w.tool_version} 导出。\n"
        "奖励比例为政策规定的上限（“不超过”），以评审核定为准。"
    )
    basis = wrap(basis, line_limit(ws, f"B{row}:F{row}"))
    w.put(ws, f"B{row}", "MV_F_POLICY", "text", basis, span=f"B{row}:F{row}")
    return row
