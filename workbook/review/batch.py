"""``xlmv batch INPUTS... -o 复核汇总.xlsx``: read many filled declarations and recalculate them together, with
the caps applied across applications, into one review workbook.

Inputs are files and folders (searched recursively for ``*.xlsx``/``*.xlsm``; Excel's ``~$`` lock files
and hidden files and folders are skipped), read in sorted path order by ``read_workbook`` in worker
processes (``--jobs``; ``1`` reads in this process). Each worker returns a small picklable ``FileOutcome``;
a file that cannot be read becomes an unreadable row with its Chinese reason, and a worker process that
dies is retried file by file in a fresh process, so one bad file never stops the batch.

Which prior award counts (see ``recalc`` for the caps themselves):

* a project's prior (项目上限, 附件3 二.1/二.2): the ledger's, when the ledger has the project (same
  统一社会信用代码 and product name) — the ledger is the office's own record and wins over what the
  applicant typed; otherwise the workbook's 本项目已获奖励;
* an enterprise's prior in a year (二.3): the ledger's sum for that code and year, when it has rows for
  them; otherwise the largest 本自然年已获本政策奖励 among that enterprise's applications of that year.
  Each application states the enterprise's running total as of its own filing, so the same earlier
  awards are stated again in every application: the sum would count them twice, and the largest is
  the most recent complete figure.

Findings are the files' own (``xlmv check``'s), without the single-application cap notices (the caps are
recomputed across applications here), plus a warning for every product that appears in more than one
application of the same enterprise. Exit codes: 0 all fine, 1 some declaration has errors or some file
could not be read, 2 the command could not run (no inputs, a bad ledger, an unwritable output).
"""

from __future__ import annotations

import concurrent.futures as futures
import datetime as dt
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from xlmv.errors import os_reason
from xlmv.findings import Finding, Severity
from xlmv.money import ZERO, format_yuan, to_fen
from xlmv.policy import DEFAULT_POLICY, Policy, PolicyError, load_policy
from xlmv.reward import Allocation
from xlmv_workbook.read.reader import read_workbook
from xlmv_workbook.read.validate import evaluate
from xlmv_workbook.review import sheets as review
from xlmv_workbook.review.caps import (
    NO,
    UNREADABLE,
    YES,
    GroupResult,
    RowInput,
    RowResult,
    compute,
    group_key,
    tier_label,
)
from xlmv_workbook.review.ledger import Ledger, LedgerError, normalise_name, normalise_uscc, read_ledger
from xlmv_workbook.review.sheets import H
from xlmv_workbook.xlsx.roundtrip import excel_lock
from xlmv_workbook.xlsx.safety import WorkbookError

__all__ = [
    "EXIT_BAD_RUN",
    "EXIT_FINDINGS",
    "EXIT_OK",
    "BatchError",
    "BatchResult",
    "FileOutcome",
    "collect_inputs",
    "read_one",
    "run",
    "run_batch",
]

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_RUN = 0, 1, 2
SUFFIXES = (".xlsx", ".xlsm")
DUPLICATE_CLAUSE = "附件3 二.1、二.2"
PASSED, HAS_ERRORS, HAS_WARNINGS = "通过", "有错误", "有警告"


# --------------------------------------------------------------------------------------- the inputs


def _skipped(name: str) -> bool:
    return name.startswith(("~$", "."))


def collect_inputs(inputs: Iterable[str | os.PathLike[str]], exclude: Iterable[Path] = ()) -> list[str]:
    """Files to read, sorted: files as given, folders searched recursively for ``*.xlsx``/``*.xlsm``.

    Lock files (``~$…``) and hidden files or folders are skipped; so are ``exclude`` (the output). A
    path that does not exist is kept, so it is reported as unreadable like any other bad file.
    """
    excluded = {p.resolve() for p in exclude}
    found: dict[Path, str] = {}

    def add(path: Path) -> None:
        resolved = path.resolve()
        if resolved not in excluded and resolved not in found:
            found[resolved] = os.fspath(path)

    for item in inputs:
        path = Path(item)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not _skipped(d))
                for name in files:
                    if not _skipped(name) and name.lower().endswith(SUFFIXES):
                        add(Path(root) / name)
        elif not _skipped(path.name):
            add(path)
    return sorted(found.values())


