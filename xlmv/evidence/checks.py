"""Cross-checking the supporting documents against the declaration, item by item of 附件3-1 / 附件3-2.

``check_materials`` gives each checklist item of each product a status (齐全 / 缺失 / 不符 / 需人工核对 /
不适用) with its reasons and files, and a ``Finding`` per problem, citing the clause from the policy's
``[evidence]`` data and naming the file (``Finding.file``) and the declaration field (so the cell).

The checks: the invoice buyer is the applicant (tax ID = USCC, names equal after normalising); the seller
is the declared model provider (name, and USCC where the form gives one); the invoice date lies in the
usage window (its start … the application date); invoices cover the typed paid amounts, settlement
statements the claimed amounts (API), invoices the procurement and paid amounts (private); the private
contract is signed on or after the policy's date; no invoice number is used twice (within the
declaration, and against ``others`` from other applications); an item marked 已提供 has a file.
Image-only scans and unreadable payment proofs are 需人工核对, never 齐全.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from xlmv.checklist import ItemStatus, classify
from xlmv.declaration import ApiService, Declaration, Product
from xlmv.errors import InputError
from xlmv.evidence.documents import Document, Invoice, Materials
from xlmv.evidence.names import names_match, normalise_name, normalise_tax_id, split_provider
from xlmv.evidence.results import DocumentResult, EvidenceStatus, InvoiceUse, ItemResult, MaterialsReport
from xlmv.findings import Finding, Severity
from xlmv.money import ZERO, format_yuan
from xlmv.policy import Checklist, Cited, EvidenceItems, Policy, PolicyError

__all__ = [
    "DocumentResult",
    "EvidenceStatus",
    "InvoiceUse",
    "ItemResult",
    "MaterialsReport",
    "check_materials",
    "cross_application_duplicates",
]


# --------------------------------------------------------------------------------------------- state


@dataclass
class _Item:
    """What the checks found about one item while they run."""

    errors: list[str] = field(default_factory=list)
    reviews: list[str] = field(default_factory=list)
    by_file: dict[str, list[tuple[bool, str]]] = field(default_factory=lambda: defaultdict(list))


class _Run:
    def __init__(self, policy: Policy, decl: Declaration, application: str) -> None:
        if policy.evidence is None:
            raise PolicyError(f"政策 {policy.label} 没有规定材料核验（evidence）")
        self.policy = policy
        self.evidence = policy.evidence
        self.decl = decl
        self.application = application
        self.findings: list[Finding] = []
        self.uses: list[InvoiceUse] = []

    def cite(self, key: str) -> Cited:
        return self.evidence.check(key)

    def error(self, item: _Item, key: str, code: str, field: str, message: str, file: str = "") -> None:
        self._add(item, Severity.ERROR, key, code, field, message, file)

    def review(self, item: _Item, key: str, code: str, field: str, message: str, file: str = "") -> None:
        self._add(item, Severity.WARNING, key, code, field, message, file)

    def _add(
        self, item: _Item, severity: Severity, key: str, code: str, field: str, message: str, file: str
    ) -> None:
        shown = f"{file}：{message}" if file else message
        self.findings.append(
            Finding(
                severity=severity,
                code=f"evidence.{code}",
                field=field,
                message=f"材料核验：{shown}",
                clause=self.cite(key).clause,
                file=file,
            )
        )
        (item.errors if severity is Severity.ERROR else item.reviews).append(shown)
        if file:
            item.by_file[file].append((severity is Severity.ERROR, message))


# --------------------------------------------------------------------------------------------- entry


def check_materials(
    policy: Policy,
    decl: Declaration,
    materials: Materials,
    *,
    application: str = "",
    others: Sequence[InvoiceUse] = (),
) -> MaterialsReport:
    """Every item's evidence status and the findings; ``others`` are invoice uses of other applications
    (a batch), so that an invoice number reused across applications is an error on each of them."""
    run = _Run(policy, decl, application)
    items: list[ItemResult] = []
    documents: list[DocumentResult] = []
    states: dict[tuple[int, int], _Item] = {}
    for p_index, product in enumerate(decl.products):
        try:
            kind = policy.kind(product.kind)
        except KeyError:
            continue  # the declaration rules already report the kind
        checklist = policy.checklist(kind)
        if checklist is None:
            continue
        roles = run.evidence.items.get(checklist.id, EvidenceItems())
        for entry in checklist.items:
            state = _Item()
            states[(p_index, entry.no)] = state
            docs = materials.files_for(p_index, entry.no)
            status = _check_item(run, state, p_index, product, checklist, entry.no, roles, docs)
            reasons = tuple(state.errors + state.reviews) if status is not EvidenceStatus.MISSING else ()
            if status is EvidenceStatus.MISSING:
                reasons = ("未提供材料文件",)
            elif status is EvidenceStatus.COMPLETE and entry.no == roles.form:
                reasons = ("即本申报表",)
            items.append(
                ItemResult(
                    p_index, entry.no, checklist.id, entry.title, status, reasons, tuple(d.file for d in docs)
                )
            )
    _duplicates(run, states, others)
    # statuses after the duplicate check (it may turn an item into 不符)
    final: list[ItemResult] = []
    for result in items:
        state = states[(result.product, result.item)]
        if state.errors and result.status is not EvidenceStatus.MISMATCH:
            result = ItemResult(
                result.product,
                result.item,
                result.checklist,
                result.title,
                EvidenceStatus.MISMATCH,
                tuple(state.errors + state.reviews),
                result.files,
            )
        elif state.errors:
            result = ItemResult(
                result.product,
                result.item,
                result.checklist,
                result.title,
                result.status,
                tuple(state.errors + state.reviews),
                result.files,
            )
        final.append(result)
        for doc in materials.files_for(result.product, result.item):
            notes = state.by_file.get(doc.file, [])
            if any(is_error for is_error, _ in notes):
                doc_status = EvidenceStatus.MISMATCH
            elif notes or not doc.readable:
                doc_status = EvidenceStatus.REVIEW
            else:
                doc_status = EvidenceStatus.COMPLETE
            documents.append(
                DocumentResult(
                    result.product,
                    result.item,
                    doc.file,
                    doc.kind.value,
                    doc.summary(),
                    doc_status,
                    tuple(message for _, message in notes),
                )
            )
    for file in materials.unlinked:
        run.findings.append(
            Finding(
                severity=Severity.WARNING,
                code="evidence.unlinked",
                field="",
                message=f"材料核验：{file}：未对应到材料清单的任何一项（放入“产品N/清单编号”子文件夹或填入材料清单的文件列）",
                clause=run.cite("present").clause,
                file=file,
            )
        )
    return MaterialsReport(
        materials.folder, tuple(final), tuple(documents), tuple(run.findings), tuple(run.uses)
    )


# ---------------------------------------------------------------------------------------------- items


def _check_item(
    run: _Run,
    state: _Item,
    p_index: int,
    product: Product,
    checklist: Checklist,
    no: int,
    roles: EvidenceItems,
    docs: tuple[Document, ...],
) -> EvidenceStatus:
    field = f"products[{p_index}].checklist[{no - 1}]"
    typed = product.checklist[no - 1] if no <= len(product.checklist) else None
    try:
        marked = classify(run.policy, typed)
    except InputError:
        marked = ItemStatus.MISSING  # the declaration rules report the bad status
    if no == roles.form:
        return EvidenceStatus.COMPLETE
    if not docs:
        if marked is ItemStatus.PROVIDED:
            run.error(
                state, "present", "no_file", field, f"{checklist.id} 第{no}项标为已提供，但没有对应的材料文件"
            )
            return EvidenceStatus.MISMATCH
        if marked is ItemStatus.NOT_APPLICABLE:
            return EvidenceStatus.NOT_APPLICABLE
        return EvidenceStatus.MISSING
    for doc in docs:
        if doc.problem:
            run.error(state, "readable", "unreadable", field, f"无法读取：{doc.problem}", doc.file)
        elif doc.image_only:
            run.review(
                state,
                "readable",
                "image_only",
                field,
                "扫描件（无文字层），无法自动核对，需人工核对",
                doc.file,
            )
    if no == roles.invoice:
        _invoices(run, state, p_index, product, field, docs)
    elif no == roles.settlement:
        _settlements(run, state, p_index, product, field, docs)
    elif no == roles.contract:
        _contracts(run, state, p_index, product, field, docs)
    if state.errors:
        return EvidenceStatus.MISMATCH
    if state.reviews:
        return EvidenceStatus.REVIEW
    return EvidenceStatus.COMPLETE


def _api_kind(run: _Run, product: Product) -> bool:
    return run.policy.kind(product.kind).basis == "per_service"


def _provider_names(run: _Run, product: Product) -> list[tuple[int | None, str, str]]:
    """(service index or None for the procurement, provider name, provider USCC) of a product."""
    if _api_kind(run, product):
        return [
            (n, *split_provider(s.provider)) for n, s in enumerate(product.services) if s.provider.strip()
        ]
    if product.procurement is not None and product.procurement.provider.strip():
        return [(None, *split_provider(product.procurement.provider))]
    return []


def _provider_field(run: _Run, p_index: int, product: Product, service: int | None) -> str:
    if _api_kind(run, product):
        return f"products[{p_index}].services[{service or 0}].provider"
    return f"products[{p_index}].procurement.provider"


def _in_window(run: _Run, state: _Item, field: str, doc: Document, invoice: Invoice) -> None:
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


def _buyer(run: _Run, state: _Item, doc: Document, invoice: Invoice) -> None:
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


def _match_provider(
    providers: list[tuple[int | None, str, str]], name: str
) -> list[tuple[int | None, str, str]]:
    return [p for p in providers if names_match(name, p[1])]


def _invoices(
    run: _Run, state: _Item, p_index: int, product: Product, field: str, docs: tuple[Document, ...]
) -> None:
    providers = _provider_names(run, product)
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
        matches = _match_provider(providers, invoice.seller.name)
        service: int | None = None
        if not matches:
            declared = "、".join(name for _, name, _ in providers) or "（未填写）"
            run.error(
                state,
                "seller",
                "seller_name",
                _provider_field(run, p_index, product, None),
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
                    _provider_field(run, p_index, product, service),
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
            assigned[_group_key(providers, service)] += invoice.total
    if not complete:
        return
    if _api_kind(run, product):
        _api_coverage(run, state, p_index, product, providers, assigned)
    else:
        _private_coverage(run, state, p_index, product, assigned[None])


def _group_key(providers: list[tuple[int | None, str, str]], service: int | None) -> int | None:
    """Services with the same provider share their invoices: the first such service stands for them."""
    name = next((normalise_name(n) for s, n, _ in providers if s == service), "")
    return next((s for s, n, _ in providers if normalise_name(n) == name), service)


def _groups(product: Product, providers: list[tuple[int | None, str, str]]) -> dict[int | None, list[int]]:
    groups: dict[int | None, list[int]] = defaultdict(list)
    for s, _, _ in providers:
        if s is not None:
            groups[_group_key(providers, s)].append(s)
    return groups


def _api_coverage(
    run: _Run,
    state: _Item,
    p_index: int,
    product: Product,
    providers: list[tuple[int | None, str, str]],
    assigned: dict[int | None, Decimal],
) -> None:
    for key, members in _groups(product, providers).items():
        paid = sum((_amount(product.services[s].paid_amount) for s in members), ZERO)
        if paid and assigned[key] < paid:
            provider = product.services[members[0]].provider
            run.error(
                state,
                "covers_paid",
                "invoices_short",
                f"products[{p_index}].services[{members[0]}].paid_amount",
                f"{provider} 的发票价税合计 {format_yuan(assigned[key])} 元低于填写的发票/付款金额 {format_yuan(paid)} 元",
            )


def _private_coverage(run: _Run, state: _Item, p_index: int, product: Product, total: Decimal) -> None:
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


def _amount(value: Decimal | None) -> Decimal:
    return value if value is not None else ZERO


def _settlements(
    run: _Run, state: _Item, p_index: int, product: Product, field: str, docs: tuple[Document, ...]
) -> None:
    providers = _provider_names(run, product)
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
        matches = _match_provider(providers, settlement.provider)
        if not matches:
            declared = "、".join(name for _, name, _ in providers) or "（未填写）"
            run.error(
                state,
                "settlement_provider",
                "settlement_provider",
                _provider_field(run, p_index, product, None),
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
        assigned[_group_key(providers, matches[0][0])] += settlement.amount
    if not complete or not _api_kind(run, product):
        return
    for key, members in _groups(product, providers).items():
        claimed = sum((_amount(product.services[s].claimed_amount) for s in members), ZERO)
        if claimed and assigned[key] < claimed:
            service: ApiService = product.services[members[0]]
            run.error(
                state,
                "covers_claimed",
                "settlement_short",
                f"products[{p_index}].services[{members[0]}].claimed_amount",
                f"{service.provider} 的结算单金额 {format_yuan(assigned[key])} 元低于申报金额 {format_yuan(claimed)} 元",
            )


def _settlement_period(run: _Run, state: _Item, field: str, doc: Document) -> None:
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


def _contracts(
    run: _Run, state: _Item, p_index: int, product: Product, field: str, docs: tuple[Document, ...]
) -> None:
    private = not _api_kind(run, product)
    limit = run.policy.limits.private_contract_from
    for doc in docs:
        if not doc.readable:
            continue
        contract = doc.contract
        if contract is None or not contract.has_text:
            run.review(state, "contract", "contract_unread", field, "未能读出合同文字，需人工核对", doc.file)
            continue
        if not private or limit is None:
            continue
        if contract.signing_date is None:
            run.review(
                state, "contract", "contract_date_unread", field, "未能读出合同签署日期，需人工核对", doc.file
            )
        elif contract.signing_date < limit.value:
            run.error(
                state,
                "contract",
                "contract_date",
                f"products[{p_index}].procurement.contract_date",
                f"合同签署日期 {contract.signing_date.isoformat()} 早于 {limit.value.isoformat()}",
                doc.file,
            )
        elif (
            product.procurement is not None
            and product.procurement.contract_date is not None
            and product.procurement.contract_date != contract.signing_date
        ):
            run.review(
                state,
                "contract",
                "contract_date_differs",
                f"products[{p_index}].procurement.contract_date",
                f"合同签署日期 {contract.signing_date.isoformat()} 与申报表填写的 "
                f"{product.procurement.contract_date.isoformat()} 不一致，需人工核对",
                doc.file,
            )


# ----------------------------------------------------------------------------------------- duplicates


def _duplicates(run: _Run, states: dict[tuple[int, int], _Item], others: Iterable[InvoiceUse]) -> None:
    """An invoice number used more than once (two services, products, files or applications) is an error
    at every use in this declaration."""
    by_number: dict[str, list[InvoiceUse]] = defaultdict(list)
    for use in (*run.uses, *others):
        by_number[normalise_tax_id(use.number)].append(use)
    invoice_item = {
        p: roles.invoice
        for p, product in enumerate(run.decl.products)
        for roles in [_roles_for(run, product)]
        if roles is not None
    }
    for number, uses in by_number.items():
        if len(uses) < 2:
            continue
        for use in uses:
            if use.application != run.application or use not in run.uses:
                continue
            elsewhere = [u for u in uses if u is not use]
            where = "；".join(_where(u, run.application) for u in elsewhere)
            no = invoice_item.get(use.product)
            state = states.get((use.product, no)) if no is not None else None
            run.error(
                state if state is not None else _Item(),
                "unique",
                "invoice_duplicate",
                f"products[{use.product}].checklist[{(no or 1) - 1}]",
                f"发票号码 {number} 重复使用，另见：{where}",
                use.file,
            )


def _roles_for(run: _Run, product: Product) -> EvidenceItems | None:
    try:
        kind = run.policy.kind(product.kind)
    except KeyError:
        return None
    checklist = run.policy.checklist(kind)
    return None if checklist is None else run.evidence.items.get(checklist.id)


def _where(use: InvoiceUse, application: str) -> str:
    place = f"产品{use.product + 1}" + (f" 服务{use.service + 1}" if use.service is not None else "")
    if use.application != application:
        return f"{use.enterprise or use.application} 的申报（{use.application}）{place} {use.file}"
    return f"本申报 {place} {use.file}"


def cross_application_duplicates(
    policy: Policy, uses: Iterable[InvoiceUse]
) -> dict[str, list[tuple[InvoiceUse, Finding]]]:
    """Invoice numbers used by more than one application (a batch, across enterprises): an error finding
    for every use, keyed by application. Uses within one application are ``check_materials``' job."""
    if policy.evidence is None:
        raise PolicyError(f"政策 {policy.label} 没有规定材料核验（evidence）")
    clause = policy.evidence.check("unique").clause
    by_number: dict[str, list[InvoiceUse]] = defaultdict(list)
    for use in uses:
        by_number[normalise_tax_id(use.number)].append(use)
    out: dict[str, list[tuple[InvoiceUse, Finding]]] = defaultdict(list)
    for number, group in by_number.items():
        if len({u.application for u in group}) < 2:
            continue
        for use in group:
            elsewhere = "；".join(
                _where(u, use.application) for u in group if u.application != use.application
            )
            finding = Finding(
                severity=Severity.ERROR,
                code="evidence.invoice_duplicate_batch",
                field=f"products[{use.product}]",
                message=f"材料核验：{use.file}：发票号码 {number} 在多份申报中重复使用，另见：{elsewhere}",
                clause=clause,
                file=use.file,
            )
            out[use.application].append((use, finding))
    return dict(out)
