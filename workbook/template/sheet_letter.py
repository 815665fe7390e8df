"""The 承诺书 sheet: the policy's 附件3-4 commitment letter, with the company's name and the confirmations."""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from xlmv.linebreak import wrap
from xlmv.policy import Policy
from xlmv_workbook.template import inputs
from xlmv_workbook.template import layout as L
from xlmv_workbook.template.cellformulas import quote
from xlmv_workbook.xlsx import styles as S


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
    limit = int(sum(ws.column_dimensions[c].width for c in "ABCDEF")) - 2
    for item in letter.items:  # numbered as the policy prints them; lines broken so none starts with "、"
        text = wrap("　　" + item, limit)
        S.text(ws, f"A{row}", text, span=f"A{row}:F{row}")
        S.fit_height(ws, f"A{row}", text, f"A{row}:F{row}")
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
            inputs.input_cell(ws, field)
    S.page_setup(ws, f"A1:F{signature_row + 1}", landscape=False)
