"""The text layer of an untrusted PDF, with pypdf (pure Python): size and page limits, encrypted and
broken files refused with a Chinese message naming the file. No text on any page means a scan."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path

from xlmv_workbook.materials.limits import LIMITS, MaterialError, MaterialLimits, check_file

__all__ = ["PdfText", "pdf_text"]

logging.getLogger("pypdf").setLevel(logging.ERROR)  # malformed files: our message says it, not pypdf's log


@dataclass(frozen=True)
class PdfText:
    pages: int
    text: str

    @property
    def image_only(self) -> bool:
        return not self.text.strip()


def pdf_text(path: Path, limits: MaterialLimits = LIMITS) -> PdfText:
    """All pages' text, in page order. The file is read once into memory and never written."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    check_file(path, limits)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MaterialError(path, f"无法读取文件：{exc.strerror or exc}") from None
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise MaterialError(path, "不是 PDF 文件（文件头不是 %PDF），可能已损坏或被改了扩展名")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                unlocked = reader.decrypt("")  # owner-password-only files open without a password
            except (DependencyError, NotImplementedError):
                unlocked = 0
            if not unlocked:
                raise MaterialError(path, "PDF 已加密（设有打开密码），请提供未加密的文件")
        count = len(reader.pages)
        if count > limits.max_pdf_pages:
            raise MaterialError(path, f"PDF 共 {count} 页，超过上限 {limits.max_pdf_pages} 页，已拒绝读取")
        texts: list[str] = []
        total = 0
        for page in reader.pages:
            text = page.extract_text() or ""
            total += len(text)
            if total > limits.max_text_chars:
                raise MaterialError(path, f"PDF 文字超过 {limits.max_text_chars} 字，已拒绝读取")
            texts.append(text)
    except MaterialError:
        raise
    except FileNotDecryptedError:
        raise MaterialError(path, "PDF 已加密（设有打开密码），请提供未加密的文件") from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise MaterialError(path, f"PDF 文件已损坏，无法读取（{type(exc).__name__}）") from None
    return PdfText(pages=count, text="\n".join(texts))
