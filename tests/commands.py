"""Running the programs the tests drive as a user would: the ``xlmv`` command, ``pdftotext`` and ``pdftoppm``."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Page:
    """One PDF page as a user sees it: rendered by ``pdftoppm`` to RGB pixels, row by row."""

    width: int
    height: int
    rgb: bytes

    def pixels(self, top: float = 0.0, bottom: float = 1.0) -> list[tuple[int, int, int]]:
        """The pixels of a band of the page, ``top`` and ``bottom`` as fractions of its height."""
        first, last = int(self.height * top), int(self.height * bottom)
        data = self.rgb[first * self.width * 3 : last * self.width * 3]
        return [(data[i], data[i + 1], data[i + 2]) for i in range(0, len(data), 3)]

    def ink(self, top: float = 0.0, bottom: float = 1.0) -> float:
        """The share of dark pixels (text, lines) in a band of the page."""
        band = self.pixels(top, bottom)
        return sum(1 for r, g, b in band if r + g + b < 3 * 128) / max(len(band), 1)

    def count(self, colour: tuple[int, int, int], tolerance: int = 40) -> int:
        """How many pixels are within ``tolerance`` of ``colour`` in every channel."""
        return sum(
            1 for p in self.pixels() if all(abs(a - b) <= tolerance for a, b in zip(p, colour, strict=True))
        )


def render_page(pdf: Path, number: int, dpi: int = 60, timeout: int = 120) -> Page:
    """Page ``number`` (1-based) of ``pdf`` rendered at ``dpi`` (``pdftoppm``, PPM to stdout)."""
    ppm = subprocess.run(
        ["pdftoppm", "-f", str(number), "-l", str(number), "-r", str(dpi), "-singlefile", str(pdf)],
        capture_output=True,
        timeout=timeout,
        check=True,
    ).stdout
    header = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", ppm)  # one white-space character, then the pixels
    assert header is not None, ppm[:20]
    width, height = int(header[1]), int(header[2])
    return Page(width, height, ppm[header.end() : header.end() + width * height * 3])
