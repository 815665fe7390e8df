"""Issue 9 §4: a text or a formula in an amount cell never becomes silent money.

Amounts written as text by a script (openpyxl) or pasted in Excel (pasting bypasses data validation):
LibreOffice, recalculating the filled template, shows ``金额须为数字`` in every computed cell and total that
depends on them (before, "50000" gave 25,000 at tier 0, " 99999.99" gave 50,000, a private "400000" gave
80,000 at tier 3, and "120万" gave #VALUE! with GRANTED and the total at 0). ``xlmv check`` and the
validation (file and Excel paths) report each such cell; an input cell holding a formula is reported
too, saying which value was used.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from filling import _api, _declaration, _private, fill_template, resolve
from test_template_libreoffice import convert, profile
from test_validate import FakeBook

from xlmv_workbook.read.books import XlwingsBook
from xlmv_workbook.read.reader import read_workbook
from xlmv_workbook.read.validate import evaluate, read_book, validate_file
from xlmv_workbook.template import layout as L
from xlmv_workbook.template.cellformulas import TEXT_MARKER

CLAIMED = "products[0].services[0].claimed_amount"
PROCUREMENT = "products[0].procurement.procurement_amount"
CASES = {  # name → (kind, the text written into the amount cell)
    "api_50000": ("api", "50000"),
    "api_99999": ("api", " 99999.99"),
    "private_400000": ("private", "400000"),
    "api_120wan": ("api", "120万"),
}


def _write_text_amount(template: Path, kind: str, text: str, out: Path) -> Path:
    """Fill a one-product declaration, then overwrite its amount cell with ``text`` as openpyxl does."""
    product = _api("文本金额产品", "1000000") if kind == "api" else _private("文本金额产品", "1000000")
    fill_template(template, _declaration(product), out)
    wb = openpyxl.load_workbook(out)
    sheet, cell = resolve(wb, L.by_path()[CLAIMED if kind == "api" else PROCUREMENT].name)
    wb[sheet][cell].value = text
    assert wb[sheet][cell].data_type == "s"
    wb.save(out)
    return out


@pytest.fixture(scope="module")
def text_files(template_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("text_amounts")
    return {
        name: _write_text_amount(template_path, *case, folder / f"{name}.xlsx")
        for name, case in CASES.items()
    }


def _dependent_cells(kind: str) -> list[str]:
    """Every computed cell of product 1 that depends on its amount, and the totals built on it."""
    names = L.product_output_names(0)
    keys = [names[k] for k in ("tier", "max_reward", "reward", "next_tier", "granted")] + [L.TOTAL_NAME]
    top = L.calc_top_row(0)
    keys += [f"{L.CALC}!{col}{top + 2 + t}" for t in range(3) for col in "BD"]  # the tier table
    fees = L.product_block(0).fees_row
    keys += [f"{L.FORM}!{'B' if kind == 'api' else 'C'}{fees}", f"{L.FORM}!F{fees}"]
    return keys


def test_libreoffice_shows_the_marker_in_every_dependent_cell(
    soffice: str, text_files: dict[str, Path], tmp_path: Path
) -> None:
    outputs = convert(
        soffice, profile(tmp_path / "profile", 0), "xlsx", list(text_files.values()), tmp_path / "out"
    )
    for (name, (kind, _)), output in zip(CASES.items(), outputs, strict=True):
        wb = openpyxl.load_workbook(output, data_only=True)
        for key in _dependent_cells(kind):
            sheet, cell = key.split("!") if "!" in key else resolve(wb, key)
            assert wb[sheet][cell].value == TEXT_MARKER, f"{name}: {key} = {wb[sheet][cell].value!r}"
        # The other product slots stay quiet (0 / empty), not marked.
        other = L.product_output_names(1)["reward"]
        sheet, cell = resolve(wb, other)
        assert wb[sheet][cell].value == 0, name


@pytest.mark.parametrize("name", CASES)
def test_check_reports_the_text_amount_with_its_cell(text_files: dict[str, Path], name: str) -> None:
    kind, text = CASES[name]
    evaluation = evaluate(read_workbook(text_files[name]))
    found = [f for f in evaluation.findings if f.code == "input.text_amount"]
    assert len(found) == 1 and found[0].is_error
    field = L.by_path()[CLAIMED if kind == "api" else PROCUREMENT]
    assert evaluation.cell_for(found[0]) == field.ref
    assert "金额须为数字" in found[0].message and text.strip() in found[0].message


def test_the_validation_macro_and_the_file_path_report_it_too(
    text_files: dict[str, Path], tmp_path: Path
) -> None:
    source = text_files["api_120wan"]
    by_file = validate_file(source, tmp_path / "checked.xlsx")
    by_excel = evaluate(read_book(XlwingsBook(FakeBook.from_file(source)))).findings
    for findings in (by_file, by_excel):
        assert [f.code for f in findings if f.code.startswith("input.")] == ["input.text_amount"]


def test_a_number_stored_as_a_number_is_not_reported(template_path: Path, tmp_path: Path) -> None:
    out = fill_template(template_path, _declaration(_api("数字金额产品", "50000")), tmp_path / "number.xlsx")
    assert not [f for f in read_workbook(out).findings if f.code.startswith("input.")]


def _plant_cached_value(path: Path, cell: str, cached: str) -> None:
    """Give the formula in ``cell`` of 申报表 the saved result ``cached`` (as a stale file would have)."""
    wb = openpyxl.load_workbook(path)
    index = wb.sheetnames.index(L.FORM) + 1
    part = f"xl/worksheets/sheet{index}.xml"
    with zipfile.ZipFile(path) as zin:
        items = [(item, zin.read(item.filename)) for item in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item, body in items:
            if item.filename == part:
                body, count = re.subn(
                    rb'(<c r="' + cell.encode() + rb'"[^>]*>)<f>([^<]*)</f>(?:<v\s*/>|<v></v>)',
                    rb"\1<f>\2</f><v>" + cached.encode() + b"</v>",
                    body,
                )
                assert count == 1
            zout.writestr(item, body)


def test_a_formula_in_an_input_cell_is_reported_with_the_value_used(
    template_path: Path, tmp_path: Path
) -> None:
    out = fill_template(
        template_path, _declaration(_api("公式金额产品", "1000000")), tmp_path / "formula.xlsx"
    )
    wb = openpyxl.load_workbook(out)
    sheet, cell = resolve(wb, L.by_path()[CLAIMED].name)
    wb[sheet][cell].value = "=1000000"
    wb.save(out)
    _plant_cached_value(out, cell, "6200000")
    result = read_workbook(out)
    assert result.declaration.products[0].services[0].claimed_amount == 6200000
    found = [f for f in result.findings if f.code == "input.formula"]
    assert len(found) == 1 and found[0].is_error
    assert "=1000000" in found[0].message and "6200000" in found[0].message
    assert result.cell_for(found[0].field) == f"{sheet}!{cell}"
    # The file path of the validation (openpyxl) and the Excel path say the same.
    for findings in (
        validate_file(out, tmp_path / "checked.xlsx"),
        evaluate(read_book(XlwingsBook(FakeBook.from_file(out)))).findings,
    ):
        assert [f.message for f in findings if f.code == "input.formula"] == [found[0].message]
