"""The export's review sheets: ``材料清单`` (per product checklist statuses, 齐全/缺) and ``奖励测算``
(the amounts behind each claim, the tier rows, caps, totals and the errors of a forced export).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from xlmv.assess import Assessment, ProductAssessment
from xlmv.checklist import summarize
from xlmv.declaration import Declaration, Product
from xlmv.errors import InputError
from xlmv.money import ZERO, to_wan
from xlmv.policy import Kind, Policy, PolicyError
from xlmv.reward import ItemResult, KindResult
from xlmv_workbook.export.canonical import CellKind
from xlmv_workbook.export.issue import Issue
from xlmv_workbook.export.writer import (
    Writer,
    kind_label,
    path_label,
    path_name,
    print_page,
    product_kind,
    put_input,
    tier_text,
)
from xlmv_workbook.template import layout as L
from xlmv_workbook.xlsx import styles as S

CHECKLIST = "材料清单"
CALC = "奖励测算"


# ---------------------------------------------------------------------------------------- 材料清单


def _checklist_text(policy: Policy, kind: Kind | None, statuses: Sequence[str]) -> str:
    if kind is None:
        return "申报方式无效，无法确定材料清单"
    try:
        return summarize(policy, kind, list(statuses)).text()
    except InputError as exc:
        return f"无法汇总：{exc.short()}"
    except PolicyError as exc:
        return str(exc)


def write_checklist(w: Writer, decl: Declaration, policy: Policy) -> None:
    ws = w.sheet(CHECKLIST, {"A": 8, "B": 58, "C": 22})
    S.title(ws, "A1", "申报材料清单", "A1:C1")
    ws.row_dimensions[1].height = 28
    summaries = []
    for index, product in enumerate(decl.products):
        kind = product_kind(policy, product)
        summaries.append(f"产品{index + 1} {_checklist_text(policy, kind, product.checklist)}")
    w.put(ws, "A2", "MV_K_SUMMARY", "text", "；".join(summaries) or "未申报产品", span="A2:C2", border=False)
    row = 4
    for index, product in enumerate(decl.products):
        n = index + 1
        kind = product_kind(policy, product)
        checklist = policy.checklist(kind) if kind is not None else None
        w.header(ws, row, f"产品{n}", "C")
        row += 1
        w.label(ws, f"A{row}", "产品")
        w.put(ws, f"B{row}", f"MV_K_P{n}_NAME", "text", product.name)
        w.put(ws, f"C{row}", f"MV_K_P{n}_KIND", "text", kind_label(policy, product))
        row += 1
        w.label(ws, f"A{row}", "清单")
        title = f"{checklist.id} {checklist.title}" if checklist else "—"
        w.put(ws, f"B{row}", f"MV_K_P{n}_LIST", "text", title, span=f"B{row}:C{row}")
        row += 1
        for column, text in zip("ABC", ("序号", "材料名称", "状态"), strict=True):
            w.label(ws, f"{column}{row}", text)
        row += 1
        items = checklist.items if checklist else ()
        count = max(len(items), len(product.checklist), L.CHECKLIST_ITEMS if not items else 0)
        for i in range(count):
            w.label(ws, f"A{row}", str(i + 1))
            title = items[i].title if i < len(items) else f"材料{i + 1}"
            w.put(ws, f"B{row}", f"MV_K_P{n}_ITEM_{i + 1}", "text", title)
            status = product.checklist[i] if i < len(product.checklist) else ""
            w.put(ws, f"C{row}", f"MV_P{n}_CHECK_{i + 1}", "text", status, align=S.CENTER)
            row += 1
        w.label(ws, f"A{row}", "材料情况", span=f"A{row}:B{row}")
        text = _checklist_text(policy, kind, product.checklist)
        w.put(ws, f"C{row}", f"MV_P{n}_CHECKLIST", "text", text, fill=S.COMPUTED_FILL, bold=True)
        row += 2
    ws.freeze_panes = "A3"
    print_page(ws, f"A1:C{max(row - 2, 2)}", "1:2")


# ----------------------------------------------------------------------------------------- 奖励测算

CALC_WIDTHS = {"A": 26, "B": 18, "C": 13, "D": 16, "E": 16, "F": 16, "G": 16}


def write_calc(
    w: Writer, decl: Declaration, a: Assessment, policy: Policy, issues: Sequence[Issue], version: str
) -> None:
    ws = w.sheet(CALC, CALC_WIDTHS)
    S.title(ws, "A1", "奖励测算", "A1:G1")
    ws.row_dimensions[1].height = 28
    note = (
        f"依据{policy.title}（{policy.label}）按申报内容重新计算，xlmv {version}；金额单位：元。"
        "奖励比例为政策规定的上限（“不超过”），实际以评审核定为准。"
    )
    S.text(ws, "A2", note, span="A2:G2")
    w.fit(ws, "A2", note, "A2:G2")
    row = 4
    for pa, product in zip(a.products, decl.products, strict=True):
        row = _calc_product(w, ws, row, policy, product, pa) + 2
    row = _calc_enterprise(w, ws, row, decl, a, policy)
    if issues:
        row = _calc_issues(w, ws, row + 2, issues)
    ws.freeze_panes = "A3"
    print_page(ws, f"A1:G{row}", "1:2")


def _calc_product(
    w: Writer, ws: Worksheet, row: int, policy: Policy, product: Product, pa: ProductAssessment
) -> int:
    n = pa.index + 1
    p = f"MV_P{n}_"
    at = f"products[{pa.index}]."
    kind = product_kind(policy, product)
    w.header(ws, row, f"产品{n}", "G")
    row += 1
    w.label(ws, f"A{row}", path_label(at + "name"))
    w.put(ws, f"B{row}", f"MV_C_P{n}_NAME", "text", product.name, span=f"B{row}:D{row}")
    w.label(ws, f"E{row}", path_label(at + "kind"))
    put_input(w, ws, f"F{row}", at + "kind", kind_label(policy, product), span=f"F{row}:G{row}")
    row += 1
    w.label(ws, f"A{row}", "计算依据")
    basis = f"{kind.basis_clause}：{kind.basis_text}" if kind else "申报方式无效，未计算奖励"
    w.put(ws, f"B{row}", f"MV_C_P{n}_BASIS", "text", basis, span=f"B{row}:G{row}")
    row += 1
    row = _calc_details(w, ws, row, product, pa.index, kind)
    result = pa.result
    if result is None or kind is None:
        return row - 1
    row = _calc_tiers(w, ws, row, product, pa.index, kind, result)

    def line(text: str, name: str, kind_: CellKind, value: object, **style: Any) -> None:
        nonlocal row
        w.label(ws, f"A{row}", text, span=f"A{row}:F{row}")
        w.put(ws, f"G{row}", name, kind_, value, **style)
        row += 1

    line("最高奖励合计（按比例上限，项目上限前）", f"{p}MAX_REWARD", "money", result.max_reward)
    if result.approved_ratio != 1:
        line("审定比例", f"MV_C_P{n}_RATIO", "rate", result.approved_ratio, number_format="0.00%")
        line("按审定比例的奖励", f"MV_C_P{n}_BEFORE_CAP", "money", result.reward_before_cap)
    if result.cap is not None:
        line(f"{result.cap.name}（{result.cap.clause}）", f"MV_C_P{n}_CAP_LIMIT", "money", result.cap.limit)
        line("本项目已获奖励", path_name(at + "prior_award"), "money", product.prior_award)
        line("上限内可获", f"MV_C_P{n}_CAP_AVAILABLE", "money", result.cap.available)
    line("项目奖励（项目上限后）", f"{p}REWARD", "money", result.reward, fill=S.COMPUTED_FILL)
    line("达到档位", f"{p}TIER", "text", tier_text(policy, product, pa), align=S.CENTER)
    line(
        "核定奖励（单一企业自然年上限后）",
        f"{p}GRANTED",
        "money",
        pa.granted,
        bold=True,
        fill=S.COMPUTED_FILL,
    )
    return row - 1


def _calc_details(w: Writer, ws: Worksheet, row: int, product: Product, index: int, kind: Kind | None) -> int:
    """The amounts behind the claim: each API service's filing, period, settlement and payment, or the
    procurement contract with its compute and data fees (not part of the reward base)."""
    at = f"products[{index}]."
    n = index + 1
    if product.services and (kind is None or kind.basis == "per_service"):
        row = _input_titles(w, ws, row, "API服务", f"{at}services[0].", _SERVICE_INPUTS)
        for s, service in enumerate(product.services):
            label = f"服务{s + 1} {service.provider} {service.model_name}".strip()
            w.put(ws, f"A{row}", f"MV_C_P{n}_S{s + 1}_ITEM", "text", label)
            row = _inputs(w, ws, row, f"{at}services[{s}].", service, _SERVICE_INPUTS)
    pr = product.procurement
    if pr is not None and (kind is None or kind.basis == "per_project"):
        row = _input_titles(w, ws, row, "私有化部署采购", f"{at}procurement.", _PROCUREMENT_INPUTS)
        w.put(ws, f"A{row}", f"MV_C_P{n}_PROCUREMENT_ITEM", "text", f"{pr.provider} {pr.model_name}".strip())
        row = _inputs(w, ws, row, f"{at}procurement.", pr, _PROCUREMENT_INPUTS)
    return row


# The inputs shown in columns B… of a service or procurement line, titled with the template's labels.
_SERVICE_INPUTS = ("cac_filing", "usage_start", "usage_end", "settled_amount", "paid_amount")
_PROCUREMENT_INPUTS = (
    "cac_filing",
    "contract_date",
    "contract_amount",
    "paid_amount",
    "compute_fees",
    "data_fees",
)


def _input_titles(w: Writer, ws: Worksheet, row: int, item: str, at: str, attrs: tuple[str, ...]) -> int:
    """The title row: the item's column, then the template's label of each input; returns the next row."""
    for n, text in enumerate((item, *(path_label(at + attr) for attr in attrs))):
        w.label(ws, f"{get_column_letter(n + 1)}{row}", text)
    return row + 1


def _inputs(w: Writer, ws: Worksheet, row: int, at: str, item: object, attrs: tuple[str, ...]) -> int:
    """One item's inputs in columns B…, under their defined names; returns the next row."""
    for n, attr in enumerate(attrs):
        put_input(w, ws, f"{get_column_letter(n + 2)}{row}", at + attr, getattr(item, attr))
    return row + 1


