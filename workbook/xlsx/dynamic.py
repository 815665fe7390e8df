"""The dynamic-array flag of the template's MV_BREAKDOWN cells (Excel 365 spills them), set on every save.

openpyxl neither writes nor keeps ``cm="1"`` and ``xl/metadata.xml``; without them Excel 365 shows only the
first cell of the breakdown. ``mark_dynamic_arrays`` adds them to a saved workbook's bytes.
"""

from __future__ import annotations

import io
import re
import zipfile

BREAKDOWN = b"MV_BREAKDOWN"


def _has_breakdown(source: zipfile.ZipFile) -> bool:
    return any(
        name.startswith("xl/worksheets/sheet") and BREAKDOWN in source.read(name)
        for name in source.namelist()
    )


_DA_METADATA = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<metadata xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray">'
    '<metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000" copy="1" pasteAll="1" '
    'pasteValues="1" merge="1" splitFirst="1" rowColShift="1" clearFormats="1" clearComments="1" assign="1" '
    'coerce="1" cellMeta="1"/></metadataTypes><futureMetadata name="XLDAPR" count="1"><bk><extLst>'
    '<ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}"><xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/>'
    '</ext></extLst></bk></futureMetadata><cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata>'
    "</metadata>"
)


def mark_dynamic_arrays(data: bytes) -> bytes:
    """Flag the MV_BREAKDOWN array formulas as dynamic arrays (Excel 365 spills them).

    openpyxl writes them as one-cell array formulas; Excel needs ``cm="1"`` on the cell and a metadata part
    declaring XLDAPR. Older Excel, WPS and LibreOffice ignore the flag and show the formula's first value.
    openpyxl drops both when it loads a workbook, so every openpyxl save in the workbook layer
    (``save_atomically``: filling, validation copies) runs the bytes through here again.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    if "xl/metadata.xml" in source.namelist() or not _has_breakdown(source):
        return data  # already flagged (or kept by the writer), or nothing to flag
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet") and b"MV_BREAKDOWN" in body:
                body = re.sub(
                    rb'<c r="([A-Z]+\d+)"([^>]*)><f t="array" ref="\1">(?=[^<]*MV_BREAKDOWN)',
                    rb'<c r="\1"\2 cm="1"><f t="array" ref="\1">',
                    body,
                )
            elif item.filename == "[Content_Types].xml":
                body = body.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/metadata.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"/></Types>',
                )
            elif item.filename == "xl/_rels/workbook.xml.rels":
                body = body.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdMeta1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sheetMetadata" Target="metadata.xml"/></Relationships>',
                )
            target.writestr(item, body)
        target.writestr("xl/metadata.xml", _DA_METADATA)
    return out.getvalue()
