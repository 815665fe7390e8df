"""Tests for ``xlmv batch``: many applications recalculated together, caps across applications, the review
workbook, bad files reported while the batch goes on, inputs never modified.

The helpers at the top (applications of several enterprises written into real template files, and the
review workbook read back by header) are shared with test_recalc.py and test_fuzz.py. Amounts are chosen
so the hand arithmetic is short (附件3 二.4, API 50% / 25% / 10%, private 20% / 10% / 5%):
API 300万 → 100万 × 50% + 200万 × 25% = 100万; API 1000万 → 50万 + 100万 + 500万 × 10% = 200万;
private 300万 → 200万 × 20% + 100万 × 10% = 50万.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from stdnum.cn import uscc as stdnum_uscc
from workbooks import declaration_values, sha256, valid_declaration, write_workbook

from xlmv.cli import main
from xlmv.declaration import Declaration, Product
from xlmv_workbook.review import sheets as review
from xlmv_workbook.review.batch import run_batch
from xlmv_workbook.review.inputs import collect_inputs
from xlmv_workbook.review.ledger import read_ledger
from xlmv_workbook.review.reading import read_one
from xlmv_workbook.review.sheets import H

D = Decimal
BASE = valid_declaration()


def uscc(n: int) -> str:
    """A valid 统一社会信用代码 registered in 海淀区, one per ``n``."""
    body = f"91110108MA{n:07d}"
    return body + stdnum_uscc.calc_check_digit(body)


def api(name: str, amount: str, *, prior: str = "0", date: dt.date = dt.date(2025, 3, 31)) -> Product:
    template = BASE.products[0]
    service = template.services[0].model_copy(
        update={
            "usage_start": dt.date(2024, 9, 1),
            "usage_end": min(date, dt.date(2025, 3, 1)),
            "settled_amount": D(amount),
            "paid_amount": D(amount),
            "claimed_amount": D(amount),
        }
    )
    return template.model_copy(update={"name": name, "services": [service], "prior_award": D(prior)})


def private(name: str, amount: str, *, prior: str = "0") -> Product:
    template = BASE.products[1]
    assert template.procurement is not None
    procurement = template.procurement.model_copy(
        update={
            "contract_amount": D(amount),
            "procurement_amount": D(amount),
            "compute_fees": D(0),
            "data_fees": D(0),
            "paid_amount": D(amount),
        }
    )
    return template.model_copy(update={"name": name, "procurement": procurement, "prior_award": D(prior)})


def application(
    code: str,
    company: str,
    date: dt.date | None,
    *products: Product,
    prior_year: str = "0",
) -> Declaration:
    return BASE.model_copy(
        update={
            "company": BASE.company.model_copy(update={"uscc": code, "name": company}),
            "application_date": date,
            "products": list(products),
            "prior_year_award": D(prior_year),
        }
    )


def write(folder: Path, name: str, decl: Declaration, changes: dict[str, object] | None = None) -> Path:
    """The declaration in a real template file; ``changes`` (template field path → cell value) on top."""
    folder.mkdir(parents=True, exist_ok=True)
    values = declaration_values(decl)
    values.update(changes or {})
    return write_workbook(folder / name, {k: v for k, v in values.items() if v is not None})


def table(path: Path, sheet: str) -> list[dict[str, object]]:
    """A review sheet's data rows as header → value (the cached values: what a spreadsheet shows)."""
    ws = load_workbook(path, data_only=True)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    first = {
        review.DETAIL: review.DETAIL_COLUMNS[0].header,
        review.SUMMARY: review.SUMMARY_COLUMNS[0].header,
        review.ISSUES: review.ISSUE_COLUMNS[0].header,
    }.get(sheet, "项目")
    at = max(review.find_header(rows, first), 0)
    header = [str(h) if h is not None else "" for h in rows[at]]
    return [dict(zip(header, r, strict=False)) for r in rows[at + 1 :] if any(v is not None for v in r)]


