"""``xlmv recalc`` and ``xlmv check-review`` on a file: prescan, lock, read-only and concurrent-change
refusals, the lossless-or-copy write, and the command's messages (the recomputation is ``review.recalc``)."""

from __future__ import annotations

import hashlib
import io
import os
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from openpyxl.workbook.workbook import Workbook

from xlmv.errors import os_reason
from xlmv.money import format_yuan
from xlmv_workbook.read.bookxml import read_book_xml
from xlmv_workbook.review.cached import add_cached_values
from xlmv_workbook.review.recalc import RecalcSummary, recalc_book
from xlmv_workbook.review.reviewbooks import OpenpyxlReview
from xlmv_workbook.xlsx import roundtrip
from xlmv_workbook.xlsx.atomic import existing_mode, write_atomically, write_new
from xlmv_workbook.xlsx.outputs import OutputError, check_output, same_file
from xlmv_workbook.xlsx.safety import WorkbookError, archive_errors, open_checks
from xlmv_workbook.xlsx.sheetscan import bad_number, scan_sheet


@dataclass(frozen=True)
class RecalcReport:
    """Where the recalculated workbook went, and why not over the original when it did not."""

    source: Path
    written: Path
    in_place: bool
    reasons: list[str]  # what openpyxl would lose (why not in place; what an ``-o`` copy lacks)
    summary: RecalcSummary


def _refuse_locked(path: Path) -> None:
    lock = roundtrip.office_lock(path)
    if lock is not None:
        raise WorkbookError(path, roundtrip.lock_message(lock))


@dataclass(frozen=True)
class _Stamp:
    """What the file was when recalc read it: a change by anyone else since shows in one of these."""

    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of(cls, path: Path) -> _Stamp:
        info = path.stat()
        return cls(info.st_size, info.st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())


def _refuse_changed(path: Path, stamp: _Stamp) -> None:
    try:
        changed = _Stamp.of(path) != stamp
    except OSError:
        changed = True
    if changed:
        raise WorkbookError(
            path,
            "重算期间该文件被修改（可能有同事同时保存了它），为免覆盖他人的修改，未写入任何文件；"
            "请待对方保存并关闭后重新运行 xlmv recalc",
        )


MAX_REVIEW_CELLS = 5_000_000
"""The largest sheet area (rows × columns, empty cells included) openpyxl is asked to load: a review of
100,000 products is about 2 million cells."""


def _prescan(source: Path) -> None:
    """Every worksheet streamed before openpyxl loads the file: a cell reference outside Excel's grid
    (``B99999999``) or a far-away cell would make openpyxl walk millions of empty rows, and a number cell
    holding ``NaN`` or ``INF`` would make it refuse the file without naming the cell."""
    with archive_errors(source), zipfile.ZipFile(source) as zf:
        for sheet, part in read_book_xml(source, zf).sheets.items():
            if part in zf.namelist():
                scan_sheet(source, zf, part, sheet, set(), limit=MAX_REVIEW_CELLS, every_cell=True)
                if (bad := bad_number(source, zf, part)) is not None:
                    raise WorkbookError(
                        source,
                        f"无法重算，请先修正：{sheet}!{bad[0]}：数值“{bad[1]}”无效（应为有限的数，不能是 NaN 或无穷大）",
                    )


def _load(source: Path) -> Workbook:
    """The review workbook through openpyxl, as ``roundtrip`` loads it for the lossless check."""
    try:
        return roundtrip.load(source)
    except Exception as exc:  # openpyxl raises many kinds on malformed parts
        raise WorkbookError(
            source, f"无法打开工作簿（{type(exc).__name__}），文件可能已损坏，请在 Excel 中重新保存"
        ) from None


def _recalculated(source: Path) -> tuple[bytes, RecalcSummary, list[str]]:
    """The recalculated workbook's bytes, what was done, and why it cannot go
    over the original (empty: it can)."""
    lost = roundtrip.unsupported_parts(source)
    workbook = _load(source)
    summary = recalc_book(OpenpyxlReview(workbook, source))
    buffer = io.BytesIO()
    workbook.save(buffer)  # in memory: a full disk fails in the write, not in openpyxl's ZIP writer
    data = buffer.getvalue()
    with tempfile.TemporaryDirectory(prefix="xlmv-recalc-") as scratch:
        copy = Path(scratch) / f"copy{source.suffix}"
        copy.write_bytes(data)
        add_cached_values(copy, summary.cached)  # the formulas' results, for readers that do not recalculate
        data = copy.read_bytes()
        reasons = lost or roundtrip.differences(source, copy, summary.written)
    return data, summary, reasons


