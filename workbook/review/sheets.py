"""The review workbook (复核汇总.xlsx) that ``xlmv batch`` writes and ``xlmv recalc`` recomputes.

Sheets: 复核明细 (one row per declared product, or per file that has none or cannot be read), 按企业汇总
(one row per enterprise and natural year), 问题清单 (every finding, and every unreadable file), and the
hidden sheet ``SETTINGS`` (what kind of workbook this is, the policy and the allocation rule).

Columns are found by their header text in row 1, never by position (``xlmv recalc`` and the
``MV_RECALC`` macro look them up with ``header_index``), so a reviewer may add, hide or move columns;
the header texts themselves must stay. Editable columns (``Column.editable``: 审定比例, 本项目已获奖励,
本年已获（台账）) are filled light yellow; the computed columns are recomputed by ``xlmv recalc`` from them.
Every text cell from a declaration is written as text (never as a formula) with the characters XML
cannot hold removed.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from xlmv_workbook.xlsx import celltext, styles
from xlmv_workbook.xlsx import macros as macro_support
from xlmv_workbook.xlsx.atomic import write_atomically

__all__ = [
    "DETAIL",
    "DETAIL_COLUMNS",
    "ISSUES",
    "ISSUE_COLUMNS",
    "KIND",
    "SETTINGS",
    "SUMMARY",
    "SUMMARY_COLUMNS",
    "Column",
    "H",
    "cell_text",
    "header_index",
    "write_review",
]

DETAIL = "复核明细"
SUMMARY = "按企业汇总"
ISSUES = "问题清单"
SETTINGS = "xlmv复核设置"
KIND = "xlmv-review"
FORMAT_VERSION = "1"

MONEY = styles.MONEY_FORMAT
PERCENT = "0.00%"
MAX_CELL_TEXT = celltext.MAX_CELL_UNITS  # Excel's limit, in UTF-16 code units


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    number_format: str | None = None
    editable: bool = False  # the reviewer may change it; recalc reads it
    computed: bool = False  # recalc rewrites it
    hidden: bool = False


class H:
    """Header texts (the keys ``xlmv recalc`` finds the columns by)."""

    SOURCE = "来源文件"
    COMPANY = "企业名称"
    USCC = "统一社会信用代码"
    YEAR = "申报年度"
    SLOT = "产品序号"
    PRODUCT = "产品名称"
    KIND = "申报方式"
    CLAIMED = "申报金额（元）"
    TIER = "档位"
    MAX_REWARD = "测算奖励上限（元）"
    RATIO = "审定比例"
    CAPPED = "项目上限后（元）"
    GRANTED = "企业年度上限后（元）"
    ISSUE_COUNT = "问题数"
    STATUS = "状态"
    PRIOR = "本项目已获奖励（元）"
    PRIOR_SOURCE = "已获来源"
    BATCH_PRIOR = "同项目在先申报（元）"
    DATE = "申报日期"
    NOTE = "说明"
    AMOUNTS = "计奖金额明细"
    # 按企业汇总
    ENTERPRISE = "企业"
    GROUP_YEAR = "年度"
    PROJECTS = "申报项目数"
    REQUESTED = "测算合计（元）"
    YEAR_PRIOR = "本年已获（台账）"
    YEAR_PRIOR_SOURCE = "已获来源"
    TOTAL = "可获合计（元）"
    BINDING = "是否触及年度上限"
    GROUP = "分组键"
    # 问题清单
    LOCATION = "位置"
    SEVERITY = "严重程度"
    PROBLEM = "问题"
    CLAUSE = "政策条款"


DETAIL_COLUMNS: tuple[Column, ...] = (
    Column(H.SOURCE, 36),
    Column(H.COMPANY, 26),
    Column(H.USCC, 21),
    Column(H.YEAR, 9, "0"),
    Column(H.SLOT, 8, "0"),
    Column(H.PRODUCT, 22),
    Column(H.KIND, 11),
    Column(H.CLAIMED, 16, MONEY),
    Column(H.TIER, 8),
    Column(H.MAX_REWARD, 16, MONEY),
    Column(H.RATIO, 9, PERCENT, editable=True),
    Column(H.CAPPED, 16, MONEY, computed=True),
    Column(H.GRANTED, 17, MONEY, computed=True),
    Column(H.ISSUE_COUNT, 7, "0"),
    Column(H.STATUS, 9),
    Column(H.PRIOR, 17, MONEY, editable=True),
    Column(H.PRIOR_SOURCE, 9),
    Column(H.BATCH_PRIOR, 17, MONEY, computed=True),
    Column(H.DATE, 11, styles.DATE_FORMAT),
    Column(H.NOTE, 40),
    Column(H.AMOUNTS, 30, "@", hidden=True),
)
SUMMARY_COLUMNS: tuple[Column, ...] = (
    Column(H.ENTERPRISE, 28),
    Column(H.USCC, 21),
    Column(H.GROUP_YEAR, 9, "0"),
    Column(H.PROJECTS, 10, "0", computed=True),
    Column(H.REQUESTED, 17, MONEY, computed=True),
    Column(H.YEAR_PRIOR, 17, MONEY, editable=True),
    Column(H.YEAR_PRIOR_SOURCE, 9),
    Column(H.TOTAL, 17, MONEY, computed=True),
    Column(H.BINDING, 14, computed=True),
    Column(H.GROUP, 30, "@", hidden=True),
)
ISSUE_COLUMNS: tuple[Column, ...] = (
    Column(H.SOURCE, 36),
    Column(H.LOCATION, 16),
    Column(H.SEVERITY, 9),
    Column(H.PROBLEM, 70),
    Column(H.CLAUSE, 22),
)

SETTINGS_NOTE = (
    "本工作簿由 xlmv batch 生成。xlmv recalc（或 Excel 中的 MV_RECALC 宏）按各表第 1 行的列标题查找列，"
    "请勿修改列标题；可增加、移动或隐藏列。可修改的输入：复核明细的“审定比例”“本项目已获奖励（元）”，"
    "按企业汇总的“本年已获（台账）”；本表的“分配规则”可改为 in_order（按申报日期先后）或 pro_rata（按比例）。"
    "重算只改写计算列：项目上限后、企业年度上限后、同项目在先申报，以及按企业汇总的申报项目数、测算合计、"
    "可获合计、是否触及年度上限。"
)
SETTING_KIND = "文件类型"
SETTING_VERSION = "格式版本"
SETTING_POLICY = "政策"
SETTING_ALLOCATION = "分配规则"
SETTING_LEDGER = "台账"
SETTING_NOTE = "说明"


def header_key(value: object) -> str:
    """A header as compared: NFKC, blanks removed (``已获来源 `` and ``已获来源`` are the same column)."""
    return "".join(unicodedata.normalize("NFKC", str(value)).split()) if value is not None else ""


def header_index(row: Sequence[object]) -> dict[str, int]:
    """Header text (NFKC, no blanks) → 0-based column index; the first occurrence wins."""
    index: dict[str, int] = {}
    for n, value in enumerate(row):
        key = header_key(value)
        if key and key not in index:
            index[key] = n
    return index


def cell_text(value: str) -> str:
    """Text as a cell can hold it: no XML-illegal control characters, at most Excel's 32,767 UTF-16 units."""
    return celltext.truncate(ILLEGAL_CHARACTERS_RE.sub("", value), MAX_CELL_TEXT)