def _calc_tiers(
    w: Writer, ws: Worksheet, row: int, product: Product, index: int, kind: Kind, result: KindResult
) -> int:
    """逐档计算: per item (service or procurement) its amount and, per band reached, base, rate and reward."""
    n = index + 1
    at = f"products[{index}]."
    titles = ("项目", "金额（元）", "档位", "计算基数（元）", "比例上限", "奖励上限（元）")
    for column, text in zip("ABCDEF", titles, strict=True):
        w.label(ws, f"{column}{row}", text)
    row += 1
    if kind.basis == "per_service":
        sources = [s for s, service in enumerate(product.services) if service.claimed_amount is not None]
        paths = [f"{at}services[{s}].claimed_amount" for s in sources]
        labels = [f"服务{s + 1} {product.services[s].model_name}".strip() for s in sources]
    else:
        paths = [f"{at}procurement.procurement_amount"]
        labels = [kind.base_label]
    for m, (item, path, text) in enumerate(zip(result.items, paths, labels, strict=True), start=1):
        row = _tier_rows(w, ws, row, f"MV_C_P{n}_I{m}", item, path, text, kind)
    return row


def _tier_rows(
    w: Writer, ws: Worksheet, row: int, prefix: str, item: ItemResult, path: str, text: str, kind: Kind
) -> int:
    w.put(ws, f"A{row}", f"{prefix}_LABEL", "text", text)
    put_input(w, ws, f"B{row}", path, item.amount)
    if not item.eligible:
        floor = kind.floor.amount if kind.floor else ZERO
        w.put(ws, f"C{row}", f"{prefix}_T0_TIER", "text", "不达标", align=S.CENTER)
        w.put(
            ws,
            f"D{row}",
            f"{prefix}_T0_NOTE",
            "text",
            f"低于申报起点 {to_wan(floor)} 万元，不计奖励",
            span=f"D{row}:E{row}",
        )
        w.put(ws, f"F{row}", f"{prefix}_MAX", "money", ZERO)
        return row + 1
    first = row
    for t, band in enumerate(item.rows, start=1):
        w.put(ws, f"C{row}", f"{prefix}_T{t}_TIER", "text", band.label, align=S.CENTER)
        w.put(ws, f"D{row}", f"{prefix}_T{t}_BASE", "money", band.base)
        w.put(ws, f"E{row}", f"{prefix}_T{t}_RATE", "rate", band.rate)
        w.put(ws, f"F{row}", f"{prefix}_T{t}_REWARD", "money", band.reward)
        row += 1
    if row - first > 1:
        for column in "AB":
            S.border_span(ws, f"{column}{first}:{column}{row - 1}")
    w.label(ws, f"C{row}", "小计", span=f"C{row}:E{row}")
    w.put(ws, f"F{row}", f"{prefix}_MAX", "money", item.max_reward, bold=True)
    return row + 1


