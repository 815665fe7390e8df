"""Reward arithmetic: marginal tiers, entry floors, the approved ratio and the caps, exact in Decimal.

The stages follow the policy and stay separate so a reader can see why a number is what it is:
each item (a model API service, or a project's procurement) is tiered on its own (附件3 二.4), the
reviewer's approved ratio scales the maximum ("不超过"), then the project cap (二.1 / 二.2), then the
enterprise-year cap (二.3).

Rounding follows the one rule (README 计算口径): an item's maximum is its exact marginal sum rounded once
to the fen, half up, and its tier rows are whole-fen shares of that figure (largest remainder); a project's
maximum is the sum of its items'; the ratio scales the project, rounded once, with per-item shares again
by largest remainder; the caps then work on fen amounts, so every shown set of rows adds up to its total.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

from xlmv.findings import Finding, Severity
from xlmv.money import FEN, ZERO, Money, format_yuan, split_fen, to_fen
from xlmv.policy import Band, Kind, Policy

ONE = Decimal(1)


class _Result(BaseModel):
    """Results are built only here, from values the engine already validated, so they are made with
    ``model_construct`` (no re-validation)."""

    model_config = ConfigDict(frozen=True)


class Eligibility(StrEnum):
    ELIGIBLE = "达标"
    BELOW_FLOOR = "不达标"


# Rows and items are frozen dataclasses inside the pydantic results: a project may have 10,000 services
# (one Excel range), and a dataclass is built ten times faster than a model; pydantic still serialises them.
@dataclass(frozen=True, slots=True)
class TierRow:
    """How much of an amount falls in one band, and what that part earns: ``exact`` is base × rate,
    ``reward`` its whole-fen share of the item's rounded maximum (the rows' rewards add up to it)."""

    tier: int
    label: str
    lower: Money
    upper: Money | None
    base: Money
    rate: Decimal
    reward: Money
    clause: str
    exact: Decimal


@dataclass(frozen=True, slots=True)
class ItemResult:
    """One tiered item: a model API service, or one project's procurement amount. ``max_reward`` is the
    exact marginal sum rounded once to the fen; ``reward`` is the item's whole-fen share of the project's
    reward scaled by the approved ratio (before the project cap)."""

    label: str
    amount: Money
    eligibility: Eligibility
    tier: int
    rows: tuple[TierRow, ...]
    max_reward: Money
    reward: Money

    @property
    def eligible(self) -> bool:
        return self.eligibility is Eligibility.ELIGIBLE


class CapStep(_Result):
    """One cap applied to a running total: what was available after prior awards, and whether it bound."""

    name: str
    clause: str
    limit: Money
    prior: Money
    available: Money
    before: Money
    after: Money

    @property
    def binding(self) -> bool:
        return self.after < self.before

    @property
    def reduced_by(self) -> Decimal:
        return self.before - self.after


class KindResult(_Result):
    """One project's reward under one kind (API calls or private deployment)."""

    policy: str
    policy_version: str
    kind: str
    kind_label: str
    approved_ratio: Decimal
    items: tuple[ItemResult, ...]
    max_reward: Money
    reward_before_cap: Money
    cap: CapStep | None
    reward: Money
    findings: tuple[Finding, ...]

    @property
    def eligible(self) -> bool:
        return any(i.eligible for i in self.items)

    @property
    def ratio_applied(self) -> bool:
        """Whether the approved ratio changes the money (shown wherever it does)."""
        return self.approved_ratio != ONE

    @property
    def tier(self) -> int:
        return max((i.tier for i in self.items), default=0)


class Allocation(StrEnum):
    """How the enterprise-year cap is shared when it binds (a setting; see README)."""

    IN_ORDER = "in_order"
    PRO_RATA = "pro_rata"


class EnterpriseResult(_Result):
    policy: str
    policy_version: str
    year: int | None
    allocation: Allocation
    requested: tuple[Money, ...]
    granted: tuple[Money, ...]
    cap: CapStep | None
    total: Money


# --- 附件3 二.4: marginal bands ------------------------------------------------------------------


