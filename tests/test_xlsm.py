"""Issue 9 §1: macro-enabled workbooks carry xlwings' standalone VBA and the xlmv wrappers.

No Excel here: what can be checked is checked with independent readers. oletools' olevba lists the
modules of ``vbaProject.bin`` (the standalone ``xlwings`` module defining ``XLPy``, with its BSD notice,
and every wrapper of ``udfs/xlmv_udfs.bas``); the document modules match the workbook's and the sheets'
``codeName``; the package has the macro-enabled content type; LibreOffice opens the filled .xlsm and
computes what the engine computes; the review workbook written as .xlsm has the xlwings.conf sheet and
the same project, so its MV_RECALC button has what it needs.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from filling import EXAMPLES, expected_cells, fill_template, mismatches
from oletools.olevba import VBA_Parser
from test_template_libreoffice import convert, profile, read_cells

from xlmv_workbook.read.reader import read_workbook
from xlmv_workbook.template import layout as L
from xlmv_workbook.template.build import write_template
from xlmv_workbook.xlsx import macros, vba

BAS = Path(__file__).resolve().parent.parent / "udfs" / "xlmv_udfs.bas"
WRAPPERS = re.findall(r"^(?:Function|Sub) (MV_\w+)\(", BAS.read_text(encoding="cp1252"), re.M)


@pytest.fixture(scope="module")
def xlsm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_template(tmp_path_factory.mktemp("xlsm") / "申报表.xlsm")


def olevba_modules(path: Path) -> dict[str, str]:
    """Module name → source, as oletools reads them (stream names are the module names here)."""
    parser = VBA_Parser(str(path))
    try:
        return {stream.removeprefix("VBA/"): code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()


def test_the_package_is_macro_enabled(xlsm: Path) -> None:
    with zipfile.ZipFile(xlsm) as zf:
        types = zf.read("[Content_Types].xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
        assert "xl/vbaProject.bin" in zf.namelist()
    assert (
        'PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"'
        in types
    )
    assert 'PartName="/xl/vbaProject.bin" ContentType="application/vnd.ms-office.vbaProject"' in types
    assert (
        'Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"'
        in rels
    )


def test_olevba_lists_the_standalone_xlwings_code_and_every_wrapper(xlsm: Path) -> None:
    modules = olevba_modules(xlsm)
    xlwings_code = modules["xlwings"]
    assert re.search(r"^Function XLPy\(\)", xlwings_code, re.M)
    assert "xlwings is distributed under a BSD 3-clause license" in xlwings_code  # the notice is kept
    wrappers = modules[macros.WRAPPER_MODULE]
    assert len(WRAPPERS) >= 15
    for name in WRAPPERS:
        assert re.search(rf"^(?:Function|Sub) {name}\(", wrappers, re.M), name
    assert wrappers.count("XLPy.CallUDF") >= len(WRAPPERS)
    assert "MV_VALIDATE" in WRAPPERS and "MV_RECALC" in WRAPPERS


def test_code_names_match_the_document_modules(xlsm: Path) -> None:
    wb = openpyxl.load_workbook(xlsm, keep_vba=True)
    with zipfile.ZipFile(xlsm) as zf:
        listed = vba.modules(zf.read("xl/vbaProject.bin"))
    documents = {m.name for m in listed if m.document} - {"Dictionary"}  # Dictionary is a class module
    code_names = {wb.code_name} | {ws.sheet_properties.codeName for ws in wb.worksheets}
    assert code_names == documents
    assert len(code_names) == len(L.SHEETS) + 1
    sources = {m.name: m.source for m in listed}
    for ws in wb.worksheets:
        assert (
            f'Attribute VB_Name = "{ws.sheet_properties.codeName}"' in sources[ws.sheet_properties.codeName]
        )


def test_our_decompression_agrees_with_oletools(xlsm: Path) -> None:
    with zipfile.ZipFile(xlsm) as zf:
        ours = {m.name: m.source for m in vba.modules(zf.read("xl/vbaProject.bin"))}
    theirs = olevba_modules(xlsm)
    for name, code in theirs.items():
        assert code.replace("\r\n", "\n").strip() in ours[name].replace("\r\n", "\n"), name


def test_a_filled_xlsm_keeps_its_macros_and_is_read(xlsm: Path, tmp_path: Path) -> None:
    decl = EXAMPLES["several_products_and_services"]()
    filled = fill_template(xlsm, decl, tmp_path / "filled.xlsm")
    assert macros.WRAPPER_MODULE in olevba_modules(filled)
    assert openpyxl.load_workbook(filled, keep_vba=True).code_name == "ThisWorkbook"
    assert (
        read_workbook(filled).declaration
        == read_workbook(fill_template(xlsm, decl, tmp_path / "f2.xlsm")).declaration
    )
    assert not read_workbook(filled).errors


def test_libreoffice_opens_and_computes_the_xlsm(soffice: str, xlsm: Path, tmp_path: Path) -> None:
    example = "enterprise_year_cap"
    filled = fill_template(xlsm, EXAMPLES[example](), tmp_path / "filled.xlsm")
    (out,) = convert(soffice, profile(tmp_path / "profile", 0), "xlsx", [filled], tmp_path / "out")
    expected = expected_cells(EXAMPLES[example]())
    values = read_cells(out, [*expected, L.ENGINE_NAME])
    assert values.pop(L.ENGINE_NAME) == "计算方式：内置公式"
    values = {k: "" if v is None and expected[k] == "" else v for k, v in values.items()}  # empty text
    assert not mismatches(values, expected)


def test_the_review_workbook_as_xlsm_has_what_mv_recalc_needs(template_path: Path, tmp_path: Path) -> None:
    from xlmv_workbook.review.batch import run

    folder = tmp_path / "in"
    folder.mkdir()
    fill_template(template_path, EXAMPLES["api_project_cap"](), folder / "a.xlsx")
    target = tmp_path / "复核汇总.xlsm"
    assert run([str(folder)], str(target), progress=False) in (0, 1)
    wb = openpyxl.load_workbook(target, keep_vba=True)
    assert wb[macros.CONFIG_SHEET]["A1"].value == "UDF Modules"
    assert wb[macros.CONFIG_SHEET]["B1"].value == macros.UDF_MODULE
    modules = olevba_modules(target)
    assert re.search(r"^Sub MV_RECALC\(", modules[macros.WRAPPER_MODULE], re.M)
    assert "Function XLPy()" in modules["xlwings"]
    with zipfile.ZipFile(target) as zf:
        listed = {m.name for m in vba.modules(zf.read("xl/vbaProject.bin")) if m.document}
    assert {wb.code_name} | {ws.sheet_properties.codeName for ws in wb.worksheets} <= listed


def test_mv_recalc_runs_on_the_xlsm_review_workbook(template_path: Path, tmp_path: Path) -> None:
    """What the MV_RECALC wrapper runs (``xlmv_udfs.MV_RECALC`` → ``recalc_book(XlwingsReview(caller))``)
    works on the .xlsm review, its xlwings.conf sheet included, through a stand-in for the COM book."""
    from test_recalc import FakeBook

    from xlmv_workbook.review.batch import run
    from xlmv_workbook.review.recalc import recalc_book
    from xlmv_workbook.review.reviewbooks import OpenpyxlReview, XlwingsReview

    folder = tmp_path / "in"
    folder.mkdir()
    fill_template(template_path, EXAMPLES["enterprise_year_cap"](), folder / "a.xlsx")
    target = tmp_path / "复核汇总.xlsm"
    assert run([str(folder)], str(target), progress=False) in (0, 1)
    fake = FakeBook(target)
    assert macros.CONFIG_SHEET in [s.name for s in fake.sheets._sheets]
    summary = recalc_book(XlwingsReview(fake))
    expected = recalc_book(OpenpyxlReview(openpyxl.load_workbook(target, keep_vba=True), target))
    assert summary.rows == expected.rows >= 2 and summary.total == expected.total


def test_the_validation_copy_of_an_xlsm_keeps_macros_and_code_names(xlsm: Path, tmp_path: Path) -> None:
    from xlmv_workbook.read.validate import validate_file

    filled = fill_template(xlsm, EXAMPLES["api_project_cap"](), tmp_path / "filled.xlsm")
    validate_file(filled, tmp_path / "checked.xlsm")
    checked = tmp_path / "checked.xlsm"
    with zipfile.ZipFile(checked) as zf:
        assert (
            "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in zf.read("[Content_Types].xml").decode()
        )
        assert "xl/metadata.xml" in zf.namelist()
    assert macros.WRAPPER_MODULE in olevba_modules(checked)
    wb = openpyxl.load_workbook(checked, keep_vba=True)
    assert [ws.sheet_properties.codeName for ws in wb.worksheets] == [
        f"Sheet{n}" for n in range(1, len(L.SHEETS) + 1)
    ]
