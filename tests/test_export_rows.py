"""The export's 奖励测算 sheet (issue 10.2 / 10.3): tier rows add up to each item's 小计, items to the
project's maximum, the approved ratio and the scaled figure are shown when the ratio changes the money,
and the products' granted amounts add up to the enterprise total."""

from __future__ import annotations

import re
from decimal import Decimal

from filling import _api, _declaration, _private
from hypothesis import given, settings
from hypothesis import strategies as st

from xlmv.assess import assess
from xlmv.declaration import Declaration
from xlmv.money import ZERO, to_fen
from xlmv.policy import load_policy
from xlmv_workbook.export.submission import build_submission

POLICY = load_policy()
fen_amounts = st.one_of(
    st.integers(0, 50_000_000_00).map(lambda n: Decimal(n) / 100),
    st.sampled_from([Decimal(m) for m in ("100000.01", "1000000.02", "5000000.10", "8641476.95")]),
)
ratios = st.one_of(st.none(), st.integers(0, 1000).map(lambda n: Decimal(n) / 1000))


def _cells(decl: Declaration) -> dict[str, Decimal | str]:
    sub = build_submission(decl, assess(decl, POLICY), POLICY)
    out: dict[str, Decimal | str] = {}
    for c in sub.cells:
        out[c.name] = Decimal(c.value) if c.kind in ("money", "rate") and c.value else c.value
    out["_total"] = Decimal(sub.document["results"]["total"])
    return out


def check_export_adds_up(decl: Declaration) -> None:
    cells = _cells(decl)
    assessment = assess(decl, POLICY)
    for pa in assessment.products:
        if pa.result is None:
            continue
        n = pa.index + 1
        items = sorted({m for m in re.findall(rf"^MV_C_P{n}_I(\d+)_MAX$", "\n".join(cells), re.M)})
        maxima = []
        for m in items:
            rows = [v for k, v in cells.items() if re.fullmatch(rf"MV_C_P{n}_I{m}_T\d+_REWARD", k)]
            assert sum(rows, ZERO) == cells[f"MV_C_P{n}_I{m}_MAX"] or not rows
            maxima.append(cells[f"MV_C_P{n}_I{m}_MAX"])
        assert sum(maxima, ZERO) == cells[f"MV_P{n}_MAX_REWARD"]
        if pa.result.approved_ratio != 1:
            assert cells[f"MV_C_P{n}_RATIO"] == pa.result.approved_ratio
            assert cells[f"MV_C_P{n}_BEFORE_CAP"] == to_fen(
                cells[f"MV_P{n}_MAX_REWARD"] * pa.result.approved_ratio
            )
    granted = [cells[f"MV_P{p.index + 1}_GRANTED"] for p in assessment.products if p.result is not None]
    assert sum(granted, ZERO) == cells["_total"]


@settings(max_examples=25, deadline=None)
@given(
    api=st.lists(fen_amounts, min_size=1, max_size=4),
    private=fen_amounts,
    ratio=ratios,
    prior=st.integers(0, 5_000_000).map(Decimal),
)
def test_export_rows_add_up(
    api: list[Decimal], private: Decimal, ratio: Decimal | None, prior: Decimal
) -> None:
    a = _api("产品甲", *(str(x) for x in api))
    b = _private("产品乙", str(private))
    if ratio is not None:
        a = a.model_copy(update={"approved_ratio": ratio})
        b = b.model_copy(update={"approved_ratio": ratio})
    check_export_adds_up(_declaration(a, b, prior_year_award=str(prior)))


def test_export_two_services_of_100000_01() -> None:
    cells = _cells(_declaration(_api("产品甲", "100000.01", "100000.01")))
    assert (cells["MV_C_P1_I1_MAX"], cells["MV_C_P1_I2_MAX"]) == (Decimal("50000.01"), Decimal("50000.01"))
    assert cells["MV_P1_MAX_REWARD"] == cells["_total"] == Decimal("100000.02")


def test_export_shows_the_ratio() -> None:
    decl = _declaration(_api("产品甲", "1200000").model_copy(update={"approved_ratio": Decimal("0.8")}))
    cells = _cells(decl)
    assert (cells["MV_P1_MAX_REWARD"], cells["MV_C_P1_RATIO"], cells["MV_C_P1_BEFORE_CAP"]) == (
        Decimal("550000.00"),
        Decimal("0.8"),
        Decimal("440000.00"),
    )
    sub = build_submission(decl, assess(decl, POLICY), POLICY)
    product = sub.document["results"]["products"][0]
    assert (product["approved_ratio"], product["reward_before_cap"]) == ("0.80", "440000.00")
