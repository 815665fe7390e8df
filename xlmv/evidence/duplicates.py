"""Invoice numbers used twice: within a declaration (and against other applications), and across a batch."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from xlmv.declaration import Product
from xlmv.evidence.names import normalise_tax_id
from xlmv.evidence.results import InvoiceUse
from xlmv.evidence.state import CheckRun, ItemState
from xlmv.findings import Finding, Severity
from xlmv.policy import EvidenceItems, Policy, PolicyError

__all__ = ["check_duplicates", "cross_application_duplicates"]


def check_duplicates(
    run: CheckRun, states: dict[tuple[int, int], ItemState], others: Iterable[InvoiceUse]
) -> None:
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
                state if state is not None else ItemState(),
                "unique",
                "invoice_duplicate",
                f"products[{use.product}].checklist[{(no or 1) - 1}]",
                f"发票号码 {number} 重复使用，另见：{where}",
                use.file,
            )


def _roles_for(run: CheckRun, product: Product) -> EvidenceItems | None:
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
