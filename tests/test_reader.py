"""Tests for xlmv_workbook.read.reader: a filled template file read into a Declaration, bad values as findings."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from workbooks import (
    USCC,
    VALID_REWARDS,
    VALID_TOTAL,
    Formula,
    define,
    fill,
    layout_template,
    new_template,
    sha256,
    valid_declaration,
    valid_values,
    write_workbook,
)

from xlmv.assess import assess
from xlmv.findings import Severity
from xlmv_workbook.read.books import OpenpyxlBook
from xlmv_workbook.read.reader import read_workbook
from xlmv_workbook.read.result import ReadResult
from xlmv_workbook.read.validate import read_book
from xlmv_workbook.template import layout
from xlmv_workbook.xlsx.safety import WorkbookError

REF = {f.path: f.ref for f in layout.fields()}


def read(path: Path) -> ReadResult:
    before = sha256(path)
    result = read_workbook(path)
    assert sha256(path) == before  # inputs are only read
    return result


def with_values(tmp_path: Path, changes: dict[str, object], name: str = "申报表.xlsx") -> Path:
    values = valid_values()
    values.update(changes)
    return write_workbook(tmp_path / name, {k: v for k, v in values.items() if v is not None})


# ------------------------------------------------------------------------------------------ valid


def test_valid_file_reads_back_the_declaration(tmp_path: Path) -> None:
    result = read(write_workbook(tmp_path / "申报表.xlsx"))
    assert result.findings == []
    assert result.declaration == valid_declaration()
    assert result.template_version == layout.TEMPLATE_VERSION
    assessment = assess(result.declaration)
    assert assessment.errors == []
    assert tuple(p.granted for p in assessment.products) == VALID_REWARDS
    assert assessment.total == VALID_TOTAL


def test_cells_follow_the_defined_names(tmp_path: Path) -> None:
    result = read(write_workbook(tmp_path / "申报表.xlsx"))
    assert result.cells["company.uscc"] == "申报表!G4"
    assert result.cells == REF  # the real template puts every name where layout says
    assert result.cell_for("company.uscc") == "申报表!G4"


def test_layout_only_template_reads_the_same(tmp_path: Path) -> None:
    result = read(write_workbook(tmp_path / "最小.xlsx", template=layout_template()))
    assert result.findings == [] and result.declaration == valid_declaration()


def test_a_moved_name_is_followed(tmp_path: Path) -> None:
    """Users may insert rows: the defined name moves, and the reader goes where it points."""
    wb = new_template()
    fill(wb, valid_values())
    define(wb, "_MV_COMPANY_NAME", layout.FORM, "B95")
    wb[layout.FORM]["B4"] = None
    wb[layout.FORM]["B95"] = "挪过位置的公司"
    path = tmp_path / "挪动.xlsx"
    wb.save(path)
    result = read(path)
    assert result.declaration.company.name == "挪过位置的公司"
    assert result.cells["company.name"] == "申报表!B95"
    assert result.cell_for("company.name") == "申报表!B95"


# ------------------------------------------------------------------------------------- bad values

BAD = [
    ("products[0].services[0].claimed_amount", "12o万", "金额无效：'12o万'"),
    ("company.revenue_last_year", "#N/A", "单元格错误值：'#N/A'"),
    ("products[0].services[1].settled_amount", -5, "金额不能为负数：-5"),
    ("company.product_revenue_h1_2024", "三百万", "金额无效：'三百万'"),
    ("company.employees", "很多", "数量无效：'很多'"),
    ("company.employees", -3, "数量不能为负数"),
    ("company.employees", 12.5, "数量无效：12.5"),
    ("products[1].procurement.contract_date", "2024-13-01", "日期无效：'2024-13-01'"),
    ("company.uscc", 9.1110108e17, "代码被存为数字"),
    ("commitments.truthful", "可能", "选项无效：'可能'"),
    ("company.name", "#DIV/0!", "单元格错误值：'#DIV/0!'"),
    ("products[0].launch_date", "#VALUE!", "单元格错误值"),
]


@pytest.mark.parametrize(("path", "value", "fragment"), BAD)
def test_bad_value_is_a_finding_at_its_cell(tmp_path: Path, path: str, value: object, fragment: str) -> None:
    result = read(with_values(tmp_path, {path: value}))
    [finding] = result.findings
    assert finding.severity is Severity.ERROR
    assert finding.code == "input.invalid"
    assert finding.field == path
    assert finding.clause == "附件3-3"
    assert fragment in finding.message
    label = layout.by_path()[path].label
    assert label in finding.message  # names the field
    assert result.cell_for(finding.field) == REF[path]


def test_messages_say_which_product(tmp_path: Path) -> None:
    result = read(with_values(tmp_path, {"products[0].services[0].claimed_amount": "12o万"}))
    assert result.findings[0].message.startswith("产品1 API服务1 申报金额（元）：金额无效：'12o万'，应为")


def test_error_cell_is_not_read_as_empty(tmp_path: Path) -> None:
    """calamine shows error cells as empty strings; the reader finds them in the sheet XML."""
    path = with_values(tmp_path, {"company.revenue_last_year": "#N/A"})
    wb = load_workbook(path)
    assert wb[layout.FORM]["B8"].data_type == "e"
    assert read(path).findings[0].message.startswith("企业上一年营收（元）：单元格错误值：'#N/A'")


def test_bad_value_is_left_empty(tmp_path: Path) -> None:
    result = read(with_values(tmp_path, {"products[0].services[0].claimed_amount": "12o万"}))
    assert result.declaration.products[0].services[0].claimed_amount is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024年9月1日", datetime.date(2024, 9, 1)),
        ("2024/9/1", datetime.date(2024, 9, 1)),
        (45747, datetime.date(2025, 3, 31)),  # a serial typed into a General cell
        (datetime.datetime(2025, 3, 31, 0, 0), datetime.date(2025, 3, 31)),
    ],
)
def test_dates_in_any_form(tmp_path: Path, value: object, expected: datetime.date) -> None:
    result = read(with_values(tmp_path, {"application_date": value}))
    assert result.findings == []
    assert result.declaration.application_date == expected


def test_numbers_in_text_cells(tmp_path: Path) -> None:
    result = read(
        with_values(
            tmp_path, {"company.industry_code": 6513, "company.mobile": 13800138000.0, "company.name": 42}
        )
    )
    assert result.findings == []
    company = result.declaration.company
    assert (company.industry_code, company.mobile, company.name) == ("6513", "13800138000", "42")


def test_amount_forms(tmp_path: Path) -> None:
    result = read(
        with_values(
            tmp_path,
            {
                "products[0].services[0].claimed_amount": "300万",
                "products[0].services[0].settled_amount": "3,000,000.00",
                "products[0].services[0].paid_amount": 3000000.0,
            },
        )
    )
    service = result.declaration.products[0].services[0]
    assert service.claimed_amount == service.settled_amount == service.paid_amount == Decimal("3000000")


def test_text_is_stripped_and_yes_no_read(tmp_path: Path) -> None:
    result = read(with_values(tmp_path, {"company.name": "  示例公司 ", "commitments.truthful": "否"}))
    assert result.declaration.company.name == "示例公司"
    assert result.declaration.commitments.truthful is False
    assert [f.code for f in assess(result.declaration).errors] == ["commitments.truthful"]


def test_formula_without_saved_result(tmp_path: Path) -> None:
    """openpyxl writes formulas without results; the reader says so instead of reading an empty cell."""
    result = read(with_values(tmp_path, {"company.revenue_last_year": Formula("=1000*10")}))
    [finding] = result.findings
    assert "公式没有计算结果：'=1000*10'" in finding.message


def test_checklist_statuses_and_commitments(tmp_path: Path) -> None:
    result = read(with_values(tmp_path, {"products[0].checklist[2]": "未提供"}))
    assert result.declaration.products[0].checklist[2] == "未提供"
    [error] = assess(result.declaration).errors
    assert error.code == "checklist.missing"
    assert result.cell_for(error.field) == REF["products[0].checklist[2]"]


# ------------------------------------------------------------------------------------ slot mapping


def _moved_values() -> dict[str, object]:
    """The API product in template slot 2 (slot 1 empty), its two services in rows 2 and 4."""
    values = {k: v for k, v in valid_values().items() if not k.startswith("products[")}
    for path, value in valid_values().items():
        if path.startswith("products[0].services[0]."):
            values[path.replace("products[0].services[0]", "products[1].services[1]")] = value
        elif path.startswith("products[0].services[1]."):
            values[path.replace("products[0].services[1]", "products[1].services[3]")] = value
        elif path.startswith("products[0]."):
            values[path.replace("products[0]", "products[1]")] = value
    return values


def test_empty_slots_and_rows_are_skipped(tmp_path: Path) -> None:
    result = read(write_workbook(tmp_path / "空槽.xlsx", _moved_values()))
    expected = valid_declaration().products[0]
    assert result.declaration.products == [expected]
    assert result.product_slots == (1,)
    assert result.service_rows == ((1, 3),)


def test_findings_point_at_the_slot_the_user_filled(tmp_path: Path) -> None:
    values = _moved_values()
    values["products[1].services[3].claimed_amount"] = "12o万"
    values["products[1].services[1].provider"] = None
    result = read(write_workbook(tmp_path / "空槽.xlsx", {k: v for k, v in values.items() if v is not None}))
    [bad] = result.findings
    assert bad.field == "products[0].services[1].claimed_amount"
    assert result.cell_for(bad.field) == REF["products[1].services[3].claimed_amount"]
    assert bad.message.startswith("产品2 API服务4 申报金额（元）")
    missing = [f for f in assess(result.declaration).findings if f.code == "api.provider.missing"]
    assert [result.cell_for(f.field) for f in missing] == [REF["products[1].services[1].provider"]]


def test_cell_for_groups_and_computed_paths(tmp_path: Path) -> None:
    result = read(write_workbook(tmp_path / "空槽.xlsx", _moved_values()))
    assert (
        result.template_path("products[0].services[1].paid_amount") == "products[1].services[3].paid_amount"
    )
    assert result.cell_for("products[0].reward") == REF["products[1].name"]  # a computed value: its product
    assert result.cell_for("products[0].checklist[8]") == REF["products[1].checklist[8]"]
    assert result.cell_for("products") == REF["products[0].name"]
    assert result.cell_for("prior_year_award") == REF["prior_year_award"]
    assert result.cell_for("nothing.here") is None


def test_zero_prior_award_alone_does_not_make_a_product(tmp_path: Path) -> None:
    result = read(
        with_values(tmp_path, {"products[2].prior_award": 0, "products[2].procurement.data_fees": 0})
    )
    assert len(result.declaration.products) == 2


def test_procurement_is_none_when_its_row_is_empty(tmp_path: Path) -> None:
    result = read(write_workbook(tmp_path / "申报表.xlsx"))
    assert result.declaration.products[0].procurement is None
    assert result.declaration.products[1].procurement is not None
    assert result.declaration.products[1].services == []


# --------------------------------------------------------------------------- the same through openpyxl


def test_openpyxl_adapter_reads_the_same(tmp_path: Path) -> None:
    changes = {path: value for path, value, _ in BAD[:6]} | {"application_date": "2024年9月1日"}
    path = with_values(tmp_path, changes)
    by_calamine = read(path)
    by_openpyxl = read_book(OpenpyxlBook(path))
    assert by_openpyxl.declaration == by_calamine.declaration
    assert by_openpyxl.findings == by_calamine.findings
    assert by_openpyxl.cells == by_calamine.cells


# ------------------------------------------------------------------------------- not our workbook


def test_workbook_not_ours(tmp_path: Path) -> None:
    from workbooks import not_ours

    path = not_ours(tmp_path / "别人的.xlsx")
    with pytest.raises(WorkbookError, match=r"不是模型券申报表模板（缺少定义名称 MV_TEMPLATE_ID）"):
        read(path)


def test_wrong_template_id(tmp_path: Path) -> None:
    wb = layout_template()
    wb[layout.GUIDE]["A1"] = "someone-else"
    wb.save(tmp_path / "别的模板.xlsx")
    with pytest.raises(WorkbookError, match=r"不是模型券申报表模板.*'someone-else'"):
        read(tmp_path / "别的模板.xlsx")


def test_unknown_version(tmp_path: Path) -> None:
    wb = layout_template()
    wb[layout.GUIDE]["A2"] = 2
    wb.save(tmp_path / "新版本.xlsx")
    with pytest.raises(WorkbookError, match=r"申报表模板版本 '2' 不受支持（本工具读取版本 '1'）"):
        read(tmp_path / "新版本.xlsx")


def test_version_as_a_number_is_fine(tmp_path: Path) -> None:
    wb = layout_template()
    wb[layout.GUIDE]["A2"] = 1
    fill(wb, valid_values())
    wb.save(tmp_path / "数字版本.xlsx")
    assert read(tmp_path / "数字版本.xlsx").findings == []


def test_missing_names_are_listed(tmp_path: Path) -> None:
    wb = new_template()
    del wb.defined_names["_MV_USCC"]
    del wb.defined_names["_MV_P2_S3_PAID"]
    wb.save(tmp_path / "缺名称.xlsx")
    with pytest.raises(WorkbookError) as caught:
        read(tmp_path / "缺名称.xlsx")
    assert "缺少定义名称：_MV_USCC、_MV_P2_S3_PAID" in str(caught.value)


def test_missing_version_name(tmp_path: Path) -> None:
    wb = layout_template()
    del wb.defined_names[layout.TEMPLATE_VERSION_NAME]
    wb.save(tmp_path / "无版本.xlsx")
    with pytest.raises(WorkbookError, match="缺少定义名称 MV_TEMPLATE_VERSION"):
        read(tmp_path / "无版本.xlsx")


def test_missing_sheet(tmp_path: Path) -> None:
    wb = layout_template()
    wb.remove(wb[layout.LETTER])
    wb.save(tmp_path / "缺工作表.xlsx")
    with pytest.raises(WorkbookError, match="缺少工作表：承诺书"):
        read(tmp_path / "缺工作表.xlsx")


def test_far_away_cell_is_refused_before_calamine_allocates_it(tmp_path: Path) -> None:
    wb = new_template()
    fill(wb, valid_values())
    wb[layout.FORM].cell(row=1_000_000, column=200, value="远处")
    wb.save(tmp_path / "远处.xlsx")
    with pytest.raises(WorkbookError, match="已用区域过大"):
        read(tmp_path / "远处.xlsx")


def test_uscc_of_the_fixture_is_valid() -> None:
    assert len(USCC) == 18
