"""``xlmv batch INPUTS... -o 复核汇总.xlsx``: read many filled declarations (``inputs``, ``reading``), build
their rows with the caps applied across applications (``rows``, ``caps``) and write one review workbook
(``sheets``).

Exit codes: 0 all fine, 1 some declaration has errors or some file could not be read, 2 the command could
not run (no inputs, a bad ledger, an unwritable output)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from xlmv.errors import os_reason
from xlmv.evidence.duplicates import cross_application_duplicates
from xlmv.evidence.results import EvidenceStatus
from xlmv.exitcodes import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK
from xlmv.findings import Severity
from xlmv.money import ZERO, format_yuan
from xlmv.policy import Policy, current_policy
from xlmv.reward import Allocation
from xlmv_workbook.review import live
from xlmv_workbook.review import sheets as review
from xlmv_workbook.review.caps import (
    compute,
)
from xlmv_workbook.review.inputs import find_inputs, is_review_workbook
from xlmv_workbook.review.ledger import Ledger, LedgerError, read_ledger
from xlmv_workbook.review.reading import FileOutcome, Issue, read_all
from xlmv_workbook.review.rows import (
    _detail_row,
    _duplicates,
    _ordered,
    _Row,
    _rows,
    _summary_row,
    _year_priors,
)
from xlmv_workbook.xlsx.outputs import OutputError, check_output, same_file

__all__ = [
    "BatchError",
    "BatchResult",
    "run",
    "run_batch",
]


@dataclass(frozen=True)
class BatchResult:
    files: int
    unreadable: int
    products: int
    files_with_errors: int
    total: Decimal
    output: Path
    duplicate_invoices: tuple[str, ...] = ()  # invoice numbers used by more than one application

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
    force: bool = False,
) -> BatchResult:
    """Read, recompute and write the review workbook. Raises ``BatchError`` when there is nothing to
    read, ``OutputError`` when the output may not be written (an input of this run; an existing file
    without ``force``; open in an office program; read-only) and ``OSError`` when it cannot be."""
    policy = policy or current_policy()
    target = Path(output)
    found = find_inputs(inputs)
    paths = found.paths
    if target.exists() and is_review_workbook(target):  # an earlier run's output in the input folder
        paths = [p for p in paths if not same_file(Path(p), target)]
    check_output(target, inputs=[Path(p) for p in paths], force=force)
    if not paths and not found.problems:
        raise BatchError("没有找到申报表（.xlsx/.xlsm）：请给出申报表文件或包含申报表的文件夹")
    jobs = jobs or os.cpu_count() or 1
    outcomes = read_all(paths, jobs, None if progress is None else lambda n: progress(n, len(paths)))
    outcomes += [FileOutcome(folder, error=problem) for folder, problem in found.problems.items()]
    return write_outcomes(outcomes, target, policy=policy, ledger=ledger, allocation=allocation)


def write_outcomes(
    outcomes: Sequence[FileOutcome],
    target: Path,
    *,
    policy: Policy,
    ledger: Ledger | None = None,
    allocation: Allocation = Allocation.IN_ORDER,
) -> BatchResult:
    """The review workbook of files already read (``reading.read_all``): rows, caps, live formulas."""
    outcomes, reused = _invoice_duplicates(list(outcomes), policy)
    rows = _rows(outcomes, policy, ledger)
    for row, issue in _duplicates(rows):
        row.batch_issues.append(issue)
    priors, sources = _year_priors(rows, ledger)
    results, groups = compute(policy, [r.input for r in rows], priors, allocation)

    ordered_groups = sorted(groups.items(), key=lambda kv: (kv[1].uscc, kv[1].year or 0, kv[0]))
    details = [_detail_row(row, result, policy) for row, result in zip(rows, results, strict=True)]
    sums = [_summary_row(g, sources.get(k, "申报表")) for k, g in ordered_groups]
    live.add_live_cells(
        policy,
        allocation,
        [r.input for r in rows],
        results,
        groups,
        details,
        sums,
        [k for k, _ in ordered_groups],
    )
    detail = [_ordered(values, review.DETAIL_COLUMNS) for values in details]
    summary = [_ordered(values, review.SUMMARY_COLUMNS) for values in sums]
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
            review.SETTING_POLICY: policy.label,
            review.SETTING_ALLOCATION: allocation.value,
            review.SETTING_LEDGER: ledger.source if ledger is not None else "（未使用）",
        },
        materials=_material_rows(outcomes),
        title=live.title(policy, dt.date.today(), len(outcomes)),
    )
    return BatchResult(
        files=len(outcomes),
        unreadable=sum(1 for o in outcomes if o.error is not None),
        products=sum(len(o.products) for o in outcomes),
        files_with_errors=sum(1 for o in outcomes if any(i.severity is Severity.ERROR for i in o.issues)),
        total=sum((g.total for g in groups.values()), ZERO),
        output=target,
        duplicate_invoices=reused,
    )


def _invoice_duplicates(
    outcomes: list[FileOutcome], policy: Policy
) -> tuple[list[FileOutcome], tuple[str, ...]]:
    """An invoice number used by two applications (any enterprises) is an error on each of them, and
    the documents concerned are 不符 on the 材料核验 sheet. Also returns the numbers reused."""
    if policy.evidence is None:
        return outcomes, ()
    uses = [u for o in outcomes for u in o.invoice_uses]
    found = cross_application_duplicates(policy, uses)
    if not found:
        return outcomes, ()
    reused = tuple(sorted({u.number for hits in found.values() for u, _ in hits}))
    out = []
    for o in outcomes:
        hits = found.get(o.path) or found.get(str(Path(o.path)), [])
        if not hits:
            out.append(o)
            continue
        cells = dict(zip(o.invoice_uses, o.invoice_cells, strict=True))
        extra = tuple(Issue(cells.get(u, ""), f.severity, f.message, f.clause, u.product) for u, f in hits)
        bad = {u.file: f.message.split("：", 2)[-1] for u, f in hits}
        lines = tuple(
            dataclasses.replace(
                line,
                status=EvidenceStatus.MISMATCH.value,
                problems="；".join(p for p in (line.problems, bad[line.file]) if p),
            )
            if line.file in bad
            else line
            for line in o.materials
        )
        out.append(dataclasses.replace(o, issues=o.issues + extra, materials=lines))
    return out, reused


def _material_rows(outcomes: list[FileOutcome]) -> list[list[object]] | None:
    if not any(o.materials_folder for o in outcomes):
        return None
    return [
        [o.path, o.company, m.product, m.item, m.file, m.kind, m.read, m.status, m.problems]
        for o in outcomes
        for m in o.materials
    ]


class Progress:
    """``\\r已处理 120/1000`` on a stream, at most once per 1% (and at the end)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream, self.shown = getattr(stream, "raw", stream), -1  # its "\r" is meant

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
    force: bool = False,
) -> int:
    """The ``xlmv batch`` command: returns the exit code and prints a Chinese summary."""
    out = out or sys.stdout
    err = err or sys.stderr
    target = Path(output)
    if target.suffix.lower() not in (".xlsx", ".xlsm"):
        print(f"xlmv batch：输出文件应以 .xlsx（或含 MV_RECALC 宏的 .xlsm）结尾：{output}", file=err)
        return EXIT_BAD_INPUT
    if not target.parent.is_dir():
        print(f"xlmv batch：{output}：输出文件夹不存在", file=err)
        return EXIT_BAD_INPUT
    ledger = None
    if ledger_path is not None:
        try:
            ledger = read_ledger(ledger_path)
        except LedgerError as exc:
            print(f"xlmv batch：台账有误，未生成复核汇总：{exc}", file=err)
            return EXIT_BAD_INPUT
    show = err.isatty() if progress is None else progress
    try:
        result = run_batch(
            inputs,
            target,
            ledger=ledger,
            allocation=Allocation(allocation),
            jobs=jobs,
            progress=Progress(err) if show else None,
            force=force,
        )
    except OutputError as exc:
        print(f"xlmv batch：未生成复核汇总：{exc}", file=err)
        return EXIT_BAD_INPUT
    except BatchError as exc:
        print(f"xlmv batch：{exc}", file=err)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"xlmv batch：无法写入 {output}：{os_reason(exc)}", file=err)
        return EXIT_BAD_INPUT
    print(
        f"已复核 {result.files} 个文件（无法读取 {result.unreadable} 个），申报产品 {result.products} 项，"
        f"有错误的申报 {result.files_with_errors} 份；可获奖励合计 {format_yuan(result.total)} 元",
        file=out,
    )
    print(f"复核汇总：{result.output}", file=out)
    return result.exit_code
