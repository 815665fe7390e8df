"""A cell or row reference beyond Excel's grid (an 8-digit row, column past XFD) is refused by the pre-scan
with a Chinese message naming the file and sheet; calamine is never asked to size a sheet by it (it
aborted the process with an 83 GB allocation for ``B99999999``)."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from workbooks import valid_values, write_workbook

from xlmv_workbook.read.reader import read_workbook
from xlmv_workbook.xlsx.safety import WorkbookError


def _rewrite(source: Path, target: Path, change: tuple[str, str]) -> Path:
    """A copy of ``source`` with the first ``change[0]`` (regex) in the 申报表 sheet XML replaced."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                text, n = re.subn(change[0], change[1], data.decode("utf-8"), count=1)
                assert n == 1
                data = text.encode("utf-8")
            zout.writestr(item, data)
    return target


@pytest.mark.parametrize(
    "change",
    [
        (r'<c r="B4"', '<c r="B99999999"'),  # 8 digits: not a reference at all
        (r'<c r="B4"', '<c r="B1048577"'),  # one row past the grid
        (r'<c r="B4"', '<c r="XFE4"'),  # one column past XFD
        (r'<row r="4"', '<row r="123456789"'),
    ],
)
def test_reference_beyond_the_grid_is_refused(tmp_path: Path, change: tuple[str, str]) -> None:
    source = write_workbook(tmp_path / "in.xlsx", valid_values())
    bad = _rewrite(source, tmp_path / "bad.xlsx", change)
    code = f"from xlmv_workbook.read.reader import read_workbook\ntry:\n read_workbook({str(bad)!r})\nexcept Exception as e: print(type(e).__name__, e)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-500:]  # no abort
    with pytest.raises(WorkbookError, match=r"超出 Excel 的范围") as info:
        read_workbook(bad)
    assert str(info.value).startswith(f"{bad}：")
    assert "申报表" in str(info.value)