# ------------------------------------------------------------------------------------------ writing

_HEADER_FONT = Font(name=styles.FONT_NAME, bold=True, color="FFFFFFFF")
_HEADER_FILL = PatternFill(fill_type="solid", fgColor=styles.HEADER_FILL)
_INPUT_FILL = PatternFill(fill_type="solid", fgColor=styles.INPUT_FILL)
_COMPUTED_FILL = PatternFill(fill_type="solid", fgColor=styles.COMPUTED_FILL)
_HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _sheet(ws: Worksheet, columns: Sequence[Column], rows: int) -> None:
    """Header, column settings and one style row (row 2) whose cells carry each column's style; the data
    rows replace the style row after saving (``_with_rows``)."""
    ws.append([c.header for c in columns])
    for cell in ws[1]:
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_ALIGN
    ws.row_dimensions[1].height = 30
    for n, column in enumerate(columns, start=1):
        letter = get_column_letter(n)
        dimension = ws.column_dimensions[letter]
        dimension.width = column.width
        dimension.hidden = column.hidden
        cell = ws.cell(row=2, column=n)
        if column.number_format:
            cell.number_format = column.number_format
        if column.editable or column.computed:
            cell.fill = _INPUT_FILL if column.editable else _COMPUTED_FILL
    last = f"{get_column_letter(len(columns))}{rows + 1}"
    ws.freeze_panes = "B2" if ws.title != ISSUES else "A2"
    ws.auto_filter.ref = f"A1:{last}"
    styles.page_setup(ws, f"A1:{last}", landscape=True, title_rows="1:1")


# --- the data rows, written as XML directly (openpyxl's writer takes ~20 µs a cell) -------------------

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_STYLE_ROW = re.compile(r'<row r="2"[^>]*?(?:/>|>.*?</row>)', re.DOTALL)
_STYLE_CELL = re.compile(r'<c r="([A-Z]+)2"(?: s="(\d+)")?')
_DIMENSION = re.compile(r'<dimension ref="[^"]*"')


def _cell_xml(ref: str, style: str, value: object) -> str:
    s = f' s="{style}"' if style != "0" else ""
    if value is None or value == "":
        return f'<c r="{ref}"{s}/>' if s else ""
    if isinstance(value, str):
        text = escape(cell_text(value))
        return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, Decimal):
        return f'<c r="{ref}"{s}><v>{value:f}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    if isinstance(value, dt.datetime):
        delta = value - dt.datetime.combine(_EXCEL_EPOCH, dt.time())
        return f'<c r="{ref}"{s}><v>{delta.total_seconds() / 86400!r}</v></c>'
    if isinstance(value, dt.date):
        return f'<c r="{ref}"{s}><v>{(value - _EXCEL_EPOCH).days}</v></c>'
    raise TypeError(f"cannot write {type(value).__name__} to a cell")


