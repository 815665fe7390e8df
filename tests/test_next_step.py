"""距下一档（或项目上限）还需投入 in the engine: ``xlmv.reward.next_step`` over whole projects (issue 10.1).

The rule (README 计算口径): the extra spend goes to the project's largest item (the first on ties; the
procurement amount for private deployment) and reaches, whichever comes first, that item's next band (the
entry floor below it) or the point where the project's maximum reward (ratio 1, services rounded to the
fen and summed) reaches the project cap less prior awards. 0 (已达上限) once nothing more can be earned.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from next_tier_property import verify_next_tier

from xlmv.money import FEN, ZERO
from xlmv.policy import Kind, load_policy
from xlmv.reward import next_step, project_max_reward, tier_of

BEIJING = load_policy("beijing-2024")
FLAT = load_policy("flat-voucher-example")
API, PRIVATE = BEIJING.kind("api"), BEIJING.kind("private")
KINDS = [API, PRIVATE, FLAT.kinds[0]]

MARKS = [Decimal(m) for m in ("100000", "500000", "1000000", "2000000", "5000000", "30000000", "40000000")]
amounts = st.one_of(
    st.integers(0, 60_000_000_00).map(lambda n: Decimal(n) / 100),
    st.builds(lambda m, d: max(m + Decimal(d) / 100, ZERO), st.sampled_from(MARKS), st.integers(-300, 300)),
)
priors = st.one_of(st.just(ZERO), st.integers(0, 6_000_000_00).map(lambda n: Decimal(n) / 100))


def _room(kind: Kind, prior: Decimal) -> Decimal | None:
    return None if kind.cap is None else max(kind.cap.amount - prior, ZERO)


def check_next_step(kind: Kind, items: list[Decimal], prior: Decimal) -> None:
    """The property every surface must satisfy; used by the UDF and template tests too."""
    step = next_step(items, kind, prior)
    room = _room(kind, prior)
    basis = [sum(items, ZERO)] if kind.basis == "per_project" else (items or [ZERO])
    if step.target == "at_cap":
        assert step.needed == 0 and room is not None and project_max_reward(kind, basis) >= room
        return
    if room is not None:
        assert project_max_reward(kind, basis) < room  # more can still be earned
    if step.target == "none":
        assert kind.cap is None and kind.bands[tier_of(max(basis), kind) - 1].upper is None
        assert step.needed == 0
        return
    assert step.needed > 0 and step.needed == step.needed.quantize(FEN)
    # the spend goes to the largest item, the first on ties
    assert basis[step.item] == max(basis) and all(a < max(basis) for a in basis[: step.item])

    def raised(extra: Decimal) -> list[Decimal]:
        return [a + extra if n == step.item else a for n, a in enumerate(basis)]

    def reaches(extra: Decimal) -> bool:
        new = raised(extra)
        if step.target == "cap":
            return room is not None and project_max_reward(kind, new) >= room
        return tier_of(new[step.item], kind) >= (step.target_tier or 0)

    assert reaches(step.needed)
    assert not reaches(step.needed - FEN)
    assert step.threshold == basis[step.item] + step.needed
    if step.target in ("tier", "floor") and room is not None:
        # the band comes strictly before the cap: one fen less does not reach the cap either
        assert project_max_reward(kind, raised(step.needed - FEN)) < room
    if step.target == "floor":
        assert step.target_tier == 1
    if step.target == "tier":
        assert step.target_tier == tier_of(basis[step.item], kind) + 1


@pytest.mark.parametrize("kind", KINDS, ids=["api", "private", "flat"])
@given(items=st.lists(amounts, min_size=0, max_size=5), prior=priors)
def test_next_step_reaches_the_stated_step_and_one_fen_less_does_not(
    kind: Kind, items: list[Decimal], prior: Decimal
) -> None:
    check_next_step(kind, items, prior)
    verify_next_tier(kind, items, prior, next_step(items, kind, prior).needed)


def test_several_services_spend_on_the_largest_until_the_cap() -> None:
    # 300万 → 500,000 + 500,000; 10万 → 50,000; 1000万 → 500,000 + 1,000,000 + 500,000: 3,050,000 in all.
    # The largest service is in 第三档 (10%): the 1,950,000 left to the cap takes about 19,500,000 more on
    # it — exactly 19,499,999.95, since that service then earns 1,949,999.995, paid 1,950,000.00 (RULE 1);
    # at 19,499,999.94 it is paid 1,949,999.99, one fen short.
    step = next_step([Decimal(3_000_000), Decimal(100_000), Decimal(10_000_000)], API)
    assert (step.target, step.item, step.needed) == ("cap", 2, Decimal("19499999.95"))
    assert step.text(API, ["服务1", "服务2", "服务3"]) == "服务3再投入 19,499,999.95 元达到项目奖励上限"


def test_two_services_already_over_the_cap_need_nothing() -> None:
    # 3000万 each earns 4,000,000: 8,000,000 > 5,000,000 already
    step = next_step([Decimal(30_000_000)] * 2, API)
    assert (step.target, step.needed) == ("at_cap", 0)
    assert step.text(API) == "已达上限"


def test_a_used_up_cap_needs_nothing_even_below_the_floor() -> None:
    # MV_NEXT_TIER("API", 50000, 6000000): the 5,000,000 cap is used up by prior awards
    assert (
        next_step(Decimal(50_000), API, Decimal(6_000_000)).target,
        next_step(Decimal(50_000), API, Decimal(6_000_000)).needed,
    ) == ("at_cap", 0)


def test_single_item_examples() -> None:
    step = next_step(Decimal("1000000"), API)
    assert (step.target, step.target_tier, step.threshold, step.needed) == (
        "tier",
        2,
        Decimal("1000000.01"),
        Decimal("0.01"),
    )
    step = next_step(Decimal("99999.99"), API)
    assert (step.target, step.threshold, step.needed) == ("floor", Decimal(100000), Decimal("0.01"))
    # 第三档 at 10%: 39,999,999.95 earns 4,999,999.995, paid 5,000,000.00 — the cap
    step = next_step(Decimal("5000000.01"), API)
    assert (step.target, step.threshold, step.needed) == (
        "cap",
        Decimal("39999999.95"),
        Decimal("34999999.94"),
    )
    # 4,800,000 already received: the 200,000 left is paid at 399,999.99 (199,999.995), long before 第二档
    step = next_step(Decimal("100000"), API, Decimal(4_800_000))
    assert (step.target, step.threshold, step.needed) == ("cap", Decimal("399999.99"), Decimal("299999.99"))
    assert next_step(Decimal(10**9), FLAT.kinds[0]).target == "none"


def test_the_cap_is_reached_by_the_rounded_sum_of_the_services() -> None:
    # Prior 4,949,999.99 leaves 50,000.01. A 100,000.01 service earns 50,000.005, paid 50,000.01 (RULE 1):
    # from the floor, the cap is reached at 100,000.01 — where the exact sum would need 100,000.02.
    step = next_step(Decimal(100_000), API, Decimal("4949999.99"))
    assert (step.target, step.threshold, step.needed) == ("cap", Decimal("100000.01"), Decimal("0.01"))
    # below the floor, the floor comes first (it earns 50,000.00, one fen short of the cap)
    step = next_step(Decimal(0), API, Decimal("4949999.99"))
    assert (step.target, step.threshold) == ("floor", Decimal(100_000))
