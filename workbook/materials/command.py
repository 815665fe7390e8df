"""``xlmv materials DECLARATION.xlsx [--materials DIR] [--json]``: each checklist item's evidence status.

Prints, per product, every item of 附件3-1 / 附件3-2 as 齐全 / 缺失 / 不符 / 需人工核对 / 不适用 with the
reason and the files, then every document with what was read. Exit codes follow ``xlmv check``: 0 when
every item matches (or does not apply), 1 when something is missing, does not match or needs a person,
2 when the workbook or the materials folder cannot be read.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TextIO

from xlmv.evidence.results import EvidenceStatus, MaterialsReport
from xlmv.exitcodes import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK
from xlmv.policy import PolicyError
from xlmv.texttable import render
from xlmv_workbook.materials.evaluate import materials_report
from xlmv_workbook.materials.folder import default_folder
from xlmv_workbook.materials.limits import MaterialError
from xlmv_workbook.read.reader import read_workbook
from xlmv_workbook.read.result import ReadResult
from xlmv_workbook.xlsx.safety import WorkbookError

__all__ = ["item_rows", "run", "to_json_object"]


def item_rows(result: ReadResult, report: MaterialsReport) -> list[list[str]]:
    names = [p.name for p in result.declaration.products]
    rows = []
    for item in report.items:
        slot = (
            result.product_slots[item.product] if item.product < len(result.product_slots) else item.product
        )
        rows.append(
            [
                f"产品{slot + 1} {names[item.product] or ''}".strip(),
                f"{item.checklist.removeprefix('附件')}-{item.item}",
                item.title,
                item.status.value,
                "；".join(item.reasons),
                "；".join(item.files),
            ]
        )
    return rows


def to_text(path: str, result: ReadResult, report: MaterialsReport, found: bool) -> str:
    lines = [
        f"文件：{path}",
        f"材料文件夹：{report.folder}" + ("" if found else "（不存在，且材料清单未填写文件）"),
    ]
    headers = ["产品", "清单项", "材料名称", "核验结果", "说明", "文件"]
    lines += ["", render(headers, item_rows(result, report))]
    if report.documents:
        docs = [[d.file, d.kind, d.read, d.status.value, "；".join(d.reasons)] for d in report.documents]
        lines += ["", "材料文件：", render(["文件", "类别", "读取内容", "结果", "问题"], docs)]
    counts = {s: sum(1 for i in report.items if i.status is s) for s in EvidenceStatus}
    lines += ["", "结论：" + "，".join(f"{s.value} {n} 项" for s, n in counts.items() if n)]
    return "\n".join(lines)


def to_json_object(path: str, result: ReadResult, report: MaterialsReport) -> dict[str, object]:
    names = [p.name for p in result.declaration.products]
    return {
        "file": path,
        "folder": report.folder,
        "ok": report.ok,
        "items": [
            {
                "product": (
                    result.product_slots[i.product] if i.product < len(result.product_slots) else i.product
                )
                + 1,
                "product_name": names[i.product],
                "checklist": i.checklist,
                "item": i.item,
                "title": i.title,
                "status": i.status.value,
                "reasons": list(i.reasons),
                "files": list(i.files),
            }
            for i in report.items
        ],
        "documents": [
            {
                "file": d.file,
                "kind": d.kind,
                "read": d.read,
                "status": d.status.value,
                "problems": list(d.reasons),
            }
            for d in report.documents
        ],
        "findings": [
            {
                "severity": f.severity.value,
                "code": f.code,
                "cell": result.cell_for(f.field) if f.field else None,
                "file": f.file or None,
                "message": f.message,
                "clause": f.clause,
            }
            for f in report.findings
        ],
    }


def run(
    path: str | os.PathLike[str],
    materials: str | os.PathLike[str] | None = None,
    *,
    as_json: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    shown = os.fspath(path)
    folder = Path(materials) if materials is not None else None
    if folder is not None and not folder.is_dir():
        print(
            f"xlmv materials：材料文件夹 {folder} 不存在或不是文件夹，请检查 --materials 给出的路径", file=err
        )
        return EXIT_BAD_INPUT
    try:
        result = read_workbook(path)
        report = materials_report(result, Path(path), folder, required=True)
    except (WorkbookError, MaterialError) as exc:
        print(f"xlmv materials：{exc}", file=err)
        return EXIT_BAD_INPUT
    except PolicyError as exc:
        print(f"xlmv materials：{shown}：{exc}", file=err)
        return EXIT_BAD_INPUT
    if report is None:
        print(f"xlmv materials：{shown}：所用政策没有规定材料核验", file=err)
        return EXIT_BAD_INPUT
    found = (folder or default_folder(Path(path))).is_dir() or bool(result.files)
    if not found:
        print(f"xlmv materials：未找到材料文件夹 {report.folder}，可用 --materials 指定", file=err)
    if as_json:
        print(json.dumps(to_json_object(shown, result, report), ensure_ascii=False, indent=2), file=out)
    else:
        print(to_text(shown, result, report, found), file=out)
    return EXIT_OK if report.ok else EXIT_FINDINGS
