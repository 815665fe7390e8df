"""附件3 二.1: an API project's cap (500万) is cumulative over all years, unlike private deployment's
yearly cap (二.2). A batch with the same API project applied for in two years counts the first year's
award against the second year's cap.

Hand arithmetic (附件3 二.4, API 50% / 25% / 10%): one service of 3000万 earns
100万 × 50% + 400万 × 25% + 2500万 × 10% = 50万 + 100万 + 250万 = 400万.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from test_batch import A, api, application, money, table, write

from xlmv.policy import load_policy
from xlmv_workbook.review import sheets as review
from xlmv_workbook.review.batch import run_batch
from xlmv_workbook.review.caps import RowInput, compute
from xlmv_workbook.review.sheets import H

D = Decimal
POLICY = load_policy()


def _row(source: str, year: int, kind: str, amount: str) -> RowInput:
    return RowInput(
        source=source,
        company="甲公司",
        uscc=A,
        year=year,
        date=dt.date(year, 3, 1),
        slot=1,
        name="项目一",
        kind=kind,
        amounts=(D(amount),),
    )


def test_api_cap_counts_earlier_years() -> None:
    rows = [_row("2024.xlsx", 2024, "api", "30000000"), _row("2025.xlsx", 2025, "api", "30000000")]
    results, _ = compute(POLICY, rows, {})
    first, second = results
    assert first is not None and second is not None
    assert first.capped == D("4000000")  # 400万, under the 500万 project cap
    assert second.batch_prior == D("4000000")  # the 2024 award of the same project
    assert second.capped == D("1000000")  # 500万 − 400万 = 100万 left of 400万


def test_private_cap_starts_again_each_year() -> None:
    """二.2 for contrast: 3000万 of procurement earns 40万 + 30万 + 2500万 × 5% = 195万 in each year."""
    rows = [_row("2024.xlsx", 2024, "private", "30000000"), _row("2025.xlsx", 2025, "private", "30000000")]
    results, _ = compute(POLICY, rows, {})
    assert [r.batch_prior for r in results if r] == [D(0), D(0)]
    assert [r.capped for r in results if r] == [D("1950000"), D("1950000")]


def test_a_batch_with_the_same_api_project_in_two_years(tmp_path: Path) -> None:
    folder = tmp_path / "申报"
    write(
        folder,
        "2024.xlsx",
        application(
            A, "甲公司", dt.date(2024, 12, 10), api("项目一", "30000000", date=dt.date(2024, 12, 10))
        ),
    )
    write(folder, "2025.xlsx", application(A, "甲公司", dt.date(2025, 3, 10), api("项目一", "30000000")))
    result = run_batch([folder], tmp_path / "out.xlsx", jobs=1)
    rows = {Path(str(r[H.SOURCE])).name: r for r in table(result.output, review.DETAIL)}
    assert (rows["2024.xlsx"][H.YEAR], rows["2025.xlsx"][H.YEAR]) == (2024, 2025)
    assert money(rows["2024.xlsx"][H.CAPPED]) == D("4000000.00")
    assert money(rows["2025.xlsx"][H.BATCH_PRIOR]) == D("4000000.00")
    assert money(rows["2025.xlsx"][H.CAPPED]) == D("1000000.00")  # 500万 − 400万
    totals = {r[H.GROUP_YEAR]: money(r[H.TOTAL]) for r in table(result.output, review.SUMMARY)}
    assert totals == {2024: D("4000000.00"), 2025: D("1000000.00")}  # each under the 500万 year cap
