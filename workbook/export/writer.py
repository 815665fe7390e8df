"""The export's cell writer: styled value cells, each recorded with its defined name, kind and canonical
value (``Writer``), row heights fitted to wrapped text, print setup, and the helpers every export sheet
shares — the template's name and kind for a declaration path, a product's reward kind and its label, its tier.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from xlmv import __version__
from xlmv.assess import ProductAssessment
from xlmv.declaration import Product
from xlmv.linebreak import wrap
from xlmv.money import to_fen
from xlmv.policy import Kind, Policy
from xlmv.texttable import width
from xlmv_workbook.export.canonical import CellKind, NamedCell, cell_text
from xlmv_workbook.template import layout as L
from xlmv_workbook.xlsx import celltext
from xlmv_workbook.xlsx import styles as S

NOT_ELIGIBLE = "不达标"
_FORMATS: dict[str, str] = {
    "money": S.MONEY_FORMAT,
    "wan": S.WAN_FORMAT,
    "int": "0",
    "date": S.DATE_FORMAT,
    "rate": S.RATE_FORMAT,
    "text": "@",
}
TOP_WRAP = Alignment(horizontal="left", vertical="top", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_LINE_HEIGHT = 15.0
_MAX_ROW_HEIGHT = 409.0


@dataclass
class Writer:
    """Writes styled cells and records every value cell (name, place, kind, canonical value)."""

    wb: Workbook
    tool_version: str = __version__
    cells: list[NamedCell] = field(default_factory=list)
    _names: set[str] = field(default_factory=set, repr=False)  # the names in ``cells``: one lookup each

    def sheet(self, title: str, widths: dict[str, float]) -> Worksheet:
        ws = self.wb.create_sheet(title)
        for column, size in widths.items():
            ws.column_dimensions[column].width = size
        return ws

    def put(
        self,
        ws: Worksheet,
        ref: str,
        name: str,
        kind: CellKind,
        value: object,
        *,
        span: str | None = None,
        number_format: str | None = None,
        bold: bool = False,
        fill: str | None = None,
        border: bool = True,
        align: Alignment | None = None,
    ) -> None:
        if name in self._names:  # a set: a scan of ``cells`` made an export of N products O(N²)
            raise ValueError(f"duplicate defined name {name}")
        self._names.add(name)
        if span:
            S.merge(ws, span)
            if border:
                S.border_span(ws, span)
        cell = ws[ref]
        written = _written(kind, value)
        cell.value = written
        if isinstance(written, str):
            cell.data_type = "s"  # text that starts with "=" stays text: no formulas in an export
        cell.font = S.font(bold=bold)
        if border:
            cell.border = S.BORDER
        if fill:
            cell.fill = S.fill(fill)
        cell.number_format = number_format or _FORMATS[kind]
        numeric = kind in ("money", "wan", "int", "rate")
        cell.alignment = align or Alignment(
            horizontal="right" if numeric else "left", vertical="center", wrap_text=True
        )
        if isinstance(written, str):
            self.fit(ws, ref, written, span)
        self.cells.append(NamedCell(name, ws.title, ref, kind, cell_text(kind, written)))

    def fit(self, ws: Worksheet, ref: str, text: str, span: str | None = None, *, size: float = 10.5) -> None:
        """Make the row tall enough for ``text`` wrapped in the cell (or merged span) at ``ref``."""
        columns = _span_columns(span or ref)
        available = sum(ws.column_dimensions[c].width or 8.43 for c in columns) - 1
        lines = sum(max(1, math.ceil(width(part) / max(available, 1))) for part in text.split("\n"))
        row = int(re.sub(r"[A-Z]+", "", ref))
        needed = min(lines * _LINE_HEIGHT * size / 10.5 + 6, _MAX_ROW_HEIGHT)
        current = ws.row_dimensions[row].height or 0
        ws.row_dimensions[row].height = max(current, needed, 20)

    def paragraph(self, ws: Worksheet, ref: str, text: str, span: str) -> str:
        """Printed prose in a merged span, broken into lines by ``linebreak.wrap`` so that no renderer starts a
        line with "、" or "）"; the row is fitted to the lines. Returns the text as written."""
        broken = wrap(text, line_limit(ws, span))
        S.text(ws, ref, broken, span=span)
        self.fit(ws, ref, broken, span)
        return broken

    def label(self, ws: Worksheet, ref: str, text: str, span: str | None = None) -> None:
        S.label(ws, ref, text, span)
        if span:
            S.border_span(ws, span)
        self.fit(ws, ref, text, span)

    def header(self, ws: Worksheet, row: int, text: str, last: str) -> None:
        S.header(ws, f"A{row}", text, f"A{row}:{last}{row}")
        ws.row_dimensions[row].height = 20


def line_limit(ws: Worksheet, span: str) -> int:
    """Display columns (a CJK character is 2) a line of 10.5 pt text holds in ``span`` in Excel, with a margin:
    a column of width w holds about w such columns; LibreOffice prints the same text narrower."""
    return int(sum(ws.column_dimensions[c].width or 8.43 for c in _span_columns(span))) - 2


def print_page(ws: Worksheet, area: str, title_rows: str) -> None:
    """A4 portrait, one page wide, print area and title rows (``styles.page_setup``), with room for the footer."""
    S.page_setup(ws, area, landscape=False, title_rows=title_rows)
    ws.page_margins.bottom = 0.8
    ws.page_margins.footer = 0.3


def _written(kind: CellKind, value: object) -> object:
    if value is None or value == "":
        return None
    if kind == "text":
        text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
        text = celltext.truncate(text)  # what the cell can hold, so the cell and the embedded value agree
        return text or None
    if kind == "money":
        return to_fen(Decimal(value))  # type: ignore[arg-type]
    return value


def _span_columns(span: str) -> list[str]:
    first, _, last = span.partition(":")
    start = column_index_from_string(re.sub(r"[0-9]+", "", first))
    end = column_index_from_string(re.sub(r"[0-9]+", "", last or first))
    return [get_column_letter(n) for n in range(start, end + 1)]


def path_name(path: str) -> str:
    """The template's defined name for a declaration path, or one made from the path."""
    found = L.by_path().get(path)
    return found.name if found else "MV_" + re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_").upper()


