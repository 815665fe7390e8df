"""What the template and the export put on paper, read from their page setup and cells (no renderer):
one page wide at a readable scale, title rows, the 奖励测算 pages, 万元 with separators, the policy's tier
labels, the 政策参数 rows grown to their text, xlwings.conf not printed, an empty chart until an amount."""

from __future__ import annotations

import json
import re

import openpyxl
import pytest
from printing import area_columns, pages_wide, print_scale
from workbooks import new_template, write_workbook

from xlmv.linebreak import NO_START, display_width
from xlmv.policy import load_policy
from xlmv_workbook.export import submission as X
from xlmv_workbook.export.submission import export
from xlmv_workbook.template import layout as L
from xlmv_workbook.template import sheet_calc
from xlmv_workbook.xlsx import styles as S

MIN_SCALE = 0.6
MULTI_PAGE = {L.FORM, L.CHECKLIST, L.CALC, X.FORM, X.CHECKLIST, X.CALC}  # sheets that need title rows
ARABIC_TIER = re.compile(r'第[\s"]*[0-9#]+[\s"]*档')  # 第3档, or the number format "第"0"档"


@pytest.fixture(scope="module")
def template() -> openpyxl.Workbook:
    return new_template()


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    folder = tmp_path_factory.mktemp("print-layout")
    return openpyxl.load_workbook(export(write_workbook(folder / "in.xlsx"), folder / "out").workbook)


def _printed(wb: openpyxl.Workbook) -> list:
    return [ws for ws in wb if ws.sheet_state == "visible"]


@pytest.mark.parametrize("which", ["template", "exported"])
def test_every_printed_sheet_is_one_page_wide_at_a_readable_scale(which: str, request) -> None:
    for ws in _printed(request.getfixturevalue(which)):
        assert ws.print_area, ws.title
        assert pages_wide(ws) == 1, ws.title
        assert print_scale(ws) >= MIN_SCALE, (ws.title, len(area_columns(ws)), print_scale(ws))


@pytest.mark.parametrize("which", ["template", "exported"])
def test_sheets_of_several_pages_repeat_their_title_rows(which: str, request) -> None:
    for ws in _printed(request.getfixturevalue(which)):
        if ws.title in MULTI_PAGE:
            assert ws.print_title_rows, ws.title


def test_xlwings_conf_is_hidden_and_not_printed(template: openpyxl.Workbook) -> None:
    ws = template[L.CONFIG]
    assert ws.sheet_state == "hidden" and not ws.print_area
    assert ws["A1"].value == "UDF Modules" and ws["B1"].value == "xlmv_udfs"


# ---------------------------------------------------------------------------------------------- 奖励测算


def test_calc_prints_the_tables_with_the_title_centred_over_them(template: openpyxl.Workbook) -> None:
    ws = template[L.CALC]
    assert area_columns(ws) == ["A", "B", "C", "D"]
    title = next(r for r in ws.merged_cells.ranges if r.min_row == 1)
    assert (title.min_col, title.max_col) == (1, 4) and ws["A1"].value == "奖励测算"


def test_the_add_in_detail_is_a_labelled_block_outside_the_printed_page(template: openpyxl.Workbook) -> None:
    ws = template[L.CALC]
    for index in range(L.PRODUCTS):
        top = L.calc_top_row(index)
        header = next(r for r in ws.merged_cells.ranges if r.min_row == top and r.min_col > 4)
        assert str(header) == f"F{top}:I{top}" and "插件明细" in ws[f"F{top}"].value
        assert ws[f"F{top}"].fill.fgColor.rgb == S.HEADER_FILL


def test_one_product_per_page_and_the_enterprise_total_on_the_last(template: openpyxl.Workbook) -> None:
    ws = template[L.CALC]
    breaks = sorted(b.id for b in ws.row_breaks.brk)
    assert breaks == [L.calc_top_row(i) - 1 for i in range(1, L.PRODUCTS)]
    last_row = int(re.sub(r"[^0-9:]", "", str(ws.print_area)).split(":")[1])
    assert last_row >= L.ENTERPRISE_ROW + L.PRODUCTS + 5  # the whole enterprise table is printed…
    assert all(b < L.ENTERPRISE_ROW for b in breaks)  # …and no break falls inside it
    assert ws.print_title_rows and ws.sheet_properties.pageSetUpPr.fitToPage
    assert int(ws.page_setup.fitToHeight) == 0  # height free, so the manual breaks hold


def test_charts_are_empty_until_an_amount_is_entered(template: openpyxl.Workbook) -> None:
    """Every cell the charts draw is #N/A (not drawn) while the product's amount cells are empty, and a
    note above each chart says why."""
    ws = template[L.CALC]
    fields = L.by_path()
    first_data = sheet_calc.DATA_COLUMN
    for index in range(L.PRODUCTS):
        top = L.calc_top_row(index)
        amounts = [
            f"{L.FORM}!{f.cell}"
            for path, f in fields.items()
            if path.startswith(f"products[{index}].")
            and path.endswith(("claimed_amount", "procurement.procurement_amount"))
        ]
        data = [
            c
            for row in ws.iter_rows(
                min_row=top,
                max_row=top + L.CALC_BLOCK_ROWS - 1,
                min_col=first_data,
                max_col=sheet_calc.SHARE_COLUMN - 1,  # the chart data, not the tier rows' fen shares
            )
            for c in row
            if isinstance(c.value, str) and c.value.startswith("=")
        ]
        assert data
        for cell in data:
            if cell.value.startswith("=IF(COUNT("):
                guard = cell.value[len("=IF(COUNT(") : cell.value.index(")=0,NA(),")]
                assert sorted(guard.split(",")) == sorted(amounts), cell.coordinate
            else:  # the 万元 copies divide a guarded cell
                assert re.fullmatch(r"=[A-Z]+[0-9]+/10000", cell.value), (cell.coordinate, cell.value)
        notes = [
            c for c in ws["A"][top : top + L.CALC_BLOCK_ROWS] if sheet_calc.EMPTY_CHART_NOTE in str(c.value)
        ]
        assert len(notes) == 1
    assert len(ws._charts) == L.PRODUCTS
    printed_cm = sum((ws.column_dimensions[c].width or 8.43) * 7 + 5 for c in "ABCD") / 96 * 2.54
    for chart in ws._charts:  # anchored in A, no wider than columns A–D
        assert chart.anchor._from.col == 0
        assert chart.anchor.ext.width / 360_000 <= min(sheet_calc.CHART_WIDTH_CM, printed_cm)


