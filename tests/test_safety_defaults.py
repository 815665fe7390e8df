"""The zip-bomb limits users get without asking: every reader opens files with ``DEFAULT_LIMITS``, so a
file that declares more than 200 MB uncompressed is refused through the ordinary entry points."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from xlmv_workbook.read.reader import read_workbook
from xlmv_workbook.xlsx.safety import DEFAULT_LIMITS, WorkbookError, ZipLimits, open_checks

MIB = 1024 * 1024


def test_the_default_limits() -> None:
    assert (
        ZipLimits(max_total_size=200 * MIB, max_entries=10_000, max_ratio=200, ratio_min_size=1 * MIB)
        == DEFAULT_LIMITS
    )
    assert ZipLimits() == DEFAULT_LIMITS


def _many_small_entries(path: Path, count: int) -> Path:
    """``count`` entries of 1 MiB each (each at the ratio check's size, so only the total can refuse)."""
    chunk = b"\0" * MIB
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        for n in range(count):
            zf.writestr(f"xl/media/{n}.bin", chunk)
    return path


def test_more_than_200_mb_is_refused_by_default(tmp_path: Path) -> None:
    """201 entries of 1 MiB: 201 MiB > 200 MiB, refused by the reader a user runs (no limits passed)."""
    path = _many_small_entries(tmp_path / "总量.xlsx", 201)
    with pytest.raises(WorkbookError) as caught:
        read_workbook(path)
    assert caught.value.problem == "解压后总大小超过 200 MB，疑似压缩炸弹，已拒绝打开"


def test_200_mb_is_not_refused_for_its_size(tmp_path: Path) -> None:
    """199 entries of 1 MiB plus two small parts stay under the total: the directory check lets it pass."""
    path = _many_small_entries(tmp_path / "未超.xlsx", 199)
    open_checks(path)
