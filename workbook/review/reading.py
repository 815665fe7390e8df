"""Reading a batch's files in worker processes (``--jobs N``; ``1`` is one worker, never this process).

Each worker returns a small picklable ``FileOutcome``; a file that cannot be read becomes an unreadable
outcome with its Chinese reason, and a worker process that dies (a reader library aborting on a crafted
file, out of memory) is retried file by file in a fresh process, so one bad file never stops the batch:
the file that kills its process becomes an error row."""

from __future__ import annotations

import concurrent.futures as futures
import datetime as dt
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from decimal import Decimal

from xlmv.evidence.results import InvoiceUse, MaterialsReport
from xlmv.findings import Finding, Severity
from xlmv.money import ZERO
from xlmv.policy import Policy, current_policy, load_policy, use_policy
from xlmv_workbook.read.check import evaluate_file
from xlmv_workbook.read.validate import Evaluation


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
class MaterialLine:
    """One supporting document of one declaration, for the 材料核验 sheet."""

    product: str  # 产品1 名称
    item: str  # 3-1-4 支付发票或付款证明
    file: str
    kind: str
    read: str
    status: str
    problems: str


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
    materials_folder: str = ""  # empty: the declaration has no materials
    materials: tuple[MaterialLine, ...] = ()
    invoice_uses: tuple[InvoiceUse, ...] = ()
    invoice_cells: tuple[str, ...] = ()  # the invoice item's cell of each use


def _product_of(finding: Finding) -> int | None:
    if not finding.field.startswith("products["):
        return None
    return int(finding.field[len("products[") : finding.field.index("]")])


def read_one(path: str) -> FileOutcome:
    """Read and check one file; never raises (a bad file is an outcome with ``error``)."""
    evaluation = evaluate_file(path)
    if isinstance(evaluation, str):
        return FileOutcome(path, error=evaluation)
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
        **_materials(evaluation, evaluation.materials),
    )


def _init_worker(policy: Policy) -> None:
    """A worker process reads under the parent's policy (``--policy``), also where processes are spawned."""
    use_policy(policy)


def _materials(evaluation: Evaluation, report: MaterialsReport | None) -> dict[str, object]:
    if report is None:
        return {}
    result = evaluation.result
    decl = result.declaration

    def product(index: int) -> str:
        slot = result.product_slots[index] if index < len(result.product_slots) else index
        return f"产品{slot + 1} {decl.products[index].name}".strip()

    titles = {
        (i.product, i.item): f"{i.checklist.removeprefix('附件')}-{i.item} {i.title}" for i in report.items
    }
    lines = tuple(
        MaterialLine(
            product(d.product),
            titles.get((d.product, d.item), str(d.item)),
            d.file,
            d.kind,
            d.read,
            d.status.value,
            "；".join(d.reasons),
        )
        for d in report.documents
    )
    cells = tuple(
        result.cell_for(f"products[{u.product}].checklist[{_invoice_item(evaluation, u.product) - 1}]") or ""
        for u in report.uses
    )
    return {
        "materials_folder": report.folder,
        "materials": lines,
        "invoice_uses": report.uses,
        "invoice_cells": cells,
    }


def _invoice_item(evaluation: Evaluation, product: int) -> int:
    """The checklist item that holds the product's invoices (1 when the policy names none)."""
    policy = load_policy(evaluation.result.declaration.policy)
    try:
        checklist = policy.checklist(policy.kind(evaluation.result.declaration.products[product].kind))
    except KeyError:
        return 1
    roles = policy.evidence.items.get(checklist.id) if policy.evidence and checklist else None
    return roles.invoice if roles is not None and roles.invoice is not None else 1


def _read_chunk(paths: Sequence[str]) -> list[FileOutcome]:
    return [read_one(p) for p in paths]


def _isolated(path: str) -> FileOutcome:
    """Read one file in a process of its own: used after a worker died (crash, out of memory)."""
    try:
        with futures.ProcessPoolExecutor(
            max_workers=1, initializer=_init_worker, initargs=(current_policy(),)
        ) as pool:
            return pool.submit(read_one, path).result()
    except BrokenProcessPool:
        return FileOutcome(path, error="读取该文件时处理进程异常退出（文件可能是恶意构造或严重损坏），已跳过")


def read_all(
    paths: Sequence[str], jobs: int, progress: Callable[[int], None] | None = None
) -> list[FileOutcome]:
    """Every file's outcome, in the order of ``paths``; ``jobs`` worker processes (at least one: the
    reading never runs in this process)."""
    done = 0

    def tick(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done)

    if not paths:
        return []
    jobs = max(1, jobs)  # 1: one worker process, not this one: an abort in a reader costs one file
    size = max(1, min(32, len(paths) // (jobs * 4)))
    chunks = [list(paths[n : n + size]) for n in range(0, len(paths), size)]
    results: dict[int, list[FileOutcome]] = {}
    broken: list[int] = []
    with futures.ProcessPoolExecutor(
        max_workers=min(jobs, len(chunks)), initializer=_init_worker, initargs=(current_policy(),)
    ) as pool:
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
