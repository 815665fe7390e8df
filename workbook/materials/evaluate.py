"""Evidence status of one read declaration: find its materials, read them, cross-check them.

The one entry point for ``xlmv materials``, ``xlmv check``, ``MV_VALIDATE`` and ``xlmv batch``; each
shows the same ``MaterialsReport``. ``status_cells`` turns it into the 材料清单 evidence-status cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from xlmv.evidence.checks import check_materials
from xlmv.evidence.documents import Materials
from xlmv.evidence.results import InvoiceUse, MaterialsReport
from xlmv.policy import load_policy
from xlmv_workbook.materials.folder import collect, default_folder
from xlmv_workbook.read.result import ReadResult
from xlmv_workbook.template import layout

__all__ = ["materials_report", "status_cells"]


def materials_report(
    result: ReadResult,
    workbook: Path,
    folder: Path | None = None,
    *,
    others: Sequence[InvoiceUse] = (),
    required: bool = False,
) -> MaterialsReport | None:
    """The report, or None when the declaration has no materials (no folder, no file column entries)
    and ``required`` is false. ``required`` (``xlmv materials``) checks against an empty folder instead.
    Raises ``MaterialError`` for a materials folder that cannot be listed."""
    policy = load_policy(result.declaration.policy)
    if policy.evidence is None:
        return None
    materials = collect(policy, result, workbook, folder)
    if materials is None:
        if not required:
            return None
        materials = Materials(folder=(folder or default_folder(workbook)).as_posix())
    return check_materials(policy, result.declaration, materials, application=str(workbook), others=others)


def status_cells(result: ReadResult, report: MaterialsReport | None) -> dict[str, str]:
    """Defined name of each 材料核验 cell → its text (every product slot; empty where nothing applies)."""
    cells = {
        layout.evidence_name(p, i): ""
        for p in range(layout.PRODUCTS)
        for i in range(1, layout.CHECKLIST_ITEMS + 1)
    }
    if report is None:
        return cells
    for item in report.items:
        slot = (
            result.product_slots[item.product] if item.product < len(result.product_slots) else item.product
        )
        cells[layout.evidence_name(slot, item.item)] = item.text()
    return cells
