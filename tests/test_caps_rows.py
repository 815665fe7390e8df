"""Batch and recalc (``xlmv_workbook.review.caps.compute``, issue 10.2 / 13): the figures the review
workbook shows are whole fen and add up — each enterprise-year's 测算合计 is the sum of its rows'
项目上限后, its 可获合计 the sum of their 企业年度上限后 — and each row equals ``compute_kind``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from xlmv.money import FEN, ZERO
from xlmv.policy import load_policy
from xlmv.reward import Allocation, compute_kind
from xlmv_workbook.review.caps import RowInput, compute, group_key

POLICY = load_policy()
USCCS = ["91110108MA01ABCD1X", "91110108MA01ABCD2X"]
fen_amounts = st.one_of(
    st.integers(0, 45_000_000_00).map(lambda n: Decimal(n) / 100),
    st.sampled_from([Decimal(m) for m in ("100000.01", "1000000.02", "5000000.10")]),
)
rows = st.builds(
    lambda uscc, year, kind, amounts, ratio, prior, slot: RowInput(
        source=f"{uscc}-{year}.xlsx",
        company="甲",
        uscc=uscc,
        year=year,
        date=dt.date(year, 3, 31),
        slot=slot,
        name=f"项目{slot}",
        kind=kind,
        amounts=tuple(amounts if kind == "api" else amounts[:1]),
        ratio=ratio,
        prior=prior,
    ),
    st.sampled_from(USCCS),
    st.sampled_from([2024, 2025]),
    st.sampled_from(["api", "private"]),
    st.lists(fen_amounts, min_size=1, max_size=4),
    st.integers(0, 1000).map(lambda n: Decimal(n) / 1000),
    st.sampled_from([ZERO, Decimal(1_000_000), Decimal("4999999.99")]),
    st.integers(1, 3),
)


@settings(max_examples=80, deadline=None)
@given(inputs=st.lists(rows, min_size=1, max_size=6), prior=st.sampled_from([ZERO, Decimal(3_000_000)]))
def test_review_figures_are_fen_and_add_up(inputs: list[RowInput], prior: Decimal) -> None:
    priors = {group_key(r.uscc, r.year, r.source): prior for r in inputs}
    results, groups = compute(POLICY, inputs, priors, Allocation.IN_ORDER)
    for key, group in groups.items():
        members = [
            (r, res)
            for r, res in zip(inputs, results, strict=True)
            if group_key(r.uscc, r.year, r.source) == key
        ]
        assert group.requested == sum((res.capped for _, res in members if res), ZERO)
        assert group.total == sum((res.granted for _, res in members if res), ZERO)
    for row, res in zip(inputs, results, strict=True):
        assert res is not None
        for value in (res.max_reward, res.capped, res.granted):
            assert value == value.quantize(FEN)
        alone = compute_kind(POLICY, row.kind or "", row.amounts, approved_ratio=row.ratio)
        assert res.max_reward == alone.max_reward
        assert res.capped <= alone.reward_before_cap
