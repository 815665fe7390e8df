"""Material checklists (附件3-1, 附件3-2): classifying item statuses and summarising what is missing."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from xlmv.errors import InputError
from xlmv.policy import Checklist, Kind, Policy, PolicyError


class ItemStatus(StrEnum):
    PROVIDED = "provided"
    NOT_APPLICABLE = "not_applicable"
    MISSING = "missing"


class ChecklistSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    checklist: str
    total: int
    provided: int
    not_applicable: int
    missing: tuple[int, ...]

    @property
    def complete(self) -> bool:
        return not self.missing

    def text(self) -> str:
        """``齐全 9/9`` or ``缺 2 项：3、7``."""
        if self.complete:
            extra = f"（含不适用 {self.not_applicable} 项）" if self.not_applicable else ""
            return f"齐全 {self.total}/{self.total}{extra}"
        return f"缺 {len(self.missing)} 项：{'、'.join(str(n) for n in self.missing)}"


def checklist_for(policy: Policy, kind: Kind) -> Checklist:
    checklist = policy.checklist(kind)
    if checklist is None:
        raise PolicyError(f"政策 {policy.label} 没有为“{kind.label}”规定材料清单")
    return checklist


def classify(policy: Policy, status: object) -> ItemStatus:
    """One item's status as typed (empty counts as missing); unknown text is an InputError."""
    statuses = policy.checklist_statuses
    if statuses is None:
        raise PolicyError(f"政策 {policy.label} 没有规定材料状态（checklist_statuses）")
    text = unicodedata.normalize("NFKC", "" if status is None else str(status)).strip()
    if text in statuses.provided:
        return ItemStatus.PROVIDED
    if text in statuses.not_applicable:
        return ItemStatus.NOT_APPLICABLE
    if not text or text in statuses.missing:
        return ItemStatus.MISSING
    raise InputError("材料状态无效", status, f"应为 {'、'.join(statuses.choices)} 之一")


def summarize(policy: Policy, kind: Kind, statuses: Sequence[object]) -> ChecklistSummary:
    """Summarise a list of statuses in item order; items beyond the list count as missing, and so does
    “not applicable” on a mandatory item."""
    checklist = checklist_for(policy, kind)
    total = len(checklist.items)
    if len(statuses) > total:
        raise InputError(
            "材料状态过多", f"{len(statuses)} 项", f"{checklist.id} 共 {total} 项，应按编号逐项填写状态"
        )
    padded = list(statuses) + [None] * (total - len(statuses))
    kinds = [classify(policy, s) for s in padded]
    # A mandatory material marked “not applicable” is still missing (附件3-1, 3-2: all nine are required).
    kinds = [
        ItemStatus.MISSING if k is ItemStatus.NOT_APPLICABLE and item.mandatory else k
        for k, item in zip(kinds, checklist.items, strict=True)
    ]
    return ChecklistSummary(
        checklist=checklist.id,
        total=total,
        provided=kinds.count(ItemStatus.PROVIDED),
        not_applicable=kinds.count(ItemStatus.NOT_APPLICABLE),
        missing=tuple(n for n, k in enumerate(kinds, start=1) if k is ItemStatus.MISSING),
    )
