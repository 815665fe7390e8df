"""``xlmv export --pdf``: the form and the letter as a print-ready PDF through LibreOffice headless — A4
portrait, title rows and the 校验码 on every form page, the letter alone on the last page, CJK fonts
embedded — and a clear note (exit 0, workbook still written) where no converter exists.

The first page and the letter are rendered to PNG in ``ARTEFACTS`` for a human to look at.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from commands import pdf_pages, render_page
from conftest import ARTEFACTS
from workbooks import write_workbook

from xlmv_workbook.export.pdf import PdfError, find_soffice, print_copy, to_pdf
from xlmv_workbook.export.submission import (
    CALC,
    CHECKLIST,
    DATA,
    FORM,
    LETTER,
    PRINT_SHEETS,
    ExportResult,
    export,
)

TIMEOUT = 300
A4 = (595.28, 841.89)  # points, portrait


@pytest.fixture(scope="module")
def result(soffice: str, tmp_path_factory: pytest.TempPathFactory) -> ExportResult:
    folder = tmp_path_factory.mktemp("pdf")
    return export(write_workbook(folder / "in.xlsx"), folder / "out", pdf=True)


def pages_text(pdf: Path) -> list[str]:
    return [re.sub(r"\s+", "", page) for page in pdf_pages(pdf, TIMEOUT) if page.strip()]


def test_the_pdf_sits_beside_the_workbook(result: ExportResult) -> None:
    assert result.pdf is not None and result.pdf_error is None
    assert result.pdf.name == result.workbook.stem + ".pdf"
    assert result.pdf.read_bytes().startswith(b"%PDF")


def test_every_page_is_a4_portrait(result: ExportResult, pdftoppm: str) -> None:
    assert result.pdf is not None
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "1000", str(result.pdf)], capture_output=True, text=True, check=True
    ).stdout
    sizes = [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]
    assert sizes
    for width, height in sizes:
        assert abs(width - A4[0]) < 1 and abs(height - A4[1]) < 1, (width, height)


def test_pages_are_the_form_then_the_letter(result: ExportResult, pdftoppm: str) -> None:
    assert result.pdf is not None
    pages = pages_text(result.pdf)
    *form, letter = pages
    assert form, "the form has at least one page"
    assert "附件3-3" in form[0] and "第一部分申请基本情况——申请企业情况（加盖公章）" in form[0]
    for page in form:  # title rows and the footer on every printed page of the form
        assert "模型券奖励申报表" in page and f"校验码{result.code}" in page
    assert sum("模型券奖励承诺书" in page for page in pages) == 1
    assert (
        "附件3-4" in letter
        and "申报单位（全称）北京星河智算科技有限公司（示例）（以下简称“本单位”）" in letter
    )
    assert "法定代表人（签字）：单位（签章）：" in letter and letter.endswith(
        f"年月日校验码{result.code}第{len(pages)}页，共{len(pages)}页"
    )
    everything = "".join(pages)
    # 01-星河智算: fees 620 + 85 = 705.00 万元 and 250 + 60 + 20 = 330.00 万元; 204.5万 + 45万 = 2,495,000.00 元
    assert "705.00" in everything and "330.00" in everything and "2,495,000.00" in everything
    assert "申报材料清单" not in everything and "企业合计奖励（核定）" not in everything  # only form + letter


def test_cjk_fonts_are_embedded(result: ExportResult, pdftoppm: str) -> None:
    assert result.pdf is not None
    listing = subprocess.run(["pdffonts", str(result.pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:] if line.strip()]
    assert rows
    # columns: name, type (may be two words), encoding, emb, sub, uni, object, id
    embedded = {row[0]: row[-5] for row in rows}
    assert all(flag == "yes" for flag in embedded.values()), listing
    assert any("CJK" in name for name in embedded), listing


def test_render_the_first_page_and_the_letter(result: ExportResult, pdftoppm: str) -> None:
    """Page 1 and the letter as printed: A4 portrait, the title at the top, and the letter's signature lines
    at its foot (pdftotext places text by position, so the last lines are the bottom of the page)."""
    assert result.pdf is not None
    pages = [page for page in pdf_pages(result.pdf, TIMEOUT) if page.strip()]
    first = [re.sub(r"\s+", "", line) for line in pages[0].splitlines() if line.strip()]
    letter = [re.sub(r"\s+", "", line) for line in pages[-1].splitlines() if line.strip()]
    assert "模型券奖励申报表" in first[:4] and first[0].startswith("附件3-3")
    assert letter[0].startswith("附件3-4") and "模型券奖励承诺书" in letter[:3]
    assert letter[-1] == f"校验码{result.code}第{len(pages)}页，共{len(pages)}页" and letter[-2].startswith(
        "年月日"
    )  # the footer (code and page counter), then the date
    assert any("法定代表人（签字）" in line for line in letter[-5:])
    for number in (1, len(pages)):
        page = render_page(result.pdf, number, dpi=60, timeout=TIMEOUT)
        assert abs(page.width - 496) <= 1 and abs(page.height - 702) <= 1  # A4 portrait at 60 dpi
        assert 0.01 < page.ink() < 0.4, page.ink()  # printed, neither blank nor black
        assert page.ink(0.0, 0.15) > 0.005  # the heading at the top
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for number, stem in ((1, "export_申报表_p1"), (len(pages), "export_承诺书")):
        target = ARTEFACTS / stem
        page_range = ["-f", str(number), "-l", str(number)]
        subprocess.run(
            [pdftoppm, *page_range, "-r", "110", "-png", "-singlefile", str(result.pdf), str(target)],
            check=True,
            timeout=TIMEOUT,
        )
        print(f"page {number} → {target.with_suffix('.png')}")


def test_a_second_export_gets_a_second_pair(result: ExportResult, soffice: str) -> None:
    source = result.workbook.parent.parent / "in.xlsx"
    again = export(source, result.workbook.parent, pdf=True)
    assert again.workbook.name == f"{result.workbook.stem} (2).xlsx"
    assert again.pdf is not None and again.pdf.name == f"{result.workbook.stem} (2).pdf"


def test_print_copy_holds_only_the_form_and_the_letter(result: ExportResult) -> None:
    copy = openpyxl.load_workbook(io.BytesIO(print_copy(result.workbook.read_bytes(), PRINT_SHEETS)))
    assert copy.sheetnames == [FORM, LETTER]
    assert not list(copy.defined_names)
    assert copy[FORM].print_area and copy[LETTER].print_area
    for gone in (CHECKLIST, CALC, DATA):
        assert gone not in copy.sheetnames


def test_a_conversion_that_takes_too_long_is_stopped(result: ExportResult, soffice: str) -> None:
    with pytest.raises(PdfError, match="超时"):
        to_pdf(result.workbook.read_bytes(), PRINT_SHEETS, timeout=0.2)


def test_without_a_converter_the_workbook_is_still_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real run with a PATH that holds no LibreOffice (and not on Windows, so no Excel)."""
    path = os.path.dirname(sys.executable)
    monkeypatch.setenv("PATH", path)
    if find_soffice() is not None or sys.platform == "win32":
        pytest.skip("a converter is still reachable without PATH (LibreOffice.app or Windows)")
    source = write_workbook(tmp_path / "in.xlsx")
    run = subprocess.run(
        [sys.executable, "-m", "xlmv.cli", "export", str(source), "-o", str(tmp_path / "out"), "--pdf"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
        env={**os.environ, "PATH": path},
    )
    assert run.returncode == 0, run.stderr
    assert "未生成 PDF" in run.stdout and "LibreOffice" in run.stdout
    assert [p.suffix for p in (tmp_path / "out").iterdir()] == [".xlsx"]
