"""The settlement-statement checks: provider, billed period, and statements covering the claimed amounts."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from xlmv.declaration import ApiService, Product
from xlmv.evidence.documents import Document
from xlmv.evidence.providers import (
    amount_or_zero,
    api_kind,
    group_key,
    match_provider,
    provider_field,
    provider_groups,
    provider_names,
)
from xlmv.evidence.state import CheckRun, ItemState
from xlmv.money import ZERO, format_yuan

__all__ = ["check_settlements"]


def check_settlements(
    run: CheckRun, state: ItemState, p_index: int, product: Product, field: str, docs: tuple[Document, ...]
) -> None:
    providers = provider_names(run, product)
    assigned: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    complete = True
    for doc in docs:
        settlement = doc.settlement
        if settlement is None:
            complete = False
            if doc.readable:
                run.review(
                    state,
                    "covers_claimed",
                    "not_settlement",
                    field,
                    "不是可识别的结算单，需人工核对",
                    doc.file,
                )
            continue
        matches = match_provider(providers, settlement.provider)
        if not matches:
            declared = "、".join(name for _, name, _ in providers) or "（未填写）"
            run.error(
                state,
                "settlement_provider",
                "settlement_provider",
                provider_field(run, p_index, product, None),
                f"结算单出具方 {settlement.provider or '（未读出）'} 不是申报的大模型服务提供方 {declared}",
                doc.file,
            )
            continue
        _settlement_period(run, state, field, doc)
        if settlement.amount is None:
            complete = False
            run.review(
                state, "covers_claimed", "settlement_unread", field, "未能读出结算金额，需人工核对", doc.file
            )
            continue
        assigned[group_key(providers, matches[0][0])] += settlement.amount
    if not complete or not api_kind(run, product):
        return
    for key, members in provider_groups(product, providers).items():
        claimed = sum((amount_or_zero(product.services[s].claimed_amount) for s in members), ZERO)
        if claimed and assigned[key] < claimed:
            service: ApiService = product.services[members[0]]
            run.error(
                state,
                "covers_claimed",
                "settlement_short",
                f"products[{p_index}].services[{members[0]}].claimed_amount",
                f"{service.provider} 的结算单金额 {format_yuan(assigned[key])} 元低于申报金额 {format_yuan(claimed)} 元",
            )


def _settlement_period(run: CheckRun, state: ItemState, field: str, doc: Document) -> None:
    """A statement whose period reaches outside the window may bill usage the policy does not count."""
    window, settlement = run.policy.usage_window, doc.settlement
    if window is None or settlement is None:
        return
    end = run.decl.application_date
    early = settlement.period_start is not None and settlement.period_start < window.start
    late = settlement.period_end is not None and end is not None and settlement.period_end > end
    if early or late:
        until = end.isoformat() if end is not None else "申报之日"
        run.review(
            state,
            "covers_claimed",
            "settlement_period",
            field,
            f"结算期间 {settlement.period_start or '?'} 至 {settlement.period_end or '?'} 超出 "
            f"{window.start.isoformat()} 至 {until}，需人工核对结算金额是否只含政策期间内的调用",
            doc.file,
        )
