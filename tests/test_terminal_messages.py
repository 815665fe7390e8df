"""Terminal and messages (issue 11): nothing from a workbook drives the terminal, every failure is said in
Chinese and names the file (and the cell), and a full disk leaves no traceback and no half-done export.

Disk-full cases use a small tmpfs mounted for the test (root only; skipped with the reason elsewhere).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import IN_CI, require_tool
from test_batch import A, api, application, write
from workbooks import sha256

from xlmv.terminal import safe_text

HOSTILE = "\x1b[2J\x1b[H校验：未发现问题\u202e反向\r"
FORM_PART = "xl/worksheets/sheet2.xml"


def _cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xlmv.cli", *(str(a) for a in args)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=600,
        check=False,
        cwd=cwd,
    )


def _rezip(path: Path, change: dict[str, bytes]) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, change.get(info.filename, source.read(info.filename)))
    path.write_bytes(out.getvalue())


def _with_form_xml(path: Path, edit: object) -> Path:
    with zipfile.ZipFile(path) as zf:
        xml = zf.read(FORM_PART).decode()
    _rezip(path, {FORM_PART: edit(xml).encode()})  # type: ignore[operator]
    return path


def test_safe_text_escapes_controls_and_bidi() -> None:
    assert (
        safe_text("a\x1b[2Jb\u202ec\rd\te\nf\x85g\u2066")
        == "a\\u001b[2Jb\\u202ec\\u000dd\te\nf\\u0085g\\u2066"
    )
    assert safe_text("企业名称：甲公司\n") == "企业名称：甲公司\n"


def test_control_characters_in_a_cell_do_not_reach_the_terminal(tmp_path: Path) -> None:
    """Before: a product name with ``_x001B_`` escapes cleared the terminal and printed a fake
    "校验：未发现问题" over the real errors."""
    path = write(
        tmp_path, "a.xlsx", application(A, "甲公司", dt.date(2025, 3, 31), api("产品MARK", "3000000"))
    )
    escaped = "".join(f"_x{ord(c):04X}_" if ord(c) < 0x20 else c for c in HOSTILE)
    _with_form_xml(path, lambda xml: xml.replace("MARK", escaped))
    for args in (["check", path], ["check", "--json", path]):
        done = _cli(*args)
        shown = done.stdout + done.stderr
        assert "\x1b" not in shown and "\u202e" not in shown and "\r" not in shown
        assert "\\u001b[2J" in shown
    assert "\\u202e" in _cli("check", path).stdout
    import json

    json.loads(_cli("check", "--json", path).stdout)  # the escapes keep JSON valid


def test_a_bad_shared_string_index_names_the_file_and_cell(tmp_path: Path) -> None:
    """Before: calamine's English "Cell string index not found in shared strings table", no cell named."""
    path = write(tmp_path, "a.xlsx", application(A, "甲公司", dt.date(2025, 3, 31), api("项目一", "3000000")))
    _with_form_xml(
        path,
        lambda xml: re.sub(
            r'<c r="B4" s="(\d+)"[^>]*>.*?</c>', r'<c r="B4" s="\1" t="s"><v>99999</v></c>', xml, count=1
        ),
    )
    done = _cli("check", path)
    assert done.returncode == 2
    assert f"{path}：" in done.stderr
    assert "工作表“申报表”的单元格 B4 引用共享字符串第 “99999” 项" in done.stderr  # said once, on stderr
    assert "Cell string index" not in done.stdout + done.stderr


# ------------------------------------------------------------------------------------------ disk full


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KB tmpfs: room for the inputs, not for much more."""
    mount = shutil.which("mount")
    where = tmp_path / "盘"
    where.mkdir()
    if mount is None or os.geteuid() != 0:
        reason = "mounting a small tmpfs needs root and mount(8)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    done = subprocess.run(
        [mount, "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(where)], capture_output=True, check=False
    )
    if done.returncode != 0:
        reason = f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)


def _fill(disk: Path, leave: int) -> Path:
    """Fill ``disk`` until about ``leave`` bytes are free."""
    filler = disk / "占位"
    free = shutil.disk_usage(disk).free
    with filler.open("wb") as fh, contextlib.suppress(OSError):
        fh.write(b"\0" * max(0, free - leave))
    return filler


def test_recalc_on_a_full_disk(small_disk: Path, tmp_path: Path) -> None:
    """Before: a ``ZipFile.__del__`` traceback. Now: a Chinese message naming the file; nothing changed."""
    from xlmv_workbook.review.batch import run_batch

    inputs = tmp_path / "申报"
    write(inputs, "a.xlsx", application(A, "甲公司", dt.date(2025, 3, 31), api("项目一", "3000000")))
    reviewed = run_batch([inputs], tmp_path / "复核汇总.xlsx", jobs=1).output
    on_disk = small_disk / "复核汇总.xlsx"
    shutil.copy(reviewed, on_disk)
    before = sha256(on_disk)
    _fill(small_disk, 1024)
    done = _cli("recalc", on_disk)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert "磁盘空间已满" in done.stderr and str(on_disk) in done.stderr
    assert sha256(on_disk) == before
    assert sorted(p.name for p in small_disk.iterdir()) == ["占位", "复核汇总.xlsx"]  # no temporary file left


def test_export_on_a_full_disk_says_so_in_chinese(small_disk: Path, tmp_path: Path) -> None:
    source = write(
        tmp_path, "a.xlsx", application(A, "甲公司", dt.date(2025, 3, 31), api("项目一", "3000000"))
    )
    _fill(small_disk, 1024)
    done = _cli("export", source, "-o", small_disk)
    assert done.returncode == 2
    assert "磁盘空间已满" in done.stderr and str(small_disk) in done.stderr
    assert "No space" not in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.name for p in small_disk.iterdir()) == ["占位"]


def test_export_pdf_on_a_full_disk_is_all_or_nothing(small_disk: Path, tmp_path: Path) -> None:
    """The workbook fits, the PDF does not. Before: "PDF 生成失败" or the OS's English words, the workbook
    left behind, and a retry wrote "(2).xlsx". Now: the failing file is named, nothing is left, and a retry
    after freeing space takes the plain name."""
    require_tool("soffice", "LibreOffice prints the PDF")
    source = write(
        tmp_path, "a.xlsx", application(A, "甲公司", dt.date(2025, 3, 31), api("项目一", "3000000"))
    )
    probe = tmp_path / "试"
    assert _cli("export", source, "-o", probe).returncode == 0
    size = next(probe.glob("*.xlsx")).stat().st_size
    filler = _fill(small_disk, size + 16 * 1024)  # room for the workbook, not for the PDF
    done = _cli("export", source, "-o", small_disk, "--pdf")
    assert done.returncode == 2, done.stdout + done.stderr
    assert ".pdf" in done.stderr and "磁盘空间已满" in done.stderr and "已删除" in done.stderr
    assert sorted(p.name for p in small_disk.iterdir()) == ["占位"]
    filler.unlink()
    done = _cli("export", source, "-o", small_disk, "--pdf")
    assert done.returncode == 0, done.stderr
    assert sorted(p.suffix for p in small_disk.iterdir()) == [".pdf", ".xlsx"]
    assert not any("(2)" in p.name for p in small_disk.iterdir())
