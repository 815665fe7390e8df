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

This module runs the checks item by item and settles each status; the check families live beside it:
``invoices``, ``settlements``, ``contracts``, ``duplicates`` (also across a batch), over ``providers``
(the declared providers) and ``state`` (a run's findings).
"""

from __future__ import annotations

from collections.abc import Sequence

from xlmv.checklist import ItemStatus, classify
from xlmv.declaration import Declaration, Product
from xlmv.errors import InputError
from xlmv.evidence.contracts import check_contracts
from xlmv.evidence.documents import Document, Materials
from xlmv.evidence.duplicates import check_duplicates
from xlmv.evidence.invoices import check_invoices
from xlmv.evidence.results import DocumentResult, EvidenceStatus, InvoiceUse, ItemResult, MaterialsReport
from xlmv.evidence.settlements import check_settlements
from xlmv.evidence.state import CheckRun, ItemState
from xlmv.findings import Finding, Severity
from xlmv.policy import Checklist, EvidenceItems, Policy

__all__ = ["check_materials"]


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
    run = CheckRun(policy, decl, application)
    items: list[ItemResult] = []
    documents: list[DocumentResult] = []
    states: dict[tuple[int, int], ItemState] = {}
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
            state = ItemState()
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
    check_duplicates(run, states, others)
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


def _check_item(
    run: CheckRun,
    state: ItemState,
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
        check_invoices(run, state, p_index, product, field, docs)
    elif no == roles.settlement:
        check_settlements(run, state, p_index, product, field, docs)
    elif no == roles.contract:
        check_contracts(run, state, p_index, product, field, docs)
    if state.errors:
        return EvidenceStatus.MISMATCH
    if state.reviews:
        return EvidenceStatus.REVIEW
    return EvidenceStatus.COMPLETE