def path_label(path: str) -> str:
    """The template's label for a declaration path (``products[4].name`` → 产品名称, any product or service)."""
    return L.by_path()[re.sub(r"\[\d+\]", "[0]", path)].label


def path_kind(path: str) -> CellKind:
    found = L.by_path().get(path)
    if found is None:
        return "text"
    return {"amount": "money", "int": "int", "date": "date"}.get(found.type, "text")  # type: ignore[return-value]


def put_input(w: Writer, ws: Worksheet, ref: str, path: str, value: object, **style: Any) -> None:
    w.put(ws, ref, path_name(path), path_kind(path), value, **style)


def product_kind(policy: Policy, product: Product) -> Kind | None:
    try:
        return policy.kind(product.kind)
    except KeyError:
        return None


def kind_label(policy: Policy, product: Product) -> str:
    kind = product_kind(policy, product)
    if kind is not None:
        return kind.label
    return f"{product.kind}（无效）" if product.kind else "（未填写）"


def tier_of(pa: ProductAssessment) -> int:
    return pa.result.tier if pa.result is not None else 0


def tier_text(policy: Policy, product: Product, pa: ProductAssessment) -> str:
    """The policy's label of the tier reached ("第三档"), as check, batch and the template show it, or 不达标."""
    kind = product_kind(policy, product)
    tier = tier_of(pa)
    if kind is None or tier <= 0 or tier > len(kind.bands):
        return NOT_ELIGIBLE
    return kind.bands[tier - 1].label