def band_lowers(kind: Kind) -> list[Decimal]:
    """Each band's exclusive lower bound (0 for the first band)."""
    return [ZERO] + [b.upper for b in kind.bands[:-1] if b.upper is not None]


def band_parts(amount: Decimal, kind: Kind) -> Iterator[tuple[Band, Decimal, Decimal]]:
    """(band, lower bound, part of ``amount`` in it) for each band ``amount`` reaches (超额累进).

    A band's upper bound belongs to it: with bands up to 100万, 100万 is wholly 第一档 and 100万 + 0.01
    puts 0.01 in 第二档. The first band is always reached, even by 0.
    """
    lower = ZERO
    for band in kind.bands:
        top = amount if band.upper is None else min(amount, band.upper)
        yield band, lower, max(top - lower, ZERO)
        if band.upper is None or amount <= band.upper:
            return
        lower = band.upper


def split_into_bands(amount: Decimal, kind: Kind) -> tuple[TierRow, ...]:
    """The rows of ``band_parts``, each with that part's exact reward and its whole-fen share of the
    item's rounded maximum (largest remainder, ties to the lower tier), so the rows add up to it."""
    parts = list(band_parts(amount, kind))
    exact = [base * band.rate for band, _, base in parts]
    shares = [to_fen(exact[0])] if len(exact) == 1 else split_fen(exact, to_fen(sum(exact, ZERO)))
    return tuple(
        _row(band, lower, base, e, share)
        for (band, lower, base), e, share in zip(parts, exact, shares, strict=True)
    )


def _row(band: Band, lower: Decimal, base: Decimal, exact: Decimal, share: Decimal) -> TierRow:
    return TierRow(
        tier=band.tier,
        label=band.label,
        lower=lower,
        upper=band.upper,
        base=base,
        rate=band.rate,
        reward=share,
        clause=band.clause,
        exact=exact,
    )


def below_floor(amount: Decimal, kind: Kind) -> bool:
    """附件3 一.7 / 一.8: the floor is an entry threshold, not a deduction."""
    return kind.floor is not None and amount < kind.floor.amount


def tier_of(amount: Decimal, kind: Kind) -> int:
    """0 below the floor, else the band ``amount`` ends in."""
    if below_floor(amount, kind):
        return 0
    for band in kind.bands:
        if band.upper is None or amount <= band.upper:
            return band.tier
    raise AssertionError("the last band is unbounded")  # guaranteed by the schema


def max_reward_of(amount: Decimal, kind: Kind) -> Decimal:
    """The exact maximum reward for one item before ratio and caps (0 below the floor), unrounded."""
    if below_floor(amount, kind):
        return ZERO
    return sum((base * band.rate for band, _, base in band_parts(amount, kind)), ZERO)


def item_max_reward(amount: Decimal, kind: Kind) -> Decimal:
    """One item's maximum reward as it is paid: ``max_reward_of`` rounded once to the fen (RULE 1)."""
    return to_fen(max_reward_of(amount, kind))


def tier_item(label: str, amount: Decimal, kind: Kind, ratio: Decimal = ONE) -> ItemResult:
    if amount < 0:
        raise ValueError("amounts are validated as non-negative before they reach the engine")
    eligible = not below_floor(amount, kind)
    rows = split_into_bands(amount, kind) if eligible else ()
    maximum = sum((r.reward for r in rows), ZERO)  # the rounded maximum: the rows are its fen shares
    return ItemResult(
        label=label,
        amount=amount,
        eligibility=Eligibility.ELIGIBLE if eligible else Eligibility.BELOW_FLOOR,
        tier=tier_of(amount, kind),
        rows=rows,
        max_reward=maximum,
        reward=to_fen(maximum * ratio),
    )


# --- 附件3 二.1 / 二.2: one project under one kind ----------------------------------------------


