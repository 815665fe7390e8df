"""Caps across applications: the computation ``xlmv batch`` and ``xlmv recalc`` share.

``compute`` takes one ``RowInput`` per declared product and the enterprise-year priors, and applies, with
the engine (``compute_kind``, ``apply_enterprise_cap``; nothing here re-implements a cap):

1. the approved ratio and the project cap (附件3 二.1 cumulative for API projects, 二.2 per year for
   private deployment). The project's prior is the row's 本项目已获奖励 plus what earlier applications
   *in this batch* for the same project (same 统一社会信用代码 and product name; for private deployment
   also the same year) were computed to receive after their own project cap;
2. the enterprise-year cap (二.3) over all products of one enterprise (统一社会信用代码) in one natural year
   of the application date, less what it already received that year (``priors``), shared by
   ``allocation``: ``in_order`` grants in order of application date, then source file path, then product
   number, until the cap is used up; ``pro_rata`` scales every product alike.

Rows are ordered the same way for step 1, so the result does not depend on the order of the rows in the
sheet. A product without a usable kind (or from a file that could not be read) takes no part.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from xlmv.money import ZERO
from xlmv.policy import Policy
from xlmv.reward import Allocation, apply_enterprise_cap, compute_kind, pro_rata_round
from xlmv_workbook.review.ledger import normalise_name, normalise_uscc

UNREADABLE = "无法读取"
YES, NO = "是", "否"
MAX_SHOWN_PROBLEMS = 10


@dataclass(frozen=True)
class RowInput:
    """One product as the caps see it."""

    source: str
    company: str
    uscc: str
    year: int | None
    date: dt.date | None
    slot: int
    name: str
    kind: str | None  # a kind id or label of the policy; None: takes no part
    amounts: tuple[Decimal, ...] = ()
    ratio: Decimal = Decimal(1)
    prior: Decimal = ZERO  # 本项目已获奖励 (the ledger's, else the workbook's)
    readable: bool = True  # False: an unreadable file's row (no group either)


@dataclass(frozen=True)
class RowResult:
    tier: int
    max_reward: Decimal  # before ratio and caps
    batch_prior: Decimal  # earlier applications of the same project in this batch
    capped: Decimal  # after the ratio and the project cap
    granted: Decimal  # after the enterprise-year cap


@dataclass(frozen=True)
class GroupResult:
    key: str
    company: str
    uscc: str
    year: int | None
    projects: int
    requested: Decimal  # sum of 项目上限后
    prior: Decimal
    total: Decimal
    binding: bool


def group_key(uscc: str, year: int | None, source: str) -> str:
    """The enterprise-year a row belongs to; a row without a code is an enterprise of its own file."""
    code = normalise_uscc(uscc)
    return f"{code or '文件:' + source}|{'' if year is None else year}"


def order_key(row: RowInput) -> tuple[bool, dt.date, str, int]:
    """Application date (unknown dates last), then source path, then product number."""
    return (row.date is None, row.date or dt.date.min, row.source, row.slot)


def tier_label(policy: Policy, kind: str, tier: int) -> str:
    return policy.kind(kind).bands[tier - 1].label if tier > 0 else "不达标"


def project_key(policy: Policy, row: RowInput) -> tuple[str, str, int | None] | None:
    """The project a row counts against for the project cap (None: no name, a project of its own)."""
    if row.kind is None or not normalise_name(row.name):
        return None
    yearly = policy.kind(row.kind).cap_is_yearly
    return (normalise_uscc(row.uscc) or row.source, normalise_name(row.name), row.year if yearly else None)


def fen_scaled(maximum: Decimal, ratio: Decimal) -> Decimal:
    """round_fen(project max × ratio) (RULE.md 3), rounded as the workbook's ``ROUND(ROUND(x,7),2)``."""
    return pro_rata_round(maximum * ratio)


def compute(
    policy: Policy,
    rows: Sequence[RowInput],
    priors: Mapping[str, Decimal],
    allocation: Allocation = Allocation.IN_ORDER,
) -> tuple[list[RowResult | None], dict[str, GroupResult]]:
    """Per row its result (None when it takes no part), and per ``group_key`` the enterprise-year.

    Rounding follows RULE.md: each item's maximum to the fen, the project's maximum their sum, the
    approved ratio applied to it and rounded to the fen, the project cap on that, the enterprise-year cap
    on the sum of the fen amounts (``apply_enterprise_cap``; pro rata by cumulative rounding)."""
    results: list[RowResult | None] = [None] * len(rows)
    order = sorted((n for n, r in enumerate(rows) if r.readable), key=lambda n: order_key(rows[n]))
    earlier: dict[tuple[str, str, int | None], Decimal] = {}
    capped: dict[int, tuple[int, Decimal, Decimal, Decimal]] = {}
    for n in order:
        row = rows[n]
        if row.kind is None:
            continue
        kind = policy.kind(row.kind)
        key = project_key(policy, row)
        before = earlier.get(key, ZERO) if key is not None else ZERO
        result = compute_kind(
            policy, kind, row.amounts, approved_ratio=row.ratio, prior_award=row.prior + before
        )
        if key is not None:
            earlier[key] = before + result.reward
        capped[n] = (result.tier, result.max_reward, before, result.reward)

    members: dict[str, list[int]] = {}
    for n in order:
        members.setdefault(group_key(rows[n].uscc, rows[n].year, rows[n].source), []).append(n)
    groups: dict[str, GroupResult] = {}
    for key, indexes in members.items():
        first = rows[indexes[0]]
        taking = [n for n in indexes if n in capped]
        prior = priors.get(key, ZERO)
        enterprise = apply_enterprise_cap(
            policy,
            [capped[n][3] for n in taking],
            prior_same_year=prior,
            year=first.year,
            allocation=allocation,
        )
        for n, granted in zip(taking, enterprise.granted, strict=True):
            tier, maximum, before, reward = capped[n]
            results[n] = RowResult(tier, maximum, before, reward, granted)
        groups[key] = GroupResult(
            key=key,
            company=next((rows[n].company for n in indexes if rows[n].company), ""),
            uscc=normalise_uscc(first.uscc),
            year=first.year,
            projects=sum(1 for n in indexes if rows[n].slot > 0),
            requested=sum((capped[n][3] for n in taking), ZERO),
            prior=prior,
            total=enterprise.total,
            binding=enterprise.cap is not None and enterprise.cap.binding,
        )
    return results, groups


# ------------------------------------------------------------------------------------- the workbook
