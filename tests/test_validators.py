"""Issue 9 §5: the validators that exist without Excel, on the template (.xlsx and .xlsm), a filled
declaration, the review workbook and an export.

- openxml-audit (a Python port of Microsoft's Open XML SDK validator): no error, except the one known
  false positive allowed below.
- Gnumeric ``ssconvert --recalc``: no "Invalid expression"; the values equal the engine's; text amounts
  show the marker.
- LibreOffice with forced recalculation: no error value in any cell a user sees (the hidden chart helper
  columns of 奖励测算 may hold #N/A: that is how a chart skips a point).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from conftest import IN_CI, require_tool
from filling import EXAMPLES, expected_cells, fill_template, mismatches, resolve
from openpyxl.utils import get_column_letter
from test_template_libreoffice import convert, profile
from test_text_amounts import CASES, _dependent_cells, _write_text_amount

from xlmv_workbook.export.submission import export
from xlmv_workbook.review.batch import run as run_batch
from xlmv_workbook.template import layout as L
from xlmv_workbook.template.build import write_template
from xlmv_workbook.template.cellformulas import TEXT_MARKER

EXAMPLE = "enterprise_year_cap"
ERRORS = ("#N/A", "#VALUE!", "#REF!", "#NAME?", "#DIV/0!", "#NUM!", "#NULL!", "Err:")


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The five kinds of workbook xlmv writes."""
    folder = tmp_path_factory.mktemp("validators")
    template = write_template(folder / "模板.xlsx")
    xlsm = write_template(folder / "模板.xlsm")
    filled_dir = folder / "申报"
    filled_dir.mkdir()
    filled = fill_template(template, EXAMPLES[EXAMPLE](), filled_dir / "申报.xlsx")
    review = folder / "复核汇总.xlsx"
    assert run_batch([str(filled_dir)], str(review), progress=False) in (0, 1)
    exported = export(filled, folder / "导出", force=True).workbook
    return {"template": template, "xlsm": xlsm, "filled": filled, "review": review, "export": exported}


# ------------------------------------------------------------------------------------- openxml-audit


def _openxml_audit() -> None:
    if importlib.util.find_spec("openxml_audit") is None:
        message = "openxml-audit not installed: pip install -e '.[test]'"
        if IN_CI:
            pytest.fail(f"CI must run every test: {message}")
        pytest.skip(message)


def _known_false_positive(error: dict[str, str]) -> bool:
    """openpyxl writes a font's children (b, i, color, sz, name …) in its own order. The schema's
    CT_Font lists them in a sequence the SDK validator enforces, and reports "Unexpected element";
    Excel reads either order without repair (openpyxl's output has been opened by Excel for a decade).
    Only that finding, only in styles.xml, only under a font, is allowed."""
    return (
        error.get("part_uri") == "/xl/styles.xml"
        and "/fonts[1]/font[" in error.get("path", "")
        and error.get("description", "").startswith("Unexpected element")
    )


@pytest.mark.parametrize("book", ["template", "xlsm", "filled", "review", "export"])
def test_openxml_audit_finds_no_errors(books: dict[str, Path], book: str) -> None:
    _openxml_audit()
    done = subprocess.run(
        [sys.executable, "-m", "openxml_audit", "-o", "json", "-m", "0", str(books[book])],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(done.stdout)[0]
    errors = [e for e in report["errors"] if e.get("severity") == "error"]
    assert "errors" in report and "error_count" in report  # the JSON report we parse
    unexpected = [e for e in errors if not _known_false_positive(e)]
    assert not unexpected, json.dumps(unexpected[:5], ensure_ascii=False, indent=1)


# ------------------------------------------------------------------------------------------ Gnumeric


@pytest.fixture(scope="module")
def ssconvert() -> str:
    return require_tool("ssconvert", "Gnumeric recalculates the workbooks (apt-get install gnumeric)")


def _gnumeric(ssconvert: str, source: Path, target: Path) -> str:
    done = subprocess.run(
        [ssconvert, "--recalc", str(source), str(target)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0 and target.exists(), done.stderr
    return done.stderr


@pytest.mark.parametrize("book", ["template", "filled", "review", "export"])
def test_gnumeric_reads_every_expression(
    ssconvert: str, books: dict[str, Path], book: str, tmp_path: Path
) -> None:
    stderr = _gnumeric(ssconvert, books[book], tmp_path / "out.xlsx")
    assert "Invalid expression" not in stderr, stderr


def test_gnumeric_computes_what_the_engine_computes(
    ssconvert: str, books: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "gnumeric.xlsx"
    _gnumeric(ssconvert, books["filled"], out)
    source = openpyxl.load_workbook(books["filled"])
    computed = openpyxl.load_workbook(out, data_only=True)
    expected = expected_cells(EXAMPLES[EXAMPLE]())
    values = {}
    for key in expected:
        sheet, cell = key.split("!") if "!" in key else resolve(source, key)
        values[key] = computed[sheet][cell].value
    assert not mismatches(values, expected)


def test_gnumeric_shows_the_marker_for_text_amounts(
    ssconvert: str, template_path: Path, tmp_path: Path
) -> None:
    for name, (kind, text) in CASES.items():
        source = _write_text_amount(template_path, kind, text, tmp_path / f"{name}.xlsx")
        out = tmp_path / f"{name}-gnumeric.xlsx"
        _gnumeric(ssconvert, source, out)
        names, computed = openpyxl.load_workbook(source), openpyxl.load_workbook(out, data_only=True)
        for key in _dependent_cells(kind):
            sheet, cell = key.split("!") if "!" in key else resolve(names, key)
            assert computed[sheet][cell].value == TEXT_MARKER, (
                f"{name}: {key} = {computed[sheet][cell].value!r}"
            )


# ---------------------------------------------------------------------------------------- LibreOffice


def _hidden_columns(ws: openpyxl.worksheet.worksheet.Worksheet) -> set[str]:
    return {letter for letter, d in ws.column_dimensions.items() if d.hidden}


def test_libreoffice_shows_no_error_value_in_a_visible_cell(
    soffice: str, books: dict[str, Path], tmp_path: Path
) -> None:
    names = ["template", "filled", "review", "export"]
    outputs = convert(
        soffice, profile(tmp_path / "profile", 0), "xlsx", [books[n] for n in names], tmp_path / "out"
    )
    for name, output in zip(names, outputs, strict=True):
        layout_book = openpyxl.load_workbook(books[name])
        wb = openpyxl.load_workbook(output, data_only=True)
        for ws in wb.worksheets:
            original = layout_book[ws.title]
            if original.sheet_state != "visible":
                continue
            hidden = _hidden_columns(original)
            for row in ws.iter_rows():
                for cell in row:
                    if get_column_letter(cell.column) in hidden:
                        continue
                    if isinstance(cell.value, str) and cell.value.startswith(ERRORS):
                        pytest.fail(f"{name}: {ws.title}!{cell.coordinate} = {cell.value}")
    assert L.CALC in openpyxl.load_workbook(books["filled"]).sheetnames
