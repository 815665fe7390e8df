"""``xlmv check FILE|FOLDER...``: check filled declaration workbooks and recompute their rewards.

Each file is read with ``xlmv_workbook.read.reader`` (only input cells; the template's own computed cells are
never trusted) and assessed with ``xlmv_workbook.read.validate.evaluate``, the same path the Excel macro
uses. Folders are searched recursively for ``*.xlsx``/``*.xlsm`` as ``xlmv batch`` does (``review.inputs``).
Output is a Chinese report per file, or with ``--json`` one JSON list with an object per file.
A file that cannot be read is reported once, on stderr, and the others are still checked; files are read
in a worker process, so even a reader that aborts on a crafted file costs only that file.

Exit codes: 0 no errors, 1 some declaration has errors, 2 some file could not be read (or a folder holds
no workbook).
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
from pathlib import Path
from typing import TextIO

from xlmv.assess import ProductAssessment
from xlmv.evidence.results import MaterialsReport
from xlmv.exitcodes import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK
from xlmv.money import ZERO, fen_str, format_yuan
from xlmv.policy import Policy, PolicyError, current_policy, load_policy, mismatch
from xlmv.texttable import render
from xlmv_workbook.read.reader import read_workbook
from xlmv_workbook.read.result import ReadResult
from xlmv_workbook.read.validate import Evaluation, evaluate, summary
from xlmv_workbook.review.inputs import collect_inputs
from xlmv_workbook.xlsx.safety import WorkbookError

__all__ = ["FileReport", "check_file", "evaluate_file", "expand", "materials_of", "run"]


@dataclass(frozen=True)
class FileReport:
    """One file's outcome: an evaluation, or the reason it could not be read."""

    path: str
    evaluation: Evaluation | None = None
    error: str | None = None

    @property
    def exit_code(self) -> int:
        if self.evaluation is None:
            return EXIT_BAD_INPUT
        return EXIT_FINDINGS if self.evaluation.errors else EXIT_OK


def check_file(path: str | os.PathLike[str]) -> FileReport:
    """Read and assess one file under this run's policy (``--policy``); never raises for a bad file. When
    the declaration has a materials folder (``<name>-材料/`` beside it) or file column entries, the evidence
    check's findings are added."""
    outcome = evaluate_file(path)
    if isinstance(outcome, str):
        return FileReport(os.fspath(path), error=outcome)
    return FileReport(os.fspath(path), evaluation=outcome)


def evaluate_file(path: str | os.PathLike[str]) -> Evaluation | str:
    """One file read and assessed under this run's policy, with its materials, or the Chinese reason it
    could not be; never raises for a bad file. A file built under another policy is refused, not checked
    against rules it was not made for."""
    try:
        result = read_workbook(path)
        refused = mismatch(result.policy_label, current_policy())
        if refused is not None:
            return refused
        return evaluate(result, materials_of(result, path))
    except WorkbookError as exc:
        return exc.problem
    except PolicyError as exc:
        return str(exc)
    except Exception as exc:  # one unexpected failure must not stop a run over many files
        return f"读取时发生意外错误（{type(exc).__name__}：{exc}），请将该文件反馈给维护者"


def materials_of(result: ReadResult, path: str | os.PathLike[str]) -> MaterialsReport | None:
    """The evidence check of a read declaration when it has materials (a folder beside it, or files in the
    材料清单 file column); a materials folder that cannot be read is a ``WorkbookError``."""
    from xlmv_workbook.materials.evaluate import materials_report
    from xlmv_workbook.materials.limits import MaterialError

    try:
        return materials_report(result, Path(path))
    except MaterialError as exc:
        raise WorkbookError(path, f"材料文件夹无法读取：{exc}") from None


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
    if ev.materials is not None:
        from xlmv_workbook.materials.command import item_rows

        headers = ["产品", "清单项", "材料名称", "核验结果", "说明", "文件"]
        lines += [
            "",
            f"材料核验（{ev.materials.folder}）：",
            render(headers, item_rows(ev.result, ev.materials)),
        ]
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
                "file": f.file or None,
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
        "materials": _materials_json(report),
    }


def _materials_json(report: FileReport) -> dict[str, object] | None:
    ev = report.evaluation
    if ev is None or ev.materials is None:
        return None
    from xlmv_workbook.materials.command import to_json_object as materials_json

    data = materials_json(report.path, ev.result, ev.materials)
    data.pop("findings")  # already in the file's findings
    return data


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
    """Check every file (folders: their workbooks, recursively), print the reports, and return the exit code
    (the worst over all files). A file that cannot be read is said once, on ``err``; with ``--json`` it is
    also an object of the list (data, not a message)."""
    out = out or sys.stdout
    err = err or sys.stderr
    files, empty = expand(paths)
    for folder in empty:
        print(f"xlmv check：{folder}：文件夹中没有申报表（.xlsx/.xlsm）", file=err)
    reports = []
    shown = 0
    for report in _checked(files):
        reports.append(report)
        if report.error is not None:
            out.flush()  # the message lands between the reports it belongs to
            print(f"xlmv check：{report.path}：{report.error}", file=err)
        elif not as_json:
            if shown:
                print(file=out)
            print(to_text(report), file=out)
            shown += 1
    if as_json:
        print(json.dumps([to_json_object(r) for r in reports], ensure_ascii=False, indent=2), file=out)
    worst = max((r.exit_code for r in reports), default=EXIT_OK)
    return EXIT_BAD_INPUT if empty else worst


def expand(paths: Sequence[str | os.PathLike[str]]) -> tuple[list[str], list[str]]:
    """The files to check in the order given, each folder replaced by its workbooks (recursively, sorted,
    as ``xlmv batch`` finds them); and the folders that hold none."""
    files: dict[str, None] = {}
    empty = []
    for item in paths:
        if Path(item).is_dir():
            found = collect_inputs([item])
            if not found:
                empty.append(os.fspath(item))
            files.update(dict.fromkeys(found))
        else:
            files[os.fspath(item)] = None
    return list(files), empty
