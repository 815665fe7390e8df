"""Properties of the reward arithmetic that hold for every amount, checked with hypothesis.

Amounts are whole fen (what the parsers accept). The schedules are the bundled Beijing kinds and the
flat-voucher example, so the properties are about the engine, not one set of numbers.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlmv.money import ZERO, to_fen
from xlmv.policy import Kind, load_policy
from xlmv.reward import (
    Allocation,
    allocate,
    amount_for_reward,
    apply_enterprise_cap,
    compute_kind,
    max_reward_of,
    project_reward,
    split_into_bands,
    tier_item,
    tier_of,
)

FEN = Decimal("0.01")
BEIJING = load_policy("beijing-2024")
FLAT = load_policy("flat-voucher-example")
API, PRIVATE = BEIJING.kind("api"), BEIJING.kind("private")
FLAT_KIND = FLAT.kinds[0]
KINDS = [API, PRIVATE, FLAT_KIND]
KIND_IDS = ["api", "private", "flat"]


def fen_amounts(max_yuan: int = 200_000_000) -> st.SearchStrategy[Decimal]:
    """Whole-fen amounts, biased towards the floors and band bounds where the schedule changes."""
    anywhere = st.integers(min_value=0, max_value=max_yuan * 100).map(lambda n: Decimal(n) / 100)
    marks = [
        Decimal(m) for m in ("100000", "500000", "1000000", "2000000", "5000000", "40000000", "91000000")
    ]
    near = st.builds(
        lambda m, d: max(m + Decimal(d) / 100, ZERO), st.sampled_from(marks), st.integers(-300, 300)
    )
    return st.one_of(anywhere, near)


ratios = st.integers(min_value=0, max_value=1000).map(lambda n: Decimal(n) / 1000)
priors = st.integers(min_value=0, max_value=700_000_000).map(lambda n: Decimal(n) / 100)


def _rate_at(amount: Decimal, kind: Kind) -> Decimal:
    """The band rate that applies to the fen ending at ``amount`` (upper bounds belong to their band)."""
    for band in kind.bands:
        if band.upper is None or amount <= band.upper:
            return band.rate
    raise AssertionError


def _floor(kind: Kind) -> Decimal:
    return kind.floor.amount if kind.floor is not None else ZERO


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
@given(a=fen_amounts(), b=fen_amounts())
def test_reward_never_decreases_as_the_amount_grows(kind: Kind, a: Decimal, b: Decimal) -> None:
    low, high = sorted((a, b))
    assert max_reward_of(low, kind) <= max_reward_of(high, kind)
    assert tier_of(low, kind) <= tier_of(high, kind)


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
@given(amount=fen_amounts())
def test_one_fen_more_changes_the_reward_by_the_band_rate_except_at_the_floor(
    kind: Kind, amount: Decimal
) -> None:
    step = max_reward_of(amount + FEN, kind) - max_reward_of(amount, kind)
    max_rate = max(b.rate for b in kind.bands)
    if kind.floor is not None and amount + FEN == kind.floor.amount:
        # the jump at the floor: from nothing to the whole floor amount at the first rate
        assert step == kind.floor.amount * kind.bands[0].rate
    elif amount + FEN < _floor(kind):
        assert step == 0
    else:
        # continuous: the extra fen earns exactly its band's rate, never more than the highest rate
        assert step == FEN * _rate_at(amount + FEN, kind)
        assert 0 <= step <= FEN * max_rate


def test_the_jump_at_the_floor_is_floor_times_first_rate() -> None:
    def jump(at: str, kind: Kind) -> Decimal:
        return max_reward_of(Decimal(at), kind) - max_reward_of(Decimal(at) - FEN, kind)

    assert jump("100000", API) == Decimal(50000)  # 100,000 × 50%
    assert jump("500000", PRIVATE) == Decimal(100000)  # 500,000 × 20%
    assert jump("100000.01", API) == Decimal("0.005")  # past the floor: one fen at 50%


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
@given(a=fen_amounts(), b=fen_amounts())
def test_marginal_rate_never_exceeds_the_band_rates_it_spans(kind: Kind, a: Decimal, b: Decimal) -> None:
    low, high = sorted((a, b))
    low = max(low, _floor(kind))  # above the floor, where the schedule is continuous
    high = max(high, low + FEN)
    gained = max_reward_of(high, kind) - max_reward_of(low, kind)
    rates = {_rate_at(low + FEN, kind), _rate_at(high, kind)} | {
        band.rate
        for band in kind.bands
        if band.upper is not None and low < band.upper < high  # bands crossed in between
    }
    assert (high - low) * min(rates) <= gained <= (high - low) * max(rates)
    if tier_of(low + FEN, kind) == tier_of(high, kind):
        assert gained == (high - low) * _rate_at(high, kind)


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
@given(amount=fen_amounts())
def test_tier_rows_sum_to_the_item_reward_and_bases_to_the_amount(kind: Kind, amount: Decimal) -> None:
    item = tier_item("x", amount, kind)
    if not item.eligible:
        assert item.tier == 0 and item.rows == () and item.max_reward == 0 and item.reward == 0
        assert amount < _floor(kind)
        return
    # RULE 1: the item is its exact sum rounded once; the rows are whole-fen shares adding up to it
    assert sum((r.reward for r in item.rows), ZERO) == item.max_reward == to_fen(max_reward_of(amount, kind))
    assert sum((r.base for r in item.rows), ZERO) == amount
    assert [r.tier for r in item.rows] == list(range(1, item.tier + 1))
    for row in item.rows:
        assert row.exact == row.base * row.rate
        assert row.reward == row.reward.quantize(FEN)
        assert abs(row.reward - row.exact) < FEN
        assert row.base >= 0
        if row.upper is not None:
            assert row.base <= row.upper - row.lower
    # every band below the item's tier is full
    for row in item.rows[:-1]:
        assert row.upper is not None and row.base == row.upper - row.lower
    assert split_into_bands(amount, kind) == item.rows


@pytest.mark.parametrize("kind", [API, PRIVATE], ids=["api", "private"])
@given(
    amounts=st.lists(fen_amounts(60_000_000), min_size=1, max_size=4),
    ratio=ratios,
    prior=priors,
)
def test_project_cap_always_holds(kind: Kind, amounts: list[Decimal], ratio: Decimal, prior: Decimal) -> None:
    result = compute_kind(BEIJING, kind, amounts, approved_ratio=ratio, prior_award=prior)
    assert kind.cap is not None and result.cap is not None
    room = max(kind.cap.amount - prior, ZERO)
    assert 0 <= result.reward <= room
    assert result.reward <= result.reward_before_cap
    assert result.reward == min(result.reward_before_cap, room)
    assert result.reward_before_cap == to_fen(result.max_reward * ratio)
    assert sum((i.reward for i in result.items), ZERO) == result.reward_before_cap
    assert result.cap.binding is (result.reward_before_cap > room)
    codes = [f.code for f in result.findings]
    assert ("cap.project" in codes) is result.cap.binding
    if kind.basis == "per_service":
        assert result.max_reward == sum((to_fen(max_reward_of(a, kind)) for a in amounts), ZERO)
        assert codes.count("api.below_floor") == sum(a < _floor(kind) for a in amounts)
    else:
        assert result.max_reward == to_fen(max_reward_of(sum(amounts, ZERO), kind))


@given(
    rewards=st.lists(st.integers(0, 600_000_000).map(lambda n: Decimal(n) / 100), min_size=0, max_size=5),
    prior=priors,
    allocation=st.sampled_from(list(Allocation)),
)
def test_enterprise_cap_always_holds_and_grants_sum_to_the_total(
    rewards: list[Decimal], prior: Decimal, allocation: Allocation
) -> None:
    result = apply_enterprise_cap(BEIJING, rewards, prior_same_year=prior, allocation=allocation)
    room = max(Decimal(5_000_000) - prior, ZERO)
    assert result.total == min(sum(rewards, ZERO), room)
    assert 0 <= result.total <= room
    assert sum(result.granted, ZERO) == result.total
    assert len(result.granted) == len(rewards)
    for granted, requested in zip(result.granted, rewards, strict=True):
        assert 0 <= granted <= requested


@given(
    requested=st.lists(st.integers(0, 600_000_000).map(lambda n: Decimal(n) / 100), min_size=1, max_size=5),
    available=st.integers(0, 1_000_000_000).map(lambda n: Decimal(n) / 100),
)
def test_in_order_and_pro_rata_both_share_exactly_the_capped_total(
    requested: list[Decimal], available: Decimal
) -> None:
    capped = min(sum(requested, ZERO), available)
    in_order = allocate(requested, available, Allocation.IN_ORDER)
    pro_rata = allocate(requested, available, Allocation.PRO_RATA)
    assert sum(in_order, ZERO) == capped
    assert sum(pro_rata, ZERO) == capped
    # in order: earlier projects are served in full before later ones get anything
    for n, granted in enumerate(in_order):
        if granted < requested[n]:
            assert all(g == 0 for g in in_order[n + 1 :])
    # pro rata: one factor for everyone, each share within a fen of it (cumulative rounding to the fen)
    total = sum(requested, ZERO)
    if total > available:
        for granted, r in zip(pro_rata, requested, strict=True):
            assert abs(granted - r * available / total) <= Decimal("0.01")
            assert granted == granted.quantize(Decimal("0.01"))


def test_pro_rata_of_three_equal_projects_is_exact_in_sum() -> None:
    shares = allocate([Decimal(1)] * 3, Decimal(1), Allocation.PRO_RATA)
    assert sum(shares, ZERO) == 1


# --- what-if: amount_for_reward and next_step ---------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
@given(target=st.integers(1, 1_000_000_000).map(lambda n: Decimal(n) / 100))
def test_amount_for_reward_is_the_smallest_fen_amount_reaching_the_reward(
    kind: Kind, target: Decimal
) -> None:
    amount = amount_for_reward(target, kind)
    assert amount is not None  # every schedule here ends in an unbounded band with a positive rate
    assert amount == amount.quantize(FEN)
    assert max_reward_of(amount, kind) >= target
    assert max_reward_of(amount - FEN, kind) < target


def test_amount_for_reward_at_the_caps() -> None:
    assert amount_for_reward(Decimal(5_000_000), API) == Decimal("40000000.00")
    assert amount_for_reward(Decimal(5_000_000), PRIVATE) == Decimal("91000000.00")
    assert amount_for_reward(Decimal(500_000), API) == Decimal("1000000")
    assert amount_for_reward(Decimal("0.01"), API) == Decimal(100000)  # the floor comes first


# next_step over whole projects: tests/test_next_step.py


@given(
    amounts=st.lists(st.decimals(min_value=0, max_value=10**8, places=2), max_size=6),
    prior=st.decimals(min_value=0, max_value=6_000_000, places=2),
    ratio=st.decimals(min_value=0, max_value=1, places=3),
)
def test_project_reward_equals_compute_kind(amounts: list[Decimal], prior: Decimal, ratio: Decimal) -> None:
    """The fast path the UDFs use is the same arithmetic as the explained result."""
    policy = load_policy()
    for kind in policy.kinds:
        explained = compute_kind(policy, kind, amounts, approved_ratio=ratio, prior_award=prior)
        assert project_reward(kind, amounts, approved_ratio=ratio, prior_award=prior) == explained.reward
