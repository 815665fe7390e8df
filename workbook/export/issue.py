"""An error a declaration had when it was exported anyway (``xlmv export --force``), as the export shows it."""

from __future__ import annotations

from dataclasses import dataclass

from xlmv_workbook.read.validate import Evaluation


@dataclass(frozen=True)
class Issue:
    """An error the declaration had when it was exported (only with ``--force``)."""

    cell: str
    message: str
    clause: str


def issues_of(evaluation: Evaluation) -> list[Issue]:
    return [Issue(evaluation.cell_for(f) or f.field, f.message, f.clause) for f in evaluation.errors]
