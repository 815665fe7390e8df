"""A print-ready PDF of the exported form and letter: LibreOffice headless where installed, else Excel on
Windows (xlwings), else none (the caller says so and still writes the workbook).

Only a temporary copy of the export is printed, holding just the sheets asked for (附件3-3 and 附件3-4) with
their print areas, A4 portrait, fit to the page width and repeated title rows as the export set them.

LibreOffice runs with a private profile (``-env:UserInstallation`` in a temporary folder, so it neither
touches nor waits for the user's own LibreOffice) in its own process group, killed by id on timeout. It
embeds the fonts it uses (the CJK fallback for 宋体, e.g. Noto CJK) as subsets.

The profile sets LibreOffice's default Asian language to zh-CN (``PROFILE_SETTINGS``). Otherwise the text
takes the language of the user's locale, and under a Japanese locale the pan-CJK fallback fonts (Noto
Sans CJK, fonts-noto-cjk) print the Japanese forms of characters such as 令, 直, 骨. With zh-CN the
simplified-Chinese (SC) forms print wherever such a font is installed. ``pdffonts`` cannot show this:
every face of the Noto CJK collection embeds as ``NotoSansCJKjp-…`` (the faces share one CFF table).

The Excel path (``xw.App(visible=False)`` → ``book.to_pdf``) is deliberately tiny and is not exercised by
the test suite, which runs without Excel.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook

__all__ = [
    "PROFILE_SETTINGS",
    "TIMEOUT",
    "PdfError",
    "Rendered",
    "find_soffice",
    "print_copy",
    "private_profile",
    "to_pdf",
]

TIMEOUT = 180.0  # seconds; a first start with a fresh profile takes a while
_WINDOWS_SOFFICE = (
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
)
_MAC_SOFFICE = "/Applications/LibreOffice.app/Contents/MacOS/soffice"


PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Linguistic/General">\
<prop oor:name="DefaultLocale_CJK" oor:op="fuse"><value>zh-CN</value></prop></item>
</oor:items>
"""
"""The private profile's settings: Asian text is Chinese (PRC), so CJK fonts print simplified forms."""


class PdfError(RuntimeError):
    """The PDF could not be produced; the message is Chinese."""


@dataclass(frozen=True)
class Rendered:
    """The PDF bytes, or None with the reason (no LibreOffice and no Excel)."""

    pdf: bytes | None
    note: str | None = None
    engine: str | None = None


def find_soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    candidates = _WINDOWS_SOFFICE if sys.platform == "win32" else (_MAC_SOFFICE,)
    return next((c for c in candidates if Path(c).is_file()), None)


def print_copy(xlsx: bytes, sheets: Sequence[str]) -> bytes:
    """A copy of the workbook with only ``sheets`` (in their order) and no defined names but print settings."""
    wb = load_workbook(io.BytesIO(xlsx))
    for ws in list(wb.worksheets):
        if ws.title not in sheets:
            wb.remove(ws)
    for name in list(wb.defined_names):
        del wb.defined_names[name]
    wb.active = 0
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def to_pdf(xlsx: bytes, sheets: Sequence[str], *, timeout: float = TIMEOUT) -> Rendered:
    """PDF of ``sheets`` of the workbook ``xlsx``; raises ``PdfError`` when a converter exists but fails."""
    soffice = find_soffice()
    if soffice is None and sys.platform != "win32":
        return Rendered(None, "未找到 LibreOffice（soffice），也不是装有 Excel 的 Windows")
    with tempfile.TemporaryDirectory(prefix="xlmv-pdf-") as tmp:
        folder = Path(tmp)
        source = folder / "submission.xlsx"
        source.write_bytes(print_copy(xlsx, sheets))
        if soffice is not None:
            return Rendered(_libreoffice(soffice, source, folder, timeout), engine="LibreOffice")
        return _excel(source, folder / "submission.pdf")


def private_profile(folder: Path) -> Path:
    """A fresh LibreOffice profile in ``folder`` holding ``PROFILE_SETTINGS``; returns the folder."""
    user = folder / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(PROFILE_SETTINGS, encoding="utf-8")
    return folder


def _libreoffice(soffice: str, source: Path, folder: Path, timeout: float) -> bytes:
    outdir = folder / "out"
    profile = private_profile(folder / "profile")
    command = [
        soffice,
        f"-env:UserInstallation={profile.resolve().as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        "pdf:calc_pdf_Export",
        "--outdir",
        str(outdir),
        str(source),
    ]
    posix = os.name == "posix"
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=posix
    )
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        if posix:
            os.killpg(process.pid, signal.SIGKILL)  # the group this call started, by its id
        else:
            process.kill()
        process.communicate()
        raise PdfError(f"LibreOffice 转换超时（超过 {timeout:.0f} 秒）") from None
    pdf = outdir / f"{source.stem}.pdf"
    if process.returncode != 0 or not pdf.is_file():
        detail = stderr.decode("utf-8", "replace").strip()[-300:]
        raise PdfError(
            f"LibreOffice 转换失败（退出码 {process.returncode}）{('：' + detail) if detail else ''}"
        )
    return pdf.read_bytes()


def _excel(source: Path, target: Path) -> Rendered:  # pragma: no cover - needs Excel on Windows
    try:
        import xlwings as xw

        app = xw.App(visible=False, add_book=False)
    except Exception as exc:
        return Rendered(None, f"未找到 LibreOffice，且无法启动 Excel（{exc}）")
    try:
        book = app.books.open(str(source))
        try:
            book.to_pdf(str(target))
        finally:
            book.close()
    except Exception as exc:
        raise PdfError(f"Excel 导出 PDF 失败：{exc}") from None
    finally:
        app.quit()
    return Rendered(target.read_bytes(), engine="Excel")
