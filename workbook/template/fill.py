"""Filling the template from a ``Declaration``: what a user would type, written through the defined names.

Every input cell is found through the workbook's defined names (``layout.Field.name`` resolved with
``wb.defined_names[name].attr_text``), never through hard-coded cells. Values are written as a user's
Excel holds them: money as numbers (元), dates as dates, commitments as 是/否, a product's 申报方式 as the
label its dropdown offers, material statuses as chosen. ``xlmv demo`` fills the bundled examples with it.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl

from xlmv.declaration import Declaration
from xlmv.policy import load_policy
from xlmv_workbook.template import layout as L
from xlmv_workbook.xlsx import celltext
from xlmv_workbook.xlsx.atomic import save_atomically

_STEP = re.compile(r"([a-z_0-9]+)(?:\[(\d+)\])?")
_MISSING = object()


def resolve(wb: openpyxl.Workbook, name: str) -> tuple[str, str]:
    """(sheet, cell) of a single-cell workbook-level defined name, from its ``attr_text``."""
    text = wb.defined_names[name].attr_text
    sheet, _, cell = text.rpartition("!")
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, cell.replace("$", "")


def value_at(decl: Declaration, path: str) -> object:
    """The value at a layout path such as ``products[0].services[1].claimed_amount`` (``_MISSING`` when a
    list is too short or a parent is None)."""
    node: object = decl
    for step in path.split("."):
        match = _STEP.fullmatch(step)
        assert match is not None, path
        attr, index = match.groups()
        node = getattr(node, attr)
        if index is not None:
            seq = list(node)  # type: ignore[call-overload]
            if int(index) >= len(seq):
                return _MISSING
            node = seq[int(index)]
        if node is None:
            return _MISSING
    return node


def cell_value(field: L.Field, value: object, policy_id: str) -> object:
    """What a user's workbook holds for ``value`` in ``field``; None leaves the cell empty."""
    if value is _MISSING or value is None or value == "":
        return None
    if field.type == "amount":
        return float(value)  # type: ignore[arg-type]
    if field.type == "int":
        return int(value)  # type: ignore[call-overload]
    if field.type == "date":
        assert isinstance(value, dt.date)
        return value
    if field.type == "yes_no":
        return L.YES_NO[0] if value else L.YES_NO[1]
    if field.path.endswith(".kind"):
        return load_policy(policy_id).kind(str(value)).label  # the dropdown's label, e.g. API调用
    return str(value)


def fill_template(template: Path, decl: Declaration, out: Path) -> Path:
    """Write ``decl`` into a copy of ``template`` at ``out``: products into slots 0..n-1, services into
    the service rows, checklist statuses, commitments; other input cells stay empty."""
    if len(decl.products) > L.PRODUCTS:
        raise ValueError(f"the template has {L.PRODUCTS} product slots, the declaration {len(decl.products)}")
    wb = openpyxl.load_workbook(template, keep_vba=Path(template).suffix.lower() == ".xlsm")
    for field in L.fields():
        value = cell_value(field, value_at(decl, field.path), decl.policy)
        if value is None:
            continue
        if isinstance(value, str) and not celltext.fits(value):
            raise ValueError(
                f"{field.label}（{field.ref}）的文字超过 Excel 单元格上限 {celltext.MAX_CELL_UNITS} 个字符"
                f"（按 UTF-16 计，现有 {celltext.utf16_units(value)} 个），请精简"
            )
        sheet, cell = resolve(wb, field.name)
        wb[sheet][cell].value = value
    save_atomically(wb, out)
    return out
