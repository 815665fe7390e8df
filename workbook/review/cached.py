"""Cached results for the formulas ``xlmv recalc`` writes through openpyxl.

openpyxl saves a formula without its result (``<f>…</f><v/>``, or ``<v></v>`` when it writes with lxml), so a reader that does not recalculate
(a preview, LibreOffice set to never recalculate on load, ``openpyxl`` with ``data_only=True``) would
show nothing. The engine knows each result, so ``add_cached_values`` writes it into the saved file."""

from __future__ import annotations

import datetime as dt
import io
import os
import posixpath
import re
import zipfile
from collections.abc import Mapping
from decimal import Decimal
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

from xlmv_workbook.xlsx.atomic import write_atomically

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_FORMULA_CELL = re.compile(
    r'<c r="([A-Z]+[0-9]+)"((?: [a-z]+="[^"]*")*)><f>(.*?)</f><v\s*(?:/>|></v>)(</c>)', re.DOTALL
)


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → worksheet part path."""
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    parts = {}
    for sheet in book.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_REL}id"), "")
        path = (
            target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        )
        parts[sheet.get("name", "")] = path
    return parts


def _value_xml(attributes: str, value: object) -> tuple[str, str]:
    attributes = re.sub(r' t="[^"]*"', "", attributes)
    if isinstance(value, str):
        return attributes + ' t="str"', f"<v>{escape(value)}</v>"
    if isinstance(value, bool):
        return attributes + ' t="b"', f"<v>{int(value)}</v>"
    if isinstance(value, Decimal):
        return attributes, f"<v>{value:f}</v>"
    if isinstance(value, (int, float)) and not isinstance(value, dt.date):
        return attributes, f"<v>{value!r}</v>"
    return attributes, "<v/>"


def add_cached_values(path: str | os.PathLike[str], cached: Mapping[tuple[str, int, int], object]) -> None:
    """Rewrite ``path`` (a workbook openpyxl just saved) with ``cached[(sheet, row, column)]`` as the
    result of the formula in that cell."""
    by_sheet: dict[str, dict[str, object]] = {}
    for (sheet, row, column), value in cached.items():
        if value is not None:
            by_sheet.setdefault(sheet, {})[f"{get_column_letter(column)}{row}"] = value
    if not by_sheet:
        return
    out = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        parts = {part: by_sheet[name] for name, part in _sheet_parts(source).items() if name in by_sheet}
        for info in source.infolist():
            data = source.read(info.filename)
            values = parts.get(info.filename)
            if values is not None:

                def cell(match: re.Match[str], values: Mapping[str, object] = values) -> str:
                    ref, attributes, formula, end = match.groups()
                    if ref not in values:
                        return match.group(0)
                    attributes, v = _value_xml(attributes, values[ref])
                    return f'<c r="{ref}"{attributes}><f>{formula}</f>{v}{end}'

                data = _FORMULA_CELL.sub(cell, data.decode("utf-8")).encode("utf-8")
            target.writestr(info, data)
    write_atomically(path, out.getvalue())