def _rows_xml(rows: Sequence[Sequence[object]], styles_by_column: Sequence[str]) -> str:
    letters = [get_column_letter(n + 1) for n in range(len(styles_by_column))]
    out = []
    for r, values in enumerate(rows, start=2):
        cells = "".join(
            _cell_xml(f"{letters[c]}{r}", styles_by_column[c], value) for c, value in enumerate(values)
        )
        out.append(f'<row r="{r}">{cells}</row>')
    return "".join(out)


def _with_rows(sheet_xml: str, rows: Sequence[Sequence[object]], width: int) -> str:
    """The sheet's XML with its style row replaced by ``rows`` (each cell styled like its column's
    style-row cell) and its dimension set to the data."""
    match = _STYLE_ROW.search(sheet_xml)
    if match is None:
        raise AssertionError("the style row is missing from the saved sheet")
    found = dict(_STYLE_CELL.findall(match.group(0)))
    column_styles = [found.get(get_column_letter(n + 1)) or "0" for n in range(width)]
    body = _rows_xml(rows, column_styles)
    sheet_xml = sheet_xml[: match.start()] + body + sheet_xml[match.end() :]
    last = f"{get_column_letter(width)}{len(rows) + 1}"
    return _DIMENSION.sub(f'<dimension ref="A1:{last}"', sheet_xml, count=1)


def _ratio_validation(ws: Worksheet, column: int, rows: int) -> None:
    letter = get_column_letter(column)
    rule = DataValidation(
        type="decimal",
        operator="between",
        formula1="0",
        formula2="1",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="审定比例",
        error="审定比例应在 0% 到 100% 之间",
        promptTitle="审定比例",
        prompt="评审审定的奖励比例，默认 100%；改后运行 xlmv recalc 或 MV_RECALC 重算",
        showInputMessage=True,
    )
    rule.add(f"{letter}2:{letter}{max(rows + 1, 2)}")
    ws.add_data_validation(rule)


def write_review(
    path: str | os.PathLike[str],
    detail: Sequence[Sequence[object]],
    summary: Sequence[Sequence[object]],
    issues: Sequence[Sequence[object]],
    settings: Mapping[str, str],
) -> Path:
    """Write the review workbook atomically; rows are aligned with the ``*_COLUMNS`` tuples.

    openpyxl writes everything but the data rows (styles, widths, frozen panes, filters, print setup,
    the validation of 审定比例, the hidden settings sheet); the data rows are then put in as XML, each
    cell with the style openpyxl gave its column's cell in row 2."""
    target = Path(path)
    tables = (
        (DETAIL, DETAIL_COLUMNS, detail),
        (SUMMARY, SUMMARY_COLUMNS, summary),
        (ISSUES, ISSUE_COLUMNS, issues),
    )
    wb = Workbook()
    wb.remove(wb.active)
    for title, columns, rows in tables:
        _sheet(wb.create_sheet(title), columns, len(rows))
    _ratio_validation(wb[DETAIL], [c.header for c in DETAIL_COLUMNS].index(H.RATIO) + 1, len(detail))
    meta = wb.create_sheet(SETTINGS)
    meta.append(["项目", "值"])
    values = {
        SETTING_KIND: KIND,
        SETTING_VERSION: FORMAT_VERSION,
        **settings,
        SETTING_NOTE: SETTINGS_NOTE,
    }
    for key, value in values.items():
        meta.append([key, cell_text(value)])
        meta.cell(row=meta.max_row, column=2).data_type = "s"
    meta.column_dimensions["A"].width = 12
    meta.column_dimensions["B"].width = 80
    meta.sheet_state = "hidden"
    macros = target.suffix.lower() == ".xlsm"  # MV_RECALC in Excel: xlwings.conf and the VBA project
    if macros:
        macro_support.add_config_sheet(wb)
        wb[macro_support.CONFIG_SHEET].sheet_state = "hidden"
        macro_support.set_code_names(wb)
    buffer = io.BytesIO()
    wb.save(buffer)
    # openpyxl numbers the worksheet parts in sheet order: sheet1.xml is the first sheet.
    parts = {f"xl/worksheets/sheet{n}.xml": table for n, table in enumerate(tables, start=1)}
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as final:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename in parts:
                _, columns, rows = parts[info.filename]
                xml = _with_rows(data.decode("utf-8"), rows, len(columns))
                data = xml.encode("utf-8", "replace")
            final.writestr(info.filename, data)
    data = macro_support.macro_enabled(out.getvalue()) if macros else out.getvalue()
    write_atomically(target, data)
    return target
