"""UDFs (through xlwings' conversion, as Excel calls them): MV_NEXT_TIER over whole projects (issue
10.1), MV_BREAKDOWN rows that add up and show the approved ratio (10.2, 10.3)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from next_tier_property import verify_next_tier

from xlmv.money import ZERO
from xlmv.policy import load_policy
from xlmv_udfs.generate_bas import call_like_excel, decorated_udfs, excel_conversion

POLICY = load_policy()
fen_amounts = st.one_of(
    st.integers(0, 60_000_000_00).map(lambda n: Decimal(n) / 100),
    st.sampled_from([Decimal(m) for m in ("100000", "100000.01", "1000000", "5000000.01", "30000000")]),
)


@pytest.fixture(scope="module")
def excel():
    with excel_conversion():
        xl = decorated_udfs()

        def call(name: str, *args: object) -> object:
            result = call_like_excel(getattr(xl, name), *args)
            return result[0][0] if len(result) == 1 and len(result[0]) == 1 else result

        yield call


def column(*values: object) -> tuple[tuple[object], ...]:
    return tuple((v,) for v in values)


def test_next_tier_issue_examples(excel) -> None:
    # the cap is used up by prior awards: nothing more can be earned, even below the floor
    assert excel("MV_NEXT_TIER", "API", 50_000.0, 6_000_000.0) == 0.0
    # two services of 3000万 earn 800万 > 500万: already at the cap
    assert excel("MV_NEXT_TIER", "API", column(30_000_000.0, 30_000_000.0)) == 0.0
    # 300万 + 10万 + 1000万 earn 305万; the largest (第三档, 10%) brings the 195万 left at 19,499,999.95
    assert excel("MV_NEXT_TIER", "API", column(3_000_000.0, 100_000.0, 10_000_000.0)) == 19_499_999.95


@settings(max_examples=60, deadline=None)
@given(
    kind=st.sampled_from(["api", "private"]),
    items=st.lists(fen_amounts, max_size=4),
    prior=st.one_of(st.just(ZERO), st.integers(0, 6_000_000_00).map(lambda n: Decimal(n) / 100)),
)
def test_next_tier_property_through_excel(excel, kind: str, items: list[Decimal], prior: Decimal) -> None:
    got = excel("MV_NEXT_TIER", kind, column(*(float(a) for a in items)) or None, float(prior))
    verify_next_tier(POLICY.kind(kind), items, prior, Decimal(str(got)))


@settings(max_examples=80, deadline=None)
@given(
    kind=st.sampled_from(["api", "private"]),
    items=st.lists(fen_amounts, min_size=1, max_size=5),
    ratio=st.one_of(st.none(), st.integers(0, 1000).map(lambda n: n / 1000)),
    prior=st.one_of(st.none(), st.integers(0, 6_000_000).map(float)),
)
def test_breakdown_rows_add_up_to_its_total(excel, kind, items, ratio, prior) -> None:
    table = excel("MV_BREAKDOWN", kind, column(*(float(a) for a in items)), prior, ratio)
    body, total = table[1:-1], table[-1]
    assert total[0] == "合计"
    assert round(sum(Decimal(str(r[3])) for r in body), 2) == Decimal(str(total[3]))
    if ratio is None:
        reward_udf = "MV_API_REWARD" if kind == "api" else "MV_PRIVATE_REWARD"
        assert total[3] == excel(reward_udf, column(*(float(a) for a in items)), prior)
    ratio_rows = [r for r in body if r[0] == "审定比例核减"]
    assert len(ratio_rows) == (0 if ratio in (None, 1.0) else 1)


def test_breakdown_shows_the_ratio(excel) -> None:
    # 120万 × 0.8: 500,000 + 50,000 = 550,000, the ratio takes 110,000 off: 440,000
    assert excel("MV_BREAKDOWN", "API", 1_200_000.0, None, 0.8) == [
        ["档位", "奖励基数", "比例上限", "奖励金额"],
        ["第一档", 1_000_000.0, 0.5, 500_000.0],
        ["第二档", 200_000.0, 0.25, 50_000.0],
        ["审定比例核减", "", 0.8, -110_000.0],
        ["合计", 1_200_000.0, "", 440_000.0],
    ]
    assert excel("MV_BREAKDOWN", "API", 1_200_000.0, None, "80%")[-1][3] == 440_000.0
    assert excel("MV_BREAKDOWN", "API", 1_200_000.0, None, 1.5) == "#比例无效：1.5"


def test_breakdown_two_services_of_100000_01(excel) -> None:
    table = excel("MV_BREAKDOWN", "API", column(100_000.01, 100_000.01))
    assert [r[3] for r in table[1:]] == [50_000.01, 50_000.01, 100_000.02]
    assert excel("MV_API_REWARD", column(100_000.01, 100_000.01)) == 100_000.02
