"""The review workbook (复核汇总.xlsx) that ``xlmv batch`` writes and ``xlmv recalc`` recomputes.

Sheets: 复核明细 (one row per declared product, or per file that has none or cannot be read), 按企业汇总
(one row per enterprise and natural year), 问题清单 (every finding, and every unreadable file), and the
hidden sheet ``SETTINGS`` (what kind of workbook this is, the policy and the allocation rule).

Row 1 of each sheet is a title (batch date, policy version, number of files); row 2 holds the headers.
Columns are found by their header text, never by position (``xlmv recalc`` and the ``MV_RECALC`` macro
look the header row up with ``find_header``, which also accepts the older layout with headers in row 1),
so a reviewer may add, hide or move columns; the header texts themselves must stay. Editable columns
(``Column.editable``: 审定比例, 本项目已获奖励, 本年已获（台账）) are filled light yellow. The computed
columns (``Column.live``) are native formulas (``formulas``) that every spreadsheet recalculates from the
editable ones; each has a hidden ``引擎值·`` column with the engine's value and each editable one a hidden
``原值·`` snapshot, which the visible 核对 column compares (see ``formulas``).
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
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from xlmv_workbook.template import layout
from xlmv_workbook.xlsx import celltext, styles
from xlmv_workbook.xlsx import macros as macro_support
from xlmv_workbook.xlsx.atomic import write_atomically

__all__ = [
    "DETAIL",
    "DETAIL_COLUMNS",
    "ISSUES",
    "ISSUE_COLUMNS",
    "KIND",
    "MATERIALS",
    "MATERIAL_COLUMNS",
    "SETTINGS",
    "SUMMARY",
    "SUMMARY_COLUMNS",
    "Column",
    "Formula",
    "H",
    "cell_text",
    "engine_header",
    "find_header",
    "header_index",
    "snapshot_header",
    "write_review",
]

DETAIL = "复核明细"
SUMMARY = "按企业汇总"
ISSUES = "问题清单"
MATERIALS = "材料核验"
SETTINGS = "xlmv复核设置"
KIND = "xlmv-review"
FORMAT_VERSION = "2"  # 2: title row, live formulas, engine values and snapshots

MONEY = styles.MONEY_FORMAT
PERCENT = "0.00%"


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    number_format: str | None = None
    editable: bool = False  # the reviewer may change it; recalc reads it
    computed: bool = False  # recalc rewrites it
    hidden: bool = False
    live: bool = False  # a native formula with a hidden engine-value column (``engine_header``)


def _label(path: str) -> str:
    return layout.by_path()[path].label


class H:
    """Header texts (the keys ``xlmv recalc`` finds the columns by); a column that shows a declaration
    field is titled with the template's label for it."""

    SOURCE = "来源文件"
    COMPANY = _label("company.name")
    USCC = _label("company.uscc")
    YEAR = "申报年度"
    SLOT = "产品序号"
    PRODUCT = _label("products[0].name")
    KIND = _label("products[0].kind")
    CLAIMED = "申报金额（元）"
    TIER = "档位"
    MAX_REWARD = "测算奖励上限（元）"
    RATIO = "审定比例"
    CAPPED = "项目上限后（元）"
    GRANTED = "企业年度上限后（元）"
    ISSUE_COUNT = "问题数"
    STATUS = "状态"
    PRIOR = _label("products[0].prior_award")
    PRIOR_SOURCE = "已获来源"
    BATCH_PRIOR = "同项目在先申报（元）"
    DATE = _label("application_date")
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
    # live-formula helpers (both sheets)
    CHECK = "核对"
    SCALED = "审定后（元）"
    ORDER = "顺序"
    GROUP_NO = "分组号"
    ENTERPRISE_NO = "企业号"
    CHANGED = "输入已改"
    # 问题清单
    LOCATION = "位置"
    SEVERITY = "严重程度"
    PROBLEM = "问题"
    CLAUSE = "政策条款"


ENGINE_PREFIX = "引擎值·"
SNAPSHOT_PREFIX = "原值·"


def engine_header(header: str) -> str:
    """The hidden column holding the engine's value of a live column."""
    return ENGINE_PREFIX + header


def snapshot_header(header: str) -> str:
    """The hidden column holding an editable column's value as batch or recalc last computed it."""
    return SNAPSHOT_PREFIX + header


