"""Test helper: declaration workbooks on disk, from the real template (``new_template``) or one made from
``layout`` alone, filled through the defined names exactly as a user would; the valid declaration is the
packaged example ``01-星河智算``."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import PatternFill
from openpyxl.utils import quote_sheetname
from openpyxl.workbook.defined_name import DefinedName

from xlmv import examples
from xlmv.declaration import (
    Declaration,
)
from xlmv.policy import load_policy
from xlmv_workbook.template import layout
from xlmv_workbook.template.build import template_bytes

INPUT_FILL = "FFFFF2CC"  # the builder's input-cell fill
D = Decimal


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def valid_declaration() -> Declaration:
    """The packaged rule-clean example (``xlmv/examples/01-星河智算.json``): an API product with two services
    and a private deployment, a fresh copy each call."""
    return examples.load(examples.VALID)


# 附件3 二.4 (API 50% / 25% / 10% over 100万 / 500万; private 20% / 10% / 5% over 200万 / 500万):
# API 620万: 100万 × 50% + 400万 × 25% + 120万 × 10% = 50万 + 100万 + 12万 = 162万;
# API 85万: 85万 × 50% = 42.5万; the API product: 162万 + 42.5万 = 204.5万, under the 500万 project cap;
# private 250万 (算力 60万 and 数据 20万 not counted): 200万 × 20% + 50万 × 10% = 40万 + 5万 = 45万;
# the enterprise: 204.5万 + 45万 = 249.5万, under the 500万 year cap.
VALID_REWARDS = (D("2045000"), D("450000"))
VALID_TOTAL = D("2495000")
USCC = valid_declaration().company.uscc  # 91110108MA01XHQ454: 海淀区, valid check character


def _get(decl: Declaration, path: str) -> object:
    target: object = decl
    for part in path.replace("[", ".[").split("."):
        if part.startswith("["):
            items = target  # type: ignore[assignment]
            index = int(part[1:-1])
            if not isinstance(items, list) or index >= len(items):
                return None
            target = items[index]
        else:
            if target is None:
                return None
            target = getattr(target, part)
    return target


def cell_value(value: object) -> object:
    """A declaration value as a user would type it into the cell."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return layout.YES_NO[0] if value else layout.YES_NO[1]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral() else float(value)
    return value


def declaration_values(decl: Declaration) -> dict[str, object]:
    """Template field path → cell value for ``decl`` (products in slots 0, 1, …; services in rows 0, 1, …)."""
    out: dict[str, object] = {}
    for f in layout.fields():
        value = cell_value(_get(decl, f.path))
        if value is not None:
            out[f.path] = value
    return out


def valid_values() -> dict[str, object]:
    return declaration_values(valid_declaration())


@cache
def _template_bytes() -> bytes:
    return template_bytes(load_policy())


def new_template() -> Workbook:
    """A blank template, exactly as ``xlmv template`` writes it (the lead's builder), opened with openpyxl."""
    return load_workbook(io.BytesIO(_template_bytes()))


def layout_template() -> Workbook:
    """A minimal template made from ``layout`` alone: every sheet, every field's defined name and the
    template id in 填表说明 A1/A2. Independent of the builder's styling and formulas."""
    wb = Workbook()
    wb.active.title = layout.SHEETS[0]
    for name in layout.SHEETS[1:]:
        wb.create_sheet(name)
    guide = wb[layout.GUIDE]
    guide["A1"] = layout.TEMPLATE_ID
    guide["A2"] = layout.TEMPLATE_VERSION
    define(wb, layout.TEMPLATE_ID_NAME, layout.GUIDE, "A1")
    define(wb, layout.TEMPLATE_VERSION_NAME, layout.GUIDE, "A2")
    fill = PatternFill(fill_type="solid", fgColor=INPUT_FILL)
    for f in layout.fields():
        define(wb, f.name, f.sheet, f.cell)
        wb[f.sheet][f.cell].fill = fill
    return wb


def define(wb: Workbook, name: str, sheet: str, cell: str) -> None:
    column = "".join(ch for ch in cell if ch.isalpha())
    row = cell[len(column) :]
    wb.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(sheet)}!${column}${row}")


class Formula(str):
    """A value to write as a formula (``Formula("=1000*10")``); other text starting with ``=`` stays text."""


def fill(wb: Workbook, values: Mapping[str, object]) -> None:
    """Write values (template field path → cell value) at the cells the defined names point at.

    Text is written as text, as a user's typing ends up; ``#N/A``-style text becomes an error cell.
    """
    by_path = layout.by_path()
    for path, value in values.items():
        dest = wb.defined_names[by_path[path].name].destinations
        sheet, ref = next(iter(dest))
        cell = wb[sheet][ref.replace("$", "")]
        cell.value = value
        if isinstance(value, str) and value.startswith("=") and not isinstance(value, Formula):
            cell.data_type = "s"


def write_workbook(
    path: Path, values: Mapping[str, object] | None = None, *, template: Workbook | None = None
) -> Path:
    """A filled template file (default: the valid declaration in the real template)."""
    wb = new_template() if template is None else template
    fill(wb, valid_values() if values is None else values)
    wb.save(path)
    return path


def not_ours(path: Path) -> Path:
    wb = Workbook()
    wb.active["A1"] = "随便一个表"
    wb.save(path)
    return path


def zip_with(path: Path, parts: Mapping[str, bytes | str]) -> Path:
    """A ZIP file with the given parts (for hostile files)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def copy_of(path: Path, target: Path) -> Path:
    target.write_bytes(path.read_bytes())
    return target


def reopen(path: Path) -> Workbook:
    return load_workbook(path)
