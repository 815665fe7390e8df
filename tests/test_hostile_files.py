"""Crafted files that once killed the process (issue 11): an 8-digit row reference, a ZIP entry declaring an
unsupported version, and a reader process that dies anyway (an abort in a reader library, the OOM killer):
each becomes a Chinese "无法读取" naming the file, and a batch goes on."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from test_batch import A, api, application, table, write

from xlmv_workbook.review import sheets as review
from xlmv_workbook.review.batch import run_batch
from xlmv_workbook.review.sheets import H

FORM_PART = "xl/worksheets/sheet2.xml"  # 申报表, the sheet every declaration field is read from


def _rezip(
    data: bytes, change: Callable[[str, bytes], bytes], extra: dict[str, bytes] | None = None
) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info.filename)))
        for name, body in (extra or {}).items():
            target.writestr(name, body, compress_type=zipfile.ZIP_STORED)
    return out.getvalue()


@pytest.fixture(scope="module")
def declaration(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    return write(folder, "a.xlsx", application(A, "甲公司", dt.date(2025, 3, 31), api("项目一", "3000000")))


def _last_valued_cell(text: str) -> re.Match[str]:
    return list(re.finditer(r'<c r="([A-Z]+[0-9]+)"[^>]*>(?:<f>[^<]*</f>)?<(?:v|is)>', text))[-1]


def eight_digit_row(data: bytes) -> bytes:
    def change(name: str, body: bytes) -> bytes:
        if name != FORM_PART:
            return body
        text = body.decode()
        spot = _last_valued_cell(text)
        return (text[: spot.start(1)] + "B99999999" + text[spot.end(1) :]).encode()

    return _rezip(data, change)


def zip_version(data: bytes) -> bytes:
    buf = bytearray(data)
    at = buf.index(b"PK\x01\x02")
    buf[at + 6 : at + 8] = (162).to_bytes(2, "little")  # version needed to extract: 16.2
    return bytes(buf)


def far_cell(data: bytes) -> bytes:
    """A value at XFD1048576 on 申报表: inside the grid, but a used area of 17 billion cells."""

    def change(name: str, body: bytes) -> bytes:
        if name != FORM_PART:
            return body
        return body.replace(
            b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
        )

    return _rezip(data, change)


def _check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xlmv.cli", "check", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=300,
        check=False,
    )


def test_eight_digit_row_is_refused_not_an_abort(declaration: Path, tmp_path: Path) -> None:
    """Before: calamine tried to allocate ~83 GB and the process aborted (exit 134)."""
    bad = tmp_path / "八位行号.xlsx"
    bad.write_bytes(eight_digit_row(declaration.read_bytes()))
    done = _check(bad)
    assert done.returncode == 2, (done.returncode, done.stderr[-500:])
    assert f"{bad}：" in done.stderr
    assert "B99999999" in done.stderr and "申报表" in done.stderr  # said once, on stderr


def test_unsupported_zip_version_is_unreadable_not_unexpected(declaration: Path, tmp_path: Path) -> None:
    """Before: NotImplementedError escaped the reader and check called it "意外错误"."""
    bad = tmp_path / "版本.xlsx"
    bad.write_bytes(zip_version(declaration.read_bytes()))
    done = _check(bad)
    assert done.returncode == 2
    assert "意外错误" not in done.stdout + done.stderr
    assert "ZIP 版本" in done.stderr and f"{bad}：" in done.stderr


def test_used_area_names_the_sheet_and_real_extent(declaration: Path, tmp_path: Path) -> None:
    """Before: the message named the row where the limit tripped (row 1048576, column 16384 was never
    reported as the extent when a smaller cell tripped it first)."""
    bad = tmp_path / "远处.xlsx"
    bad.write_bytes(far_cell(declaration.read_bytes()))
    done = _check(bad)
    assert done.returncode == 2
    assert "工作表“申报表”的已用区域过大" in done.stderr  # said once, on stderr
    assert "A1:XFD1048576" in done.stderr and "1048576 行 × 16384 列" in done.stderr


def _children() -> list[int]:
    found, todo = [], [os.getpid()]
    while todo:
        pid = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                kids = Path(f"/proc/{pid}/task/{task}/children").read_text().split()
            except OSError:
                continue
            for kid in map(int, kids):
                found.append(kid)
                todo.append(kid)
    return found


def _holding(pid: int, path: Path) -> bool:
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}") == str(path) for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return False


class _Killer:
    """SIGKILLs every child process that holds ``victim`` open, until stopped (as an abort inside calamine
    or the OOM killer would end it)."""

    def __init__(self, victim: Path) -> None:
        self.victim, self.killed, self.done = victim, [], threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.done.is_set():
            for pid in _children():
                if pid not in self.killed and _holding(pid, self.victim):
                    os.kill(pid, signal.SIGKILL)
                    self.killed.append(pid)
            time.sleep(0.002)

    def __enter__(self) -> _Killer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()


def _padded(good: bytes) -> bytes:
    """A good declaration padded so that reading it takes a while (the killer must see it open)."""
    return _rezip(good, lambda n, b: b, {"xl/media/pad.bin": os.urandom(150 * 1024 * 1024)})


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc to find the worker")
def test_a_killed_reader_costs_one_file_in_check(
    declaration: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: check read in its own process, so the abort ended the command and no file was reported."""
    from xlmv.cli import main

    victim = tmp_path / "2.xlsx"
    victim.write_bytes(_padded(declaration.read_bytes()))
    other = tmp_path / "3.xlsx"  # check reads each path once: a second good file, not the first twice
    other.write_bytes(declaration.read_bytes())
    with _Killer(victim) as killer:
        code = main(["check", str(declaration), str(victim), str(other)])
    out, err = capsys.readouterr()
    assert killer.killed, "the worker reading the victim was never seen"
    assert code == 2
    assert f"{victim}：读取该文件时处理进程异常退出" in err
    assert out.count("企业合计") == 2  # both good files reported


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc to find the worker")
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_killed_reader_costs_one_file(declaration: Path, tmp_path: Path, jobs: int) -> None:
    """Every process that reads ``victim`` is killed with SIGKILL while it reads (as an abort inside
    calamine or the OOM killer would); the batch reports the file as unreadable and reads the rest. Before,
    ``--jobs 1`` read in the batch's own process, so the whole batch died."""
    folder = tmp_path / "申报"
    folder.mkdir()
    good = declaration.read_bytes()
    (folder / "1.xlsx").write_bytes(good)
    (folder / "3.xlsx").write_bytes(good)
    victim = folder / "2.xlsx"
    victim.write_bytes(_padded(good))
    with _Killer(victim) as killer:
        result = run_batch([folder], tmp_path / "复核汇总.xlsx", jobs=jobs)
    killed = killer.killed
    assert killed, "the worker reading the victim was never seen"
    assert (result.files, result.unreadable) == (3, 1)
    rows = {Path(str(r[H.SOURCE])).name: r for r in table(result.output, review.DETAIL)}
    assert set(rows) == {"1.xlsx", "2.xlsx", "3.xlsx"}
    assert "处理进程异常退出" in str(rows["2.xlsx"][H.NOTE])
    assert rows["1.xlsx"][H.STATUS] != rows["2.xlsx"][H.STATUS]