# ---------------------------------------------------------------------------------------- the workers


@dataclass(frozen=True)
class Issue:
    """One finding, located: ``product`` is the declaration's product index, None for the whole file."""

    location: str
    severity: Severity
    message: str
    clause: str
    product: int | None


@dataclass(frozen=True)
class ProductLine:
    index: int
    slot: int  # 1-based template slot (产品1 …)
    name: str
    kind: str | None  # the policy's kind id, None when the typed kind is unknown
    kind_text: str  # the kind's label, or what was typed
    amounts: tuple[Decimal, ...]  # the tiered items: each API service, or the procurement amount
    ratio: Decimal | None
    prior: Decimal
    name_cell: str


@dataclass(frozen=True)
class FileOutcome:
    """What the batch needs from one file (plain values, cheap to send between processes)."""

    path: str
    error: str | None = None
    company: str = ""
    uscc: str = ""
    date: dt.date | None = None
    prior_year_award: Decimal = ZERO
    products: tuple[ProductLine, ...] = ()
    issues: tuple[Issue, ...] = ()


def _product_of(finding: Finding) -> int | None:
    if not finding.field.startswith("products["):
        return None
    return int(finding.field[len("products[") : finding.field.index("]")])


def read_one(path: str) -> FileOutcome:
    """Read and check one file; never raises (a bad file is an outcome with ``error``)."""
    try:
        evaluation = evaluate(read_workbook(path))
    except WorkbookError as exc:
        return FileOutcome(path, error=exc.problem)
    except PolicyError as exc:
        return FileOutcome(path, error=str(exc))
    except Exception as exc:  # one unexpected failure must not stop the batch
        return FileOutcome(path, error=f"读取时发生意外错误（{type(exc).__name__}），请将该文件反馈给维护者")
    decl = evaluation.result.declaration
    products = []
    for p in evaluation.assessment.products:
        declared = decl.products[p.index]
        result = p.result
        products.append(
            ProductLine(
                index=p.index,
                slot=evaluation.result.product_slots[p.index] + 1,
                name=declared.name,
                kind=result.kind if result is not None else None,
                kind_text=result.kind_label if result is not None else declared.kind,
                amounts=tuple(i.amount for i in result.items) if result is not None else (),
                ratio=declared.approved_ratio,
                prior=declared.prior_award,
                name_cell=evaluation.result.cell_for(f"products[{p.index}].name") or "",
            )
        )
    issues = tuple(
        Issue(evaluation.cell_for(f), f.severity, f.message, f.clause, _product_of(f))
        for f in evaluation.findings
        if not f.code.startswith("cap.")  # recomputed across applications by the batch
    )
    return FileOutcome(
        path,
        company=decl.company.name,
        uscc=decl.company.uscc,
        date=decl.application_date,
        prior_year_award=decl.prior_year_award,
        products=tuple(products),
        issues=issues,
    )


def _read_chunk(paths: Sequence[str]) -> list[FileOutcome]:
    return [read_one(p) for p in paths]


def _isolated(path: str) -> FileOutcome:
    """Read one file in a process of its own: used after a worker died (crash, out of memory)."""
    try:
        with futures.ProcessPoolExecutor(max_workers=1) as pool:
            return pool.submit(read_one, path).result()
    except BrokenProcessPool:
        return FileOutcome(path, error="读取该文件时处理进程异常退出（文件可能是恶意构造或严重损坏），已跳过")


