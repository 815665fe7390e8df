"""One home for the enterprise total (issue 13): the same declarations through ``check``, ``batch``,
``recalc`` and ``export`` give the same per-product and enterprise totals, to the fen.

Before, ``check`` rounded each project before the enterprise cap while the batch summed unrounded
rewards: two API products of 100,000.01 each gave 100,000.02 in check and 100,000.01 in the batch.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from filling import _api, _declaration, _private
from openpyxl import load_workbook
from test_batch import table
from workbooks import declaration_values, write_workbook

from xlmv.declaration import Declaration
from xlmv_workbook.export.submission import export, read_embedded
from xlmv_workbook.read.check import check_file
from xlmv_workbook.review import sheets as review
from xlmv_workbook.review.batch import run_batch
from xlmv_workbook.review.recalcfile import recalc_file

H = review.H
D = Decimal

CASES = {
    # 50,000.005 each, paid 50,000.01 each (RULE.md 1): 100,000.02
    "two_products_of_100000_01": (
        _declaration(_api("产品甲", "100000.01"), _api("产品乙", "100000.01")),
        "100000.02",
    ),
    # one product, two services of 100,000.01: 50,000.01 + 50,000.01 = 100,000.02
    "two_services_of_100000_01": (_declaration(_api("产品甲", "100000.01", "100000.01")), "100000.02"),
    # API 4000万 → the 500万 project cap; private 300万 → 50万; the enterprise cap leaves 500万 − 20万 prior
    "enterprise_cap": (
        _declaration(_api("产品甲", "40000000.01"), _private("产品乙", "3000000"), prior_year_award="200000"),
        "4800000.00",
    ),
}


def _money(value: object) -> Decimal:
    return D(repr(value)).quantize(D("0.01"))


def _review_totals(path: Path) -> tuple[list[Decimal], Decimal]:
    detail = [r for r in table(path, review.DETAIL) if r.get(H.GRANTED) is not None]
    summary = table(path, review.SUMMARY)
    assert len(summary) == 1
    return [_money(r[H.GRANTED]) for r in detail], _money(summary[0][H.TOTAL])


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_check_batch_recalc_and_export_agree(case: str, tmp_path: Path) -> None:
    decl, expected = CASES[case]
    assert isinstance(decl, Declaration)
    values = declaration_values(decl)
    source = write_workbook(
        tmp_path / "申报表.xlsx",
        {k: v for k, v in values.items() if v is not None},
    )

    evaluation = check_file(source).evaluation
    assert evaluation is not None
    checked = [p.granted for p in evaluation.assessment.products], evaluation.assessment.total

    batch = run_batch([source], tmp_path / "复核" / "复核汇总.xlsx", jobs=1).output
    batched = _review_totals(batch)

    recalc_file(batch, tmp_path / "复核" / "重算.xlsx")
    recalced = _review_totals(tmp_path / "复核" / "重算.xlsx")

    result = export(source, tmp_path / "out", force=True)
    document = read_embedded(load_workbook(result.workbook))
    assert document is not None
    results = json.loads(document)["results"]
    exported = [D(p["granted"]) for p in results["products"]], D(results["total"])

    assert checked == batched == recalced == exported, (checked, batched, recalced, exported)
    assert checked[1] == D(expected)
    assert sum(checked[0], D(0)) == checked[1]
