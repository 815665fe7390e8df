"""Writing a workbook back in place only when nothing is lost (``xlmv recalc``), and Excel's lock files.

openpyxl rewrites a whole workbook from what it understood, so a save can silently drop what it did
not. The rule: a workbook is written over itself only when

1. its ZIP holds no part openpyxl drops or rewrites lossily (``unsupported_parts``: charts, images and
   drawings, pivot tables, VBA, form controls, ActiveX, embedded objects, slicers, timelines, threaded
   comments, custom XML, the data model, query tables, dynamic-array metadata) and no worksheet holds
   an extension list (``<extLst>``: data validations referring to other sheets, data bars, sparklines),
   checked on the part names and bytes before anything is loaded; and
2. after the change, the saved copy reloaded and the original reloaded are equal in everything
   ``differences`` compares, except the cells that were meant to change: the workbook's file-sharing
   settings (read-only recommended) and every ``extLst`` extension (from the XML), the sheet list and
   visibility, defined names, every cell's value, formula, number format, font, fill, border,
   alignment and protection, rich-text runs (loaded with ``rich_text=True``, so a save keeps them),
   comments, merged cells, column widths and row heights, hidden rows and
   columns, frozen panes, filters, print titles and page setup, conditional formats and data
   validations.

What openpyxl drops and Excel recreates on its own is accepted: the calculation chain, the printer
driver's settings (paper, orientation and fit-to-width stay in the sheet) and cached formula results.

A workbook is open in Excel or WPS when the owner file ``~$<name>`` sits beside it, in LibreOffice when
``.~lock.<name>#`` does; ``office_lock`` finds either.
"""

from __future__ import annotations

import os
import re
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

__all__ = ["differences", "excel_lock", "load", "lock_message", "office_lock", "unsupported_parts"]

MAX_SHOWN = 8

_DROPPED_PARTS: tuple[tuple[str, str], ...] = (
    (r"xl/charts/", "图表"),
    (r"xl/chartsheets/", "图表工作表"),
    (r"xl/drawings/(?![^/]*\.vml$)(?!_rels/[^/]*\.vml\.rels$)", "图片、形状或图表"),
    (r"xl/media/", "图片"),
    (r"xl/pivotTables/|xl/pivotCache/", "数据透视表"),
    (r"xl/vbaProject\.bin$", "VBA 宏"),
    (r"xl/activeX/", "ActiveX 控件"),
    (r"xl/ctrlProps/", "表单控件"),
    (r"xl/embeddings/", "嵌入对象"),
    (r"xl/slicers/|xl/slicerCaches/", "切片器"),
    (r"xl/timelines/|xl/timelineCaches/", "日程表"),
    (r"xl/threadedComments/|xl/persons/", "批注（新式线程批注）"),
    (r"customXml/", "自定义 XML"),
    (r"xl/model/", "数据模型"),
    (r"xl/queryTables/|xl/connections\.xml$", "查询与数据连接"),
    (r"xl/richData/|xl/metadata\.xml$", "动态数组或富数据类型"),
    (r"xl/webextensions/|xl/customUI/|customUI/", "加载项或自定义功能区"),
)
_VML_CONTROL = re.compile(rb'ObjectType\s*=\s*"(?!Note")')
_EXT_LIST = re.compile(rb"<(?:\w+:)?extLst[\s>]")


def office_lock(path: Path) -> Path | None:
    """The lock file an office program keeps beside ``path`` while the workbook is open, when it exists:
    Excel's and WPS's owner file ``~$name`` (for long names Excel drops the first two characters) and
    LibreOffice's ``.~lock.name#``."""
    names = (f"~${path.name}", f"~${path.name[2:]}", f".~lock.{path.name}#")
    for name in names:
        lock = path.parent / name
        if len(name) > 2 and name != "~$" and lock.exists():
            return lock
    return None


excel_lock = office_lock  # the earlier name


