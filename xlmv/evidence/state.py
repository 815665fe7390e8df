"""One materials check while it runs: the findings, and each item's errors, reviews and file notes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from xlmv.declaration import Declaration
from xlmv.evidence.results import InvoiceUse
from xlmv.findings import Finding, Severity
from xlmv.policy import Cited, Policy, PolicyError

__all__ = ["CheckRun", "ItemState"]


@dataclass
class ItemState:
    """What the checks found about one item while they run."""

    errors: list[str] = field(default_factory=list)
    reviews: list[str] = field(default_factory=list)
    by_file: dict[str, list[tuple[bool, str]]] = field(default_factory=lambda: defaultdict(list))


class CheckRun:
    """One declaration's check: the policy, the findings so far and the invoice numbers seen."""

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

    def error(self, item: ItemState, key: str, code: str, field: str, message: str, file: str = "") -> None:
        self._add(item, Severity.ERROR, key, code, field, message, file)

    def review(self, item: ItemState, key: str, code: str, field: str, message: str, file: str = "") -> None:
        self._add(item, Severity.WARNING, key, code, field, message, file)

    def _add(
        self, item: ItemState, severity: Severity, key: str, code: str, field: str, message: str, file: str
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
