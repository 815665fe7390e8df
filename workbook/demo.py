"""``xlmv demo``: the whole job on the bundled example declarations, end to end.

Builds the template, fills the examples (fictional companies, ``xlmv/examples/*.json``) into copies of it,
writes each a materials folder of fictional invoices, settlement statements and contracts (one example
reuses another application's invoice number and has a scanned payment proof, one has an invoice whose
buyer is another company), checks each one (the evidence status goes into its 材料清单 sheet as
MV_VALIDATE would write it), runs a batch into a review workbook (with its 材料核验 sheet and the
cross-application invoice check), exports the declarations without errors (with a PDF where LibreOffice
is installed), and prints a short Chinese summary with the path of every output.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from xlmv import examples as bundled
from xlmv.declaration import Declaration
from xlmv.evidence.results import EvidenceStatus
from xlmv.money import format_yuan
from xlmv.policy import load_policy
from xlmv_workbook.export.submission import export
from xlmv_workbook.materials.demo_files import OTHER_BUYER, Plan, link_in_column, write_materials
from xlmv_workbook.materials.folder import default_folder
from xlmv_workbook.read.check import check_file
from xlmv_workbook.read.validate import validate_file
from xlmv_workbook.review.batch import run_batch
from xlmv_workbook.template.build import write_template
from xlmv_workbook.template.fill import fill_template

MARKER = ".xlmv-demo"  # marks a folder as the demo's own, so a rerun may replace it
TEMPLATE = "模型券申报表模板.xlsx"
FILLED = "申报"
EXPORTED = "导出"
REVIEW = "复核汇总.xlsx"


class DemoError(Exception):
    """The demo cannot run (e.g. the output folder holds someone else's files)."""


@dataclass
class DemoResult:
    out: Path
    template: Path
    filled: list[Path] = field(default_factory=list)
    exported: list[Path] = field(default_factory=list)
    review: Path | None = None
    lines: list[str] = field(default_factory=list)


def examples() -> list[tuple[str, Declaration]]:
    """The bundled example declarations, in file-name order."""
    return bundled.load_all()


def _prepare(out: Path) -> None:
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise DemoError(f"输出文件夹 {out} 不是空的，也不是之前 xlmv demo 生成的；请换一个文件夹或先清空")
        for name in (TEMPLATE, REVIEW):
            (out / name).unlink(missing_ok=True)
        for name in (FILLED, EXPORTED):
            shutil.rmtree(out / name, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("xlmv demo output\n", encoding="utf-8")


def _plans(count: int) -> list[Plan]:
    """Example 1 is clean; example 2 reuses one of example 1's invoice numbers (only the batch, which sees
    both, can tell) and has a scanned payment proof (需人工核对); example 3 (the one with errors) has an
    invoice billed to another company."""
    plans = [Plan(prefix=f"24110{n + 1:03d}") for n in range(count)]
    if count > 1:
        plans[1].scan = True
    if count > 2:
        plans[2].foreign_buyer = True
    return plans


def _write_evidence_status(path: Path) -> None:
    """Validate the filled book as MV_VALIDATE does (校验结果, highlights, the 材料清单 evidence column),
    into a copy that then replaces the demo's own file."""
    annotated = path.with_name(f"{path.stem}.validated{path.suffix}")
    validate_file(path, annotated)
    annotated.replace(path)


def run_demo(out: Path, say: Callable[[str], None] = print) -> DemoResult:
    _prepare(out)
    result = DemoResult(out=out, template=write_template(out / TEMPLATE))
    say(f"1. 生成申报表模板：{result.template}")

    say("2. 填入示例申报（虚构企业），生成虚构的材料文件夹（发票、结算单、合同）并校验：")
    clean: list[Path] = []
    plans = _plans(len(examples()))
    policy = load_policy()
    for (name, decl), plan in zip(examples(), plans, strict=True):
        path = fill_template(result.template, decl, out / FILLED / f"{name}.xlsx")
        write_materials(default_folder(path), decl, policy, plan)
        if plan is plans[0]:  # the other convention: a file named in the 材料清单 file column
            link_in_column(
                path, 0, 5, default_folder(path), "资质与使用情况说明（补充）.pdf", "大模型使用情况补充说明"
            )
        if len(plans) > 1 and plan is plans[0]:
            plans[1].reuse_number = plan.numbers[0]
        result.filled.append(path)
        _write_evidence_status(path)
        report = check_file(path)
        evaluation = report.evaluation
        if evaluation is None:
            say(f"   {path.name}：无法读取（{report.error}）")
            continue
        total = format_yuan(evaluation.assessment.total)
        errors, warnings = len(evaluation.errors), len(evaluation.warnings)
        verdict = "通过" if not errors else f"错误 {errors} 项"
        say(f"   {path.name}：{verdict}，警告 {warnings} 项；本年可获奖励 {total} 元")
        materials = evaluation.materials
        if materials is not None:
            counts = {s: sum(1 for i in materials.items if i.status is s) for s in EvidenceStatus}
            say(
                f"     材料核验（{default_folder(path).name}/）："
                + "，".join(f"{s.value} {n} 项" for s, n in counts.items() if n)
            )
            for finding in materials.findings:
                if (
                    finding.code in ("evidence.buyer_tax_id", "evidence.buyer_name")
                    and OTHER_BUYER.name in finding.message
                ):
                    say(f"     已发现：{finding.message.removeprefix('材料核验：')}（{finding.clause}）")
                    break
        if not errors:
            clean.append(path)
    say(f"   查看某份的逐格问题：xlmv check {result.filled[-1]}")

    batch = run_batch([out / FILLED], out / REVIEW, jobs=1)
    result.review = batch.output
    say(
        f"3. 批量复核：{batch.files} 份申报、{batch.products} 个项目，{batch.files_with_errors} 份有错误；"
        f"跨申报适用上限后合计 {format_yuan(batch.total)} 元 → {batch.output}"
    )
    for number in batch.duplicate_invoices:
        say(
            f"   已发现：发票号码 {number} 在两份申报中重复使用，两份申报均记为错误（见“问题清单”“材料核验”表）"
        )

    say("4. 导出可提交的申报表（只含数值，带校验码）：")
    for path in clean:
        exported = export(path, out / EXPORTED, pdf=True)
        result.exported.append(exported.workbook)
        say(f"   {exported.workbook.name}（校验码 {exported.code}）")
        if exported.pdf is not None:
            result.exported.append(exported.pdf)
            say(f"   {exported.pdf.name}")
        elif exported.pdf_note or exported.pdf_error:
            say(f"   未生成 PDF：{exported.pdf_note or exported.pdf_error}")
    say(f"   含错误的申报不导出（xlmv export 会列出错误；--force 可强制导出）。输出文件夹：{out / EXPORTED}")
    say(f"完成。全部输出在 {out}")
    return result