# ---------------------------------------------------------------------------------------------- 政策参数


def test_params_rows_grow_with_their_wrapped_text(template: openpyxl.Workbook) -> None:
    ws = template[L.PARAMS]
    checked = 0
    for row in ws.iter_rows():
        for cell in row:
            if (
                not isinstance(cell.value, str)
                or not cell.alignment.wrap_text
                or cell.coordinate in ws.merged_cells
            ):
                continue
            width = ws.column_dimensions[cell.column_letter].width or 8.43
            lines = -(-display_width(cell.value) // int(width - 1))
            if lines > 1:
                height = ws.row_dimensions[cell.row].height
                assert height and height >= lines * 14, (cell.coordinate, cell.value, height)
                checked += 1
    assert checked >= 3  # the 申报起点与奖励上限 texts wrap


def test_params_first_column_holds_its_labels(template: openpyxl.Workbook) -> None:
    ws = template[L.PARAMS]
    width = ws.column_dimensions["A"].width
    labels = [c.value for c in ws["A"] if isinstance(c.value, str) and c.coordinate not in ws.merged_cells]
    assert labels
    for label in labels:
        assert display_width(label) <= width, (label, width)


# ----------------------------------------------------------------------------------------- 万元 and 档位


def test_every_wan_cell_has_a_thousands_separator(
    template: openpyxl.Workbook, exported: openpyxl.Workbook
) -> None:
    assert "#,##0" in S.WAN_FORMAT and S.WAN_FORMAT != S.MONEY_FORMAT
    record = X.read_embedded(exported)
    assert record is not None
    wan = [c for c in json.loads(record)["cells"].values() if c["kind"] == "wan"]
    assert len(wan) >= 6
    for c in wan:
        sheet, cell = c["ref"].rsplit("!", 1)
        assert "#,##0" in exported[sheet][cell].number_format, c["ref"]
    form = template[L.FORM]
    for index in range(L.PRODUCTS):  # the template's 产品申报费用（万元） row
        row = L.product_block(index).fees_row
        for column in "BCDEF":
            assert "#,##0" in form[f"{column}{row}"].number_format, f"{column}{row}"


@pytest.mark.parametrize("which", ["template", "exported"])
def test_no_tier_with_an_arabic_numeral(which: str, request) -> None:
    wb = request.getfixturevalue(which)
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                for text in (cell.value, cell.number_format):
                    if isinstance(text, str) and not text.startswith("="):
                        assert not ARABIC_TIER.search(text), (
                            ws.title,
                            cell.coordinate,
                            text,
                        )


def test_the_export_prints_the_policys_tier_labels(exported: openpyxl.Workbook) -> None:
    labels = {b.label for k in load_policy().kinds for b in k.bands} | {"不达标"}
    names = [n for n in exported.defined_names if re.fullmatch(r"MV_(F_)?P[0-9]+_TIER", n)]
    assert names
    for name in names:
        (sheet, ref), *_ = exported.defined_names[name].destinations
        assert exported[sheet][ref.replace("$", "")].value in labels, name


def test_item_numbers_of_the_letter_are_the_policys(exported: openpyxl.Workbook) -> None:
    """附件3-4 as the policy prints it: items 1.–6., then 8. (there is no 7.), then 9. and 10."""
    ws = exported[X.LETTER]
    numbers = [
        int(m[1])
        for c in ws["A"]
        if isinstance(c.value, str) and (m := re.match(r"\u3000\u3000([0-9]+)\.", c.value))
    ]
    policy_numbers = [int(i.split(".")[0]) for i in load_policy().letter.items]  # type: ignore[union-attr]
    assert numbers == policy_numbers and 7 not in numbers and 8 in numbers


def test_column_helper_reads_print_areas() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.print_area = "B2:D9"
    ws.column_dimensions["C"].hidden = True
    assert area_columns(ws) == ["B", "D"]


@pytest.mark.parametrize(("which", "sheet"), [("template", L.LETTER), ("exported", X.LETTER)])
def test_letter_lines_never_start_with_closing_punctuation(which: str, sheet: str, request) -> None:
    ws = request.getfixturevalue(which)[sheet]
    items = [
        c.value for c in ws["A"] if isinstance(c.value, str) and re.match(r"\u3000\u3000[0-9]+\.", c.value)
    ]
    assert [i.replace("\n", "") for i in items] == ["　　" + i for i in load_policy().letter.items]  # type: ignore[union-attr]
    span = sum(ws.column_dimensions[c].width for c in "ABCDEF")
    for item in items:  # broken into lines that fit the span, none starting with "、" or "）"
        for n, line in enumerate(item.split("\n")):
            assert display_width(line) <= span, line
            assert n == 0 or line[0] not in NO_START, line
