"""The supporting sheets: 填表说明 (how to fill, legend, template id), 政策参数 (the policy data, read-only,
with the dropdown lists), 校验结果 (where findings are written) and xlwings.conf (the UDF module)."""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from xlmv.linebreak import display_width
from xlmv.policy import Policy
from xlmv_workbook.template import inputs
from xlmv_workbook.template import layout as L
from xlmv_workbook.xlsx import styles as S

GUIDE_LINES = (
    "1. 在“申报表”中填写企业信息和各申报产品（最多 {products} 项；API调用每项产品最多 {services} 款大模型服务）。黄色格为填写项，绿色格为自动计算，不能修改。",
    "2. 金额一律以“元”填写（可写 1200000，也可写 1,200,000.00）；“产品申报费用”按附件3-3要求自动换算为万元。算力、数据费用单独填写，不计入大模型采购金额。申报金额、采购金额、费用和已获奖励须为数字：以文字形式存入的金额（如粘贴的“120万”）不参与计算，相关格显示“金额须为数字”。",
    "3. 在“材料清单”中逐项选择材料状态；“奖励测算”显示分档明细、项目上限、企业年度上限和距下一档还需投入的金额。",
    "4. 在“承诺书”中确认各项承诺；打印承诺书后由法定代表人签字并加盖公章。",
    "5. 校验：安装 xlmv 插件后运行宏 MV_VALIDATE，或在命令行运行 xlmv check 本文件.xlsx；问题写入“校验结果”表，并在对应单元格标色。",
    "6. 不安装插件也能使用：Excel（Windows/Mac/网页版）、WPS、LibreOffice 中由内置公式计算档位、奖励和上限，结果与插件一致；“计算方式”单元格显示当前由谁计算。",
    "7. 插件独有：逐项明细（MV_BREAKDOWN）、统一社会信用代码校验（MV_USCC）、整本校验宏（MV_VALIDATE）。",
    "8. 材料文件：把发票（数电发票 XML/PDF/OFD、增值税电子发票 PDF/OFD）、结算单（xlsx/PDF）、合同（PDF）等放在本工作簿旁的“<本文件名>-材料”文件夹，"
    "按“产品N/清单编号”分子文件夹（如 产品1/3-1-4/ 放产品1的支付发票），或在“材料清单”的“材料文件”列填写相对于本工作簿所在文件夹的路径（多个用 ; 分隔）。"
    "校验（MV_VALIDATE 或 xlmv check / xlmv materials）读取这些文件，核对发票购买方、销售方、开票日期、金额和重复的发票号码，结果写入“材料核验”列。扫描件无法自动读取，标为“需人工核对”。",
)


def build_guide(ws: Worksheet, policy: Policy) -> dict[str, str]:
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 90
    S.title(ws, "A1", "模型券奖励申报表　填表说明", "A1:B1")
    S.text(ws, "A2", f"政策：{policy.title}（{policy.source}）", span="A2:B2")
    row = 4
    for line in GUIDE_LINES:
        S.text(ws, f"A{row}", line.format(products=L.PRODUCTS, services=L.SERVICES), span=f"A{row}:B{row}")
        ws.row_dimensions[row].height = 32 if len(line) <= 100 else 64  # two or more wrapped lines
        row += 1
    row += 1
    S.header(ws, f"A{row}", "颜色说明", f"A{row}:B{row}")
    for color, meaning in (
        (S.INPUT_FILL, "填写项（可编辑）"),
        (S.COMPUTED_FILL, "自动计算（锁定）"),
        (S.LABEL_FILL, "栏目名称"),
        (S.ERROR_FILL, "校验发现错误的单元格"),
        (S.WARNING_FILL, "校验发现警告的单元格"),
    ):
        row += 1
        ws[f"A{row}"].fill = S.fill(color)
        ws[f"A{row}"].border = S.BORDER
        S.text(ws, f"B{row}", meaning)
    row += 2
    S.label(ws, f"A{row}", "模板")
    ws[f"B{row}"] = L.TEMPLATE_ID
    S.label(ws, f"A{row + 1}", "模板版本")
    ws[f"B{row + 1}"] = L.TEMPLATE_VERSION
    S.label(ws, f"A{row + 2}", "政策版本")
    ws[f"B{row + 2}"] = policy.label
    S.page_setup(ws, f"A1:B{row + 2}", landscape=False)
    return {
        L.TEMPLATE_ID_NAME: f"B{row}",
        L.TEMPLATE_VERSION_NAME: f"B{row + 1}",
        L.POLICY_VERSION_NAME: f"B{row + 2}",
    }


