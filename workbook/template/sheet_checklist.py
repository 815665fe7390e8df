"""The 材料清单 sheet: 附件3-1 / 附件3-2 per product, chosen by its 申报方式."""

from __future__ import annotations

from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from xlmv.policy import Policy
from xlmv_workbook.template import inputs
from xlmv_workbook.template import layout as L
from xlmv_workbook.template.cellformulas import by_kind, checklist_summary, quote
from xlmv_workbook.xlsx import styles as S


def build_checklist(ws: Worksheet, policy: Policy) -> dict[str, str]:
    """Build the sheet; returns the defined names of its material-file and evidence-status cells."""
    for column, width in {
        "A": 6,
        "B": 30,
        "C": 56,
        "D": 12,
        "E": 30,
        "F": 7,
        "G": 34,
        "H": 2,
        "I": 40,
        "J": 8,
    }.items():
        ws.column_dimensions[column].width = width
    S.title(ws, "A1", "申报材料清单", f"A1:{L.CONDITION_COLUMN}1")
    S.text(
        ws,
        "A2",
        "按“申报表”中各产品的申报方式显示附件3-1（API调用）或附件3-2（私有化部署）的材料；状态从下拉列表选择。"
        "材料文件：填写相对于本工作簿所在文件夹的路径（多个用 ; 分隔），或放入“<工作簿名>-材料/产品N/清单编号/”子文件夹；"
        "“材料核验”由校验（MV_VALIDATE 或 xlmv check）根据文件内容填写。",
        span="A2:G2",
    )
    ws.row_dimensions[2].height = 44
    names: dict[str, str] = {}
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
        S.header(ws, f"A{top}", heading, f"A{top}:G{top}")
        titles_row = ("序号", "材料名称", "要求", "状态", "材料文件", "打开", "材料核验")
        for column, title in zip("ABCDEFG", titles_row, strict=True):
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
            inputs.input_cell(ws, fields[f"{at}checklist[{i}]"])
            files = L.material_file_fields(index)[i]
            inputs.input_cell(ws, files).font = S.font(size=9)
            names[files.name] = files.cell
            names.update(_file_link_and_status(ws, index, i, row))
        _conditions(ws, index, top)
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
    S.page_setup(ws, f"A1:{L.CONDITION_COLUMN}{last}", landscape=True, title_rows="1:2")
    return names


def _file_link_and_status(ws: Worksheet, index: int, i: int, row: int) -> dict[str, str]:
    """A clickable link to the item's first file (Excel resolves a relative path against the workbook's
    folder), and the evidence-status cell the validation fills."""
    files = f"{L.FILES_COLUMN}{row}"
    first = f'TRIM(IFERROR(LEFT({files},FIND(";",{files})-1),{files}))'
    link = ws[f"{L.LINK_COLUMN}{row}"]
    link.value = f'=IF({files}="","",HYPERLINK({first},"打开"))'
    link.font = Font(name=S.FONT_NAME, size=9, color="FF0563C1", underline="single")
    link.border = S.BORDER
    status = ws[f"{L.EVIDENCE_COLUMN}{row}"]
    status.alignment = S.WRAP
    status.font = S.font(size=9)
    status.border = S.BORDER
    return {L.evidence_name(index, i + 1): status.coordinate}


def _conditions(ws: Worksheet, index: int, top: int) -> None:
    """The yes/no questions for material 2's conditional requirements (附件3-1 2, 附件3-2 2)."""
    label, answer = L.CONDITION_LABEL_COLUMN, L.CONDITION_COLUMN
    S.label(ws, f"{label}{top + 1}", "材料2 项目合同：按实际情况回答")
    S.label(ws, f"{answer}{top + 1}", "是/否")
    fields = L.by_path()
    for attr, _, text in L.CONDITIONS:
        field = fields[f"products[{index}].{attr}"]
        row = int(field.cell[len(answer) :])
        cell = S.text(ws, f"{label}{row}", text)
        cell.alignment = S.WRAP
        cell.border = S.BORDER
        inputs.input_cell(ws, field)
