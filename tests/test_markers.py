"""The fast suite: every test that starts LibreOffice is marked ``libreoffice`` (``conftest.py``), so
``pytest -m "not libreoffice"`` leaves them all out; the marker is registered and the durations listed."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLOW_FILES = ["tests/test_template_libreoffice.py", "tests/test_export_pdf.py", "tests/test_print_pdf.py"]


def collected(*args: str) -> list[str]:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            *args,
            *SLOW_FILES,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return [line for line in run.stdout.splitlines() if "::" in line]


def test_not_libreoffice_leaves_out_every_soffice_test() -> None:
    fast = collected("-m", "not libreoffice")
    assert not any("test_template_libreoffice.py" in t for t in fast)
    assert "tests/test_export_pdf.py::test_without_a_converter_the_workbook_is_still_written" in fast
    assert "tests/test_export_pdf.py::test_the_pdf_sits_beside_the_workbook" not in fast
    assert not any("test_print_pdf.py" in t for t in fast)


def test_the_marker_is_registered_and_durations_shown() -> None:
    options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"][
        "ini_options"
    ]
    assert any(m.startswith("libreoffice:") for m in options["markers"])
    assert "--durations=10" in options["addopts"] and "--strict-markers" in options["addopts"]
