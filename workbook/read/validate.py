"""Validating a declaration workbook: one code path for the Excel macro (xlwings) and for files (openpyxl).

``validate(adapter)`` reads the declaration through a ``BookAdapter`` with the reader's conversion
(``xlmv_workbook.read.result.read_values``), assesses it with ``xlmv.assess.assess``, writes the 校验结果
sheet and colours the offending input cells (errors light red, warnings yellow), after clearing the
colours an earlier validation set. ``evaluate`` is the part without any workbook writes; ``xlmv check``
uses it too, so both report the same findings.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Container, Sequence
from dataclasses import dataclass
from pathlib import Path

from xlmv.assess import Assessment, assess
from xlmv.evidence.results import MaterialsReport
from xlmv.findings import Finding, Severity
from xlmv_workbook.read.books import BookAdapter, OpenpyxlBook
from xlmv_workbook.read.result import ReadResult, read_values

__all__ = [
    "ERROR_FILL",
    "HEADER",
    "WARNING_FILL",
    "Evaluation",
    "evaluate",
    "highlight_marks",
    "read_book",
    "result_rows",
    "summary",
    "validate",
    "validate_file",
]

ERROR_FILL = "FFC7CE"
WARNING_FILL = "FFEB9C"
HEADER = ("严重程度", "位置", "问题", "政策条款")
_FILL = {Severity.ERROR: ERROR_FILL, Severity.WARNING: WARNING_FILL}


@dataclass(frozen=True)
class Evaluation:
    """A read declaration, its assessment, and every finding to show (input problems first)."""

    result: ReadResult
    assessment: Assessment
    findings: list[Finding]
    materials: MaterialsReport | None = None  # the evidence check, when the declaration has materials

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_error]

    def cell_for(self, finding: Finding) -> str:
        return self.result.cell_for(finding.field) or ""


def evaluate(result: ReadResult, materials: MaterialsReport | None = None) -> Evaluation:
    """Assess a read declaration. A value the reader rejected is left empty in the declaration; the
    engine's findings on that same field (``未填写……``) are dropped, the input finding already says why.
    The evidence check's findings (``materials``) come last."""
    assessment = assess(result.declaration)
    rejected = {f.field for f in result.findings if f.code == "input.invalid"}
    findings = list(result.findings) + [f for f in assessment.findings if f.field not in rejected]
    if materials is not None:
        findings += materials.findings
    return Evaluation(result=result, assessment=assessment, findings=findings, materials=materials)


def read_book(adapter: BookAdapter) -> ReadResult:
    return read_values(adapter.source, adapter.read, adapter.address)


def summary(findings: Sequence[Finding]) -> str:
    """``共 3 项：错误 2，警告 1`` or ``未发现问题``."""
    if not findings:
        return "未发现问题"
    errors = sum(1 for f in findings if f.is_error)
    return f"共 {len(findings)} 项：错误 {errors}，警告 {len(findings) - errors}"


def result_rows(evaluation: Evaluation) -> list[tuple[str, str, str, str]]:
    """The 校验结果 sheet: a summary line, the header, then one row per finding."""
    rows: list[tuple[str, str, str, str]] = [(summary(evaluation.findings), "", "", ""), HEADER]
    for f in evaluation.findings:
        rows.append((f.severity.value, evaluation.cell_for(f), f.message, f.clause))
    return rows


def highlight_marks(evaluation: Evaluation, names: Container[str] | None = None) -> dict[str, str]:
    """Defined name → fill colour for each input cell with a finding (an error wins over a warning).

    ``names``: the book's defined names; a workbook of the first release has the input names ``MV_…``
    (``Field.legacy_name``), and those are marked there."""
    marks: dict[str, str] = {}
    for f in evaluation.findings:
        target = evaluation.result.field_for(f.field)
        if target is None:
            continue
        name = target.name
        if names is not None and name not in names and target.legacy_name in names:
            name = target.legacy_name
        if marks.get(name) != ERROR_FILL:
            marks[name] = _FILL[f.severity]
    return marks


class _Known:
    """``name in _Known(adapter)``: whether the book has the defined name (its address resolves)."""

    def __init__(self, adapter: BookAdapter) -> None:
        self.adapter = adapter

    def __contains__(self, name: object) -> bool:
        try:
            self.adapter.address(str(name))
        except KeyError:
            return False
        return True


def validate(adapter: BookAdapter) -> list[Finding]:
    """Read, assess, write 校验结果 and highlight; returns the findings. A book that is not our template
    raises ``WorkbookError`` before anything is written. When the book's file has a materials folder (or
    file column entries), the evidence status goes into the 材料清单 sheet's 材料核验 column too."""
    from xlmv_workbook.materials.evaluate import materials_report, status_cells
    from xlmv_workbook.materials.limits import MaterialError

    result = read_book(adapter)
    try:
        report = materials_report(result, Path(adapter.source))
    except MaterialError as exc:
        report = None
        problem = Finding(
            severity=Severity.WARNING,
            code="evidence.folder",
            field="",
            message=str(exc),
            clause="附件3-1、附件3-2",
        )
        result = dataclasses.replace(result, findings=[*result.findings, problem])
    evaluation = evaluate(result, report)
    adapter.write_results(result_rows(evaluation))
    adapter.write_cells(status_cells(result, report))
    adapter.clear_highlights()
    adapter.highlight(highlight_marks(evaluation, _Known(adapter)))
    return evaluation.findings


def validate_file(path: str | os.PathLike[str], output: str | os.PathLike[str]) -> list[Finding]:
    """Validate a workbook file and save the annotated copy to ``output``; ``path`` is only read."""
    book = OpenpyxlBook(path)
    findings = validate(book)
    book.save(output)
    return findings
