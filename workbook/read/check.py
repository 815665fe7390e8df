"""``xlmv check FILE...``: check filled declaration workbooks and recompute their rewards.

Each file is read with ``xlmv_workbook.read.reader`` (only input cells; the template's own computed cells are
never trusted) and assessed with ``xlmv_workbook.read.validate.evaluate``, the same path the Excel macro
uses. Output is a Chinese report per file, or with ``--json`` one JSON list with an object per file.
A file that cannot be read is reported and the others are still checked; files are read in a worker
process, so even a reader that aborts on a crafted file costs only that file.

Exit codes: 0 no errors, 1 some declaration has errors, 2 some file could not be read.
"""

from __future__ import annotations

import concurrent.futures as futures
import json
import os
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from decimal import Decimal
from typing import TextIO

from xlmv.assess import ProductAssessment
from xlmv.money import ZERO, fen_str, format_yuan
from xlmv.policy import Policy, PolicyError, load_policy
from xlmv.texttable import render
from xlmv_workbook.read.reader import read_workbook
from xlmv_workbook.read.validate import Evaluation, evaluate, summary
from xlmv_workbook.xlsx.safety import WorkbookError

__all__ = ["EXIT_FINDINGS", "EXIT_OK", "EXIT_UNREADABLE", "FileReport", "check_file", "run"]

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2


@dataclass(frozen=True)
class FileReport:
    """One file's outcome: an evaluation, or the reason it could not be read."""

    path: str
    evaluation: Evaluation | None = None
    error: str | None = None

    @property
    def exit_code(self) -> int:
        if self.evaluation is None:
            return EXIT_UNREADABLE
        return EXIT_FINDINGS if self.evaluation.errors else EXIT_OK


def check_file(path: str | os.PathLike[str]) -> FileReport:
    """Read and assess one file; never raises for a bad file."""
    shown = os.fspath(path)
    try:
        return FileReport(shown, evaluation=evaluate(read_workbook(path)))
    except WorkbookError as exc:
        return FileReport(shown, error=exc.problem)
    except PolicyError as exc:
        return FileReport(shown, error=str(exc))
    except Exception as exc:  # one unexpected failure must not stop the batch
        return FileReport(
            shown, error=f"读取时发生意外错误（{type(exc).__name__}：{exc}），请将该文件反馈给维护者"
        )


# ------------------------------------------------------------------------------------------ products


@dataclass(frozen=True)
class _ProductLine:
    slot: int
    index: int
    name: str
    kind: str | None
    kind_label: str
    tier: int
    tier_label: str
    reward: Decimal
    granted: Decimal


def _products(evaluation: Evaluation) -> list[_ProductLine]:
    assessment = evaluation.assessment
    policy: Policy = load_policy(assessment.policy)
    lines = []
    for p in assessment.products:
        lines.append(_product_line(policy, evaluation, p))
    return lines


def _product_line(policy: Policy, evaluation: Evaluation, p: ProductAssessment) -> _ProductLine:
    slot = evaluation.result.product_slots[p.index]
    declared = evaluation.result.declaration.products[p.index]
    if p.result is None:
        return _ProductLine(
            slot, p.index, p.name, None, declared.kind or "（未填写）", 0, "-", ZERO, p.granted
        )
    tier = p.result.tier
    kind = policy.kind(p.result.kind)
    label = kind.bands[tier - 1].label if tier else "不达标"
    return _ProductLine(
        slot, p.index, p.name, p.result.kind, p.result.kind_label, tier, label, p.result.reward, p.granted
    )


# --------------------------------------------------------------------------------------------- text