def compute_kind(
    policy: Policy,
    kind: Kind | str,
    amounts: Sequence[Decimal],
    *,
    labels: Sequence[str] | None = None,
    approved_ratio: Decimal | None = None,
    prior_award: Decimal = ZERO,
    field: str = "",
    item_fields: Sequence[str] | None = None,
) -> KindResult:
    """One project's reward under ``kind``.

    ``amounts`` are the project's per-service amounts (basis ``per_service``: each tiered on its own,
    rewards summed) or its amounts to be summed into one base (basis ``per_project``). ``prior_award``
    is what the same project already received within the cap's scope. ``field`` is the project's path
    in findings and ``item_fields`` each item's (defaults: ``items[n]``).
    """
    kind = policy.kind(kind) if isinstance(kind, str) else kind
    ratio = ONE if approved_ratio is None else approved_ratio
    if not ZERO <= ratio <= ONE:
        raise ValueError("approved ratio must lie in [0, 1]")
    if prior_award < 0:
        raise ValueError("prior award must be non-negative")
    if kind.basis == "per_service":
        names = list(labels) if labels is not None else [f"服务{i + 1}" for i in range(len(amounts))]
        items = tuple(tier_item(n, a, kind, ratio) for n, a in zip(names, amounts, strict=True))
    else:
        items = (tier_item(kind.base_label, sum(amounts, ZERO), kind, ratio),) if amounts else ()

    paths = (
        list(item_fields) if item_fields is not None else [f"{field}items[{n}]" for n in range(len(items))]
    )
    findings = tuple(_floor_findings(kind, items, paths))
    maximum = sum((i.max_reward for i in items), ZERO)
    before = to_fen(maximum * ratio)  # RULE 3: the ratio scales the project, rounded once
    if ratio != ONE:  # at ratio 1 each item's share is its own fen maximum already (tier_item)
        shares = split_fen([i.max_reward * ratio for i in items], before)
        items = tuple(replace(i, reward=s) for i, s in zip(items, shares, strict=True))
    cap = None
    reward = before
    if kind.cap is not None:
        cap = apply_cap(kind.cap.name, kind.cap.clause, kind.cap.amount, prior_award, before)
        reward = cap.after
    return KindResult.model_construct(
        policy=policy.id,
        policy_version=policy.version,
        kind=kind.id,
        kind_label=kind.label,
        approved_ratio=ratio,
        items=items,
        max_reward=maximum,
        reward_before_cap=before,
        cap=cap,
        reward=reward,
        findings=findings + tuple(_cap_findings(cap, field)),
    )


def project_reward(
    kind: Kind,
    amounts: Sequence[Decimal],
    *,
    approved_ratio: Decimal | None = None,
    prior_award: Decimal = ZERO,
) -> Decimal:
    """``compute_kind(...).reward`` without the explanation: the same stages (tiers per item, ratio,
    project cap) and the same rounding for callers that only need the number, such as a UDF over a
    10,000-cell range."""
    ratio = ONE if approved_ratio is None else approved_ratio
    before = to_fen(project_max_reward(kind, amounts) * ratio)
    if kind.cap is None:
        return before
    return min(before, max(kind.cap.amount - prior_award, ZERO))


def project_max_reward(kind: Kind, amounts: Sequence[Decimal]) -> Decimal:
    """A project's maximum reward (ratio 1, no cap): the sum of its items' fen-rounded maxima (RULE 2)."""
    if kind.basis == "per_service":
        return sum((item_max_reward(a, kind) for a in amounts), ZERO)
    return item_max_reward(sum(amounts, ZERO), kind) if amounts else ZERO


def apply_cap(name: str, clause: str, limit: Decimal, prior: Decimal, before: Decimal) -> CapStep:
    available = max(limit - prior, ZERO)
    return CapStep.model_construct(
        name=name,
        clause=clause,
        limit=limit,
        prior=prior,
        available=available,
        before=before,
        after=min(before, available),
    )


def _floor_findings(kind: Kind, items: Sequence[ItemResult], paths: Sequence[str]) -> list[Finding]:
    if kind.floor is None:
        return []
    floor = format_yuan(kind.floor.amount)
    return [
        Finding(
            severity=Severity.ERROR,
            code=f"{kind.id}.below_floor",
            field=path,
            message=f"{item.label}金额 {format_yuan(item.amount)} 元低于 {floor} 元的申报起点，不达标，不计奖励",
            clause=kind.floor.clause,
        )
        for item, path in zip(items, paths, strict=True)
        if not item.eligible
    ]