def _with_hidden(columns: tuple[Column, ...]) -> tuple[Column, ...]:
    """The columns, then one hidden engine-value column per live column and one hidden snapshot per
    editable column."""
    engine = tuple(
        Column(engine_header(c.header), 14, c.number_format, computed=True, hidden=True)
        for c in columns
        if c.live
    )
    snapshots = tuple(
        Column(snapshot_header(c.header), 14, c.number_format, computed=True, hidden=True)
        for c in columns
        if c.editable
    )
    return columns + engine + snapshots


# The sign-off columns a reviewer prints come first (company, product, kind, amount, tier, reward,
# ratio, granted, status, check); the rest follow on a second printed page with A:B repeated.
DETAIL_COLUMNS: tuple[Column, ...] = _with_hidden(
    (
        Column(H.COMPANY, 20),
        Column(H.PRODUCT, 16),
        Column(H.KIND, 10),
        Column(H.CLAIMED, 15, MONEY),
        Column(H.TIER, 8),
        Column(H.MAX_REWARD, 15, MONEY, computed=True, live=True),
        Column(H.RATIO, 9, PERCENT, editable=True),
        Column(H.CAPPED, 15, MONEY, computed=True, live=True),
        Column(H.GRANTED, 16, MONEY, computed=True, live=True),
        Column(H.STATUS, 8),
        Column(H.CHECK, 14, computed=True),
        Column(H.PRIOR, 17, MONEY, editable=True),
        Column(H.BATCH_PRIOR, 17, MONEY, computed=True, live=True),
        Column(H.PRIOR_SOURCE, 9),
        Column(H.ISSUE_COUNT, 7, "0"),
        Column(H.SOURCE, 30),
        Column(H.USCC, 21),
        Column(H.YEAR, 9, "0"),
        Column(H.SLOT, 8, "0"),
        Column(H.DATE, 11, styles.DATE_FORMAT),
        Column(H.NOTE, 30),
        Column(H.AMOUNTS, 30, "@", hidden=True),
        Column(H.SCALED, 15, MONEY, computed=True, hidden=True, live=True),
        Column(H.ORDER, 8, "0", computed=True, hidden=True),
        Column(H.GROUP_NO, 8, "0", computed=True, hidden=True),
        Column(H.ENTERPRISE_NO, 8, "0", computed=True, hidden=True),
        Column(H.CHANGED, 8, "0", computed=True, hidden=True),
    )
)
DETAIL_PRINTED = DETAIL_COLUMNS.index(next(c for c in DETAIL_COLUMNS if c.header == H.NOTE)) + 1
DETAIL_FIRST_PAGE = DETAIL_COLUMNS.index(next(c for c in DETAIL_COLUMNS if c.header == H.CHECK)) + 1
DETAIL_SECOND_PAGE = DETAIL_COLUMNS.index(next(c for c in DETAIL_COLUMNS if c.header == H.SOURCE)) + 1
SUMMARY_COLUMNS: tuple[Column, ...] = _with_hidden(
    (
        Column(H.ENTERPRISE, 28),
        Column(H.USCC, 21),
        Column(H.GROUP_YEAR, 9, "0"),
        Column(H.PROJECTS, 10, "0", computed=True, live=True),
        Column(H.REQUESTED, 17, MONEY, computed=True, live=True),
        Column(H.YEAR_PRIOR, 17, MONEY, editable=True),
        Column(H.YEAR_PRIOR_SOURCE, 9),
        Column(H.TOTAL, 17, MONEY, computed=True, live=True),
        Column(H.BINDING, 14, computed=True, live=True),
        Column(H.CHECK, 15, computed=True),
        Column(H.GROUP, 30, "@", hidden=True),
        Column(H.GROUP_NO, 8, "0", computed=True, hidden=True),
        Column(H.ENTERPRISE_NO, 8, "0", computed=True, hidden=True),
        Column(H.CHANGED, 8, "0", computed=True, hidden=True),
    )
)
SUMMARY_PRINTED = SUMMARY_COLUMNS.index(next(c for c in SUMMARY_COLUMNS if c.header == H.CHECK)) + 1
ISSUE_COLUMNS: tuple[Column, ...] = (
    Column(H.SOURCE, 36),
    Column(H.LOCATION, 16),
    Column(H.SEVERITY, 9),
    Column(H.PROBLEM, 70),
    Column(H.CLAUSE, 22),
)

