"""Which formula cells of a review workbook a reviewer overwrote, and which inputs changed.

``recalc_book`` rewrites every formula of 复核明细 and 按企业汇总 (``formulas``); before it does, ``inspect``
compares each formula cell as it stands with the formula that belongs there. A number or text typed over
a formula, or a cleared one, is always reported by cell (``复核明细!H4``); an edited formula is reported
when the rows are where they were (after rows were added, removed or moved every formula's ranges change,
and the report says so once instead). Editable cells that differ from their hidden snapshot are listed
as changed inputs (what the 核对 column shows as 已按新输入重算).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from xlmv_workbook.review.reviewbooks import ReviewBook
from xlmv_workbook.review.sheets import Formula, snapshot_header

MAX_SHOWN_TEXT = 40


@dataclass(frozen=True)
class Sheet:
    """One sheet's rows as ``recalc_book`` is about to write them."""

    name: str
    rows: Sequence[int]  # 1-based sheet rows
    at: Mapping[str, int]  # header → 0-based column
    cells: Sequence[Mapping[str, object]]  # per row, header → value or Formula
    formula_headers: Sequence[str]


@dataclass
class Found:
    cells: list[str] = field(default_factory=list)
    structure_changed: bool = False
    inputs_changed: list[str] = field(default_factory=list)


_QUOTED_SHEET = re.compile(r"'((?:[^']|'')+)'!")
_NUMBER = re.compile(r"(?<![A-Za-z0-9_$.])\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def normalise(formula: object) -> str:
    """A formula as compared: no ``=``, no blanks, sheet names unquoted, upper case, numbers as the
    doubles they denote (Gnumeric writes 0.1 as 0.100000000000000000001)."""
    text = str(formula).lstrip("=")
    text = _QUOTED_SHEET.sub(lambda m: m.group(1).replace("''", "'") + "!", text)
    text = _NUMBER.sub(lambda m: repr(float(m.group(0))), text)
    return "".join(text.split()).upper()


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= MAX_SHOWN_TEXT else text[: MAX_SHOWN_TEXT - 1] + "…"


def _cell(table: Sequence[Sequence[object]], row: int, column: int) -> object:
    values = table[row - 1] if row - 1 < len(table) else []
    return values[column] if column < len(values) else None


def inspect(book: ReviewBook, sheets: Sequence[Sheet], *, structure_changed: bool) -> Found:
    found = Found(structure_changed=structure_changed)
    for sheet in sheets:
        table = book.read_formulas(sheet.name)
        for row, cells in zip(sheet.rows, sheet.cells, strict=True):
            for header in sheet.formula_headers:
                wanted = cells.get(header)
                if not isinstance(wanted, Formula):
                    continue
                column = sheet.at[header]
                ref = f"{sheet.name}!{get_column_letter(column + 1)}{row}"
                have = _cell(table, row, column)
                if have is None or (isinstance(have, str) and not have.strip()):
                    found.cells.append(f"{ref}（{header}：公式被清除）")
                elif not (isinstance(have, str) and have.startswith("=")):
                    found.cells.append(f"{ref}（{header}：公式被改为数值 {_shown(have)}）")
                elif not structure_changed and normalise(have) != normalise(wanted.text):
                    found.cells.append(f"{ref}（{header}：公式被改为 {_shown(have)}）")
            for header, column in sheet.at.items():
                snapshot = sheet.at.get(snapshot_header(header))
                if snapshot is None or snapshot_header(header) not in cells:
                    continue
                have, before = _cell(table, row, column), _cell(table, row, snapshot)
                if have != before and not (_number(have) is not None and _number(have) == _number(before)):
                    ref = f"{sheet.name}!{get_column_letter(column + 1)}{row}"
                    found.inputs_changed.append(f"{ref}（{header}：{_shown(before)} → {_shown(have)}）")
    return found


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return None