def _cap_findings(cap: CapStep | None, field: str) -> list[Finding]:
    if cap is None or not cap.binding:
        return []
    return [
        Finding(
            severity=Severity.WARNING,
            code="cap.project",
            field=f"{field}reward",
            message=(
                f"触及{cap.name}：测算 {format_yuan(cap.before)} 元，上限 {format_yuan(cap.limit)} 元"
                f"（已获 {format_yuan(cap.prior)} 元），核减 {format_yuan(cap.reduced_by)} 元"
            ),
            clause=cap.clause,
        )
    ]


# --- 附件3 二.3: the enterprise in one natural year ------------------------------------------------


def apply_enterprise_cap(
    policy: Policy,
    rewards: Sequence[Decimal],
    *,
    prior_same_year: Decimal = ZERO,
    year: int | None = None,
    allocation: Allocation = Allocation.IN_ORDER,
) -> EnterpriseResult:
    """Cap the sum of one enterprise's project rewards in one natural year, and share what is granted.

    This is the one home of the enterprise total (check, calc, batch, recalc, export and the UDF all
    call it): each project's reward is its award in fen (rounded here if a caller passes more places),
    the total is their sum, then the enterprise cap less this year's prior awards (RULE 5).

    ``in_order`` grants projects in the order given until the cap is used up (the order of the
    declaration, or of application dates across applications); ``pro_rata`` scales every project by the
    same factor. Either way the granted amounts sum to the capped total.
    """
    rewards = [to_fen(r) for r in rewards]
    total = sum(rewards, ZERO)
    ceiling = policy.enterprise_cap
    if ceiling is None:
        return EnterpriseResult(
            policy=policy.id,
            policy_version=policy.version,
            year=year,
            allocation=allocation,
            requested=tuple(rewards),
            granted=tuple(rewards),
            cap=None,
            total=total,
        )
    cap = apply_cap(ceiling.name, ceiling.clause, ceiling.amount, prior_same_year, total)
    return EnterpriseResult(
        policy=policy.id,
        policy_version=policy.version,
        year=year,
        allocation=allocation,
        requested=tuple(rewards),
        granted=tuple(allocate(rewards, cap.after, allocation)),
        cap=cap,
        total=cap.after,
    )


def pro_rata_round(share: Decimal) -> Decimal:
    """A cumulative pro-rata share to the fen, half up, after rounding to 7 places, exactly as the review
    workbook's ``ROUND(ROUND(x,7),2)`` does (the inner ROUND drops binary floating-point noise)."""
    return to_fen(share.quantize(Decimal("1e-7"), rounding=ROUND_HALF_UP))


def allocate(requested: Sequence[Decimal], available: Decimal, rule: Allocation) -> list[Decimal]:
    total = sum(requested, ZERO)
    if total <= available:
        return list(requested)
    if rule is Allocation.PRO_RATA:
        # Cumulative rounding: share n = R(available × (r1+…+rn) / total) − R(available × (r1+…+rn−1) /
        # total), R = ``pro_rata_round``. The shares telescope to ``available`` (exactly, for a fen
        # amount), each is within a fen of its exact pro-rata share, and a spreadsheet computes the same
        # with SUMIFS over the earlier rows and ROUND(ROUND(x,7),2) (``xlmv_workbook.review.formulas``).
        shares, before, running = [], ZERO, ZERO
        for r in requested:
            running += r
            upto = available if running == total else pro_rata_round(available * running / total)
            shares.append(upto - before)
            before = upto
        return shares
    granted, left = [], available
    for r in requested:
        g = min(r, left)
        granted.append(g)
        left -= g
    return granted


# --- What-if: spend to the next tier --------------------------------------------------------------

NextTarget = Literal["floor", "tier", "cap", "at_cap", "none"]


