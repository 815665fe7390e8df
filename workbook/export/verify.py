"""``xlmv verify EXPORTED.xlsx``: does an exported submission still say what ``xlmv export`` wrote?

Three checks, every difference reported with the cell (``sheet!cell``) it concerns:

1. the 校验码 shown on the form (``MV_VERIFY_CODE``) equals the digest of the embedded canonical JSON
   (``xlmv_workbook.export.canonical``), and that JSON is still in its canonical form;
2. every named value cell listed in the JSON still holds the value it was exported with (old → new);
3. the engine, run on the embedded declaration with the *current* policy, gives the embedded results and
   the same computed cells; a policy whose version changed since the export is reported as such.

Exit codes: 0 ``校验通过``, 1 differences found, 2 the file cannot be read or is not an export.

Honest limits: this detects accidental or casual edits (a changed amount, name or code). It is not a
signature: there is no secret key, so someone who edits the embedded JSON and regenerates the digest and
the cells can produce a file that passes. The signed and sealed paper remains the authority.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from pydantic import ValidationError

from xlmv import __version__
from xlmv.assess import assess
from xlmv.declaration import Declaration
from xlmv.exitcodes import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK
from xlmv.policy import PolicyError, current_policy, load_policy, mismatch
from xlmv.texttable import render
from xlmv_workbook.export.canonical import canonical_json, cell_text, verification_code
from xlmv_workbook.export.document import InvalidDocument, parse_document
from xlmv_workbook.export.issue import Issue
from xlmv_workbook.export.submission import CODE_NAME, build_submission, read_embedded
from xlmv_workbook.xlsx.safety import WorkbookError, open_checks

__all__ = ["Difference", "Verification", "run", "to_text", "verify_file"]

_SHOWN = 40  # characters of a value shown in the report


@dataclass(frozen=True)
class Difference:
    """One thing that no longer matches: where, under which defined name, what, and old → new."""

    where: str
    name: str
    problem: str
    old: str = ""
    new: str = ""


@dataclass(frozen=True)
class Verification:
    path: str
    code: str  # the code the embedded data gives
    exported_with: str
    checked_cells: int
    differences: tuple[Difference, ...]
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.differences


def _open(path: str | os.PathLike[str]) -> Workbook:
    open_checks(path)
    try:
        return load_workbook(path)
    except Exception as exc:  # openpyxl raises many kinds on a damaged part
        raise WorkbookError(path, f"无法读取工作簿（{type(exc).__name__}：{exc}），文件可能已损坏") from None


def _locate(wb: Workbook, name: str) -> tuple[str, object] | None:
    """``(sheet!cell, value)`` of a workbook-level defined name pointing at one cell, else None."""
    defined = wb.defined_names.get(name)
    if defined is None:
        return None
    try:
        sheet, ref = next(iter(defined.destinations))
        cell = ref.replace("$", "").split(":")[0]
        return f"{sheet}!{cell}", wb[sheet][cell].value
    except (StopIteration, KeyError, ValueError):
        return None


def verify_file(path: str | os.PathLike[str]) -> Verification:
    """Run the three checks on one file; ``WorkbookError`` when it cannot be read or is not an export."""
    wb = _open(path)
    text = read_embedded(wb)
    if text is None:
        raise WorkbookError(
            path, "不是 xlmv export 导出的申报文件（缺少校验数据），无法核对；请核对由 xlmv export 生成的文件"
        )
    code = verification_code(text)
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return Verification(
            os.fspath(path), code, "未知", 0, (Difference("校验数据", "", "嵌入的校验数据已损坏，无法解析"),)
        )
    try:
        document, valid = parse_document(text)
    except InvalidDocument as exc:
        raise WorkbookError(path, f"不是有效的导出文件：{exc}，无法核对") from None
    tool = valid.tool.version
    exported_with = f"xlmv {tool}，政策 {valid.policy.id}@{valid.policy.version}"
    current = current_policy()
    if valid.policy.id != current.id:  # another scheme; a newer version of the same one is compared
        raise WorkbookError(path, mismatch(f"{valid.policy.id}@{valid.policy.version}", current) or "")
    differences = list(_code_differences(wb, text, document, code))
    cells: dict[str, dict[str, str]] = {name: entry.model_dump() for name, entry in valid.cells.items()}
    differences += _cell_differences(wb, cells)
    recomputed, notes = _recompute(document, cells)
    differences += recomputed
    if tool != __version__:
        notes.append(f"导出时的工具版本为 xlmv {tool}，当前为 xlmv {__version__}")
    return Verification(os.fspath(path), code, exported_with, len(cells), tuple(differences), tuple(notes))


def _code_differences(wb: Workbook, text: str, document: dict[str, Any], code: str) -> Iterator[Difference]:
    if canonical_json(document) != text:
        yield Difference("校验数据", "", "嵌入的校验数据不是导出时的规范格式（被改动过）")
    found = _locate(wb, CODE_NAME)
    if found is None:
        yield Difference("校验码", CODE_NAME, "校验码单元格的定义名称已被删除", code, "")
        return
    where, value = found
    shown = cell_text("text", value)
    if shown != code:
        yield Difference(where, CODE_NAME, "显示的校验码与嵌入数据的摘要不符", code, shown)


def _cell_differences(wb: Workbook, cells: dict[str, dict[str, str]]) -> list[Difference]:
    out = []
    for name, entry in cells.items():
        found = _locate(wb, name)
        if found is None:
            out.append(
                Difference(
                    entry.get("ref", ""), name, "定义名称已被删除或不再指向单元格", entry.get("value", "")
                )
            )
            continue
        where, value = found
        now = cell_text(entry.get("kind", "text"), value)  # type: ignore[arg-type]
        if now != entry.get("value", ""):
            out.append(Difference(where, name, "单元格在导出后被改动", entry.get("value", ""), now))
    return out


def _recompute(
    document: dict[str, Any], cells: dict[str, dict[str, str]]
) -> tuple[list[Difference], list[str]]:
    """Check 3: the engine on the embedded declaration, with the current policy."""
    out: list[Difference] = []
    notes: list[str] = []
    policy_ref = document.get("policy", {})
    try:
        decl = Declaration.model_validate(document.get("declaration"))
        policy = load_policy(str(policy_ref.get("id")))
    except ValidationError:
        return [Difference("校验数据", "", "嵌入的申报数据无效，无法重新计算")], notes
    except PolicyError as exc:
        return [Difference("政策", "", f"无法加载导出时所用的政策：{exc}")], notes
    if policy.version != policy_ref.get("version"):
        out.append(
            Difference(
                "政策",
                "",
                "政策版本在导出后已变更，以下按当前版本重新计算",
                f"{policy.id}@{policy_ref.get('version')}",
                policy.label,
            )
        )
    export = document.get("export", {})
    issues = [Issue(**e) for e in export.get("errors", [])]
    rebuilt = build_submission(
        decl,
        assess(decl, policy),
        policy,
        issues=issues,
        forced=bool(export.get("forced")),
        tool_version=str(document.get("tool", {}).get("version", __version__)),
    )
    for path, old, new in _compare(document.get("results"), rebuilt.document["results"], "results"):
        out.append(Difference("重新计算", path, "按嵌入的申报数据重新计算的结果与导出时不同", old, new))
    again = {c.name: c for c in rebuilt.cells}
    for name, entry in cells.items():
        cell = again.get(name)
        value = entry.get("value", "")
        if cell is None:
            out.append(Difference(entry.get("ref", ""), name, "重新计算时没有这个单元格", value))
        elif cell.value != value:
            out.append(
                Difference(
                    entry.get("ref", ""), name, "按嵌入的申报数据重新计算的值与导出时不同", value, cell.value
                )
            )
    for name in again.keys() - cells.keys():
        out.append(
            Difference(again[name].ref, name, "重新计算多出这个单元格（导出时没有）", "", again[name].value)
        )
    if policy.version != policy_ref.get("version") and len(out) == 1:
        notes.append("政策版本虽已变更，但按当前版本重新计算的结果与导出时一致")
    return out, notes


def _compare(old: Any, new: Any, path: str) -> Iterator[tuple[str, str, str]]:
    """(path, old, new) for every leaf where two JSON values differ."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(old.keys() | new.keys()):
            yield from _compare(old.get(key), new.get(key), f"{path}.{key}")
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for n, (a, b) in enumerate(zip(old, new, strict=True)):
            yield from _compare(a, b, f"{path}[{n}]")
    elif old != new:
        yield path, json.dumps(old, ensure_ascii=False), json.dumps(new, ensure_ascii=False)


