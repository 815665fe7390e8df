"""A cell or row reference beyond Excel's range is refused by the pre-scan, before python-calamine would
allocate a dense grid down to it (found by test_fuzz: ``B99999999`` made calamine ask for 83 GB and abort)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from xlmv_workbook.read.reader import read_workbook
from xlmv_workbook.template.build import write_template
from xlmv_workbook.xlsx.safety import WorkbookError


def _patched(template: Path, target: Path, old: bytes, new: bytes) -> Path:
    out = io.BytesIO()
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/") and old in data:
                data = data.replace(old, new, 1)
            dst.writestr(info, data)
    target.write_bytes(out.getvalue())
    return target


@pytest.mark.parametrize(
    ("old", "new"), [(b'r="F23"', b'r="F99999999"'), (b'<row r="23"', b'<row r="123456789"')]
)
def test_reference_beyond_excel_is_refused(tmp_path: Path, old: bytes, new: bytes) -> None:
    template = write_template(tmp_path / "t.xlsx")
    bad = _patched(template, tmp_path / "bad.xlsx", old, new)
    with pytest.raises(WorkbookError, match="超出 Excel 的范围") as info:
        read_workbook(bad)
    assert str(info.value).startswith(str(bad))
