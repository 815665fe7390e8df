"""The 距下一档（或项目上限） property every surface must satisfy (issue 10.1), independent of how the
surface computes its answer: it checks only the amount a user is shown.

The spend goes to the project's largest item (the procurement amount, for a per-project basis). It is the
smallest whole-fen amount after which that item is in a higher tier than now (the floor counts as the step
from tier 0 to 1), or the project's maximum reward (ratio 1, services rounded to the fen and summed)
reaches the project cap less prior awards — whichever comes first. It is 0 when nothing more can be
earned (已达上限), or, without a project cap, in the top band.
"""

from __future__ import annotations

from decimal import Decimal

from xlmv.money import FEN, ZERO
from xlmv.policy import Kind
from xlmv.reward import project_max_reward, tier_of


def verify_next_tier(kind: Kind, items: list[Decimal], prior: Decimal, needed: Decimal) -> None:
    basis = [sum(items, ZERO)] if kind.basis == "per_project" else (items or [ZERO])
    j = basis.index(max(basis))
    room = None if kind.cap is None else max(kind.cap.amount - prior, ZERO)
    tier_now = tier_of(basis[j], kind)

    def reached(extra: Decimal) -> bool:
        raised = [a + extra if n == j else a for n, a in enumerate(basis)]
        return tier_of(raised[j], kind) > tier_now or (
            room is not None and project_max_reward(kind, raised) >= room
        )

    if room is not None and project_max_reward(kind, basis) >= room:
        assert needed == 0, f"已达上限 expected, got {needed}"
        return
    if room is None and kind.bands[tier_now - 1].upper is None:
        assert needed == 0
        return
    assert needed > 0 and needed == needed.quantize(FEN), needed
    assert reached(needed), f"{items} + {needed} reaches neither the next band nor the cap"
    assert not reached(needed - FEN), f"{items} + {needed} - 0.01 already reaches the next step"
