"""``xlmv export``: the submission workbook — values only, built fresh from the engine, with a 校验码.

The filled template is read with ``read_workbook`` (input cells only) and assessed with ``evaluate``; no
cached formula result of the template is used. ``build_submission`` then writes a new workbook:

* ``附件3-3 申报表`` — the official form in its order and words: 第一部分 (label/value pairs as on the form,
  then 企业基本情况介绍, 企业所处行业排名), 第二部分 once per product (产品名称, 产品类型, 产品上线时间,
  应用场景说明, 产品申报费用（万元）itemised — each API service, API调用费用小计, 大模型采购费用, 算力费用 on its
  own line, 数据费用, 合计: 万元 with two decimals, each converted once from the sum of its yuan items —
  产品说明, 产品成效说明), 补充说明; after the form, a separate 奖励测算 summary (tier, rewards after the caps,
  enterprise total) that is not part of the official form.
* ``附件3-4 承诺书`` — the policy's letter with the company's full name; signature, seal and date left for ink.
* ``材料清单`` and ``奖励测算`` — per product checklist statuses (齐全/缺) and the tier rows, caps and totals.

No formulas anywhere and no helper sheets, except one very hidden sheet ``xlmv_canonical`` holding the
canonical JSON (``xlmv_workbook.export.canonical``) whose digest is the 校验码 shown on the form (cell
``MV_VERIFY_CODE``) and in the printed footer. Every value cell has a workbook-level defined name (the
template's names for inputs, e.g. ``MV_COMPANY_NAME``, ``MV_P1_S1_CLAIMED``, ``MV_P1_REWARD``,
``MV_TOTAL_REWARD``; ``MV_F_…``/``MV_C_…``/``MV_K_…``/``MV_L_…`` for values repeated on the form, 奖励测算,
材料清单 and the letter), listed with its canonical value in the JSON, so ``xlmv verify`` names each changed
cell. Products are numbered in declaration order (filled template slots, empty ones skipped).

Files are named ``<企业名称>-<第一个产品名称>-模型券申报.xlsx`` (``xlmv_workbook.export.filenames``), written
atomically and never over an existing file. A declaration with errors is refused unless forced; a forced
export lists those errors on 奖励测算 and records them in the canonical JSON.

This module owns the entry points (``export``, ``run``, ``build_submission``, ``read_embedded``), the
canonical document, the 校验码 and the defined names; the sheets are written by ``export_form``,
``export_letter`` and ``export_review`` through the shared ``export_writer.Writer``.
"""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import quote_sheetname
from openpyxl.workbook.defined_name import DefinedName

from xlmv import __version__
from xlmv.assess import Assessment
from xlmv.declaration import Declaration
from xlmv.errors import os_reason
from xlmv.exitcodes import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK
from xlmv.money import ZERO, to_fen
from xlmv.policy import Policy, PolicyError, current_policy, load_policy, mismatch
from xlmv.texttable import render
from xlmv_workbook.export import filenames
from xlmv_workbook.export.calc_sheets import CALC, CHECKLIST, write_calc, write_checklist
from xlmv_workbook.export.canonical import (
    FORMAT,
    FORMAT_VERSION,
    NamedCell,
    canonical_json,
    cells_json,
    plain,
    verification_code,
)
from xlmv_workbook.export.form import FORM, Fees, fees_of, write_form
from xlmv_workbook.export.issue import Issue, issues_of
from xlmv_workbook.export.letter import LETTER, write_letter
from xlmv_workbook.export.writer import Writer, tier_of
from xlmv_workbook.read.check import materials_of
from xlmv_workbook.read.reader import read_workbook
from xlmv_workbook.read.validate import evaluate
from xlmv_workbook.xlsx import celltext
from xlmv_workbook.xlsx import styles as S
from xlmv_workbook.xlsx.safety import WorkbookError

__all__ = [
    "CALC",
    "CHECKLIST",
    "CODE_NAME",
    "DATA",
    "FORM",
    "LETTER",
    "PRINT_SHEETS",
    "DeclarationHasErrors",
    "ExportResult",
    "Fees",
    "Issue",
    "Submission",
    "build_submission",
    "export",
    "fees_of",
    "issues_of",
    "read_embedded",
    "results_of",
    "run",
]

DATA = "xlmv_canonical"
PRINT_SHEETS = (FORM, LETTER)
CODE_NAME = "MV_VERIFY_CODE"
FOOTER = "校验码 {code}　　第 &P 页，共 &N 页"
CHUNK = 30_000  # UTF-16 units of JSON per cell (Excel holds at most 32,767)


# ------------------------------------------------------------------------------------ the document


def results_of(a: Assessment) -> dict[str, Any]:
    """The engine's results in the canonical document, rounded to the fen (the edge)."""
    e = a.enterprise
    return plain(
        {
            "products": [
                {
                    "index": p.index,
                    "name": p.name,
                    "kind": p.kind,
                    "tier": tier_of(p),
                    "max_reward": to_fen(p.result.max_reward) if p.result else None,
                    "approved_ratio": p.result.approved_ratio if p.result else None,
                    "reward_before_cap": to_fen(p.result.reward_before_cap) if p.result else None,
                    "reward": to_fen(p.result.reward) if p.result else None,
                    "granted": to_fen(p.granted),
                }
                for p in a.products
            ],
            "year": a.year,
            "requested": to_fen(sum(e.requested, ZERO)),
            "enterprise_available": to_fen(e.cap.available) if e.cap else None,
            "total": to_fen(e.total),
        }
    )


