"""Running the programs the tests drive as a user would: the ``xlmv`` command and ``pdftotext``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def xlmv(*args: str, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    """``xlmv ARGS…`` in a fresh interpreter; output captured as UTF-8 text, exit code not checked."""
    return subprocess.run(
        [sys.executable, "-m", "xlmv.cli", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )


def pdf_pages(pdf: Path, timeout: int = 120) -> list[str]:
    """The text of each page of ``pdf`` (``pdftotext -layout``), split at form feeds."""
    text = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    ).stdout
    return text.split("\f")
