"""Findings: what a rule says about a declaration (severity, field, Chinese message, clause)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Severity(StrEnum):
    ERROR = "错误"
    WARNING = "警告"


class Finding(BaseModel):
    """One problem found by a rule.

    ``field`` is a path into the declaration (``products[0].services[1].settled_amount``); the workbook
    layer maps it to a sheet and cell. ``code`` is a stable English id for machines and tests. ``file`` names
    the supporting document a finding is about (materials checks), relative to the materials folder.
    """

    model_config = ConfigDict(frozen=True)

    severity: Severity
    code: str
    field: str
    message: str
    clause: str
    file: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR
