"""RULE.md in the engine (issue 10.2): every set of rows the engine hands out adds up to its total.

Services are rounded once each, the project is their sum, the ratio scales the project once, and the
per-tier and per-service rows are whole-fen shares (largest remainder) of the figure they explain.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlmv.money import FEN, ZERO, split_fen, to_fen
from xlmv.policy import Kind, load_policy
from xlmv.reward import compute_kind, max_reward_of, project_reward

POLICY = load_policy()
fen_amounts = st.integers(0, 60_000_000_00).map(lambda n: Decimal(n) / 100)
ratios = st.integers(0, 1000).map(lambda n: Decimal(n) / 1000)


@pytest.mark.parametrize("kind", ["api", "private"])
@given(amounts=st.lists(fen_amounts, min_size=1, max_size=8), ratio=ratios)
def test_rows_add_up_in_the_engine(kind: str, amounts: list[Decimal], ratio: Decimal) -> None:
    result = compute_kind(POLICY, kind, amounts, approved_ratio=ratio)
    for item in result.items:
        assert (
            sum((r.reward for r in item.rows), ZERO)
            == item.max_reward
            == to_fen(max_reward_of(item.amount, result_kind(kind)))
        )
        assert all(r.reward == r.reward.quantize(FEN) for r in item.rows)
    assert sum((i.max_reward for i in result.items), ZERO) == result.max_reward
    assert sum((i.reward for i in result.items), ZERO) == result.reward_before_cap
    assert result.reward_before_cap == to_fen(result.max_reward * ratio)
    assert project_reward(result_kind(kind), amounts, approved_ratio=ratio) == result.reward


def result_kind(kind: str) -> Kind:
    return POLICY.kind(kind)


def test_two_services_of_100000_01_show_rows_that_add_up() -> None:
    # calc --api 100000.01 --api 100000.01: each service earns 50,000.005, paid 50,000.01; project 100,000.02
    result = compute_kind(POLICY, "api", [Decimal("100000.01")] * 2)
    assert [i.max_reward for i in result.items] == [Decimal("50000.01")] * 2
    assert result.reward == Decimal("100000.02")


def test_three_hundred_services_add_up() -> None:
    result = compute_kind(POLICY, "api", [Decimal("100000.01")] * 300)
    # 300 × 50,000.01 = 15,000,003.00 before the cap, which then leaves 5,000,000.00
    assert result.max_reward == sum((i.max_reward for i in result.items), ZERO) == Decimal("15000003.00")
    assert result.reward == Decimal(5_000_000)


def test_ratio_shares_are_largest_remainder_ties_to_the_earlier() -> None:
    # three services of 100,000 (50,000 each) at 1/3: project 150,000 × 0.333 = 49,950.00; 16,650 each
    result = compute_kind(POLICY, "api", [Decimal(100_000)] * 3, approved_ratio=Decimal("0.333"))
    assert [i.reward for i in result.items] == [Decimal("16650.00")] * 3
    # three services of 100,000.01 (50,000.01 each) at 0.5: 75,000.015 → 75,000.02; shares 25,000.005 each,
    # floors 25,000.00 ×3, two fens missing go to the first two
    result = compute_kind(POLICY, "api", [Decimal("100000.01")] * 3, approved_ratio=Decimal("0.5"))
    assert [i.reward for i in result.items] == [Decimal("25000.01"), Decimal("25000.01"), Decimal("25000.00")]
    assert result.reward_before_cap == Decimal("75000.02")


def test_split_fen_ties_go_to_the_lower_tier() -> None:
    assert split_fen([Decimal("0.005"), Decimal("0.005")], Decimal("0.01")) == [
        Decimal("0.01"),
        Decimal("0.00"),
    ]
    assert split_fen([Decimal("1.004"), Decimal("2.006")], Decimal("3.01")) == [
        Decimal("1.00"),
        Decimal("2.01"),
    ]
    with pytest.raises(ValueError):
        split_fen([Decimal(1)], Decimal(3))
