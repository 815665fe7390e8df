"""LibreOffice (headless, no add-in) recalculates the filled template and prints it.

Every example declaration is filled, converted xlsx → xlsx by one ``soffice`` call, read back with
openpyxl ``data_only=True``, and each computed cell that matters equals the engine's answer to the fen,
with the engine cell showing ``计算方式：内置公式`` (the UDFs are unknown to LibreOffice, so IFERROR takes
the native formulas).

LibreOffice normally trusts the cached values of an xlsx (Tools ▸ Options ▸ Calc ▸ Formula ▸
“Recalculation on file load”, ``/org.openoffice.Office.Calc/Formula/Load/OOXMLRecalcMode``: 0 always,
1 never — the default, 2 ask; see ``share/registry/main.xcd``). Each test session gets a fresh profile
whose ``registrymodifications.xcu`` sets it to 0; ``test_recalculation_on_load_is_forced`` proves that it
works with a file whose cached values are deliberately wrong, against a control profile set to 1.

The PDF of a filled template: every page A4, the text extractable (title, company, reward), and page 1 of
申报表 and of 奖励测算 rendered to PNG in ``ARTEFACTS`` for a human to look at.
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from commands import pdf_pages, render_page
from conftest import ARTEFACTS
from filling import (
    COMPANY_NAME,
    EXAMPLES,
    expected_cells,
    fill_template,
    mismatches,
    resolve,
    several_products_and_services,
)

from xlmv.money import format_yuan
from xlmv_workbook.template import layout as L

TIMEOUT = 300
WRONG = "1234.5"  # the cached value planted in every formula cell of 奖励测算
A4 = (595.28, 841.89)  # points
RECALC_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>{mode}</value></prop></item>
</oor:items>
"""


def profile(folder: Path, recalc_mode: int) -> str:
    """A fresh LibreOffice user profile with ``OOXMLRecalcMode`` set; returns its file URL."""
    user = folder / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(RECALC_XCU.format(mode=recalc_mode), encoding="utf-8")
    return folder.resolve().as_uri()