def build_params(ws: Worksheet, policy: Policy) -> dict[str, str]:
    """Write the policy data; returns defined names of the dropdown lists (name → range)."""
    first_column = [k.label for k in policy.kinds] + (
        [u.label for u in policy.unit_types.items] if policy.unit_types else []
    )
    widths = {"A": 14, "B": 12, "C": 22, "D": 22, "E": 12, "F": 28, "G": 60}
    widths["A"] = max(widths["A"], *(display_width(t) + 2 for t in first_column))  # A does not run into B
    for column, width in widths.items():
        ws.column_dimensions[column].width = width
    S.title(ws, "A1", f"政策参数（只读，由政策数据 {policy.label} 生成）", "A1:G1")
    row = 3
    S.header(
        ws, f"A{row}", "奖励档位（附件3 二.4，超额累进：每档比例只适用于落在该档的部分）", f"A{row}:G{row}"
    )
    row += 1
    titles = (
        "方式",
        "档位",
        "奖励基数下限（不含，元）",
        "奖励基数上限（含，元）",
        "比例上限",
        "条款",
        "原文",
    )
    for column, title in zip("ABCDEFG", titles, strict=True):
        S.label(ws, f"{column}{row}", title)
    _fit_row(ws, row, titles)
    for kind in policy.kinds:
        lower = None
        for band in kind.bands:
            row += 1
            values = (
                kind.label,
                band.label,
                float(lower) if lower is not None else 0.0,
                float(band.upper) if band.upper else "无上限",
                float(band.rate),
                band.clause,
                band.text,
            )
            for column, value in zip("ABCDEFG", values, strict=True):
                ws[f"{column}{row}"] = value
                ws[f"{column}{row}"].border = S.BORDER
                ws[f"{column}{row}"].alignment = S.WRAP
            ws[f"C{row}"].number_format = ws[f"D{row}"].number_format = S.MONEY_FORMAT
            ws[f"E{row}"].number_format = S.RATE_FORMAT
            _fit_row(ws, row, values)
            lower = band.upper
    row += 2
    S.header(ws, f"A{row}", "申报起点与奖励上限", f"A{row}:G{row}")
    for kind in policy.kinds:
        for what, item in (("申报起点（不达标不计奖励）", kind.floor), ("项目奖励上限", kind.cap)):
            if item is None:
                continue
            row += 1
            _limit_row(
                ws, row, (kind.label, what, float(item.amount), item.clause, item.text), S.MONEY_FORMAT
            )
    if policy.enterprise_cap:
        row += 1
        cap = policy.enterprise_cap
        _limit_row(
            ws, row, ("企业", "自然年奖励上限", float(cap.amount), cap.clause, cap.text), S.MONEY_FORMAT
        )
    if policy.usage_window:
        row += 1
        w = policy.usage_window
        _limit_row(ws, row, ("全部", "使用期间起始日", w.start, w.clause, w.text), S.DATE_FORMAT)

    row += 2
    S.header(ws, f"A{row}", "下拉选项（数据验证来源）", f"A{row}:G{row}")
    row += 1
    lists = {
        "unit_types": [u.label for u in policy.unit_types.items] if policy.unit_types else [],
        "kinds": [k.label for k in policy.kinds],
        "product_types": list(policy.product_types.items) if policy.product_types else [],
        "scenarios": list(policy.scenarios.items) if policy.scenarios else [],
        "statuses": list(policy.checklist_statuses.choices) if policy.checklist_statuses else [],
        "yes_no": list(L.YES_NO),
    }
    titles = {
        "unit_types": "单位性质",
        "kinds": "申报方式",
        "product_types": "产品类型",
        "scenarios": "应用场景",
        "statuses": "材料状态",
        "yes_no": "是/否",
    }
    names = {}
    for n, (key, values) in enumerate(lists.items()):
        column = "ABCDEFG"[n]
        S.label(ws, f"{column}{row}", titles[key])
        for i, value in enumerate(values):
            ws[f"{column}{row + 1 + i}"] = value
        names[inputs.LIST_NAMES[key]] = f"${column}${row + 1}:${column}${row + max(len(values), 1)}"
    if policy.unit_types:
        row += 2 + max(len(v) for v in lists.values())
        S.header(
            ws,
            f"A{row}",
            f"单位性质对应的国民经济行业门类（GB/T 4754-2017，{policy.unit_types.clause}）",
            f"A{row}:G{row}",
        )
        for unit in policy.unit_types.items:
            row += 1
            ws[f"A{row}"] = unit.label
            ws[f"C{row}"] = "、".join(unit.divisions)
    S.page_setup(ws, f"A1:G{row}", landscape=True)
    return names


def _limit_row(ws: Worksheet, row: int, values: tuple[object, ...], number_format: str) -> None:
    """One row of the 申报起点与奖励上限 block: who, what, the figure (column D), clause, policy text."""
    for column, value in zip("ACDFG", values, strict=True):
        ws[f"{column}{row}"] = value
        ws[f"{column}{row}"].alignment = S.WRAP
    ws[f"D{row}"].number_format = number_format
    _fit_row(ws, row, values, "ACDFG")


def _fit_row(ws: Worksheet, row: int, values: tuple[object, ...], columns: str = "ABCDEFG") -> None:
    """The row as tall as its longest wrapped text needs at its column's width."""
    for column, value in zip(columns, values, strict=True):
        if isinstance(value, str):
            S.fit_height(ws, f"{column}{row}", value)


def build_results(ws: Worksheet) -> None:
    for column, width in {"A": 10, "B": 18, "C": 70, "D": 22}.items():
        ws.column_dimensions[column].width = width
    S.title(ws, "A1", "校验结果", "A1:D1")
    ws["A2"] = "运行宏 MV_VALIDATE 或命令 xlmv check 后，在此列出全部问题。"
    for column, title in zip("ABCD", ("严重程度", "位置", "问题", "政策条款"), strict=True):
        S.label(ws, f"{column}3", title)
    ws.freeze_panes = "A4"
    S.page_setup(ws, "A1:D200", landscape=False, title_rows="3:3")


def build_config(ws: Worksheet) -> None:
    """xlwings reads its settings from a sheet named ``xlwings.conf`` (key in A, value in B). The sheet is
    hidden and has no print area, so printing the workbook leaves it out (LibreOffice prints a hidden sheet
    that has a print area); xlwings reads hidden sheets (``wb.Sheets(…)``), and a user can unhide it
    (右键工作表标签 → 取消隐藏)."""
    ws["A1"], ws["B1"] = "UDF Modules", "xlmv_udfs"
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 16
    ws.sheet_state = "hidden"