@dataclass(frozen=True)
class Submission:
    """A built export: the workbook (not yet saved), its canonical document and text, and the 校验码."""

    workbook: Workbook
    document: dict[str, Any]
    text: str
    code: str
    cells: tuple[NamedCell, ...]

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.workbook.save(buffer)
        return buffer.getvalue()


def build_submission(
    decl: Declaration,
    assessment: Assessment,
    policy: Policy,
    *,
    issues: Sequence[Issue] = (),
    forced: bool = False,
    tool_version: str = __version__,
) -> Submission:
    """The submission workbook for an assessed declaration (``assessment`` must be ``assess(decl, policy)``)."""
    wb = Workbook()
    wb.remove(wb.active)
    w = Writer(wb, tool_version)
    code_cell = write_form(w, decl, assessment, policy, issues)
    write_letter(w, decl, policy)
    write_checklist(w, decl, policy)
    write_calc(w, decl, assessment, policy, issues, tool_version)
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "tool": {"name": "xlmv", "version": tool_version},
        "policy": {"id": policy.id, "version": policy.version},
        "declaration": decl.model_dump(mode="python"),
        "results": results_of(assessment),
        "export": {"forced": forced, "errors": [asdict(i) for i in issues]},
        "cells": cells_json(w.cells),
    }
    text = canonical_json(document)
    code = verification_code(text)

    form = wb[FORM]
    cell = form[code_cell]
    form.merge_cells(f"{code_cell}:F1")
    cell.value = code
    cell.data_type = "s"
    cell.font = S.font(bold=True)
    cell.alignment = Alignment(horizontal="center", vertical="center")
    S.border_span(form, f"{code_cell}:F1")
    for sheet in (FORM, LETTER, CHECKLIST, CALC):  # every printed page: the code and "第 n 页，共 m 页"
        footer = wb[sheet].oddFooter.center
        footer.text = FOOTER.format(code=code)
        footer.size = 9
    _embed(wb, text)
    for c in w.cells:
        _define(wb, c.name, c.sheet, c.cell)
    _define(wb, CODE_NAME, FORM, code_cell)
    wb.active = 0
    wb.properties.title = "模型券奖励申报表"
    wb.properties.creator = f"xlmv {tool_version}"
    return Submission(wb, json.loads(text), text, code, tuple(w.cells))


def _define(wb: Workbook, name: str, sheet: str, cell: str) -> None:
    column = re.sub(r"[0-9]+", "", cell)
    row = cell[len(column) :]
    wb.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(sheet)}!${column}${row}")


def _embed(wb: Workbook, text: str) -> None:
    """The canonical JSON in a very hidden sheet, in chunks below a note (Excel cells hold 32,767 chars)."""
    ws = wb.create_sheet(DATA)
    ws["A1"] = "xlmv 导出校验数据（canonical JSON，勿修改）"
    for n, piece in enumerate(celltext.chunks(text, CHUNK), start=2):
        cell = ws.cell(row=n, column=1, value=piece)
        cell.data_type = "s"
    ws.sheet_state = "veryHidden"


def read_embedded(wb: Workbook) -> str | None:
    """The canonical JSON text embedded by ``_embed``, or None when the sheet is missing."""
    if DATA not in wb.sheetnames:
        return None
    ws = wb[DATA]
    parts = []
    for row in range(2, ws.max_row + 1):
        value = ws.cell(row=row, column=1).value
        if value is None:
            break
        parts.append(str(value))
    return "".join(parts)


# ----------------------------------------------------------------------------------------- export


class DeclarationHasErrors(Exception):
    """The declaration has errors and the export was not forced."""

    def __init__(self, source: str, issues: list[Issue]) -> None:
        self.source = source
        self.issues = issues
        super().__init__(f"{source}：申报表有 {len(issues)} 项错误，未导出")


@dataclass(frozen=True)
class ExportResult:
    workbook: Path
    code: str
    issues: tuple[Issue, ...]  # errors exported with force
    warnings: int
    pdf: Path | None = None
    pdf_note: str | None = None  # why there is no PDF (no converter)
    pdf_error: str | None = None  # the conversion failed


