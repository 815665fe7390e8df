"""What the printed export looks like through the project's LibreOffice path (``export.pdf.to_pdf``):
simplified-Chinese glyphs whatever the user's locale, no line starting with closing punctuation, the page
counter on every page including the letter's."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from commands import pdf_pages
from openpyxl import Workbook
from workbooks import write_workbook

from xlmv.linebreak import NO_START
from xlmv_workbook.export.pdf import find_soffice, print_copy, to_pdf
from xlmv_workbook.export.submission import ExportResult, export
from xlmv_workbook.xlsx import styles as S

TIMEOUT = 300
GLYPHS = "令直骨写"  # drawn differently in the Japanese and the simplified-Chinese faces of Noto CJK


@pytest.fixture(scope="module")
def result(soffice: str, tmp_path_factory: pytest.TempPathFactory) -> ExportResult:
    folder = tmp_path_factory.mktemp("print")
    return export(write_workbook(folder / "in.xlsx"), folder / "out", pdf=True)


def test_no_printed_line_starts_with_closing_punctuation(result: ExportResult, pdftoppm: str) -> None:
    assert result.pdf is not None
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(result.pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    starts = [line for line in text.splitlines() if line.strip() and line.strip()[0] in NO_START]
    assert not starts, starts


def test_every_page_has_the_counter(result: ExportResult, pdftoppm: str) -> None:
    assert result.pdf is not None
    pages = [p for p in pdf_pages(result.pdf, TIMEOUT) if p.strip()]
    for number, page in enumerate(pages, start=1):
        assert f"第 {number} 页，共 {len(pages)} 页" in page, page[-200:]


def _glyph_sheet() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "字形"
    ws["A1"] = GLYPHS
    ws["A1"].font = S.font(size=48)
    ws.row_dimensions[1].height = 70
    ws.column_dimensions["A"].width = 40
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _raster(pdf: bytes, folder: Path, stem: str) -> bytes:
    source = folder / f"{stem}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "40", "-gray", "-singlefile", str(source), str(folder / stem)],
        check=True,
        timeout=TIMEOUT,
    )
    return (folder / f"{stem}.pgm").read_bytes()


def _plain_libreoffice(xlsx: bytes, folder: Path) -> bytes:
    """The same sheet through LibreOffice with an empty profile: what the project's path improves on."""
    source = folder / "plain.xlsx"
    source.write_bytes(print_copy(xlsx, ["字形"]))
    profile = (folder / "plain-profile").resolve().as_uri()
    command = [str(find_soffice()), f"-env:UserInstallation={profile}", "--headless", "--norestore"]
    subprocess.run(
        [*command, "--convert-to", "pdf", "--outdir", str(folder), str(source)],
        capture_output=True,
        check=True,
        timeout=TIMEOUT,
    )
    return (folder / "plain.pdf").read_bytes()


def test_simplified_glyphs_whatever_the_locale(
    soffice: str, pdftoppm: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """宋体 falls back to a Noto CJK face; under a Japanese locale LibreOffice would print the Japanese
    forms (the negative control), the project's profile keeps the simplified-Chinese ones."""
    xlsx = _glyph_sheet()
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.setenv("LC_ALL", "zh_CN.UTF-8")
    chinese = _raster(to_pdf(xlsx, ["字形"]).pdf or b"", tmp_path, "zh")
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8")
    japanese_locale = _raster(to_pdf(xlsx, ["字形"]).pdf or b"", tmp_path, "ja")
    plain = _raster(_plain_libreoffice(xlsx, tmp_path), tmp_path, "plain")
    assert plain != chinese, "control: without the profile a Japanese locale prints other glyphs"
    assert japanese_locale == chinese


def test_the_readme_picture_script_renders_page_one(soffice: str, pdftoppm: str, tmp_path: Path) -> None:
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "docs" / "render_readme_png.py"
    spec = importlib.util.spec_from_file_location("render_readme_png", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    png = module.render(tmp_path / "page1.png")
    assert png.read_bytes().startswith(b"\x89PNG") and 10_000 < png.stat().st_size < 200_000


@pytest.fixture(scope="module")
def template_pages(soffice: str, pdftoppm: str, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Every printed page of a filled template, as LibreOffice prints the whole workbook."""
    from xlmv_workbook.export.pdf import private_profile

    folder = tmp_path_factory.mktemp("template-print")
    source = write_workbook(folder / "申报表.xlsx")
    profile = private_profile(folder / "profile").resolve().as_uri()
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ],
        capture_output=True,
        check=True,
        timeout=TIMEOUT,
    )
    return [p for p in pdf_pages(folder / "申报表.pdf", TIMEOUT) if p.strip()]


def test_template_enterprise_total_prints_whole_on_one_page(template_pages: list[str]) -> None:
    calc = [p for p in template_pages if "距下一档（或项目上限）还需投入" in p]
    assert len(calc) == 3  # one page per product slot
    (total,) = [p for p in calc if "企业年度合计" in p]
    for label in ("产品1", "产品2", "产品3", "各项目奖励合计", "本年可获奖励合计"):
        assert label in total, label
    assert "产品3" in total and "产品1：" not in total  # with the last product, after the breaks
    assert not any("插件明细" in p for p in template_pages)  # the add-in's detail stays on screen


def test_xlwings_conf_is_not_printed(template_pages: list[str]) -> None:
    assert not any("UDF Modules" in p or "xlmv_udfs" in p for p in template_pages)
