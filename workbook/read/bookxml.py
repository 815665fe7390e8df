"""A workbook file's book structure: ``workbook.xml``'s defined names and its sheets' parts in the ZIP."""

from __future__ import annotations

import os
import posixpath
import zipfile
from dataclasses import dataclass

from xlmv_workbook.xlsx.cellrefs import parse_ref
from xlmv_workbook.xlsx.safety import archive_errors, open_checks, parse_xml, stream_part

__all__ = ["BookXml", "read_book_xml", "read_defined_names"]

_REL_NS_SUFFIX = "relationships"  # r:id in either the transitional or the strict namespace


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


@dataclass(frozen=True)
class BookXml:
    """A workbook's defined names and sheets as ``xl/workbook.xml`` and its relationships declare them."""

    names: dict[str, tuple[str, str]]  # workbook-level defined name → (sheet, cell)
    unusable: frozenset[str]  # workbook-level names whose reference is not one cell (#REF!, ranges …)
    sheets: dict[str, str]  # sheet name → worksheet part in the ZIP


def read_book_xml(path: str | os.PathLike[str], zf: zipfile.ZipFile) -> BookXml:
    names: dict[str, tuple[str, str]] = {}
    unusable: set[str] = set()
    relation_of: dict[str, str] = {}
    current: list[str] | None = None  # the text of the definedName being read (it ends at the next tag)
    current_name = ""

    def finish_name() -> None:
        nonlocal current
        if current is not None:
            ref = parse_ref("".join(current))
            if ref is None:
                unusable.add(current_name)
            else:
                names[current_name] = ref
            current = None

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal current, current_name
        finish_name()
        local = tag.rpartition("}")[2]
        if local == "definedName":
            name = attrs.get("name") or ""
            # sheet-scoped names and Excel's built-ins (print areas …) are not ours
            if attrs.get("localSheetId") is None and not name.startswith("_xlnm."):
                current, current_name = [], name
        elif local == "sheet":
            sheet_name = attrs.get("name")
            relation = next((v for k, v in attrs.items() if _local(k) == "id" and _REL_NS_SUFFIX in k), None)
            if sheet_name is not None and relation is not None:
                relation_of[sheet_name] = relation

    def text(data: str) -> None:
        if current is not None:
            current.append(data)

    stream_part(path, zf, "xl/workbook.xml", start, None, text, namespaces=True)
    finish_name()
    targets: dict[str, str] = {}
    rels_part = "xl/_rels/workbook.xml.rels"
    if rels_part in zf.namelist():
        for element in parse_xml(path, rels_part, zf.read(rels_part)).iter():
            if _local(element.tag) == "Relationship":
                target = element.get("Target") or ""
                part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
                targets[element.get("Id") or ""] = posixpath.normpath(part)
    sheets = {name: targets[rel] for name, rel in relation_of.items() if rel in targets}
    return BookXml(names=names, unusable=frozenset(unusable), sheets=sheets)


def read_defined_names(path: str | os.PathLike[str]) -> dict[str, tuple[str, str]]:
    """Workbook-level defined names that refer to one cell (or a range: its top-left cell), as
    ``name → (sheet, cell)``. Sheet-scoped names, Excel's built-in names and names whose reference is
    not a cell (``#REF!``, constants, several areas) are left out."""
    open_checks(path)
    with archive_errors(path), zipfile.ZipFile(path) as zf:
        return dict(read_book_xml(path, zf).names)
