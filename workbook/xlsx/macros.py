"""Macro-enabled workbooks (.xlsm) that call the xlmv functions with no add-in reference and no VBA editor.

The VBA project is xlwings' standalone one (``quickstart_standalone.xlsm`` in the installed xlwings
package, BSD 3-clause, licence header kept in its ``xlwings`` module): it defines ``XLPy``, which the
UDF wrappers call, inside the workbook itself. Added to it (``xlsx.vba``): the wrappers
``udfs/xlmv_udfs.bas`` as the module ``xlwings_udfs`` (the name xlwings' "Import Functions" gives it),
and a document module for every sheet beyond the two xlwings' project has.

Code names: the workbook's ``codeName`` is ``ThisWorkbook`` and its sheets' are ``Sheet1``, ``Sheet2``…
in sheet order, exactly the project's document modules (as XlsxWriter's ``set_vba_name`` documents,
Excel repairs the file or drops the macros otherwise). ``set_code_names`` sets them on an openpyxl
workbook before it is saved; ``macro_enabled`` then adds ``xl/vbaProject.bin``, its relationship and
the macro-enabled content type to the saved bytes.

The workbook also needs the ``xlwings.conf`` sheet (``UDF Modules`` = ``xlmv_udfs``): the template has it;
the review workbook gets it from ``add_config_sheet``.
"""

from __future__ import annotations

import io
import re
import zipfile
from functools import cache
from importlib import resources
from pathlib import Path

import xlwings
from openpyxl.workbook.workbook import Workbook

from xlmv_workbook.xlsx import vba

CONFIG_SHEET = "xlwings.conf"
UDF_MODULE = "xlmv_udfs"
WRAPPER_MODULE = "xlwings_udfs"
XLWINGS_WORKBOOK = "quickstart_standalone.xlsm"
PROJECT_SHEETS = 2  # the document modules xlwings' project has: Sheet1, Sheet2
MAIN_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_MAIN_TYPE = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
VBA_TYPE = "application/vnd.ms-office.vbaProject"
VBA_RELATIONSHIP = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"


def code_name(index: int) -> str:
    """The code name of the sheet at ``index`` (0-based)."""
    return f"Sheet{index + 1}"


def set_code_names(wb: Workbook) -> None:
    wb.code_name = "ThisWorkbook"
    for index, ws in enumerate(wb.worksheets):
        ws.sheet_properties.codeName = code_name(index)


def add_config_sheet(wb: Workbook) -> None:
    """xlwings' settings sheet naming the UDF module (the review workbook's MV_RECALC needs it)."""
    ws = wb.create_sheet(CONFIG_SHEET)
    ws["A1"], ws["B1"] = "UDF Modules", UDF_MODULE
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 16


def xlwings_project() -> bytes:
    """``xl/vbaProject.bin`` of the standalone workbook shipped with the installed xlwings."""
    path = Path(xlwings.__file__).with_name(XLWINGS_WORKBOOK)
    with zipfile.ZipFile(path) as zf:
        return zf.read("xl/vbaProject.bin")


def wrappers() -> str:
    """The committed UDF wrappers (``python -m xlmv_udfs.generate_bas`` writes them), CRLF line ends."""
    text = resources.files(UDF_MODULE).joinpath("xlmv_udfs.bas").read_bytes().decode("cp1252")
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


@cache
def project(sheets: int) -> bytes:
    """The VBA project for a workbook of ``sheets`` sheets."""
    documents = [vba.document_module(code_name(n)) for n in range(PROJECT_SHEETS, sheets)]
    return vba.add_modules(xlwings_project(), [vba.Module(WRAPPER_MODULE, wrappers()), *documents])


def macro_enabled(xlsx: bytes) -> bytes:
    """An .xlsx saved by openpyxl (with ``set_code_names``) as an .xlsm carrying the VBA project."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    book = source.read("xl/workbook.xml")
    if b'codeName="ThisWorkbook"' not in book:
        raise ValueError("set_code_names must run before the workbook is saved")
    sheets = len(re.findall(rb"<(?:\w+:)?sheet\s", book))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                body = body.replace(MAIN_TYPE, MACRO_MAIN_TYPE).replace(
                    b"</Types>",
                    f'<Override PartName="/xl/vbaProject.bin" ContentType="{VBA_TYPE}"/></Types>'.encode(),
                )
            elif item.filename == "xl/_rels/workbook.xml.rels":
                body = body.replace(
                    b"</Relationships>",
                    f'<Relationship Id="rIdVba1" Type="{VBA_RELATIONSHIP}" Target="vbaProject.bin"/>'
                    "</Relationships>".encode(),
                )
            target.writestr(item, body)
        target.writestr("xl/vbaProject.bin", project(sheets))
    return out.getvalue()
