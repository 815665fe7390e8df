"""The 材料清单 sheet (附件3-1 / 附件3-2 per product, chosen by its 申报方式) and the 承诺书 sheet (附件3-4)."""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from xlmv.policy import Policy
from xlmv_workbook import layout as L
from xlmv_workbook import styles as S
from xlmv_workbook.cellformulas import by_kind, checklist_summary, quote


def build_checklist(ws: Worksheet, policy: Policy) -> None:
    for column, width in {"A": 6, "B": 34, "C": 70, "D": 14}.items():
        ws.column_dimensions[column].width = width
    S.title(ws, "A1", "申报材料清单", "A1:D1")
    S.text(
        ws,
        "A2",
        "按“申报表”中各产品的申报方式显示附件3-1（API调用）或附件3-2（私有化部署）的材料；状态从下拉列表选择。",
        span="A2:D2",
    )
    fields = L.by_path()
    lists = {k.id: policy.checklist(k) for k in policy.kinds if policy.checklist(k) is not None}
    for index in range(L.PRODUCTS):
        at = f"products[{index}]."
        name, kind = fields[f"{at}name"], fields[f"{at}kind"]
        kind_ref = f"{L.FORM}!{kind.cell}"
        first = L.checklist_first_row(index)
        top = first - 2
        heading = (
            f'="产品{index + 1}："&IF({L.FORM}!{name.cell}="","（未填写产品名称）",{L.FORM}!{name.cell})'
            f'&"　申报方式："&IF({kind_ref}="","（未选择）",{kind_ref})'
            f'&"　清单："&{by_kind(policy, kind_ref, {k: quote(c.id + " " + c.title) for k, c in lists.items() if c}, quote("—"))}'
        )
        S.header(ws, f"A{top}", heading, f"A{top}:D{top}")
        for column, title in zip("ABCD", ("序号", "材料名称", "要求", "状态"), strict=True):
            S.label(ws, f"{column}{top + 1}", title)
        for i in range(L.CHECKLIST_ITEMS):
            row = first + i
            S.label(ws, f"A{row}", str(i + 1))
            titles = {k: c.items[i].title for k, c in lists.items() if c and i < len(c.items)}
            reqs = {k: c.items[i].requirement for k, c in lists.items() if c and i < len(c.items)}
            for column, texts in (("B", titles), ("C", reqs)):
                cell = ws[f"{column}{row}"]
                distinct = set(texts.values())
                cell.value = (
                    distinct.pop()
                    if len(distinct) == 1
                    else "=" + by_kind(policy, kind_ref, {k: quote(t) for k, t in texts.items()}, quote(""))
                )
                cell.alignment = S.WRAP
                cell.font = S.font(size=9 if column == "C" else 10.5)
                cell.border = S.BORDER
            ws.row_dimensions[row].height = 48
            S.input_cell(ws, fields[f"{at}checklist[{i}]"])
        summary = first + L.CHECKLIST_ITEMS
        S.label(ws, f"A{summary}", "材料情况", span=f"A{summary}:B{summary}")
        cells = [f"D{first + i}" for i in range(L.CHECKLIST_ITEMS)]
        rng = f"{cells[0]}:{cells[-1]}"
        S.computed(
            ws,
            f"C{summary}",
            "=" + checklist_summary(policy, kind_ref, rng, cells),
            span=f"C{summary}:D{summary}",
        )
    ws.freeze_panes = "A3"
    last = L.checklist_first_row(L.PRODUCTS - 1) + L.CHECKLIST_ITEMS
    S.page_setup(ws, f"A1:D{last}", landscape=False, title_rows="1:2")


def build_letter(ws: Worksheet, policy: Policy) -> None:
    letter = policy.letter
    if letter is None:
        raise ValueError(f"政策 {policy.label} 没有承诺书文本（letter）")
    for column in "ABCDEF":
        ws.column_dimensions[column].width = 15
    S.text(ws, "A1", letter.annex, bold=True)
    S.title(ws, "A2", letter.title, "A2:F2")
    S.text(ws, "A3", letter.subtitle, span="A3:F3").alignment = S.CENTER
    S.text(ws, "A5", letter.addressee, span="A5:F5")
    name = L.by_path()["company.name"].cell
    head, tail = letter.opening.split("{company}")
    opening = f'={quote("　　" + head)}&IF({L.FORM}!{name}="","_______",{L.FORM}!{name})&{quote(tail)}'
    S.text(ws, "A6", opening, span="A6:F6")
    ws.row_dimensions[6].height = 36
    row = 7
    for item in letter.items:
        S.text(ws, f"A{row}", "　　" + item, span=f"A{row}:F{row}")
        ws.row_dimensions[row].height = 18 * (1 + len(item) // 42)
        row += 1
    signature_row = row + 1
    S.text(ws, f"A{signature_row}", letter.signature, span=f"A{signature_row}:F{signature_row}")
    S.text(ws, f"D{signature_row + 1}", letter.date_line, span=f"D{signature_row + 1}:F{signature_row + 1}")
    confirm = L.COMMITMENT_FIRST_ROW - 2
    if signature_row + 2 >= confirm:
        raise ValueError("承诺书正文过长，与承诺确认区重叠；请调整 layout.COMMITMENT_FIRST_ROW")
    S.header(
        ws,
        f"A{confirm}",
        "承诺确认（供自动校验使用；正式承诺以签字盖章的纸质承诺书为准）",
        f"A{confirm}:F{confirm}",
    )
    S.label(ws, f"A{confirm + 1}", "承诺事项", span=f"A{confirm + 1}:E{confirm + 1}")
    S.label(ws, f"F{confirm + 1}", "是否承诺")
    for field in L.fields():
        if field.sheet == L.LETTER:
            r = int(field.cell[1:])
            S.text(ws, f"A{r}", field.label, span=f"A{r}:E{r}")
            ws.row_dimensions[r].height = 30
            S.input_cell(ws, field)
    S.page_setup(ws, f"A1:F{signature_row + 1}", landscape=False)
