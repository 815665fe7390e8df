"""The invoice checks: buyer, seller, date in the usage window, and invoices covering the paid amounts."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from xlmv.declaration import Product
from xlmv.evidence.documents import Document, Invoice
from xlmv.evidence.names import names_match, normalise_tax_id
from xlmv.evidence.providers import (
    amount_or_zero,
    api_kind,
    group_key,
    match_provider,
    provider_field,
    provider_groups,
    provider_names,
)
from xlmv.evidence.results import InvoiceUse
from xlmv.evidence.state import CheckRun, ItemState
from xlmv.money import ZERO, format_yuan

__all__ = ["check_invoices"]


def check_invoices(
    run: CheckRun, state: ItemState, p_index: int, product: Product, field: str, docs: tuple[Document, ...]
) -> None:
    providers = provider_names(run, product)
    assigned: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    complete = True  # every document is a readable invoice with a total: amounts can be compared
    for doc in docs:
        invoice = doc.invoice
        if invoice is None:
            complete = False
            if doc.readable:
                run.review(
                    state,
                    "covers_paid",
                    "not_invoice",
                    field,
                    "不是可识别的发票（付款证明等），需人工核对",
                    doc.file,
                )
            continue
        _buyer(run, state, doc, invoice)
        _in_window(run, state, field, doc, invoice)
        matches = match_provider(providers, invoice.seller.name)
        service: int | None = None
        if not matches:
            declared = "、".join(name for _, name, _ in providers) or "（未填写）"
            run.error(
                state,
                "seller",
                "seller_name",
                provider_field(run, p_index, product, None),
                f"发票销售方 {invoice.seller.name or '（未读出）'} 不是申报的大模型服务提供方 {declared}",
                doc.file,
            )
        else:
            service, _, uscc = matches[0]
            if uscc and normalise_tax_id(invoice.seller.tax_id) != uscc:
                run.error(
                    state,
                    "seller",
                    "seller_tax_id",
                    provider_field(run, p_index, product, service),
                    f"发票销售方税号 {invoice.seller.tax_id or '（未读出）'} 与申报的提供方统一社会信用代码 {uscc} 不一致",
                    doc.file,
                )
        if invoice.number:
            run.uses.append(
                InvoiceUse(run.application, run.decl.company.name, p_index, service, invoice.number, doc.file)
            )
        if invoice.total is None:
            complete = False
            run.review(state, "covers_paid", "total_unread", field, "未能读出价税合计，需人工核对", doc.file)
        elif matches:
            assigned[group_key(providers, service)] += invoice.total
    if not complete:
        return
    if api_kind(run, product):
        _api_coverage(run, state, p_index, product, providers, assigned)
    else:
        _private_coverage(run, state, p_index, product, assigned[None])


def _in_window(run: CheckRun, state: ItemState, field: str, doc: Document, invoice: Invoice) -> None:
    window = run.policy.usage_window
    if window is None:
        return
    end = run.decl.application_date
    if invoice.date is None:
        run.review(state, "window", "invoice_date_unread", field, "未能读出开票日期，需人工核对", doc.file)
        return
    if invoice.date < window.start or (end is not None and invoice.date > end):
        until = end.isoformat() if end is not None else "申报之日"
        run.error(
            state,
            "window",
            "invoice_date",
            field,
            f"开票日期 {invoice.date.isoformat()} 不在 {window.start.isoformat()} 至 {until} 之内",
            doc.file,
        )


def _buyer(run: CheckRun, state: ItemState, doc: Document, invoice: Invoice) -> None:
    company = run.decl.company
    if normalise_tax_id(invoice.buyer.tax_id) != normalise_tax_id(company.uscc):
        run.error(
            state,
            "buyer",
            "buyer_tax_id",
            "company.uscc",
            f"发票购买方税号 {invoice.buyer.tax_id or '（未读出）'} 与申报单位统一社会信用代码 {company.uscc or '（未填写）'} 不一致",
            doc.file,
        )
    if not names_match(invoice.buyer.name, company.name):
        run.error(
            state,
            "buyer",
            "buyer_name",
            "company.name",
            f"发票购买方 {invoice.buyer.name or '（未读出）'} 不是申报单位 {company.name or '（未填写）'}",
            doc.file,
        )


def _api_coverage(
    run: CheckRun,
    state: ItemState,
    p_index: int,
    product: Product,
    providers: list[tuple[int | None, str, str]],
    assigned: dict[int | None, Decimal],
) -> None:
    for key, members in provider_groups(product, providers).items():
        paid = sum((amount_or_zero(product.services[s].paid_amount) for s in members), ZERO)
        if paid and assigned[key] < paid:
            provider = product.services[members[0]].provider
            run.error(
                state,
                "covers_paid",
                "invoices_short",
                f"products[{p_index}].services[{members[0]}].paid_amount",
                f"{provider} 的发票价税合计 {format_yuan(assigned[key])} 元低于填写的发票/付款金额 {format_yuan(paid)} 元",
            )


def _private_coverage(
    run: CheckRun, state: ItemState, p_index: int, product: Product, total: Decimal
) -> None:
    procurement = product.procurement
    if procurement is None:
        return
    at = f"products[{p_index}].procurement."
    if procurement.procurement_amount is not None and total < procurement.procurement_amount:
        run.error(
            state,
            "covers_procurement",
            "invoices_short_procurement",
            f"{at}procurement_amount",
            f"发票价税合计 {format_yuan(total)} 元低于大模型采购金额 {format_yuan(procurement.procurement_amount)} 元",
        )
    elif procurement.paid_amount is not None and total < procurement.paid_amount:
        run.error(
            state,
            "covers_procurement",
            "invoices_short_paid",
            f"{at}paid_amount",
            f"发票价税合计 {format_yuan(total)} 元低于填写的发票/付款金额 {format_yuan(procurement.paid_amount)} 元",
        )
