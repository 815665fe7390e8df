"""Issue 9 §3: names and validations as Excel writes them.

- The template's input names (``_MV_…``) never equal a UDF name, and are pinned: every input's name, sheet
  and cell against ``tests/data/names.csv`` (reference data, not computed), and the README's table against
  the same list, so shifting a product block by one row fails.
- Workbooks of the first release (inputs named ``MV_…``) are still read, and validated with highlights.
- List validations are written ``<formula1>MV_LIST_…</formula1>``, without ``=``.
- Filling and the validation's openpyxl copy keep MV_BREAKDOWN's dynamic-array flag.
"""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from filling import EXAMPLES, fill_template
from openpyxl.workbook.defined_name import DefinedName

import xlmv_udfs
from xlmv_workbook.read.books import OpenpyxlBook
from xlmv_workbook.read.reader import read_workbook
from xlmv_workbook.read.validate import ERROR_FILL, validate, validate_file
from xlmv_workbook.template import layout as L
from xlmv_workbook.xlsx.safety import WorkbookError

DATA = Path(__file__).resolve().parent / "data"
README = Path(__file__).resolve().parent.parent / "README.md"
UDFS = {n for n in dir(xlmv_udfs) if n.startswith("MV_") and callable(getattr(xlmv_udfs, n))}