def convert(soffice: str, profile_url: str, to: str, files: list[Path], outdir: Path) -> list[Path]:
    """One ``soffice`` run converting ``files``; returns the outputs in the same order."""
    outdir.mkdir(parents=True, exist_ok=True)
    command = [soffice, f"-env:UserInstallation={profile_url}", "--headless", "--norestore"]
    command += ["--convert-to", to, "--outdir", str(outdir), *map(str, files)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    suffix = "." + to.split(":")[0]
    outputs = [outdir / (f.stem + suffix) for f in files]
    missing = [p.name for p in outputs if not p.exists()]
    assert done.returncode == 0 and not missing, f"soffice failed ({missing}): {done.stdout}\n{done.stderr}"
    return outputs


def plant_wrong_cached_values(source: Path, target: Path, sheet_index: int) -> Path:
    """A copy of ``source`` whose formula cells on one sheet carry the cached value ``WRONG``."""
    part = f"xl/worksheets/sheet{sheet_index}.xml"
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            body = zin.read(item.filename)
            if item.filename == part:
                body, count = re.subn(
                    rb"(</f>)(?:<v\s*/>|<v></v>)", rb"\1<v>" + WRONG.encode() + b"</v>", body
                )
                assert count > 50, f"only {count} formula cells in {part}"
            zout.writestr(item, body)
    return target


def read_cells(path: Path, keys: list[str]) -> dict[str, object]:
    """Cached values (after LibreOffice) of defined names or ``sheet!cell`` keys."""
    wb = openpyxl.load_workbook(path, data_only=True)
    out = {}
    for key in keys:
        sheet, cell = key.split("!") if "!" in key else resolve(wb, key)
        out[key] = wb[sheet][cell].value
    return out


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("libreoffice")


@pytest.fixture(scope="module")
def recalc_profile(workdir: Path) -> str:
    return profile(workdir / "profile-recalc", recalc_mode=0)


@pytest.fixture(scope="module")
def filled(template_path: Path, workdir: Path) -> dict[str, Path]:
    return {
        name: fill_template(template_path, make(), workdir / "filled" / f"{name}.xlsx")
        for name, make in EXAMPLES.items()
    }


@pytest.fixture(scope="module")
def stale(filled: dict[str, Path], workdir: Path, template_path: Path) -> Path:
    sheet_index = openpyxl.load_workbook(template_path).sheetnames.index(L.CALC) + 1
    source = filled["api_project_cap"]
    return plant_wrong_cached_values(source, workdir / "stale" / "stale_cache.xlsx", sheet_index)


@pytest.fixture(scope="module")
def recalculated(soffice: str, recalc_profile: str, filled, stale: Path, workdir: Path) -> dict[str, Path]:
    """Every example and the stale-cache file through LibreOffice in one run."""
    names = [*filled, "stale"]
    outputs = convert(soffice, recalc_profile, "xlsx", [*filled.values(), stale], workdir / "recalculated")
    return dict(zip(names, outputs, strict=True))


@pytest.mark.parametrize("example", EXAMPLES)
def test_libreoffice_computes_what_the_engine_computes(recalculated, example: str) -> None:
    expected = expected_cells(EXAMPLES[example]())
    values = read_cells(recalculated[example], [*expected, L.ENGINE_NAME])
    assert values[L.ENGINE_NAME] == "计算方式：内置公式"
    # An empty text result comes back from LibreOffice's xlsx as an empty value, which openpyxl reads as None.
    values = {k: ("" if v is None and expected.get(k) == "" else v) for k, v in values.items()}
    assert not mismatches(values, expected)


def test_recalculation_on_load_is_forced(soffice: str, recalculated, stale: Path, workdir: Path) -> None:
    expected = expected_cells(EXAMPLES["api_project_cap"]())
    keys = [k for k in expected if not isinstance(expected[k], str) and k.startswith("MV_")]
    planted = read_cells(stale, keys)
    assert all(str(v) == WRONG for v in planted.values()), planted  # the file really carries wrong values
    assert not mismatches(read_cells(recalculated["stale"], keys), {k: expected[k] for k in keys})
    # Control: a profile that trusts cached values (LibreOffice's default) keeps the wrong ones.
    control = profile(workdir / "profile-never", recalc_mode=1)
    (kept,) = convert(soffice, control, "xlsx", [stale], workdir / "control")
    assert all(str(v) == WRONG for v in read_cells(kept, keys).values())


# ---------------------------------------------------------------------------------------------- PDF


@pytest.fixture(scope="module")
def pdf(soffice: str, recalc_profile: str, filled, workdir: Path) -> Path:
    (out,) = convert(
        soffice, recalc_profile, "pdf", [filled["several_products_and_services"]], workdir / "pdf"
    )
    return out


def pages_text(pdf: Path) -> list[str]:
    return pdf_pages(pdf, TIMEOUT)


def test_every_page_is_a4(pdf: Path, pdftoppm: str) -> None:
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "10000", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    sizes = [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]
    print(f"{len(sizes)} pages")
    assert sizes
    for width, height in sizes:
        short, long = sorted((width, height))
        assert abs(short - A4[0]) < 1 and abs(long - A4[1]) < 1, (width, height)


def test_pdf_text_is_readable(pdf: Path, pdftoppm: str) -> None:
    text = "".join(pages_text(pdf))
    decl = several_products_and_services()
    expected = expected_cells(decl)
    assert "模型券奖励申报表" in text
    assert COMPANY_NAME in text
    assert format_yuan(expected[L.TOTAL_NAME]) in text  # 2,075,000.28
    assert format_yuan(expected["MV_P1_REWARD"]) in text
    assert "计算方式：内置公式" in text


def first_page(pages: list[str], marker: str) -> int:
    """1-based number of the first page whose text contains ``marker`` (spaces ignored)."""
    for number, page in enumerate(pages, start=1):
        if marker in re.sub(r"\s+", "", page):
            return number
    raise AssertionError(f"no page contains {marker!r}")


def test_render_first_pages_of_the_form_and_the_calculation(pdf: Path, pdftoppm: str) -> None:
    """What a reader of the printout sees: page 1 of 申报表 with its title and the company, and page 1 of
    奖励测算 with a chart per product (its title and legend as text, the red 本申报 points as pixels)."""
    pages = pages_text(pdf)
    form, calc = first_page(pages, "申请基本情况"), first_page(pages, "逐档计算")
    form_text, calc_text = (re.sub(r"\s+", "", pages[n - 1]) for n in (form, calc))
    assert "模型券奖励申报表" in form_text and COMPANY_NAME in form_text
    # 奖励测算 prints one product per page: the chart titles of the three product blocks, in order
    calc_pages = "".join(re.sub(r"\s+", "", p) for p in pages if "奖励与投入金额" in p.replace(" ", ""))
    charts = re.findall(r"产品(\d)：奖励与投入金额", calc_pages)
    assert charts == ["1", "2", "3"], calc_pages
    assert calc_pages.count("奖励（按档位）") == 3 and "本申报" in calc_text  # one legend per chart
    assert "投入金额（万元）" in calc_text  # axis title
    for number in (form, calc):
        page = render_page(pdf, number, dpi=60, timeout=TIMEOUT)
        short, long = sorted((page.width, page.height))
        assert abs(short - 496) <= 1 and abs(long - 702) <= 1  # A4 at 60 dpi (申报表 is landscape)
        print(f"page {number}: ink {page.ink():.3f}, top {page.ink(0.0, 0.12):.3f}")
        assert 0.01 < page.ink() < 0.4, page.ink()  # printed, neither blank nor black
        assert page.ink(0.0, 0.12) > 0.005  # the title rows at the top
    # The 本申报 point of products 1 and 2 and each legend's marker are drawn in red.
    red = render_page(pdf, calc, dpi=110, timeout=TIMEOUT).count((204, 0, 0), tolerance=60)
    print(f"red pixels on 奖励测算: {red}")
    assert red > 60, red
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for number, stem in ((form, "libreoffice_申报表_p1"), (calc, "libreoffice_奖励测算_p1")):
        target = ARTEFACTS / stem
        page = ["-f", str(number), "-l", str(number)]
        subprocess.run(
            [pdftoppm, *page, "-r", "110", "-png", "-singlefile", str(pdf), str(target)],
            check=True,
            timeout=TIMEOUT,
        )
        print(f"page {number} → {target.with_suffix('.png')}")