def money(value: object) -> Decimal:
    """A money cell as exact yuan (cells hold fen amounts; openpyxl hands them over as float or int)."""
    assert isinstance(value, (int, float)), value
    return D(repr(value)).quantize(D("0.01"))


def ledger_xlsx(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def column(header: str) -> int:
    """1-based column of ``header`` on 复核明细 as written."""
    return [c.header for c in review.DETAIL_COLUMNS].index(header) + 1


def hashes(folder: Path) -> dict[Path, str]:
    return {p: sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def batch(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main(["batch", *(str(a) for a in args)])
    out, err = capsys.readouterr()
    return code, out, err


def by_product(rows: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    return {str(r[H.PRODUCT]): r for r in rows if r.get(H.PRODUCT)}


A, B = uscc(1), uscc(2)


# ------------------------------------------------------------------------------- caps across files


@pytest.fixture
def three_applications(tmp_path: Path) -> Path:
    """Enterprise A applies three times in 2025, 200万 each (API 1000万): 600万 against the 500万 year cap.
    Sorted by path the files are 1, 2, 3; by application date 3 (20 Feb), 2 (5 Mar), 1 (10 Mar)."""
    folder = tmp_path / "申报"
    write(folder, "1.xlsx", application(A, "甲公司", dt.date(2025, 3, 10), api("项目一", "10000000")))
    write(folder, "2.xlsx", application(A, "甲公司", dt.date(2025, 3, 5), api("项目二", "10000000")))
    write(
        folder,
        "3.xlsx",
        application(A, "甲公司", dt.date(2025, 2, 20), api("项目三", "10000000", date=dt.date(2025, 2, 20))),
    )
    write(folder, "乙.xlsx", application(B, "乙公司", dt.date(2025, 3, 31), private("乙项目", "3000000")))
    return folder


def test_enterprise_cap_in_order_of_application_date(
    capsys: pytest.CaptureFixture[str], three_applications: Path, tmp_path: Path
) -> None:
    before = hashes(three_applications)
    out = tmp_path / "复核汇总.xlsx"
    code, stdout, stderr = batch(capsys, three_applications, "-o", out, "--jobs", "1")
    assert code == 0, stderr
    assert hashes(three_applications) == before  # inputs are only read
    rows = by_product(table(out, review.DETAIL))
    # 二.3: 项目三 (20 Feb) 200万, 项目二 (5 Mar) 200万, 项目一 (10 Mar) gets the remaining 100万
    assert {n: money(r[H.GRANTED]) for n, r in rows.items()} == {
        "项目一": D("1000000.00"),
        "项目二": D("2000000.00"),
        "项目三": D("2000000.00"),
        "乙项目": D("500000.00"),
    }
    assert all(money(r[H.CAPPED]) == money(r[H.MAX_REWARD]) for r in rows.values())
    assert rows["项目三"][H.TIER] == "第三档" and rows["乙项目"][H.TIER] == "第二档"
    assert money(rows["项目一"][H.CLAIMED]) == D("10000000.00")
    assert rows["项目一"][H.STATUS] == "通过" and rows["项目一"][H.RATIO] == 1
    summary = {r[H.USCC]: r for r in table(out, review.SUMMARY)}
    assert money(summary[A][H.REQUESTED]) == D("6000000.00")
    assert money(summary[A][H.TOTAL]) == D("5000000.00")
    assert summary[A][H.BINDING] == "是" and summary[A][H.PROJECTS] == 3
    assert summary[B][H.BINDING] == "否" and money(summary[B][H.TOTAL]) == D("500000.00")
    assert "已复核 4 个文件（无法读取 0 个），申报产品 4 项" in stdout
    assert "可获奖励合计 5,500,000.00 元" in stdout and str(out) in stdout


def test_pro_rata_shares_the_cap_alike(three_applications: Path, tmp_path: Path) -> None:
    from xlmv.reward import Allocation

    out = run_batch([three_applications], tmp_path / "按比例.xlsx", allocation=Allocation.PRO_RATA, jobs=1)
    assert out.total == D("5500000")
    rows = by_product(table(out.output, review.DETAIL))
    granted = [money(rows[n][H.GRANTED]) for n in ("项目一", "项目二", "项目三")]
    # 500万 × 200/600 each, by cumulative rounding (1666666.67, 3333333.33, 5000000): the cells sum exactly
    assert granted == [D("1666666.67"), D("1666666.66"), D("1666666.67")]
    settings = {r["项目"]: r["值"] for r in table(out.output, review.SETTINGS)}
    assert settings[review.SETTING_ALLOCATION] == "pro_rata"


def test_natural_years_are_separate(tmp_path: Path) -> None:
    folder = tmp_path / "申报"
    write(
        folder,
        "a.xlsx",
        application(
            A,
            "甲公司",
            dt.date(2024, 12, 20),
            api("旧项目", "10000000", date=dt.date(2024, 12, 20)),
            prior_year="4000000",
        ),
    )
    write(folder, "b.xlsx", application(A, "甲公司", dt.date(2025, 3, 31), api("新项目", "10000000")))
    result = run_batch([folder], tmp_path / "out.xlsx", jobs=1)
    rows = by_product(table(result.output, review.DETAIL))
    assert money(rows["旧项目"][H.GRANTED]) == D("1000000.00")  # 2024: 500万 − 400万 already granted
    assert money(rows["新项目"][H.GRANTED]) == D("2000000.00")  # 2025: the declared 400万 was 2024's
    years = {r[H.GROUP_YEAR]: r for r in table(result.output, review.SUMMARY)}
    assert set(years) == {2024, 2025} and years[2024][H.BINDING] == "是"


def test_enterprise_prior_is_the_largest_declared_not_the_sum(tmp_path: Path) -> None:
    """Both applications state the running total of the year: 300万, then (later) 400万. Summed they would
    say 700万 and leave nothing; the largest leaves 100万."""
    folder = tmp_path / "申报"
    write(
        folder,
        "a.xlsx",
        application(A, "甲公司", dt.date(2025, 3, 1), api("项目一", "3000000"), prior_year="3000000"),
    )
    write(
        folder,
        "b.xlsx",
        application(A, "甲公司", dt.date(2025, 3, 30), api("项目二", "3000000"), prior_year="4000000"),
    )
    result = run_batch([folder], tmp_path / "out.xlsx", jobs=1)
    (summary,) = table(result.output, review.SUMMARY)
    assert money(summary[H.YEAR_PRIOR]) == D("4000000.00") and summary[H.YEAR_PRIOR_SOURCE] == "申报表"
    assert money(summary[H.TOTAL]) == D("1000000.00")
    rows = by_product(table(result.output, review.DETAIL))
    assert [money(rows[n][H.GRANTED]) for n in ("项目一", "项目二")] == [D("1000000.00"), D("0.00")]


def test_ledger_wins_over_the_workbook(tmp_path: Path) -> None:
    """The applicant says 项目一 got nothing and the enterprise nothing this year; the ledger says 项目一
    got 450万 over 2024–2025 (API: cumulative, 二.1) and the enterprise 100万 in 2025 (二.3)."""
    folder = tmp_path / "申报"
    write(
        folder,
        "a.xlsx",
        application(A, "甲公司", dt.date(2025, 3, 31), api("项目一", "3000000"), api("项目二", "3000000")),
    )
    ledger = ledger_xlsx(
        tmp_path / "台账.xlsx",
        ["统一社会信用代码", "项目名称", "年度", "已获奖励（元）"],
        [[A, "项目一", 2024, 3500000], [A, " 项目一 ", 2025, "100万"], [B, "项目一", 2025, 999]],
    )
    result = run_batch([folder], tmp_path / "out.xlsx", ledger=read_ledger(ledger), jobs=1)
    rows = by_product(table(result.output, review.DETAIL))
    assert money(rows["项目一"][H.PRIOR]) == D("4500000.00") and rows["项目一"][H.PRIOR_SOURCE] == "台账"
    assert money(rows["项目一"][H.CAPPED]) == D("500000.00")  # 500万 − 450万
    assert rows["项目二"][H.PRIOR_SOURCE] == "申报表" and money(rows["项目二"][H.PRIOR]) == D("0.00")
    (summary,) = table(result.output, review.SUMMARY)
    assert money(summary[H.YEAR_PRIOR]) == D("1000000.00") and summary[H.YEAR_PRIOR_SOURCE] == "台账"
    assert money(summary[H.TOTAL]) == D("1500000.00")  # 50万 + 100万, far under 500万 − 100万


def test_private_project_prior_counts_only_the_same_year(tmp_path: Path) -> None:
    """二.2: a private-deployment project's cap is per year; the ledger's 2024 award does not count in 2025."""
    folder = tmp_path / "申报"
    write(folder, "a.xlsx", application(A, "甲公司", dt.date(2025, 3, 31), private("私有项目", "3000000")))
    ledger = ledger_xlsx(
        tmp_path / "台账.xlsx",
        ["统一社会信用代码", "项目名称", "年度", "已获奖励（元）"],
        [[A, "私有项目", 2024, 4900000]],
    )
    result = run_batch([folder], tmp_path / "out.xlsx", ledger=read_ledger(ledger), jobs=1)
    (row,) = table(result.output, review.DETAIL)
    assert row[H.PRIOR_SOURCE] == "台账" and money(row[H.PRIOR]) == D("0.00")
    assert money(row[H.GRANTED]) == D("500000.00")


def test_duplicate_project_warns_and_shares_the_project_cap(tmp_path: Path) -> None:
    """项目一 (API, 1000万 → 200万 each) in two applications of A: both warned; the project cap (500万,
    already 250万) leaves 250万: the earlier application takes 200万, the later 50万."""
    folder = tmp_path / "申报"
    write(
        folder,
        "早.xlsx",
        application(A, "甲公司", dt.date(2025, 3, 1), api("项目一", "10000000", prior="2500000")),
    )
    write(
        folder,
        "晚.xlsx",
        application(A, "甲公司", dt.date(2025, 3, 20), api(" 项目一", "10000000", prior="2500000")),
    )
    result = run_batch([folder], tmp_path / "out.xlsx", jobs=1)
    rows = {Path(str(r[H.SOURCE])).name: r for r in table(result.output, review.DETAIL)}
    assert money(rows["早.xlsx"][H.CAPPED]) == D("2000000.00")
    assert money(rows["晚.xlsx"][H.BATCH_PRIOR]) == D("2000000.00")
    assert money(rows["晚.xlsx"][H.CAPPED]) == D("500000.00")
    assert rows["早.xlsx"][H.STATUS] == rows["晚.xlsx"][H.STATUS] == "有警告"
    warnings = [r for r in table(result.output, review.ISSUES) if "疑似重复申报" in str(r[H.PROBLEM])]
    assert len(warnings) == 2
    assert {r[H.SEVERITY] for r in warnings} == {"警告"}
    assert all(r[H.LOCATION] == "申报表!B15" for r in warnings)  # the product name cell
    assert all(
        "早.xlsx 产品1" in str(r[H.PROBLEM]) and "晚.xlsx 产品1" in str(r[H.PROBLEM]) for r in warnings
    )
    assert result.exit_code == 0  # warnings only


# -------------------------------------------------------------------------------------- bad input


def test_bad_files_are_reported_and_the_batch_goes_on(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from test_check import hostile_files

    files = hostile_files(tmp_path / "坏")
    good = write(
        tmp_path / "好", "好.xlsx", application(A, "甲公司", dt.date(2025, 3, 31), api("项目一", "3000000"))
    )
    before = hashes(tmp_path)
    out = tmp_path / "复核汇总.xlsx"
    code, stdout, stderr = batch(capsys, *(p for p, _ in files.values()), good, "-o", out, "--jobs", "2")
    assert code == 1
    assert "Traceback" not in stderr + stdout
    assert hashes(tmp_path) == before | {out: sha256(out)}
    rows = table(out, review.DETAIL)
    unreadable = {Path(str(r[H.SOURCE])).name: r for r in rows if r[H.STATUS] == "无法读取"}
    assert set(unreadable) == set(files)
    for name, (_, fragment) in files.items():
        assert fragment in str(unreadable[name][H.NOTE]), name
    issues = table(out, review.ISSUES)
    for name, (_, fragment) in files.items():
        assert any(
            Path(str(r[H.SOURCE])).name == name and fragment in str(r[H.PROBLEM]) and r[H.SEVERITY] == "错误"
            for r in issues
        ), name
    (ok,) = [r for r in rows if r[H.PRODUCT] == "项目一"]
    assert ok[H.STATUS] == "通过" and money(ok[H.GRANTED]) == D("1000000.00")
    assert f"无法读取 {len(files)} 个" in stdout


@pytest.mark.parametrize(
    ("changes", "cell", "fragment"),
    [
        ({"products[0].services[0].claimed_amount": "12o万"}, "申报表!I23", "金额无效"),
        ({"products[0].services[0].claimed_amount": -5}, "申报表!I23", "金额不能为负数"),
        ({"products[0].services[0].claimed_amount": "#N/A"}, "申报表!I23", "#N/A"),
        ({"company.employees": "很多"}, "申报表!G8", "数量无效"),
        ({"application_date": "三月"}, "申报表!B10", "日期"),
    ],
)
def test_bad_values_are_findings_at_their_cells(
    tmp_path: Path, changes: dict[str, object], cell: str, fragment: str
) -> None:
    from workbooks import fill, new_template

    wb = new_template()
    values = declaration_values(application(A, "甲公司", dt.date(2025, 3, 31), api("项目一", "3000000")))
    values.update(changes)
    fill(wb, values)
    if changes.get("products[0].services[0].claimed_amount") == "#N/A":
        from xlmv_workbook.template import layout

        name = layout.by_path()["products[0].services[0].claimed_amount"].name
        sheet, ref = next(iter(wb.defined_names[name].destinations))
        wb[sheet][ref.replace("$", "")].data_type = "e"  # a real error cell, not text
    path = tmp_path / "申报" / "a.xlsx"
    path.parent.mkdir()
    wb.save(path)
    result = run_batch([path.parent], tmp_path / "out.xlsx", jobs=1)
    assert result.exit_code == 1 and result.files_with_errors == 1
    (row,) = table(result.output, review.DETAIL)
    assert row[H.STATUS] == "有错误" and int(row[H.ISSUE_COUNT]) >= 1  # type: ignore[arg-type]
    issues = table(result.output, review.ISSUES)
    assert any(r[H.LOCATION] == cell and fragment in str(r[H.PROBLEM]) for r in issues), issues


@pytest.mark.parametrize("value", ["2025年3月31日", "2025/3/31", 45747])
def test_dates_as_text_or_serial_numbers(tmp_path: Path, value: object) -> None:
    path = write(
        tmp_path / "申报",
        "a.xlsx",
        application(A, "甲公司", dt.date(2025, 3, 31), api("项目一", "3000000")),
        {"application_date": value},
    )
    result = run_batch([path], tmp_path / "out.xlsx", jobs=1)
    (row,) = table(result.output, review.DETAIL)
    assert row[H.YEAR] == 2025 and row[H.DATE] == dt.datetime(2025, 3, 31)
    assert row[H.STATUS] == "通过"


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    evil = '=HYPERLINK("http://example.com","点我")'
    path = write(
        tmp_path / "申报", "a.xlsx", application(A, evil, dt.date(2025, 3, 31), api("@SUM(1)", "3000000"))
    )
    result = run_batch([path], tmp_path / "out.xlsx", jobs=1)
    ws = load_workbook(result.output)[review.DETAIL]
    company = ws.cell(row=review.FIRST_ROW, column=column(H.COMPANY))
    assert company.value == evil and company.data_type == "s"
    assert ws.cell(row=review.FIRST_ROW, column=column(H.PRODUCT)).data_type == "s"


# ------------------------------------------------------------------------------------------ inputs


def test_folders_are_searched_recursively_skipping_locks_and_hidden(tmp_path: Path) -> None:
    folder = tmp_path / "申报"
    decl = application(A, "甲公司", dt.date(2025, 3, 31), api("项目一", "3000000"))
    a = write(folder / "一组", "a.xlsx", decl)
    m = write(folder / "二组" / "深", "b.xlsm", decl)
    (folder / "一组" / "~$a.xlsx").write_bytes(b"lock")
    (folder / ".隐藏.xlsx").write_bytes(b"hidden")
    write(folder / ".git", "c.xlsx", decl)
    (folder / "说明.txt").write_text("不是申报表")
    (folder / "旧.xls").write_bytes(b"old")
    assert collect_inputs([folder]) == sorted([str(a), str(m)])
    assert collect_inputs([folder, a, folder / "一组" / "~$a.xlsx"]) == sorted([str(a), str(m)])
    assert collect_inputs([folder], exclude=[a]) == [str(m)]
    missing = tmp_path / "没有.xlsx"
    assert collect_inputs([missing]) == [str(missing)]  # reported as unreadable, not dropped


def test_the_output_is_never_read_as_an_input(tmp_path: Path) -> None:
    folder = tmp_path / "申报"
    write(folder, "a.xlsx", application(A, "甲公司", dt.date(2025, 3, 31), api("项目一", "3000000")))
    first = run_batch([folder], folder / "复核汇总.xlsx", jobs=1)
    second = run_batch([folder], folder / "复核汇总.xlsx", jobs=1, force=True)
    assert first.files == second.files == 1 and second.unreadable == 0


def test_jobs_and_runs_give_the_same_workbook(three_applications: Path, tmp_path: Path) -> None:
    one = run_batch([three_applications], tmp_path / "one.xlsx", jobs=1)
    two = run_batch([three_applications], tmp_path / "two.xlsx", jobs=2)
    for sheet in (review.DETAIL, review.SUMMARY, review.ISSUES, review.SETTINGS):
        assert table(one.output, sheet) == table(two.output, sheet)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary files left


def test_read_one_never_raises(tmp_path: Path) -> None:
    outcome = read_one(str(tmp_path / "没有.xlsx"))
    assert outcome.error is not None and "文件不存在" in outcome.error
    folder = tmp_path / "目录.xlsx"
    folder.mkdir()
    assert "不是文件" in (read_one(str(folder)).error or "")


# ------------------------------------------------------------------------------- the review workbook


def test_review_workbook_layout(three_applications: Path, tmp_path: Path) -> None:
    result = run_batch([three_applications], tmp_path / "out.xlsx", jobs=1)
    wb = load_workbook(result.output)
    assert wb.sheetnames == [review.DETAIL, review.SUMMARY, review.ISSUES, review.SETTINGS]
    assert wb[review.SETTINGS].sheet_state == "hidden"
    ws = wb[review.DETAIL]
    first, header = review.FIRST_ROW, review.HEADER_ROW
    assert [c.value for c in ws[header]] == [c.header for c in review.DETAIL_COLUMNS]
    assert ws.freeze_panes == f"C{first}"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    amounts = ws.cell(row=header, column=column(H.AMOUNTS)).column_letter
    assert ws.column_dimensions[amounts].hidden
    assert ws.column_dimensions["A"].width == 20
    assert ws.cell(row=first, column=column(H.GRANTED)).number_format == "#,##0.00"
    assert ws.cell(row=first, column=column(H.RATIO)).number_format == "0.00%"
    assert ws.cell(row=first, column=column(H.DATE)).number_format == "yyyy-mm-dd"
    assert ws.cell(row=first, column=column(H.RATIO)).fill.fgColor.rgb == "FFFFF2CC"  # editable
    (validation,) = ws.data_validations.dataValidation
    assert validation.type == "decimal" and str(validation.sqref).startswith(
        ws.cell(row=first, column=column(H.RATIO)).coordinate
    )
    last = ws.cell(row=header, column=len(review.DETAIL_COLUMNS)).column_letter
    assert ws.auto_filter.ref == f"A{header}:{last}{ws.max_row}"
    for sheet in (review.SUMMARY, review.ISSUES):
        assert wb[sheet].freeze_panes in (f"A{first}", f"B{first}")
        assert wb[sheet].page_setup.orientation == "landscape"


# ----------------------------------------------------------------------------------- exit codes


def test_exit_2_when_the_command_cannot_run(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    empty = tmp_path / "空"
    empty.mkdir()
    code, _, err = batch(capsys, empty, "-o", tmp_path / "o.xlsx")
    assert code == 2 and "没有找到申报表" in err
    code, _, err = batch(capsys, empty, "-o", tmp_path / "没有的目录" / "o.xlsx")
    assert code == 2 and "输出文件夹不存在" in err
    code, _, err = batch(capsys, empty, "-o", tmp_path / "o.csv")
    assert code == 2 and ".xlsx" in err
    (tmp_path / "~$o.xlsx").write_bytes(b"lock")
    code, _, err = batch(capsys, empty, "-o", tmp_path / "o.xlsx")
    assert code == 2 and "正在 Excel 中打开" in err
    with pytest.raises(SystemExit) as exited:
        batch(capsys, empty, "-o", tmp_path / "p.xlsx", "--jobs", "0")
    assert exited.value.code == 2 and "进程数" in capsys.readouterr().err
    assert not (tmp_path / "o.xlsx").exists()


def test_exit_2_for_a_bad_ledger_and_nothing_written(
    capsys: pytest.CaptureFixture[str], three_applications: Path, tmp_path: Path
) -> None:
    ledger = tmp_path / "台账.csv"
    ledger.write_text(
        f"统一社会信用代码,项目名称,年度,已获奖励（元）\n{A},项目一,2025,-100\n", encoding="utf-8"
    )
    out = tmp_path / "o.xlsx"
    code, _, err = batch(capsys, three_applications, "-o", out, "--ledger", ledger)
    assert code == 2 and not out.exists()
    assert str(ledger) in err and "第 2 行" in err and "金额不能为负数" in err


def test_progress_on_request_only(three_applications: Path, tmp_path: Path) -> None:
    from xlmv_workbook.review.batch import run

    err, out = io.StringIO(), io.StringIO()
    assert run([str(three_applications)], str(tmp_path / "a.xlsx"), progress=True, out=out, err=err) == 0
    assert "\r已处理 4/4" in err.getvalue()
    err = io.StringIO()
    assert run([str(three_applications)], str(tmp_path / "b.xlsx"), out=out, err=err) == 0  # not a TTY
    assert err.getvalue() == ""


def test_command_line_in_a_subprocess(three_applications: Path, tmp_path: Path) -> None:
    (three_applications / "坏.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    done = subprocess.run(
        [sys.executable, "-m", "xlmv.cli", "batch", str(three_applications), "-o", str(tmp_path / "o.xlsx")],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "已复核 5 个文件（无法读取 1 个）" in done.stdout


def test_missing_sheet_and_names_through_the_batch(tmp_path: Path) -> None:
    from workbooks import fill, new_template

    from xlmv_workbook.template import layout

    values = declaration_values(application(A, "甲公司", dt.date(2025, 3, 31), api("项目一", "3000000")))
    folder = tmp_path / "申报"
    folder.mkdir()
    wb = new_template()
    fill(wb, values)
    del wb[layout.CHECKLIST]
    wb.save(folder / "缺表.xlsx")
    wb = new_template()
    fill(wb, values)
    del wb.defined_names["_MV_USCC"]
    wb.save(folder / "缺名称.xlsx")
    result = run_batch([folder], tmp_path / "out.xlsx", jobs=1)
    rows = {Path(str(r[H.SOURCE])).name: r for r in table(result.output, review.DETAIL)}
    assert rows["缺表.xlsx"][H.STATUS] == "无法读取" and "缺少工作表：材料清单" in str(
        rows["缺表.xlsx"][H.NOTE]
    )
    assert "缺少定义名称：_MV_USCC" in str(rows["缺名称.xlsx"][H.NOTE])
    assert result.exit_code == 1 and result.unreadable == 2