def recalc_file(
    path: str | os.PathLike[str], output: str | os.PathLike[str] | None = None, *, force: bool = False
) -> RecalcReport:
    """Recalculate a review workbook file: over itself when the round trip is provably lossless (see
    ``roundtrip``), else into a new ``<name>-重算.xlsx`` (``<name>-重算 (2).xlsx`` … : an earlier copy holds
    reviewers' edits and is never replaced) beside it; to ``output`` when given (the original is then only
    read; an existing ``output`` only with ``force``).

    Shared-drive rules: a workbook open in Excel, WPS or LibreOffice (lock file) or read-only is refused;
    the file must be unchanged (size, modification time, SHA-256) from when it was read until the write,
    else nothing is written; an in-place write keeps the file's mode. Raises ``WorkbookError`` (naming the
    file, and the cell) when it cannot."""
    source = Path(path)
    open_checks(source)
    if source.suffix.lower() not in (".xlsx", ".xlsm"):
        raise WorkbookError(source, "复核汇总表应为 .xlsx 或 .xlsm 工作簿")
    _prescan(source)
    target = Path(output) if output is not None else source
    in_place = same_file(target, source)
    if target.suffix.lower() != source.suffix.lower():
        raise WorkbookError(target, f"输出文件的扩展名应与原文件相同（{source.suffix}）")
    _refuse_locked(source)
    if in_place:
        try:
            existing_mode(source)
        except PermissionError:
            raise WorkbookError(
                source, "文件为只读，已拒绝改写（如需重算，请先取消只读属性，或用 -o 另存）"
            ) from None
    else:
        try:
            check_output(target, inputs=[source], force=force)
        except OutputError as exc:
            raise WorkbookError(target, str(exc).removeprefix(f"{target}：")) from None
    stamp = _Stamp.of(source)
    try:
        data, summary, reasons = _recalculated(source)
    except Exception:  # half a file saved by someone else meanwhile reads as corrupt: say what happened
        _refuse_changed(source, stamp)
        raise
    _refuse_changed(source, stamp)
    if in_place and not reasons:
        write_atomically(source, data)  # keeps the file's mode
    elif in_place:
        _refuse_locked(source.with_name(f"{source.stem}-重算{source.suffix}"))
        target = write_new(source.parent, f"{source.stem}-重算", source.suffix, data)
        in_place = False
    elif force:
        write_atomically(target, data)
    else:
        target = write_new(
            target.parent, target.stem, target.suffix, data
        )  # the name was free: checked above
    return RecalcReport(source, target, in_place, reasons, summary)


def run(
    path: str,
    output: str | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    force: bool = False,
) -> int:
    """The ``xlmv recalc`` command: 0 written, 2 could not recalculate (the message says why)."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        report = recalc_file(path, output, force=force)
    except WorkbookError as exc:
        print(f"xlmv recalc：{exc}", file=err)
        return 2
    except OSError as exc:
        print(f"xlmv recalc：无法写入 {output or path}：{os_reason(exc)}", file=err)
        return 2
    s = report.summary
    print(f"已重算 {s.rows} 项产品、{s.groups} 个企业年度；可获奖励合计 {format_yuan(s.total)} 元", file=out)
    _print_restored(s, out)
    lost = "、".join(report.reasons)
    if report.in_place:
        print(f"已写回原文件：{report.written}", file=out)
    elif output is None:
        print(
            f"原文件含有保存时会丢失的内容（{lost}），为免丢失未覆盖原文件；重算结果已写入：{report.written}",
            file=out,
        )
    else:
        print(f"已写入：{report.written}", file=out)
        if report.reasons:
            print(f"注意：输出文件不含原文件中的以下内容：{lost}", file=out)
    return 0


def _print_restored(s: RecalcSummary, out: TextIO) -> None:
    if s.structure_changed:
        print("行已增删或移动：已按新的行结构重写全部公式", file=out)
    if s.restored:
        print(f"已恢复被改动的公式 {len(s.restored)} 处：", file=out)
        for cell in s.restored:
            print(f"  {cell}", file=out)


def check_file(path: str | os.PathLike[str]) -> RecalcSummary:
    """Inspect a review workbook without writing: overwritten formulas and inputs changed since the
    last ``batch``/``recalc``. Raises ``WorkbookError`` when it cannot be read."""
    source = Path(path)
    open_checks(source)
    return recalc_book(OpenpyxlReview(_load(source), source), write=False)


def run_check(path: str, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """``xlmv check-review``: 0 every formula intact, 1 some formula overwritten or edited (``xlmv recalc``
    restores them), 2 the workbook could not be read."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        s = check_file(path)
    except WorkbookError as exc:
        print(f"xlmv check-review：{exc}", file=err)
        return 2
    except OSError as exc:
        print(f"xlmv check-review：无法读取 {path}：{os_reason(exc)}", file=err)
        return 2
    if s.inputs_changed:
        print(f"自上次计算以来修改的输入 {len(s.inputs_changed)} 处（公式已按新输入重算）：", file=out)
        for cell in s.inputs_changed:
            print(f"  {cell}", file=out)
    if s.structure_changed:
        print("行已增删或移动：公式与行结构不再一致，请运行 xlmv recalc", file=out)
    if s.restored:
        print(f"公式被改动 {len(s.restored)} 处（运行 xlmv recalc 可恢复）：", file=out)
        for cell in s.restored:
            print(f"  {cell}", file=out)
    if not (s.restored or s.structure_changed):
        print(f"公式完好：{s.rows} 项产品、{s.groups} 个企业年度", file=out)
        return 0
    return 1