def read_all(
    paths: Sequence[str], jobs: int, progress: Callable[[int], None] | None = None
) -> list[FileOutcome]:
    """Every file's outcome, in the order of ``paths``; ``jobs`` worker processes (1: this process)."""
    done = 0

    def tick(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done)

    if jobs <= 1 or len(paths) <= 1:
        outcomes = []
        for p in paths:
            outcomes.append(read_one(p))
            tick(1)
        return outcomes
    size = max(1, min(32, len(paths) // (jobs * 4)))
    chunks = [list(paths[n : n + size]) for n in range(0, len(paths), size)]
    results: dict[int, list[FileOutcome]] = {}
    broken: list[int] = []
    with futures.ProcessPoolExecutor(max_workers=min(jobs, len(chunks))) as pool:
        pending = {pool.submit(_read_chunk, chunk): n for n, chunk in enumerate(chunks)}
        for future in futures.as_completed(pending):
            n = pending[future]
            try:
                results[n] = future.result()
                tick(len(chunks[n]))
            except BrokenProcessPool:
                broken.append(n)
    for n in sorted(broken):
        results[n] = []
        for p in chunks[n]:
            results[n].append(_isolated(p))
            tick(1)
    return [outcome for n in range(len(chunks)) for outcome in results[n]]


# ------------------------------------------------------------------------------------- the rows


@dataclass
class _Row:
    """One 复核明细 row before and after the caps."""

    outcome: FileOutcome
    product: ProductLine | None
    input: RowInput
    prior_source: str = ""
    issues: list[Issue] = field(default_factory=list)  # the file's own findings for this row
    batch_issues: list[Issue] = field(default_factory=list)  # found across applications (duplicates)
    note: str = ""

    @property
    def all_issues(self) -> list[Issue]:
        return self.issues + self.batch_issues


def _rows(outcomes: Sequence[FileOutcome], policy: Policy, ledger: Ledger | None) -> list[_Row]:
    rows: list[_Row] = []
    for o in outcomes:
        if o.error is not None:
            rows.append(
                _Row(o, None, RowInput(o.path, "", "", None, None, 0, "", None, readable=False), note=o.error)
            )
            continue
        year = o.date.year if o.date else None
        common = {"source": o.path, "company": o.company, "uscc": o.uscc, "year": year, "date": o.date}
        file_issues = [i for i in o.issues if i.product is None]
        if not o.products:
            rows.append(
                _Row(
                    o,
                    None,
                    RowInput(slot=0, name="", kind=None, **common),
                    issues=file_issues,
                    note="未填写申报产品",
                )
            )
            continue
        for p in o.products:
            prior, source = p.prior, "申报表"
            if ledger is not None and p.kind is not None:
                kind = policy.kind(p.kind)
                yearly = kind.cap is not None and kind.cap.scope == "project_yearly"
                found = ledger.project_prior(o.uscc, p.name, year, yearly=yearly)
                if found is not None:
                    prior, source = found, "台账"
            rows.append(
                _Row(
                    o,
                    p,
                    RowInput(
                        slot=p.slot,
                        name=p.name,
                        kind=p.kind,
                        amounts=p.amounts,
                        ratio=Decimal(1) if p.ratio is None else p.ratio,
                        prior=prior,
                        **common,
                    ),
                    prior_source=source,
                    issues=file_issues + [i for i in o.issues if i.product == p.index],
                    note="" if p.kind is not None else "申报方式无法识别，未测算奖励",
                )
            )
    return rows


def _duplicates(rows: Sequence[_Row]) -> list[tuple[_Row, Issue]]:
    """A warning for each product that appears in more than one place for the same enterprise."""
    seen: dict[tuple[str, str], list[_Row]] = {}
    for row in rows:
        if row.product is None:
            continue
        code, name = normalise_uscc(row.input.uscc), normalise_name(row.product.name)
        if code and name:
            seen.setdefault((code, name), []).append(row)
    out = []
    for (code, _), same in seen.items():
        if len(same) < 2:
            continue
        places = "、".join(f"{r.outcome.path} 产品{r.input.slot}" for r in same)
        for row in same:
            assert row.product is not None
            message = (
                f"疑似重复申报：统一社会信用代码 {code} 的项目“{row.product.name}”出现在 {len(same)} 处（{places}）；"
                "请核实。重算时按申报先后，在先申报的项目上限后金额计入在后申报的项目已获奖励"
            )
            out.append(
                (
                    row,
                    Issue(
                        row.product.name_cell, Severity.WARNING, message, DUPLICATE_CLAUSE, row.product.index
                    ),
                )
            )
    return out


def _year_priors(rows: Sequence[_Row], ledger: Ledger | None) -> tuple[dict[str, Decimal], dict[str, str]]:
    """Per group key the enterprise's prior award that year, and where it came from."""
    declared: dict[str, Decimal] = {}
    uscc_year: dict[str, tuple[str, int | None]] = {}
    for row in rows:
        if not row.input.readable:
            continue
        key = group_key(row.input.uscc, row.input.year, row.input.source)
        declared[key] = max(declared.get(key, ZERO), row.outcome.prior_year_award)
        uscc_year[key] = (row.input.uscc, row.input.year)
    priors, sources = {}, {}
    for key, amount in declared.items():
        from_ledger = None
        code, year = uscc_year[key]
        if ledger is not None and normalise_uscc(code):
            from_ledger = ledger.enterprise_prior(code, year)
        priors[key], sources[key] = (from_ledger, "台账") if from_ledger is not None else (amount, "申报表")
    return priors, sources


def _status(issues: Sequence[Issue]) -> str:
    if any(i.severity is Severity.ERROR for i in issues):
        return HAS_ERRORS
    return HAS_WARNINGS if issues else PASSED


def _detail_row(row: _Row, result: RowResult | None, policy: Policy) -> dict[str, object]:
    """One 复核明细 row by header."""
    r, p = row.input, row.product
    if not r.readable:
        return {H.SOURCE: r.source, H.ISSUE_COUNT: 1, H.STATUS: UNREADABLE, H.NOTE: row.note}
    values: dict[str, object] = {
        H.SOURCE: r.source,
        H.COMPANY: r.company,
        H.USCC: r.uscc,
        H.YEAR: r.year,
        H.ISSUE_COUNT: len(row.all_issues),
        H.STATUS: _status(row.all_issues),
        H.DATE: r.date,
        H.NOTE: row.note,
    }
    if p is None:
        return values
    values |= {
        H.SLOT: r.slot,
        H.PRODUCT: r.name,
        H.KIND: p.kind_text,
        H.PRIOR: to_fen(r.prior),
        H.PRIOR_SOURCE: row.prior_source,
    }
    if r.kind is None or result is None:
        return values
    return values | {
        H.CLAIMED: to_fen(sum(r.amounts, ZERO)) if r.amounts else None,
        H.TIER: tier_label(policy, r.kind, result.tier),
        H.MAX_REWARD: to_fen(result.max_reward),
        H.RATIO: r.ratio,
        H.CAPPED: to_fen(result.capped),
        H.GRANTED: to_fen(result.granted),
        H.BATCH_PRIOR: to_fen(result.batch_prior),
        H.AMOUNTS: ";".join(str(a) for a in r.amounts),
    }


def _summary_row(group: GroupResult, source: str) -> dict[str, object]:
    """One 按企业汇总 row by header."""
    return {
        H.ENTERPRISE: group.company,
        H.USCC: group.uscc,
        H.GROUP_YEAR: group.year,
        H.PROJECTS: group.projects,
        H.REQUESTED: to_fen(group.requested),
        H.YEAR_PRIOR: to_fen(group.prior),
        H.YEAR_PRIOR_SOURCE: source,
        H.TOTAL: to_fen(group.total),
        H.BINDING: YES if group.binding else NO,
        H.GROUP: group.key,
    }


def _ordered(values: dict[str, object], columns: Sequence[review.Column]) -> list[object]:
    return [values.get(c.header) for c in columns]


# ------------------------------------------------------------------------------------------- the run


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
    if target.suffix.lower() != ".xlsx":
        print(f"xlmv batch：输出文件应以 .xlsx 结尾：{output}", file=err)
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