def _calc_enterprise(
    w: Writer, ws: Worksheet, row: int, decl: Declaration, a: Assessment, policy: Policy
) -> int:
    e = a.enterprise
    clause = policy.enterprise_cap.clause if policy.enterprise_cap else ""
    w.header(ws, row, f"企业合计（{clause}）" if clause else "企业合计", "G")
    row += 1

    def line(text: str, name: str, value: object, **style: Any) -> None:
        nonlocal row
        w.label(ws, f"A{row}", text, span=f"A{row}:F{row}")
        w.put(ws, f"G{row}", name, "money", value, **style)
        row += 1

    line("各项目奖励合计", "MV_C_REQUESTED", sum(e.requested, ZERO))
    if e.cap is not None:
        line(e.cap.name, "MV_C_ENTERPRISE_LIMIT", e.cap.limit)
    line("本自然年已获本政策奖励", path_name("prior_year_award"), decl.prior_year_award)
    if e.cap is not None:
        line("本年可获", "MV_C_ENTERPRISE_AVAILABLE", e.cap.available)
    line("企业合计奖励（核定）", L.TOTAL_NAME, e.total, bold=True, fill=S.COMPUTED_FILL)
    return row - 1


def _calc_issues(w: Writer, ws: Worksheet, row: int, issues: Sequence[Issue]) -> int:
    w.header(ws, row, f"导出时的校验错误（共 {len(issues)} 项，强制导出）", "G")
    row += 1
    w.label(ws, f"A{row}", "位置")
    w.label(ws, f"B{row}", "问题", span=f"B{row}:E{row}")
    w.label(ws, f"F{row}", "条款", span=f"F{row}:G{row}")
    row += 1
    for n, issue in enumerate(issues, start=1):
        w.put(ws, f"A{row}", f"MV_C_E{n}_CELL", "text", issue.cell)
        w.put(ws, f"B{row}", f"MV_C_E{n}_MESSAGE", "text", issue.message, span=f"B{row}:E{row}")
        w.put(ws, f"F{row}", f"MV_C_E{n}_CLAUSE", "text", issue.clause, span=f"F{row}:G{row}")
        row += 1
    return row - 1
