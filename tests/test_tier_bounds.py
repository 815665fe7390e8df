"""附件3 二.4 at every band bound, as explicit examples: an amount exactly at a band's upper bound lies
wholly in that band (no row for the next band), one fen more puts that fen in the next band, and one fen
below an entry floor (附件3 一.7 / 一.8) earns nothing.

Rows are (tier, lower bound, base, reward) with the reward unrounded, as the engine computes it.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from xlmv.policy import load_policy
from xlmv.reward import tier_item, tier_of

D = Decimal
POLICY = load_policy()
M = D("1000000")  # 100万


def rows(kind: str, amount: str) -> list[tuple[int, Decimal, Decimal, Decimal]]:
    return [(r.tier, r.lower, r.base, r.exact) for r in tier_item("x", D(amount), POLICY.kind(kind)).rows]


@pytest.mark.parametrize(
    ("amount", "tier", "expected"),
    [
        ("99999.99", 0, []),  # below the 10万 floor
        ("100000", 1, [(1, D(0), D("100000"), D("50000"))]),  # 10万 × 50%
        ("999999.99", 1, [(1, D(0), D("999999.99"), D("499999.995"))]),
        ("1000000", 1, [(1, D(0), M, D("500000"))]),  # 100万 × 50%, wholly 第一档
        ("1000000.01", 2, [(1, D(0), M, D("500000")), (2, M, D("0.01"), D("0.0025"))]),  # + 0.01 × 25%
        ("5000000", 2, [(1, D(0), M, D("500000")), (2, M, 4 * M, D("1000000"))]),  # + 400万 × 25%
        (
            "5000000.01",
            3,
            [(1, D(0), M, D("500000")), (2, M, 4 * M, D("1000000")), (3, 5 * M, D("0.01"), D("0.001"))],
        ),
    ],
)
def test_api_bounds(amount: str, tier: int, expected: list[tuple[int, Decimal, Decimal, Decimal]]) -> None:
    assert rows("api", amount) == expected
    assert tier_of(D(amount), POLICY.kind("api")) == tier


@pytest.mark.parametrize(
    ("amount", "tier", "expected"),
    [
        ("499999.99", 0, []),  # below the 50万 floor
        ("500000", 1, [(1, D(0), D("500000"), D("100000"))]),  # 50万 × 20%
        ("2000000", 1, [(1, D(0), 2 * M, D("400000"))]),  # 200万 × 20%, wholly 第一档
        ("2000000.01", 2, [(1, D(0), 2 * M, D("400000")), (2, 2 * M, D("0.01"), D("0.001"))]),  # + 0.01 × 10%
        ("5000000", 2, [(1, D(0), 2 * M, D("400000")), (2, 2 * M, 3 * M, D("300000"))]),  # + 300万 × 10%
        (
            "5000000.01",
            3,
            [
                (1, D(0), 2 * M, D("400000")),
                (2, 2 * M, 3 * M, D("300000")),
                (3, 5 * M, D("0.01"), D("0.0005")),
            ],
        ),
    ],
)
def test_private_bounds(
    amount: str, tier: int, expected: list[tuple[int, Decimal, Decimal, Decimal]]
) -> None:
    assert rows("private", amount) == expected
    assert tier_of(D(amount), POLICY.kind("private")) == tier
