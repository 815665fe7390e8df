"""Regenerate ``docs/export-form-page1.png``, the README's picture of an exported 附件3-3 (its first page).

The first bundled example declaration (``xlmv/examples``) is filled into a fresh template, exported by
``xlmv export --pdf``'s own path (``xlmv_workbook.export.submission.export``, LibreOffice headless through
``xlmv_workbook.export.pdf``), and page 1 of that PDF is rendered by ``pdftoppm`` at 50 dpi (under 200 KB).

Run from the repository root: ``python docs/render_readme_png.py`` (needs LibreOffice, fonts-noto-cjk and
poppler-utils); ``--out PATH`` writes elsewhere.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from xlmv_workbook.demo import examples
from xlmv_workbook.export.submission import export
from xlmv_workbook.template.build import write_template
from xlmv_workbook.template.fill import fill_template

PNG = Path(__file__).resolve().parent / "export-form-page1.png"
DPI = 50


def render(target: Path = PNG, dpi: int = DPI) -> Path:
    """Export the first example and write page 1 of its PDF as a PNG at ``target``."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise SystemExit("需要 pdftoppm（poppler-utils）")
    with tempfile.TemporaryDirectory(prefix="xlmv-readme-") as tmp:
        folder = Path(tmp)
        template = write_template(folder / "模板.xlsx")
        _, declaration = examples()[0]
        filled = fill_template(template, declaration, folder / "申报表.xlsx")
        result = export(filled, folder / "导出", pdf=True)
        if result.pdf is None:
            raise SystemExit(f"未生成 PDF：{result.pdf_note or result.pdf_error}")
        stem = folder / "page"
        subprocess.run(
            [
                pdftoppm,
                "-f",
                "1",
                "-l",
                "1",
                "-r",
                str(dpi),
                "-png",
                "-singlefile",
                str(result.pdf),
                str(stem),
            ],
            check=True,
            timeout=120,
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(stem.with_suffix(".png"), target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PNG)
    args = parser.parse_args(argv)
    path = render(args.out)
    print(f"{path}（{path.stat().st_size // 1024} KB）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