def export(source: str | Path, outdir: str | Path, *, force: bool = False, pdf: bool = False) -> ExportResult:
    """Read, assess and export one filled template; ``source`` is only read.

    Raises ``WorkbookError`` for a file that cannot be read, ``DeclarationHasErrors`` when there are
    errors and ``force`` is false, ``PolicyError`` for an unknown policy and ``OSError`` when writing fails.
    """
    result = read_workbook(source)
    refused = mismatch(result.policy_label, current_policy())
    if refused is not None:
        raise WorkbookError(str(source), refused)
    evaluation = evaluate(result, materials_of(result, source))  # the same findings as xlmv check
    issues = issues_of(evaluation)
    if issues and not force:
        raise DeclarationHasErrors(str(source), issues)
    decl = evaluation.result.declaration
    policy = load_policy(decl.policy)
    submission = build_submission(decl, evaluation.assessment, policy, issues=issues, forced=bool(issues))
    data = submission.to_bytes()
    directory = Path(outdir)
    first_product = decl.products[0].name if decl.products else ""
    stem = filenames.free_stem(
        directory, filenames.export_stem(decl.company.name, first_product), (".xlsx", ".pdf")
    )
    target = filenames.write_new(directory, stem, ".xlsx", data)
    result = ExportResult(target, submission.code, tuple(issues), len(evaluation.warnings))
    if not pdf:
        return result
    from xlmv_workbook.export.pdf import PdfError, to_pdf

    try:
        rendered = to_pdf(data, PRINT_SHEETS)
    except PdfError as exc:
        return ExportResult(**{**result.__dict__, "pdf_error": str(exc)})
    except OSError as exc:  # LibreOffice's own temporary files (a full disk)
        return ExportResult(**{**result.__dict__, "pdf_error": f"转换时无法写入临时文件：{os_reason(exc)}"})
    if rendered.pdf is None:
        return ExportResult(**{**result.__dict__, "pdf_note": rendered.note})
    try:
        written = filenames.write_new(directory, target.stem, ".pdf", rendered.pdf)
    except OSError as exc:
        # all or nothing: a retry must find the same names free, not make "(2).xlsx" beside a lone workbook
        target.unlink(missing_ok=True)
        raise ExportWriteError(directory / f"{target.stem}.pdf", exc, removed=target) from None
    return ExportResult(**{**result.__dict__, "pdf": written, "pdf_note": rendered.note})


class ExportWriteError(OSError):
    """Writing an exported file failed; names the file (and the workbook removed again, when the PDF
    could not be written)."""

    def __init__(self, path: Path, cause: OSError, *, removed: Path | None = None) -> None:
        super().__init__(cause.errno, cause.strerror, str(path))
        self.path, self.cause, self.removed = path, cause, removed

    def message(self) -> str:
        text = f"无法写入 {self.path}：{os_reason(self.cause)}"
        if self.removed is not None:
            text += f"；已删除本次写入的 {self.removed.name}，未导出任何文件，腾出空间后可重新导出"
        return text


def _issue_table(issues: Sequence[Issue]) -> str:
    return render(["位置", "问题", "条款"], [[i.cell, i.message, i.clause] for i in issues])


def run(
    source: str,
    outdir: str,
    *,
    force: bool = False,
    pdf: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """``xlmv export``: 0 exported, 1 refused (errors, no ``--force``), 2 unreadable input or failed write/PDF."""
    out = out or sys.stdout
    err = err or sys.stderr
    if Path(outdir).exists() and not Path(outdir).is_dir():
        print(f"xlmv export：输出位置 {outdir} 不是文件夹", file=err)
        return EXIT_BAD_INPUT
    try:
        result = export(source, outdir, force=force, pdf=pdf)
    except WorkbookError as exc:
        print(f"xlmv export：{exc}", file=err)
        return EXIT_BAD_INPUT
    except PolicyError as exc:
        print(f"xlmv export：{source}：{exc}", file=err)
        return EXIT_BAD_INPUT
    except DeclarationHasErrors as exc:
        print(f"xlmv export：{exc.source}：申报表有 {len(exc.issues)} 项错误，未导出。", file=err)
        print(_issue_table(exc.issues), file=err)
        print("请修正后重新导出；如确需导出带错误的申报表，加 --force。", file=err)
        return EXIT_FINDINGS
    except ExportWriteError as exc:
        print(f"xlmv export：{exc.message()}", file=err)
        return EXIT_BAD_INPUT
    except OSError as exc:
        where = exc.filename or outdir
        if Path(where).name.startswith(".") and Path(where).name.endswith(".tmp"):
            where = str(Path(where).parent)  # our temporary file: the folder is what the user knows
        print(f"xlmv export：无法写入 {where}：{os_reason(exc)}；未导出", file=err)
        return EXIT_BAD_INPUT
    if result.issues:
        print(
            f"注意：申报表有 {len(result.issues)} 项错误，已按 --force 强制导出（错误列在“奖励测算”表末）：",
            file=err,
        )
        print(_issue_table(result.issues), file=err)
    print(f"已导出：{result.workbook}", file=out)
    print(f"校验码：{result.code}", file=out)
    if result.warnings:
        print(f"另有 {result.warnings} 项警告，可用 xlmv check 查看。", file=out)
    if result.pdf is not None:
        print(f"PDF：{result.pdf}", file=out)
    if result.pdf_note and result.pdf is None:
        print(f"未生成 PDF：{result.pdf_note}；工作簿已导出。", file=out)
    if result.pdf_error:
        print(
            f"xlmv export：PDF 未生成（{result.workbook.stem}.pdf）：{result.pdf_error}；工作簿已导出。",
            file=err,
        )
        return EXIT_BAD_INPUT
    return EXIT_OK