def to_text(report: FileReport) -> str:
    if report.evaluation is None:
        return f"文件：{report.path}\n无法读取：{report.error}"
    ev = report.evaluation
    policy = load_policy(ev.assessment.policy)
    lines = [
        f"文件：{report.path}（模板版本 {ev.result.template_version}，{policy.title} {policy.label}）",
        f"校验：{summary(ev.findings)}",
    ]
    if ev.findings:
        rows = [[f.severity.value, ev.cell_for(f) or "-", f.message, f.clause] for f in ev.findings]
        lines += ["", render(["严重程度", "位置", "问题", "政策条款"], rows)]
    lines += ["", "奖励测算（按填写内容重新计算，不使用表内保存的计算结果）："]
    products = _products(ev)
    if products:
        rows = [
            [
                f"产品{p.slot + 1}",
                p.name or "（未填写名称）",
                p.kind_label,
                p.tier_label,
                format_yuan(p.reward),
                format_yuan(p.granted),
            ]
            for p in products
        ]
        lines.append(
            render(
                ["产品", "名称", "申报方式", "档位", "项目奖励（元）", "核定奖励（元）"], rows, right=(4, 5)
            )
        )
    else:
        lines.append("未填写申报产品")
    enterprise = ev.assessment.enterprise
    cap = enterprise.cap
    if cap is not None and cap.binding:
        lines.append(
            f"{cap.name}（{cap.clause}）：本年已获 {format_yuan(cap.prior)} 元，核减 {format_yuan(cap.reduced_by)} 元"
        )
    lines.append(f"企业合计：{format_yuan(enterprise.total)} 元")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------- JSON


def to_json_object(report: FileReport) -> dict[str, object]:
    if report.evaluation is None:
        return {"file": report.path, "readable": False, "error": report.error}
    ev = report.evaluation
    return {
        "file": report.path,
        "readable": True,
        "error": None,
        "template_version": ev.result.template_version,
        "policy": ev.assessment.policy,
        "policy_version": ev.assessment.policy_version,
        "summary": summary(ev.findings),
        "errors": len(ev.errors),
        "warnings": len(ev.warnings),
        "findings": [
            {
                "severity": f.severity.value,
                "code": f.code,
                "field": f.field,
                "cell": ev.cell_for(f) or None,
                "message": f.message,
                "clause": f.clause,
            }
            for f in ev.findings
        ],
        "products": [
            {
                "slot": p.slot + 1,
                "name": p.name,
                "kind": p.kind,
                "kind_label": p.kind_label,
                "tier": p.tier,
                "tier_label": p.tier_label,
                "reward": fen_str(p.reward),
                "granted": fen_str(p.granted),
            }
            for p in _products(ev)
        ],
        "total": fen_str(ev.assessment.enterprise.total),
    }


# ---------------------------------------------------------------------------------------------- run

KILLED = "读取该文件时处理进程异常退出（文件可能是恶意构造或严重损坏），已跳过"


def _checked(paths: Sequence[str | os.PathLike[str]]) -> Iterator[FileReport]:
    """``check_file`` for every path, in a worker process: a reader library that aborts on a crafted file
    (or the OOM killer) costs that file, reported as unreadable, and the next file gets a fresh worker."""
    pool: futures.ProcessPoolExecutor | None = None
    try:
        for path in paths:
            if pool is None:
                pool = futures.ProcessPoolExecutor(max_workers=1)
            try:
                yield pool.submit(check_file, path).result()
            except BrokenProcessPool:
                pool.shutdown(wait=True)
                pool = None
                yield FileReport(os.fspath(path), error=KILLED)
    finally:
        if pool is not None:
            pool.shutdown(wait=True)


def run(
    paths: Sequence[str | os.PathLike[str]],
    *,
    as_json: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Check every file, print the reports, and return the exit code (the worst over all files)."""
    out = out or sys.stdout
    err = err or sys.stderr
    reports = []
    for n, report in enumerate(_checked(paths)):
        reports.append(report)
        if report.error is not None:
            print(f"xlmv check：{report.path}：{report.error}", file=err)
        if not as_json:
            if n:
                print(file=out)
            print(to_text(report), file=out)
    if as_json:
        print(json.dumps([to_json_object(r) for r in reports], ensure_ascii=False, indent=2), file=out)
    return max((r.exit_code for r in reports), default=EXIT_OK)
