"""Assessing a declaration: its rule findings and its rewards, product by product and for the enterprise.

This is the one entry point the CLI, the UDF macro, the batch and the export use to evaluate a declaration.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from xlmv.declaration import Declaration, Product
from xlmv.findings import Finding, Severity
from xlmv.money import ZERO, Money, format_yuan
from xlmv.policy import Policy, load_policy
from xlmv.reward import Allocation, EnterpriseResult, KindResult, apply_enterprise_cap, compute_kind
from xlmv.rules import check_declaration


class ProductAssessment(BaseModel):
    model_config = ConfigDict(frozen=True)

    index: int
    name: str
    kind: str | None
    result: KindResult | None
    granted: Money  # after the enterprise-year cap


class Assessment(BaseModel):
    model_config = ConfigDict(frozen=True)

    policy: str
    policy_version: str
    year: int | None
    products: tuple[ProductAssessment, ...]
    enterprise: EnterpriseResult
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.WARNING]

    @property
    def total(self) -> Decimal:
        return self.enterprise.total


def product_reward(policy: Policy, product: Product, index: int) -> KindResult | None:
    """One product's reward before the enterprise cap; None when its kind is unknown (a rule reports it)."""
    try:
        kind = policy.kind(product.kind)
    except KeyError:
        return None
    at = f"products[{index}]."
    if kind.basis == "per_service":
        services = [(m, s) for m, s in enumerate(product.services) if s.claimed_amount is not None]
        return compute_kind(
            policy,
            kind,
            [s.claimed_amount or ZERO for _, s in services],
            labels=[s.model_name or f"服务{m + 1}" for m, s in services],
            item_fields=[f"{at}services[{m}].claimed_amount" for m, _ in services],
            approved_ratio=product.approved_ratio,
            prior_award=product.prior_award,
            field=at,
        )
    p = product.procurement
    amounts = [p.procurement_amount] if p is not None and p.procurement_amount is not None else []
    return compute_kind(
        policy,
        kind,
        amounts,
        item_fields=[f"{at}procurement.procurement_amount"] * len(amounts),
        approved_ratio=product.approved_ratio,
        prior_award=product.prior_award,
        field=at,
    )


def assess(
    decl: Declaration, policy: Policy | None = None, *, allocation: Allocation = Allocation.IN_ORDER
) -> Assessment:
    policy = policy or load_policy(decl.policy)
    results = [product_reward(policy, p, n) for n, p in enumerate(decl.products)]
    year = decl.application_date.year if decl.application_date else None
    enterprise = apply_enterprise_cap(
        policy,
        [r.reward if r else ZERO for r in results],
        prior_same_year=decl.prior_year_award,
        year=year,
        allocation=allocation,
    )
    findings = check_declaration(policy, decl)
    for r in results:
        if r is not None:
            findings.extend(r.findings)
    if enterprise.cap is not None and enterprise.cap.binding:
        c = enterprise.cap
        findings.append(
            Finding(
                severity=Severity.WARNING,
                code="cap.enterprise",
                field="prior_year_award",
                message=(
                    f"触及{c.name}：各项目合计 {format_yuan(c.before)} 元，本年可获 {format_yuan(c.available)} 元，"
                    f"核减 {format_yuan(c.reduced_by)} 元"
                ),
                clause=c.clause,
            )
        )
    products = tuple(
        ProductAssessment(index=n, name=p.name, kind=r.kind if r else None, result=r, granted=g)
        for n, (p, r, g) in enumerate(zip(decl.products, results, enterprise.granted, strict=True))
    )
    return Assessment(
        policy=policy.id,
        policy_version=policy.version,
        year=year,
        products=products,
        enterprise=enterprise,
        findings=tuple(findings),
    )
