"""What the evidence check says: each item's status, each document's verdict, the invoice numbers used."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from xlmv.findings import Finding

__all__ = ["DocumentResult", "EvidenceStatus", "InvoiceUse", "ItemResult", "MaterialsReport"]


class EvidenceStatus(StrEnum):
    COMPLETE = "齐全"
    MISSING = "缺失"
    MISMATCH = "不符"
    REVIEW = "需人工核对"
    NOT_APPLICABLE = "不适用"


@dataclass(frozen=True)
class InvoiceUse:
    """One invoice number used for one service (or the procurement) of one product of one application."""

    application: str  # the declaration file (or any key unique per application)
    enterprise: str  # the applicant's name, for messages
    product: int
    service: int | None  # API service index; None for a private procurement or an unassigned invoice
    number: str
    file: str


@dataclass(frozen=True)
class ItemResult:
    product: int
    item: int
    checklist: str
    title: str
    status: EvidenceStatus
    reasons: tuple[str, ...]
    files: tuple[str, ...]

    def text(self) -> str:
        return self.status.value + (f"：{'；'.join(self.reasons)}" if self.reasons else "")


@dataclass(frozen=True)
class DocumentResult:
    """One document, what was read from it and the verdict (for the batch's 材料核验 sheet)."""

    product: int
    item: int
    file: str
    kind: str
    read: str
    status: EvidenceStatus
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class MaterialsReport:
    folder: str
    items: tuple[ItemResult, ...]
    documents: tuple[DocumentResult, ...]
    findings: tuple[Finding, ...]
    uses: tuple[InvoiceUse, ...]

    @property
    def ok(self) -> bool:
        return all(i.status in (EvidenceStatus.COMPLETE, EvidenceStatus.NOT_APPLICABLE) for i in self.items)

    def item(self, product: int, no: int) -> ItemResult | None:
        return next((i for i in self.items if i.product == product and i.item == no), None)