MATERIAL_COLUMNS: tuple[Column, ...] = (  # one row per supporting document (issue 12)
    Column(H.SOURCE, 36),
    Column(H.COMPANY, 26),
    Column(H.PRODUCT, 22),
    Column("清单项", 26),
    Column("材料文件", 34),
    Column("类别", 9),
    Column("读取内容", 70),
    Column("核验结果", 11),
    Column(H.PROBLEM, 60),
)

SETTINGS_NOTE = (
    "本工作簿由 xlmv batch 生成。xlmv recalc（或 Excel 中的 MV_RECALC 宏）按各表第 2 行的列标题查找列，"
    "请勿修改列标题；可增加、移动或隐藏列。可修改的输入：复核明细的“审定比例”“本项目已获奖励（元）”，"
    "按企业汇总的“本年已获（台账）”；改后各计算列的公式在 Excel、WPS、LibreOffice 中即时重算，"
    "“核对”列显示 ✓（与引擎一致）、已按新输入重算（输入已改）或 公式被改动。"
    "增删申报、换台账、改分配规则后请运行 xlmv recalc；它也恢复被覆盖的公式。"
    "本表的“分配规则”可改为 in_order（按申报日期先后）或 pro_rata（按比例）。"
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


TITLE_ROW, HEADER_ROW, FIRST_ROW = 1, 2, 3
HEADER_SEARCH = 5  # rows searched for the header row


def find_header(table: Sequence[Sequence[object]], required: str) -> int:
    """0-based index of the header row: the first of the top rows holding ``required`` (row 2 since the
    title row was added; row 1 in older review workbooks). -1 when none does."""
    key = header_key(required)
    for n, row in enumerate(table[:HEADER_SEARCH]):
        if any(header_key(v) == key for v in row):
            return n
    return -1


@dataclass(frozen=True)
class Formula:
    """A native formula (``text`` without the ``=``) and the value shown until the spreadsheet
    recalculates it (the engine's)."""

    text: str
    cached: object = None


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
    return celltext.truncate(ILLEGAL_CHARACTERS_RE.sub("", value))


# ------------------------------------------------------------------------------------------ writing

_HEADER_FONT = Font(name=styles.FONT_NAME, bold=True, color="FFFFFFFF")
_HEADER_FILL = PatternFill(fill_type="solid", fgColor=styles.HEADER_FILL)
_INPUT_FILL = PatternFill(fill_type="solid", fgColor=styles.INPUT_FILL)
_COMPUTED_FILL = PatternFill(fill_type="solid", fgColor=styles.COMPUTED_FILL)
_HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)


_TITLE_FONT = Font(name=styles.FONT_NAME, bold=True, size=11)


def _sheet(ws: Worksheet, columns: Sequence[Column], rows: int, title: str, printed: int) -> None:
    """Title row, header row, column settings and one style row (the first data row) whose cells carry
    each column's style; the data rows replace the style row after saving (``_with_rows``)."""
    ws.cell(row=TITLE_ROW, column=1, value=cell_text(f"{ws.title}　{title}")).font = _TITLE_FONT
    ws.row_dimensions[TITLE_ROW].height = 22
    for n, column in enumerate(columns, start=1):
        cell = ws.cell(row=HEADER_ROW, column=n, value=column.header)
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_ALIGN
    ws.row_dimensions[HEADER_ROW].height = 30
    for n, column in enumerate(columns, start=1):
        letter = get_column_letter(n)
        dimension = ws.column_dimensions[letter]
        dimension.width = column.width
        dimension.hidden = column.hidden
        cell = ws.cell(row=FIRST_ROW, column=n)
        if column.number_format:
            cell.number_format = column.number_format
        if column.editable or column.computed:
            cell.fill = _INPUT_FILL if column.editable else _COMPUTED_FILL
        if column.header == H.CHECK:
            cell.alignment = Alignment(horizontal="center")
    last_row = rows + HEADER_ROW
    ws.freeze_panes = f"{'C' if ws.title == DETAIL else 'B' if ws.title != ISSUES else 'A'}{FIRST_ROW}"
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(columns))}{last_row}"
    area = f"A{TITLE_ROW}:{get_column_letter(printed)}{last_row}"
    styles.page_setup(ws, area, landscape=True, title_rows=f"{TITLE_ROW}:{HEADER_ROW}")
    if ws.title == DETAIL:
        # Across pages at 75 % instead of 4 pt type: the sign-off columns (company … 核对) on the first
        # page, the rest on two more, with company and product (A:B) and the title and header rows
        # repeated on every page; the title wraps inside A1:B1 so that it shows whole on each.
        ws.sheet_properties.pageSetUpPr.fitToPage = False
        ws.page_setup.scale = 75
        ws.print_title_cols = "A:B"
        ws.col_breaks.append(Break(id=DETAIL_FIRST_PAGE))
        ws.col_breaks.append(Break(id=DETAIL_SECOND_PAGE))
        ws.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=2)
        ws.cell(row=TITLE_ROW, column=1).alignment = Alignment(wrap_text=True, vertical="center")
        ws.row_dimensions[TITLE_ROW].height = 40