def lock_message(lock: Path) -> str:
    """Chinese: the file is open in an office program (naming the lock file)."""
    if lock.name.startswith(".~lock."):
        return f"该文件正在 LibreOffice 中打开（存在锁文件 {lock.name}），请先保存并关闭后再运行"
    return f"该文件正在 Excel 中打开（或在 WPS 中；存在锁文件 {lock.name}），请先保存并关闭后再运行"


def unsupported_parts(path: str | os.PathLike[str]) -> list[str]:
    """What a save through openpyxl would lose, judged from the ZIP's part names and bytes (Chinese, one
    entry per kind of content); empty when nothing is known to be lost."""
    found: dict[str, None] = {}
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            for pattern, what in _DROPPED_PARTS:
                if re.match(pattern, name):
                    found[what] = None
            if re.match(r"xl/drawings/[^/]*\.vml$", name):  # comments' boxes, or older controls and images
                vml = zf.read(name)
                if _VML_CONTROL.search(vml):
                    found["旧式表单控件"] = None
                if b"imagedata" in vml:
                    found["页眉页脚或旧式图片"] = None
            if re.match(r"xl/worksheets/[^/]+\.xml$", name) and _EXT_LIST.search(zf.read(name)):
                found["工作表扩展内容（跨表数据验证、数据条、迷你图等）"] = None
    return list(found)


