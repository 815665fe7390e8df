"""Limits and errors for untrusted supporting documents: every refusal names the file, in Chinese."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from xlmv_workbook.xlsx.safety import ZipLimits

__all__ = ["LIMITS", "MaterialError", "MaterialLimits", "check_file"]


class MaterialError(ValueError):
    """A supporting document cannot be read; ``str()`` is ``<file>：<problem>``."""

    def __init__(self, path: str | os.PathLike[str], problem: str) -> None:
        self.path = os.fspath(path)
        self.problem = problem
        super().__init__(f"{self.path}：{problem}")


OFD_ZIP = ZipLimits(max_total_size=50 * 1024 * 1024, max_entries=500)


@dataclass(frozen=True)
class MaterialLimits:
    max_file_size: int = 20 * 1024 * 1024  # any document, on disk
    max_pdf_pages: int = 50  # an invoice has one or two pages; a contract a few dozen
    max_text_chars: int = 2_000_000  # text extracted from one document
    max_xml_size: int = 5 * 1024 * 1024  # a 数电发票 XML file, or one XML part of an OFD package
    ofd_zip: ZipLimits = OFD_ZIP
    max_files: int = 2_000  # documents in one materials folder


LIMITS = MaterialLimits()


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def check_file(path: Path, limits: MaterialLimits = LIMITS) -> int:
    """The file's size after refusing what is missing, empty or too large."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise MaterialError(path, f"无法读取文件：{exc.strerror or exc}") from None
    if not path.is_file():
        raise MaterialError(path, "不是文件")
    if size == 0:
        raise MaterialError(path, "文件为空（0 字节），请重新导出或下载该文件")
    if size > limits.max_file_size:
        raise MaterialError(path, f"文件大小 {_mib(size)} 超过上限 {_mib(limits.max_file_size)}，已拒绝读取")
    return size
