"""The built template's structure, read back with openpyxl (fast, no external tools).

Names and cells (every ``layout.fields()`` name is a workbook-level name pointing at its cell), input cells
(unlocked, yellow, validated with a Chinese prompt; dropdowns resolve to the policy's lists on 政策参数),
locked computed cells, protection, frozen panes, A4 print setup, money units in the headers, the xlwings
settings sheet, the template id, a scan of every formula for functions every spreadsheet knows (our UDFs
only inside IFERROR/ISERROR), and the dynamic-array flag on the MV_BREAKDOWN cells.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.formula import Tokenizer
from openpyxl.formula.tokenizer import Token
from openpyxl.worksheet.formula import ArrayFormula
from printing import pages_wide, print_scale

import xlmv_udfs
from xlmv.policy import load_policy
from xlmv_workbook.template import build, inputs
from xlmv_workbook.template import layout as L
from xlmv_workbook.xlsx import styles as S

POLICY = load_policy()
PROTECTED = (L.FORM, L.CHECKLIST, L.CALC, L.LETTER, L.PARAMS)
FROZEN = (L.FORM, L.CHECKLIST, L.CALC)
VALIDATED_TYPES = {"amount", "int", "date", "choice", "status", "yes_no"}

# Functions in every spreadsheet (Excel 2007+, LibreOffice, WPS, Numbers), none with an _xlfn. prefix.
PORTABLE_FUNCTIONS = {
    "COUNT",
    "AND",
    "COUNTA",
    "IF",
    "IFERROR",
    "ISERROR",
    "ISNUMBER",
    "ISTEXT",
    "LEFT",
    "LEN",
    "MAX",
    "MIN",
    "NA",
    "OR",
    "ROUND",
    "ROUNDDOWN",
    "ROUNDUP",
    "SUM",
    "FIND",  # the 材料清单 link to a material file (Excel 2007, LibreOffice, Gnumeric)
    "HYPERLINK",
    "TRIM",
}
# Functions Excel stores as _xlfn.NAME (added after Excel 2007): written bare they are #NAME? in Excel.
XLFN_FUNCTIONS = {
    "AGGREGATE",
    "BYCOL",
    "BYROW",
    "CEILING.MATH",
    "CHOOSECOLS",
    "CHOOSEROWS",
    "CONCAT",
    "DAYS",
    "DROP",
    "EXPAND",
    "FILTER",
    "FLOOR.MATH",
    "FORMULATEXT",
    "HSTACK",
    "IFNA",
    "IFS",
    "ISFORMULA",
    "ISOMITTED",
    "LAMBDA",
    "LET",
    "MAP",
    "MAXIFS",
    "MINIFS",
    "NUMBERVALUE",
    "RANDARRAY",
    "REDUCE",
    "SCAN",
    "SEQUENCE",
    "SHEET",
    "SHEETS",
    "SORT",
    "SORTBY",
    "SWITCH",
    "TAKE",
    "TEXTAFTER",
    "TEXTBEFORE",
    "TEXTJOIN",
    "TEXTSPLIT",
    "TOCOL",
    "TOROW",
    "UNIQUE",
    "VSTACK",
    "XLOOKUP",
    "XMATCH",
    "XOR",
}
UDF_GUARDS = {"IFERROR": 0, "ISERROR": 0}  # the argument position that catches an error


@pytest.fixture(scope="module")
def wb(template_path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(template_path)


def target(wb: openpyxl.Workbook, name: str) -> tuple[str, str]:
    """(sheet, "A1" or "A1:B2") of a workbook-level defined name."""
    defined = wb.defined_names.get(name)
    assert defined is not None, f"{name} is not a workbook-level defined name"
    sheet, _, ref = defined.attr_text.rpartition("!")
    return sheet.strip("'").replace("''", "'"), ref.replace("$", "")


def values_of(wb: openpyxl.Workbook, name: str) -> list[object]:
    sheet, ref = target(wb, name)
    if ":" not in ref:
        return [wb[sheet][ref].value]
    return [c.value for row in wb[sheet][ref] for c in row]


def formulas(wb: openpyxl.Workbook):
    """(sheet, cell, formula text) for every formula in the workbook, array formulas included."""
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, ArrayFormula):
                    yield ws.title, cell.coordinate, value.text
                elif isinstance(value, str) and value.startswith("="):
                    yield ws.title, cell.coordinate, value


def udf_names() -> set[str]:
    return {n for n in dir(xlmv_udfs) if n.startswith("MV_") and callable(getattr(xlmv_udfs, n))}


def has_cjk(text: str | None) -> bool:
    return bool(text) and re.search(r"[\u4e00-\u9fff]", text or "") is not None


# ------------------------------------------------------------------------------------ names and cells


def test_every_field_is_a_workbook_level_name_pointing_at_its_cell(wb) -> None:
    for field in L.fields():
        assert wb.defined_names[field.name].localSheetId is None
        assert target(wb, field.name) == (field.sheet, field.cell), field.name


def test_computed_names_exist(wb) -> None:
    names = [L.ENGINE_NAME, L.TOTAL_NAME, L.TEMPLATE_ID_NAME, L.TEMPLATE_VERSION_NAME]
    names += [n for i in range(L.PRODUCTS) for n in L.product_output_names(i).values()]
    for name in names:
        sheet, ref = target(wb, name)
        assert ":" not in ref and sheet in wb.sheetnames, name


def test_template_id_and_version(wb) -> None:
    assert values_of(wb, L.TEMPLATE_ID_NAME) == [L.TEMPLATE_ID]
    assert values_of(wb, L.TEMPLATE_VERSION_NAME) == [L.TEMPLATE_VERSION]


# ---------------------------------------------------------------------------------------- input cells


def test_input_cells_are_unlocked_yellow_and_empty(wb) -> None:
    for field in L.fields():
        cell = wb[field.sheet][field.cell]
        assert cell.protection.locked is False, field.ref
        assert cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb == S.INPUT_FILL, field.ref
        assert cell.value is None, field.ref


def validation_of(wb: openpyxl.Workbook, field: L.Field):
    found = [dv for dv in wb[field.sheet].data_validations.dataValidation if field.cell in dv.sqref]
    assert len(found) <= 1, f"{field.ref} has {len(found)} data validations"
    return found[0] if found else None


def test_typed_inputs_have_a_validation_with_a_chinese_prompt(wb) -> None:
    needing = [f for f in L.fields() if f.type in VALIDATED_TYPES or f.max_length or f.choices]
    assert {f.type for f in needing} >= VALIDATED_TYPES
    for field in needing:
        dv = validation_of(wb, field)
        assert dv is not None, f"{field.ref} ({field.type}) has no data validation"
        assert dv.showInputMessage and has_cjk(dv.prompt), f"{field.ref}: prompt {dv.prompt!r}"
        assert len(dv.prompt) <= 255 and has_cjk(dv.promptTitle) and len(dv.promptTitle) <= 32
        assert has_cjk(dv.error), field.ref
    for field in L.fields():  # and every prompt the layout gives shows
        dv = validation_of(wb, field)
        if field.prompt:
            assert dv is not None and dv.prompt == field.prompt, field.ref


def test_validation_kinds_match_the_field_types(wb) -> None:
    expected = {"amount": "decimal", "int": "whole", "date": "date"}
    for field in L.fields():
        dv = validation_of(wb, field)
        if field.type in expected:
            assert dv.type == expected[field.type], field.ref
        if field.choices:
            assert dv.type == "list" and dv.formula1 == inputs.LIST_NAMES[field.choices], field.ref
        if field.max_length:
            assert dv.type == "textLength" and dv.formula1 == str(POLICY.limits.description_chars.value)


def test_dropdowns_resolve_to_the_policy_lists_on_the_params_sheet(wb) -> None:
    expected = {
        "unit_types": [u.label for u in POLICY.unit_types.items],
        "kinds": [k.label for k in POLICY.kinds],
        "product_types": list(POLICY.product_types.items),
        "scenarios": list(POLICY.scenarios.items),
        "statuses": list(POLICY.checklist_statuses.choices),
        "yes_no": list(L.YES_NO),
    }
    used = {f.choices for f in L.fields() if f.choices}
    assert used == set(expected)
    for key, name in inputs.LIST_NAMES.items():
        sheet, _ = target(wb, name)
        assert sheet == L.PARAMS
        values = values_of(wb, name)
        assert values and values == expected[key], key


# ------------------------------------------------------------------------------------- computed cells


def test_computed_cells_are_locked_and_no_input_holds_a_formula(wb) -> None:
    inputs = {(f.sheet, f.cell) for f in L.fields()}
    count = 0
    for sheet, coordinate, _ in formulas(wb):
        assert (sheet, coordinate) not in inputs
        assert wb[sheet][coordinate].protection.locked is not False, f"{sheet}!{coordinate}"
        count += 1
    assert count > 100


def test_sheets_protected_without_a_password(wb) -> None:
    for name in PROTECTED:
        protection = wb[name].protection
        assert protection.sheet is True, name
        assert not protection.password and not protection.hashValue and not protection.algorithmName, name


def test_frozen_panes(wb) -> None:
    for name in FROZEN:
        assert wb[name].freeze_panes not in (None, "A1"), name


def test_every_sheet_prints_a4_one_page_wide_with_a_print_area(wb) -> None:
    for ws in wb:
        if ws.sheet_state != "visible":  # xlwings.conf: not printed at all (no print area)
            assert not ws.print_area, ws.title
            continue
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4), ws.title  # 9 = A4
        assert ws.print_area, ws.title
        assert pages_wide(ws) == 1 and print_scale(ws) >= 0.6, (ws.title, print_scale(ws))


def _nearest_text(ws, row: int, column: int, step: tuple[int, int]) -> str | None:
    """The nearest constant text from (row, column) walking by ``step``; merged parts are skipped."""
    r, c = row + step[0], column + step[1]
    while r >= 1 and c >= 1:
        value = ws.cell(r, c).value
        if isinstance(value, str) and value and not value.startswith("="):
            return value
        r, c = r + step[0], c + step[1]
    return None


def test_money_headers_say_yuan(wb) -> None:
    for field in L.fields():
        if field.type == "amount":
            assert "元" in field.label, field.ref
    checked = 0
    for name in (L.FORM, L.CALC):
        ws = wb[name]
        for row in ws.iter_rows():
            for cell in row:
                if cell.number_format not in (S.MONEY_FORMAT, S.WAN_FORMAT) or cell.column > 9:
                    continue
                unit = "万元" if cell.number_format == S.WAN_FORMAT else "元"
                left = _nearest_text(ws, cell.row, cell.column, (0, -1))
                above = _nearest_text(ws, cell.row, cell.column, (-1, 0))
                assert unit in (left or "") or unit in (above or ""), (
                    f"{name}!{cell.coordinate}: no header saying {unit} (left {left!r}, above {above!r})"
                )
                checked += 1
    assert checked > 50


# ------------------------------------------------------------------------------------------ settings


def test_xlwings_conf_names_the_udf_module(wb) -> None:
    ws = wb[L.CONFIG]
    settings = {row[0].value: row[1].value for row in ws.iter_rows(max_col=2) if row[0].value}
    assert settings["UDF Modules"] == "xlmv_udfs"


# ------------------------------------------------------------------------------------------- formulas


def function_calls(formula: str) -> list[tuple[str, list[tuple[str, int]]]]:
    """Each function call in ``formula``: its name and the enclosing calls as (name, argument index)."""
    stack: list[tuple[str, int]] = []  # ("", 0) for a bracket group
    calls = []
    for token in Tokenizer(formula).items:
        if token.type == Token.FUNC and token.subtype == Token.OPEN:
            name = token.value[:-1].upper()
            calls.append((name, list(stack)))
            stack.append((name, 0))
        elif token.type == Token.PAREN and token.subtype == Token.OPEN:
            stack.append(("", 0))
        elif token.subtype == Token.CLOSE and token.type in (Token.FUNC, Token.PAREN):
            stack.pop()
        elif token.type == Token.SEP and token.subtype == Token.ARG and stack:
            name, index = stack[-1]
            stack[-1] = (name, index + 1)
    assert not stack, formula
    return calls


def test_function_calls_parses_nesting() -> None:
    calls = function_calls('=IFERROR(MV_X(A1:A2,(B1)),IF(ISERROR(MV_Y()),"a",1))')
    assert calls == [
        ("IFERROR", []),
        ("MV_X", [("IFERROR", 0)]),
        ("IF", [("IFERROR", 1)]),
        ("ISERROR", [("IFERROR", 1), ("IF", 0)]),
        ("MV_Y", [("IFERROR", 1), ("IF", 0), ("ISERROR", 0)]),
    ]


def test_every_function_is_portable_or_one_of_our_udfs(wb) -> None:
    udfs = udf_names()
    seen: set[str] = set()
    for sheet, coordinate, formula in formulas(wb):
        for name, _ in function_calls(formula):
            seen.add(name)
            where = f"{sheet}!{coordinate}: {name}"
            assert name not in XLFN_FUNCTIONS, f"{where} needs the _xlfn. prefix"
            assert name in PORTABLE_FUNCTIONS or (name.startswith("MV_") and name in udfs), where
            if name.startswith("MV_"):
                assert hasattr(xlmv_udfs, name), where
    print("functions in the template:", ", ".join(sorted(seen)))
    assert {"MV_API_REWARD", "MV_PRIVATE_REWARD", "MV_BREAKDOWN", "MV_ENTERPRISE_REWARD"} <= seen


def test_every_udf_call_is_guarded_by_iferror_or_iserror(wb) -> None:
    udfs = udf_names()
    guarded = 0
    for sheet, coordinate, formula in formulas(wb):
        for name, enclosing in function_calls(formula):
            if name in udfs:
                assert any(UDF_GUARDS.get(outer) == index for outer, index in enclosing), (
                    f"{sheet}!{coordinate}: {name} is not inside IFERROR(…) or ISERROR(…): {formula[:200]}"
                )
                guarded += 1
    assert guarded >= 5 * L.PRODUCTS


def test_formulas_fit_excel_limits(wb) -> None:
    for sheet, coordinate, formula in formulas(wb):
        assert len(formula) <= 8192, f"{sheet}!{coordinate}: {len(formula)} characters"
        depth = max(len(enclosing) for _, enclosing in function_calls(formula) or [("", [])])
        assert depth < 64, f"{sheet}!{coordinate}: nested {depth} deep"


# ------------------------------------------------------------------------------- building and saving


def test_template_bytes_is_fast() -> None:
    build.template_bytes(POLICY)  # warm caches (policy, layout)
    start = time.perf_counter()
    data = build.template_bytes(POLICY)
    elapsed = time.perf_counter() - start
    print(f"template_bytes: {elapsed * 1000:.0f} ms, {len(data) / 1024:.0f} KiB")
    assert data[:2] == b"PK"


def test_breakdown_cells_are_flagged_as_dynamic_arrays(template_path: Path, wb) -> None:
    breakdown = {
        (sheet, coordinate) for sheet, coordinate, formula in formulas(wb) if "MV_BREAKDOWN" in formula
    }
    assert len(breakdown) == L.PRODUCTS
    assert all(isinstance(wb[s][c].value, ArrayFormula) for s, c in breakdown)
    with zipfile.ZipFile(io.BytesIO(template_path.read_bytes())) as z:
        names = z.namelist()
        assert "xl/metadata.xml" in names
        assert b"XLDAPR" in z.read("xl/metadata.xml")
        assert b'PartName="/xl/metadata.xml"' in z.read("[Content_Types].xml")
        assert b'Target="metadata.xml"' in z.read("xl/_rels/workbook.xml.rels")
        sheet_index = wb.sheetnames.index(L.CALC) + 1
        xml = z.read(f"xl/worksheets/sheet{sheet_index}.xml").decode()
    flagged = set(re.findall(r'<c r="([A-Z]+\d+)"[^>]*\bcm="1"', xml))
    assert flagged == {c for _, c in breakdown}
    for coordinate in flagged:
        assert re.search(rf'<c r="{coordinate}"[^>]*cm="1"[^>]*><f t="array" ref="{coordinate}">', xml)