class NextStep(_Result):
    """The extra spend on one item that moves the project to the next step (README 计算口径, 距下一档).

    ``item`` is the index of the item the spend goes to (the largest amount; the first on ties), and
    ``threshold`` that item's amount after the spend. ``target``: ``floor`` (the item reaches the entry
    floor, 第一档), ``tier`` (the item's next band, ``target_tier``), ``cap`` (the project's maximum
    reward reaches what the project cap leaves, before the next band would), ``at_cap`` (nothing more can
    be earned: 已达上限, ``needed`` 0), ``none`` (top band of a scheme without a project cap, ``needed`` 0).
    """

    target: NextTarget
    target_tier: int | None
    item: int
    threshold: Money | None
    needed: Money

    def text(self, kind: Kind, labels: Sequence[str] | None = None) -> str:
        """A Chinese sentence: ``服务2再投入 10,000.00 元达到第二档`` / ``已达上限``; ``labels`` name the
        items (leave out for a single item)."""
        who = labels[self.item] if labels and self.item < len(labels) else ""
        spend = f"{who}再投入 {format_yuan(self.needed)} 元"
        if self.target == "at_cap":
            return "已达上限"
        if self.target == "none":
            return "已在最高档（无项目上限）"
        if self.target == "cap":
            return f"{spend}达到项目奖励上限"
        if self.target == "floor":
            return f"{spend}达到申报起点"
        assert self.target_tier is not None
        return f"{spend}达到{kind.bands[self.target_tier - 1].label}"


def next_step(amounts: Sequence[Decimal] | Decimal, kind: Kind, prior_award: Decimal = ZERO) -> NextStep:
    """The spend, added to the largest item, that reaches its next band or the project cap, whichever
    comes first; 0 once the project's maximum reward (ratio 1) already reaches the cap less prior awards.

    ``amounts`` are the project's items (one amount for a per-project basis, summed). Amounts are in fen,
    so "above 100万" starts at 100万 + 0.01, and the cap is reached when the project's fen-rounded maximum
    (RULE 2) reaches what the cap leaves; one fen less never reaches the stated step.
    """
    items = [amounts] if isinstance(amounts, Decimal) else list(amounts)
    if kind.basis == "per_project":
        items = [sum(items, ZERO)]
    items = items or [ZERO]
    target = max(range(len(items)), key=lambda n: (items[n], -n))
    amount = items[target]
    cap_at = None
    if kind.cap is not None:
        room = max(kind.cap.amount - prior_award, ZERO)
        maximum = project_max_reward(kind, items)
        if maximum >= room:
            return NextStep(target="at_cap", target_tier=None, item=target, threshold=amount, needed=ZERO)
        # the other items keep their rounded rewards; this one must bring the rest, rounded half up
        others = maximum - item_max_reward(amount, kind)
        cap_at = amount_for_reward(room - others - FEN / 2, kind)
    if below_floor(amount, kind):
        assert kind.floor is not None
        band_at: Decimal | None = kind.floor.amount
        kind_of_step: NextTarget = "floor"
        next_tier = 1
    else:
        tier = tier_of(amount, kind)
        upper = kind.bands[tier - 1].upper
        band_at = None if upper is None else upper + FEN
        kind_of_step, next_tier = "tier", tier + 1
    if cap_at is not None and (band_at is None or cap_at <= band_at):
        cap_at = max(cap_at, amount)
        return NextStep(target="cap", target_tier=None, item=target, threshold=cap_at, needed=cap_at - amount)
    if band_at is None:
        return NextStep(target="none", target_tier=None, item=target, threshold=None, needed=ZERO)
    return NextStep(
        target=kind_of_step, target_tier=next_tier, item=target, threshold=band_at, needed=band_at - amount
    )


def amount_for_reward(reward: Decimal, kind: Kind) -> Decimal | None:
    """The smallest fen amount whose exact maximum reward reaches ``reward`` (rounded up to the fen, and
    not below the floor), or None when no amount does."""
    cumulative = ZERO
    for band, lower in zip(kind.bands, band_lowers(kind), strict=True):
        width = None if band.upper is None else band.upper - lower
        gain = None if width is None else width * band.rate
        if gain is not None and cumulative + gain < reward:
            cumulative += gain
            continue
        if band.rate == 0:
            return None if cumulative < reward else lower
        exact = lower + (reward - cumulative) / band.rate
        floor_amount = kind.floor.amount if kind.floor is not None else ZERO
        return max(exact.quantize(FEN, rounding=ROUND_CEILING), floor_amount)
    return None