def reference() -> list[dict[str, str]]:
    with (DATA / "names.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_input_is_where_the_reference_list_says() -> None:
    now = [{"name": f.name, "sheet": f.sheet, "cell": f.cell, "path": f.path} for f in L.fields()]
    assert now == reference()


def test_the_template_defines_the_reference_names(template_path: Path) -> None:
    wb = openpyxl.load_workbook(template_path)
    for row in reference():
        assert (
            wb.defined_names[row["name"]].attr_text == f"'{row['sheet']}'!${row['cell'][0]}${row['cell'][1:]}"
        )


def _readme_rows() -> list[tuple[str, str, str]]:
    text = README.read_text(encoding="utf-8")
    rows = re.findall(
        r"^\| `(_?MV_[^`]+)` \| [^|]+ \| [a-z_]+ \| `([^`]+)` \| ([^|!]+)!([A-Z]+[0-9]+) \|$", text, re.M
    )
    return [(name, f"{sheet}!{cell}", path) for name, path, sheet, cell in rows]


def test_the_readme_table_matches_the_reference_list() -> None:
    """Each README row (slot 1, service 1, item 1 for the repeated fields) names a reference entry."""
    by_name = {r["name"]: r for r in reference()}
    rows = _readme_rows()
    assert len(rows) >= 45
    for name, ref, path in rows:
        concrete = name.replace("{n}", "1").replace("{s}", "1").replace("{i}", "1")
        entry = by_name[concrete]
        assert f"{entry['sheet']}!{entry['cell']}" == ref, name
        assert entry["path"] == path.replace("n-1", "0").replace("s-1", "0").replace("i-1", "0"), name
    documented = {n for n, _, _ in rows}
    pattern = {
        re.sub(r"_CHECK_\d$", "_CHECK_{i}", re.sub(r"_S\d_", "_S{s}_", re.sub(r"_P\d_", "_P{n}_", r["name"])))
        for r in reference()
    }
    assert pattern == documented


def test_no_defined_name_is_a_udf_name(template_path: Path, tmp_path: Path) -> None:
    filled = fill_template(template_path, EXAMPLES["several_products_and_services"](), tmp_path / "f.xlsx")
    for path in (template_path, filled):
        names = set(openpyxl.load_workbook(path).defined_names)
        assert not names & UDFS, names & UDFS
        assert all(f.name.startswith(L.INPUT_PREFIX) for f in L.fields())


def test_list_validations_have_no_leading_equals(template_path: Path) -> None:
    with zipfile.ZipFile(template_path) as zf:
        xml = b"".join(zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/sheet"))
    lists = re.findall(rb"<(?:\w+:)?formula1>([^<]*MV_LIST_[^<]*)</", xml)
    assert lists and all(not f.startswith(b"=") for f in lists), lists


def _with_legacy_names(source: Path, target: Path) -> Path:
    """``source`` with every input named as the first release named it (``MV_USCC``)."""
    wb = openpyxl.load_workbook(source)
    for f in L.fields():
        ref = wb.defined_names[f.name].attr_text
        del wb.defined_names[f.name]
        wb.defined_names[f.legacy_name] = DefinedName(f.legacy_name, attr_text=ref)
    wb.save(target)
    return target


def test_workbooks_of_the_first_release_are_still_read(template_path: Path, tmp_path: Path) -> None:
    decl = EXAMPLES["several_products_and_services"]()
    filled = fill_template(template_path, decl, tmp_path / "new.xlsx")
    old = _with_legacy_names(filled, tmp_path / "old.xlsx")
    assert "MV_USCC" in openpyxl.load_workbook(old).defined_names
    new_result, old_result = read_workbook(filled), read_workbook(old)
    assert old_result.declaration == new_result.declaration
    assert old_result.cells == new_result.cells


def test_validation_highlights_cells_of_a_first_release_workbook(template_path: Path, tmp_path: Path) -> None:
    filled = fill_template(template_path, EXAMPLES["api_tier_boundaries"](), tmp_path / "new.xlsx")
    wb = openpyxl.load_workbook(filled)
    wb["申报表"]["B4"].value = None  # company name missing: an error at 申报表!B4
    wb.save(filled)
    old = _with_legacy_names(filled, tmp_path / "old.xlsx")
    book = OpenpyxlBook(old)
    findings = validate(book)
    assert any(f.field == "company.name" for f in findings)
    fill = book.workbook["申报表"]["B4"].fill.fgColor.rgb
    assert fill[-6:] == ERROR_FILL


@pytest.mark.parametrize("step", ["fill", "validate"])
def test_the_dynamic_array_flag_survives_openpyxl_saves(
    template_path: Path, tmp_path: Path, step: str
) -> None:
    filled = fill_template(template_path, EXAMPLES["api_tier_boundaries"](), tmp_path / "filled.xlsx")
    out = filled if step == "fill" else tmp_path / "checked.xlsx"
    if step == "validate":
        validate_file(filled, out)
    with zipfile.ZipFile(out) as zf:
        assert "xl/metadata.xml" in zf.namelist()
        calc = zf.read(f"xl/worksheets/sheet{L.SHEETS.index(L.CALC) + 1}.xml")
        types = zf.read("[Content_Types].xml")
    flagged = re.findall(rb'<c r="(F\d+)"[^>]* cm="1"><f t="array"[^>]*>[^<]*MV_BREAKDOWN', calc)
    assert len(flagged) == L.PRODUCTS
    assert types.count(b"/xl/metadata.xml") == 1


def test_layout_limits_come_from_the_policy_data() -> None:
    from xlmv.policy import load_policy

    policy = load_policy()
    limit = policy.limits.description_chars
    assert limit is not None and limit.value == L.DESCRIPTION_LIMIT
    description = L.by_path()["products[0].description"]
    assert description.max_length == limit.value and str(limit.value) in description.prompt
    assert max(len(c.items) for c in policy.checklists) == L.CHECKLIST_ITEMS
    rows = L.product_block(1).header_row - L.product_block(0).header_row
    assert rows == len(L.HEAD_ROWS) + L.SERVICES + len(L.TAIL_ROWS) + L.BLANK_ROWS_BETWEEN_PRODUCTS


def test_a_first_release_book_without_the_cells_added_since_is_read(
    template_path: Path, tmp_path: Path
) -> None:
    """A workbook filled in the first release's template has neither the later names nor the cells added
    since (the material-2 questions, the 一.2 confirmation): it is read, those cells count as unanswered
    (the rules say so), and one warning says the template is older."""
    filled = fill_template(template_path, EXAMPLES["several_products_and_services"](), tmp_path / "new.xlsx")
    old = _with_legacy_names(filled, tmp_path / "old.xlsx")
    wb = openpyxl.load_workbook(old)
    added = [f for f in L.fields() if f.since > 1]
    assert len(added) == 4 * L.PRODUCTS + 1
    for f in added:
        del wb.defined_names[f.legacy_name]
    wb.save(old)
    result = read_workbook(old)
    [warning] = [f for f in result.findings if f.code == "input.older_template"]
    assert f"没有新版模板增加的 {len(added)} 个单元格" in warning.message
    assert result.declaration.commitments.ai_direction is False  # unanswered: the rules report it
    assert result.declaration.company == read_workbook(filled).declaration.company
    del wb.defined_names[L.fields()[0].legacy_name]  # a cell every release has: still refused
    wb.save(old)
    with pytest.raises(WorkbookError, match="申报表模板缺少定义名称"):
        read_workbook(old)
