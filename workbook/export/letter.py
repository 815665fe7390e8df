"""The ``附件3-4 承诺书`` sheet of the export: the policy's letter with the company's full name; signature,
seal and date left for ink.
"""

from __future__ import annotations

from xlmv.declaration import Declaration
from xlmv.linebreak import wrap
from xlmv.policy import Policy, PolicyError
from xlmv_workbook.export.writer import Writer, line_limit, print_page
from xlmv_workbook.xlsx import styles as S

LETTER = "附件3-4 承诺书"


def write_letter(w: Writer, decl: Declaration, policy: Policy) -> None:
    letter = policy.letter
    if letter is None:
        raise PolicyError(f"政策 {policy.label} 没有承诺书文本（letter），无法导出附件3-4")
    ws = w.sheet(LETTER, dict.fromkeys("ABCDEF", 15))
    S.text(ws, "A1", letter.annex, bold=True)
    S.title(ws, "A2", letter.title, "A2:F2")
    ws.row_dimensions[2].height = 30
    S.text(ws, "A3", letter.subtitle, span="A3:F3").alignment = S.CENTER
    S.text(ws, "A5", letter.addressee, span="A5:F5")
    head, tail = letter.opening.split("{company}")
    opening = wrap(f"　　{head}{decl.company.name or '_______'}{tail}", line_limit(ws, "A6:F6"))
    w.put(ws, "A6", "MV_L_OPENING", "text", opening, span="A6:F6", border=False, align=S.WRAP)
    row = 7
    for item in letter.items:  # numbered as the policy prints them (附件3-4 goes from 6. to 8.)
        w.paragraph(ws, f"A{row}", "　　" + item, f"A{row}:F{row}")
        row += 1
    signature = row + 2
    S.text(ws, f"A{signature}", letter.signature, span=f"A{signature}:F{signature}")
    ws.row_dimensions[signature].height = 40
    ws.row_dimensions[signature + 1].height = 30
    date = signature + 2
    S.text(ws, f"D{date}", letter.date_line, span=f"D{date}:F{date}").alignment = S.CENTER
    ws.row_dimensions[date].height = 30
    print_page(ws, f"A1:F{date}", "1:1")
    ws.page_setup.fitToHeight = 1  # the letter is one signed page