# --- the data rows, written as XML directly (openpyxl's writer takes ~20 µs a cell) -------------------

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_STYLE_ROW = re.compile(rf'<row r="{FIRST_ROW}"[^>]*?(?:/>|>.*?</row>)', re.DOTALL)
_STYLE_CELL = re.compile(rf'<c r="([A-Z]+){FIRST_ROW}"(?: s="(\d+)")?')
_DIMENSION = re.compile(r'<dimension ref="[^"]*"')


def _cell_xml(ref: str, style: str, value: object) -> str:
    s = f' s="{style}"' if style != "0" else ""
    if isinstance(value, Formula):
        return _formula_xml(ref, s, value)
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


def _formula_xml(ref: str, s: str, formula: Formula) -> str:
    f = f"<f>{escape(formula.text)}</f>"
    value = formula.cached
    if value is None or value == "":
        return f'<c r="{ref}"{s} t="str">{f}<v></v></c>'
    if isinstance(value, str):
        return f'<c r="{ref}"{s} t="str">{f}<v>{escape(value)}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b">{f}<v>{int(value)}</v></c>'
    number = f"{value:f}" if isinstance(value, Decimal) else repr(value)
    return f'<c r="{ref}"{s}>{f}<v>{number}</v></c>'


def _rows_xml(rows: Sequence[Sequence[object]], styles_by_column: Sequence[str]) -> str:
    letters = [get_column_letter(n + 1) for n in range(len(styles_by_column))]
    out = []
    for r, values in enumerate(rows, start=FIRST_ROW):
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
    last = f"{get_column_letter(width)}{len(rows) + HEADER_ROW}"
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
        prompt="评审审定的奖励比例，默认 100%；改后各计算列即时重算",
        showInputMessage=True,
    )
    rule.add(f"{letter}{FIRST_ROW}:{letter}{max(rows + HEADER_ROW, FIRST_ROW)}")
    ws.add_data_validation(rule)


def write_review(
    path: str | os.PathLike[str],
    detail: Sequence[Sequence[object]],
    summary: Sequence[Sequence[object]],
    issues: Sequence[Sequence[object]],
    settings: Mapping[str, str],
    title: str = "",
    materials: Sequence[Sequence[object]] | None = None,
) -> Path:
    """Write the review workbook atomically; rows are aligned with the ``*_COLUMNS`` tuples.

    openpyxl writes everything but the data rows (styles, widths, frozen panes, filters, print setup,
    the validation of 审定比例, the hidden settings sheet); the data rows are then put in as XML, each
    cell with the style openpyxl gave its column's cell in row 2."""
    target = Path(path)
    tables: tuple[tuple[str, tuple[Column, ...], Sequence[Sequence[object]]], ...] = (
        (DETAIL, DETAIL_COLUMNS, detail),
        (SUMMARY, SUMMARY_COLUMNS, summary),
        (ISSUES, ISSUE_COLUMNS, issues),
    )
    if materials is not None:  # only when some declaration has a materials folder
        tables += ((MATERIALS, MATERIAL_COLUMNS, materials),)
    wb = Workbook()
    wb.remove(wb.active)
    printed = {
        DETAIL: DETAIL_PRINTED,
        SUMMARY: SUMMARY_PRINTED,
        ISSUES: len(ISSUE_COLUMNS),
        MATERIALS: len(MATERIAL_COLUMNS),
    }
    for name, columns, rows in tables:
        _sheet(wb.create_sheet(name), columns, len(rows), title, printed[name])
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
