"""Plain-text tables for the terminal that line up Chinese (double-width) and Latin characters."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, size: int, right: bool) -> str:
    gap = " " * (size - width(text))
    return gap + text if right else text + gap


def render(header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    """A table with a rule under the header; columns whose index is in ``right`` are right-aligned."""
    sizes = [max(width(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(_pad(c, s, i in right) for i, (c, s) in enumerate(zip(cells, sizes, strict=True)))

    return "\n".join([line(header), "  ".join("-" * s for s in sizes), *(line(r) for r in rows)])