# ------------------------------------------------------------------------------------------- report


def _show(value: str) -> str:
    if value == "":
        return "（空）"
    value = value.replace("\n", "⏎")
    return value if len(value) <= _SHOWN else value[: _SHOWN - 1] + "…"


def to_text(v: Verification) -> str:
    lines = [f"文件：{v.path}", f"导出信息：{v.exported_with}，校验码 {v.code}"]
    if v.ok:
        lines.append(
            f"校验通过：校验码与嵌入数据一致，{v.checked_cells} 个命名单元格均未改动，按当前政策重新计算的奖励与导出时一致。"
        )
    else:
        lines.append(f"校验未通过：发现 {len(v.differences)} 处不一致")
        rows = [[d.where, d.name or "-", d.problem, _show(d.old), _show(d.new)] for d in v.differences]
        lines += ["", render(["位置", "名称", "问题", "导出时", "现在"], rows)]
    lines += [f"说明：{note}" for note in v.notes]
    lines.append(
        "（校验码可发现无意或随手的改动；它没有密钥，不能代替签字盖章，蓄意重算校验数据者可以伪造。）"
    )
    return "\n".join(lines)


def run(paths: Sequence[str], *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Verify every file and print a report each; returns the worst exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    worst = EXIT_OK
    for n, path in enumerate(paths):
        if n:
            print(file=out)
        try:
            verification = verify_file(path)
        except WorkbookError as exc:
            print(f"xlmv verify：{exc}", file=err)
            worst = max(worst, EXIT_BAD_INPUT)
            continue
        print(to_text(verification), file=out)
        worst = max(worst, EXIT_OK if verification.ok else EXIT_FINDINGS)
    return worst
