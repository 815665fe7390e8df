"""``xlmv batch INPUTS... -o 复核汇总.xlsx``: read many filled declarations (``inputs``, ``reading``), build
their rows with the caps applied across applications (``rows``, ``caps``) and write one review workbook
(``sheets``).

Exit codes: 0 all fine, 1 some declaration has errors or some file could not be read, 2 the command could
not run (no inputs, a bad ledger, an unwritable output)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from xlmv.errors import os_reason
from xlmv.findings import Severity
from xlmv.money import ZERO, format_yuan
from xlmv.policy import DEFAULT_POLICY, Policy, load_policy
from xlmv.reward import Allocation
from xlmv_workbook.review import sheets as review
from xlmv_workbook.review.caps import (
    compute,
)
from xlmv_workbook.review.inputs import collect_inputs
from xlmv_workbook.review.ledger import Ledger, LedgerError, read_ledger
from xlmv_workbook.review.reading import read_all
from xlmv_workbook.review.rows import (
    _detail_row,
    _duplicates,
    _ordered,
    _Row,
    _rows,
    _summary_row,
    _year_priors,
)
from xlmv_workbook.xlsx.roundtrip import excel_lock

__all__ = [
    "EXIT_BAD_RUN",
    "EXIT_FINDINGS",
    "EXIT_OK",
    "BatchError",
    "BatchResult",
    "run",
    "run_batch",
]

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_RUN = 0, 1, 2


@dataclass(frozen=True)
class BatchResult:
    files: int
    unreadable: int
    products: int
    files_with_errors: int
    total: Decimal
    output: Path

    @property
    def exit_code(self) -> int:
        return EXIT_FINDINGS if self.unreadable or self.files_with_errors else EXIT_OK


class BatchError(Exception):
    """The batch cannot run (nothing to read); the message is Chinese."""


def run_batch(
    inputs: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    ledger: Ledger | None = None,
    allocation: Allocation = Allocation.IN_ORDER,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    policy: Policy | None = None,
) -> BatchResult:
    """Read, recompute and write the review workbook. Raises ``BatchError`` when there is nothing to
    read and ``OSError`` when the output cannot be written."""
    policy = policy or load_policy(DEFAULT_POLICY)
    target = Path(output)
    paths = collect_inputs(inputs, exclude=[target])
    if not paths:
        raise BatchError("没有找到申报表（.xlsx/.xlsm）：请给出申报表文件或包含申报表的文件夹")
    jobs = jobs or os.cpu_count() or 1
    outcomes = read_all(paths, jobs, None if progress is None else lambda n: progress(n, len(paths)))
    rows = _rows(outcomes, policy, ledger)
    for row, issue in _duplicates(rows):
        row.batch_issues.append(issue)
    priors, sources = _year_priors(rows, ledger)
    results, groups = compute(policy, [r.input for r in rows], priors, allocation)

    detail = [
        _ordered(_detail_row(row, result, policy), review.DETAIL_COLUMNS)
        for row, result in zip(rows, results, strict=True)
    ]
    summary = [
        _ordered(_summary_row(g, sources.get(k, "申报表")), review.SUMMARY_COLUMNS)
        for k, g in sorted(groups.items(), key=lambda kv: (kv[1].uscc, kv[1].year or 0, kv[0]))
    ]
    issues: list[list[object]] = []
    by_file: dict[str, list[_Row]] = {}
    for row in rows:
        by_file.setdefault(row.outcome.path, []).append(row)
    for o in outcomes:
        if o.error is not None:
            issues.append([o.path, "", Severity.ERROR.value, f"无法读取：{o.error}", ""])
            continue
        found = list(o.issues) + [i for r in by_file[o.path] for i in r.batch_issues]
        issues.extend([o.path, i.location, i.severity.value, i.message, i.clause] for i in found)
    review.write_review(
        target,
        detail,
        summary,
        issues,
        {
            review.SETTING_POLICY: policy.id,
            review.SETTING_ALLOCATION: allocation.value,
            review.SETTING_LEDGER: ledger.source if ledger is not None else "（未使用）",
        },
    )
    return BatchResult(
        files=len(outcomes),
        unreadable=sum(1 for o in outcomes if o.error is not None),
        products=sum(len(o.products) for o in outcomes),
        files_with_errors=sum(1 for o in outcomes if any(i.severity is Severity.ERROR for i in o.issues)),
        total=sum((g.total for g in groups.values()), ZERO),
        output=target,
    )


class Progress:
    """``\\r已处理 120/1000`` on a stream, at most once per 1% (and at the end)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream, self.shown = stream, -1

    def __call__(self, done: int, total: int) -> None:
        step = max(1, total // 100)
        if done == total or done // step != self.shown // step:
            self.shown = done
            self.stream.write(f"\r已处理 {done}/{total}")
            if done == total:
                self.stream.write("\n")
            self.stream.flush()


def run(
    inputs: Sequence[str],
    output: str,
    *,
    ledger_path: str | None = None,
    allocation: str = Allocation.IN_ORDER.value,
    jobs: int | None = None,
    progress: bool | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """The ``xlmv batch`` command: returns the exit code and prints a Chinese summary."""
    out = out or sys.stdout
    err = err or sys.stderr
    target = Path(output)
    if target.suffix.lower() not in (".xlsx", ".xlsm"):
        print(f"xlmv batch：输出文件应以 .xlsx（或含 MV_RECALC 宏的 .xlsm）结尾：{output}", file=err)
        return EXIT_BAD_RUN
    if not target.parent.is_dir():
        print(f"xlmv batch：{output}：输出文件夹不存在", file=err)
        return EXIT_BAD_RUN
    if (lock := excel_lock(target)) is not None:
        print(
            f"xlmv batch：{output}：该文件正在 Excel 中打开（存在锁文件 {lock.name}），请先关闭后再运行",
            file=err,
        )
        return EXIT_BAD_RUN
    ledger = None
    if ledger_path is not None:
        try:
            ledger = read_ledger(ledger_path)
        except LedgerError as exc:
            print(f"xlmv batch：台账有误，未生成复核汇总：{exc}", file=err)
            return EXIT_BAD_RUN
    show = err.isatty() if progress is None else progress
    try:
        result = run_batch(
            inputs,
            target,
            ledger=ledger,
            allocation=Allocation(allocation),
            jobs=jobs,
            progress=Progress(err) if show else None,
        )
    except BatchError as exc:
        print(f"xlmv batch：{exc}", file=err)
        return EXIT_BAD_RUN
    except OSError as exc:
        print(f"xlmv batch：无法写入 {output}：{os_reason(exc)}", file=err)
        return EXIT_BAD_RUN
    print(
        f"已复核 {result.files} 个文件（无法读取 {result.unreadable} 个），申报产品 {result.products} 项，"
        f"有错误的申报 {result.files_with_errors} 份；可获奖励合计 {format_yuan(result.total)} 元",
        file=out,
    )
    print(f"复核汇总：{result.output}", file=out)
    return result.exit_code