def load(path: str | os.PathLike[str]) -> Any:
    """The workbook as openpyxl reads it, formulas as text, rich-text runs kept (VBA kept for ``.xlsm``).
    openpyxl's warnings about what it drops are silenced: ``unsupported_parts`` reports those losses in
    Chinese."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return load_workbook(path, keep_vba=Path(path).suffix.lower() == ".xlsm", rich_text=True)


_FILE_SHARING = re.compile(rb"<(?:\w+:)?fileSharing\b([^>]*)>")
_ATTRIBUTE = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_EXT_URI = re.compile(rb'<(?:\w+:)?ext\b[^>]*?\buri\s*=\s*"([^"]+)"')


def _package_facts(
    path: str | os.PathLike[str],
) -> tuple[tuple[tuple[bytes, bytes], ...] | None, Counter[bytes]]:
    """What openpyxl's object model does not show, from the XML itself: the workbook's file-sharing
    settings (read-only recommended, write-reservation password) and every extension (``<ext uri=…>``
    in any ``extLst``) by its URI."""
    sharing: tuple[tuple[bytes, bytes], ...] | None = None
    extensions: Counter[bytes] = Counter()
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if not name.lower().endswith(".xml"):
                continue
            data = zf.read(name)
            if name == "xl/workbook.xml" and (found := _FILE_SHARING.search(data)):
                sharing = tuple(sorted(_ATTRIBUTE.findall(found[1])))
            extensions.update(_EXT_URI.findall(data))
    return sharing, extensions


def _cell_style(workbook: Any, cell: Any) -> tuple[object, ...]:
    """The cell's number format, font, fill, border, alignment and protection, from the workbook's
    style tables (comparing openpyxl's per-cell style proxies would copy every style object)."""
    ids = cell._style
    return (
        cell.number_format,
        workbook._fonts[ids.fontId],
        workbook._fills[ids.fillId],
        workbook._borders[ids.borderId],
        workbook._alignments[ids.alignmentId],
        workbook._protections[ids.protectionId],
    )


def _sheet_facts(ws: Any) -> dict[str, object]:
    columns = {k: (d.width, d.hidden, d.outlineLevel) for k, d in ws.column_dimensions.items()}
    rows = {k: (d.height, d.hidden, d.outlineLevel) for k, d in ws.row_dimensions.items()}
    return {
        "可见性": ws.sheet_state,
        "合并单元格": sorted(str(r) for r in ws.merged_cells.ranges),
        "列宽或隐藏列": columns,
        "行高或隐藏行": rows,
        "冻结窗格": ws.freeze_panes,
        "筛选": ws.auto_filter.ref,
        "打印标题": (ws.print_title_rows, ws.print_title_cols),
        "页面设置": (
            ws.page_setup.orientation,
            ws.page_setup.paperSize,
            ws.page_setup.fitToWidth,
            ws.page_setup.fitToHeight,
            ws.sheet_properties.pageSetUpPr.fitToPage if ws.sheet_properties.pageSetUpPr else None,
        ),
        "条件格式": sorted(
            (str(rng.sqref), len(rules)) for rng, rules in ws.conditional_formatting._cf_rules.items()
        ),
        "数据验证": sorted(
            (str(v.sqref), v.type, v.formula1, v.formula2) for v in ws.data_validations.dataValidation
        ),
        "工作表保护": ws.protection.sheet,
        "工作表名称": sorted((n, d.attr_text) for n, d in ws.defined_names.items()),
    }


class _Styles:
    """Whether two cells' styles are equal, remembered per pair of style-id tuples (most cells share a few)."""

    def __init__(self, a: Any, b: Any) -> None:
        self.a, self.b = a, b
        self.seen: dict[tuple[tuple[int, ...], tuple[int, ...]], bool] = {}

    def same(self, ca: Any, cb: Any) -> bool:
        key = (tuple(ca._style), tuple(cb._style))
        if key not in self.seen:
            self.seen[key] = _cell_style(self.a, ca) == _cell_style(self.b, cb)
        return self.seen[key]


def _cell_difference(a: Any, b: Any, styles: _Styles) -> str | None:
    if a is None or b is None:
        present = a if a is not None else b
        return "内容" if present.value is not None or present.comment is not None else None
    if (a.value, a.data_type) != (b.value, b.data_type):
        return "内容或公式"
    if not styles.same(a, b):
        return "格式"
    comment_a = (a.comment.text, a.comment.author) if a.comment else None
    comment_b = (b.comment.text, b.comment.author) if b.comment else None
    return "批注" if comment_a != comment_b else None


def differences(
    original: str | os.PathLike[str],
    saved: str | os.PathLike[str],
    changed: Iterable[tuple[str, int, int]] = (),
) -> list[str]:
    """Where ``saved`` differs from ``original`` (both reloaded from disk), outside the ``changed`` cells
    (sheet, row, column; their value and number format may differ). Chinese, at most ``MAX_SHOWN``."""
    allowed = set(changed)
    found: list[str] = []

    def differ(what: str) -> bool:
        found.append(what)
        return len(found) >= MAX_SHOWN

    sharing_a, extensions_a = _package_facts(original)
    sharing_b, extensions_b = _package_facts(saved)
    if sharing_a != sharing_b:
        differ("工作簿的文件共享设置（如“建议只读打开”）")
    if extensions_a - extensions_b:
        differ(f"扩展内容（extLst，{sum((extensions_a - extensions_b).values())} 项）")
    a, b = load(original), load(saved)
    styles = _Styles(a, b)

    if a.sheetnames != b.sheetnames:
        return ["工作表列表不同"]
    names_a = sorted((n, d.attr_text) for n, d in a.defined_names.items())
    names_b = sorted((n, d.attr_text) for n, d in b.defined_names.items())
    if names_a != names_b and differ("定义名称不同"):
        return found
    for title in a.sheetnames:
        wa, wb = a[title], b[title]
        facts_a, facts_b = _sheet_facts(wa), _sheet_facts(wb)
        for what, value in facts_a.items():
            if facts_b[what] != value and differ(f"工作表“{title}”的{what}不同"):
                return found
        for key in sorted(set(wa._cells) | set(wb._cells)):
            if (title, key[0], key[1]) in allowed:
                continue
            what = _cell_difference(wa._cells.get(key), wb._cells.get(key), styles)
            if what is not None and differ(
                f"单元格 {title}!{get_column_letter(key[1])}{key[0]} 的{what}不同"
            ):
                return found
    return found
